"""A small closed-loop HTTP/1.1 load generator: read_api.py's fallback when wrk is not installed.

Run: python bench/read_load.py URL BODY_FILE --concurrency 8 --duration 10
Each connection sends the same keep-alive POST, waits for the whole answer, and sends the next.
It prints one line, ``BENCH {json}``, as read_api.py's wrk script does. Being Python, it costs
far more CPU per request than wrk, so on a 2-core machine it caps the baseline's requests/s.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit


@dataclass
class Tally:
    """What the connections saw."""

    latencies: list[float] = field(default_factory=list)
    failures: int = 0


def build_request(host: str, port: int, path: str, body: bytes) -> bytes:
    """The raw bytes of one keep-alive JSON POST."""
    head = (
        f"POST {path} HTTP/1.1\r\nHost: {host}:{port}\r\nContent-Type: application/json\r\n"
        f"Content-Length: {len(body)}\r\nConnection: keep-alive\r\n\r\n"
    )
    return head.encode("ascii") + body


async def _connection(host: str, port: int, request: bytes, deadline: float, tally: Tally) -> None:
    reader, writer = await asyncio.open_connection(host, port)
    try:
        while (start := time.perf_counter()) < deadline:
            writer.write(request)
            head = await reader.readuntil(b"\r\n\r\n")
            lines = head.decode("latin-1").split("\r\n")
            status = int(lines[0].split(" ", 2)[1])
            headers = dict(line.split(":", 1) for line in lines[1:] if ":" in line)
            length = {k.strip().lower(): v.strip() for k, v in headers.items()}.get("content-length")
            if length is None:
                raise RuntimeError("answer without Content-Length")
            await reader.readexactly(int(length))
            tally.latencies.append(time.perf_counter() - start)
            if status != 200:
                tally.failures += 1
    except (OSError, asyncio.IncompleteReadError):
        tally.failures += 1
    finally:
        writer.close()


async def run(url: str, body: bytes, concurrency: int, duration: float) -> dict[str, int]:
    """Load ``url`` for ``duration`` seconds; the same figures as the wrk script prints."""
    parts = urlsplit(url)
    host, port = parts.hostname or "127.0.0.1", parts.port or 80
    if host not in {"127.0.0.1", "localhost", "::1"}:
        raise SystemExit("read_load only targets the loopback interface")
    request = build_request(host, port, parts.path or "/", body)
    tally = Tally()
    began = time.perf_counter()
    deadline = began + duration
    await asyncio.gather(*(_connection(host, port, request, deadline, tally) for _ in range(concurrency)))
    elapsed = time.perf_counter() - began
    cuts = statistics.quantiles(tally.latencies, n=100) if len(tally.latencies) > 1 else [0.0] * 99
    return {
        "requests": len(tally.latencies),
        "duration_us": int(elapsed * 1e6),
        "p50_us": int(cuts[49] * 1e6),
        "p99_us": int(cuts[98] * 1e6),
        "failures": tally.failures,
    }


def main() -> None:
    """Parse the command line and print the result line."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("url")
    parser.add_argument("body", type=Path)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--duration", type=float, default=10.0)
    args = parser.parse_args()
    if not 0 < args.duration <= 120 or not 0 < args.concurrency <= 256:
        raise SystemExit("duration must be in (0, 120] s and concurrency in (0, 256]")
    figures = asyncio.run(run(args.url, args.body.read_bytes(), args.concurrency, args.duration))
    print("BENCH " + json.dumps(figures), flush=True)


if __name__ == "__main__":
    main()
