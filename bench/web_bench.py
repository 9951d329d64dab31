"""The website's budget (issue 15): page weight, first search result on a slow phone, page req/s.

    .venv/bin/python bench/web_bench.py            # ~3 minutes
    .venv/bin/python bench/web_bench.py --quick    # ~1 minute (1 round, shorter loads)

Everything runs in a temporary directory on 127.0.0.1: ``gongshi demo`` fills a SQLite file,
``gongshi serve`` serves it (rate limit raised so it never refuses), and a bare Starlette app
(this file with ``--baseline``) serves the very bytes a page answered with, under the same
uvicorn settings. Needs Debian's ``chromium`` and ``wrk`` (apt-get install chromium wrk).

1. Weight: each page type's HTML plus every script and stylesheet it loads, each gzip -6 (what
   a compressing edge would send; compression itself comes with the public-edge work).
2. First result: in Chromium with the CPU throttled 4x and a slow-3G profile, the time from
   pressing Enter in the home page's search box to the first result being rendered, read from the
   browser's Element Timing API (static files already cached from the home page: immutable).
   Two slow-3G profiles are measured: WebPageTest's "3G Slow" (400 ms RTT, 400 kbit/s) and
   Chrome DevTools' "Slow 3G" (2000 ms added latency, 400 kbit/s).
3. Throughput: wrk (1 thread, 8 connections) on a page, then on the baseline serving the same
   bytes, alternating, per round; the ratio is page / baseline.
"""

from __future__ import annotations

import argparse
import contextlib
import gzip
import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote

import httpx

BIN = Path(sys.executable).parent
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]
PROFILES = {
    "no throttling": None,
    "WebPageTest 3G Slow (400 ms RTT, 400 kbit/s) + CPU 4x": (400, 400_000),
    "DevTools Slow 3G (2000 ms latency, 400 kbit/s) + CPU 4x": (2000, 400_000),
}


def baseline_main(port: int, response: Path, media_type: str) -> None:
    """A one-route Starlette app answering every GET with the bytes of ``response``."""
    import uvicorn
    from starlette.applications import Starlette
    from starlette.requests import Request
    from starlette.responses import Response
    from starlette.routing import Route

    body = response.read_bytes()

    async def fixed(request: Request) -> Response:
        return Response(body, media_type=media_type)

    app = Starlette(routes=[Route("/{path:path}", fixed)])
    uvicorn.run(app, host="127.0.0.1", port=port, log_level="warning", access_log=False)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextlib.contextmanager
def serving(command: list[str], env: dict[str, str], port: int, log: Path) -> Iterator[str]:
    """Run a server until the block ends; yields its base URL once /healthz or / answers."""
    with log.open("wb") as out:
        process = subprocess.Popen(command, env=env, stdout=out, stderr=out)
        base = f"http://127.0.0.1:{port}"
        try:
            for _ in range(600):
                try:
                    httpx.get(base + "/healthz", timeout=1)
                    break
                except httpx.TransportError:
                    time.sleep(0.1)
            yield base
        finally:
            process.terminate()
            process.wait(timeout=20)


def gz(data: bytes) -> int:
    return len(gzip.compress(data, compresslevel=6))


def weight(base: str, path: str) -> tuple[int, int, int]:
    """(HTML gzip bytes, assets gzip bytes, raw total) of a page and what it loads."""
    html = httpx.get(base + path, timeout=30).content
    assets = re.findall(rb'(?:<script[^>]*src|<link rel="stylesheet" href)="(/static/[^"]+)"', html)
    bodies = [httpx.get(base + a.decode(), timeout=30).content for a in assets]
    return gz(html), sum(gz(b) for b in bodies), len(html) + sum(len(b) for b in bodies)


# The render time of the first result's heading (Element Timing API, `elementtiming="result"`),
# in ms from the search page's navigation start, which is the moment the form was submitted.
RENDERED = """() => new Promise(done => new PerformanceObserver(list => {
  const entry = list.getEntries().find(e => e.identifier === "result");
  if (entry) done(entry.renderTime || entry.loadTime);
}).observe({type: "element", buffered: true}))"""


def first_result(
    base: str, query: str, profile: tuple[int, int] | None, runs: int
) -> tuple[list[float], list[float]]:
    """(rendered, driver) seconds to the first result, ``runs`` times each.

    ``rendered``: the browser's own render time of the first result heading from the submit;
    ``driver``: the wall clock from playwright's Enter to its seeing the card visible (includes
    the driver's own round trips and polling, so it is an upper bound).
    """
    from playwright.sync_api import sync_playwright

    times: list[float] = []
    rendered: list[float] = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=shutil.which("chromium"), args=FLAGS)
        for _ in range(runs):
            context = browser.new_context(viewport={"width": 390, "height": 844})
            page = context.new_page()
            page.goto(base + "/")  # primes the cache with the (immutable) CSS and scripts
            cdp = context.new_cdp_session(page)
            if profile is not None:
                latency, bits = profile
                cdp.send("Network.enable")
                cdp.send(
                    "Network.emulateNetworkConditions",
                    {
                        "offline": False,
                        "latency": latency,
                        "downloadThroughput": bits / 8,
                        "uploadThroughput": bits / 8,
                    },
                )
                cdp.send("Emulation.setCPUThrottlingRate", {"rate": 4})
            page.evaluate("q => { document.getElementById('q').value = q; }", query)
            start = time.perf_counter()
            page.press("#q", "Enter")
            page.wait_for_selector(".results .card", state="visible", timeout=60000)
            times.append(time.perf_counter() - start)
            rendered.append(page.evaluate(RENDERED) / 1000)
            context.close()
        browser.close()
    return rendered, times


def wrk(url: str, seconds: int) -> float:
    out = subprocess.run(
        ["wrk", "-t1", "-c8", f"-d{seconds}s", "--timeout", "10s", url],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    if "Non-2xx" in out or "Socket errors" in out:
        raise SystemExit(f"wrk saw errors on {url}:\n{out}")
    return float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--throughput-only", action="store_true", help="skip the weight and browser parts")
    parser.add_argument("--baseline", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--port", type=int)
    parser.add_argument("--response", type=Path)
    parser.add_argument("--media-type", default="text/html; charset=utf-8")
    args = parser.parse_args()
    if args.baseline:
        baseline_main(args.port, args.response, args.media_type)
        return
    rounds, seconds, runs = (1, 3, 3) if args.quick else (3, 5, 5)
    work = Path(tempfile.mkdtemp(prefix="web-bench-"))
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GONGSHI_", "DATABASE_URL", "REDIS_URL"))}
    env |= {
        "DATABASE_URL": f"sqlite+aiosqlite:///{work / 'demo.db'}",
        "GONGSHI_SNAPSHOT_DIR": str(work / "snapshots"),
        "GONGSHI_ANONYMOUS_RATE_LIMIT": "1000000/minute",
    }
    subprocess.run([str(BIN / "gongshi"), "demo"], env=env, check=True, capture_output=True)
    port = free_port()
    with serving(
        [str(BIN / "gongshi"), "serve", "--port", str(port)], env, port, work / "server.log"
    ) as base:
        data = httpx.post(
            base + "/graphql",
            json={"query": "{ results(first: 1) { edges { node { id entity { name creditCode } } } } }"},
        ).json()["data"]["results"]["edges"][0]["node"]
        name, code = data["entity"]["name"], data["entity"]["creditCode"]
        query = name[3:7]
        pages = {
            "home": "/",
            "search": "/search?q=" + quote(query),
            "entity": f"/entities/{code}",
            "result": "/results/1",
            "plans": "/plans",
            "tasks": "/tasks",
            "task (with verify script)": "/tasks/2",
            "statistics": "/statistics",
            "downloads": "/downloads",
            "api (SDL)": "/api",
            "how to object": "/how-to-object",
            "GraphiQL (developer page)": "/api/graphiql",
        }
        print(f"## Weight (gzip -6), {time.strftime('%Y-%m-%d %H:%M')}\n")
        print("| page | HTML | scripts + CSS | total | uncompressed |\n|---|---:|---:|---:|---:|")
        for label, path in pages.items() if not args.throughput_only else ():
            html, assets, raw = weight(base, path)
            print(
                f"| {label} | {html / 1024:.1f} KB | {assets / 1024:.1f} KB "
                f"| **{(html + assets) / 1024:.1f} KB** | {raw / 1024:.0f} KB |"
            )
        print(
            f"\n## First search result visible (query “{query}”, phone viewport, "
            f"median of {runs} [min–max])\n"
        )
        for label, profile in PROFILES.items() if not args.throughput_only else ():
            rendered, times = first_result(base, query, profile, runs)
            print(
                f"- {label}: rendered {statistics.median(rendered):.2f} s "
                f"[{min(rendered):.2f}–{max(rendered):.2f}]; as the driver saw it "
                f"{statistics.median(times):.2f} s [{min(times):.2f}–{max(times):.2f}]"
            )
        print(
            "\n## Page req/s against a bare Starlette endpoint serving the same bytes "
            f"({rounds}×{seconds} s)\n"
        )
        print("| page | page req/s | baseline req/s | ratio |\n|---|---:|---:|---:|")
        for label in ("home", "search", "entity"):
            path = pages[label]
            body = work / f"{label}.html"
            body.write_bytes(httpx.get(base + path).content)
            bport = free_port()
            command = [sys.executable, __file__, "--baseline", "--port", str(bport), "--response", str(body)]
            ratios: list[float] = []
            own: list[float] = []
            bare: list[float] = []
            with serving(command, env, bport, work / "baseline.log") as bbase:
                assert httpx.get(bbase + path).content == body.read_bytes()
                for n in range(rounds):
                    order = [(base, own), (bbase, bare)] if n % 2 == 0 else [(bbase, bare), (base, own)]
                    for url, sink in order:
                        sink.append(wrk(url + path, seconds))
                    ratios.append(own[-1] / bare[-1])
            print(
                f"| {label} | {statistics.median(own):.0f} | {statistics.median(bare):.0f} "
                f"| {statistics.median(ratios):.3f} [{min(ratios):.3f}–{max(ratios):.3f}] |"
            )
    shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
