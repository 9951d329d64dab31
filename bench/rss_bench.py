"""Memory of one worker after the fuzz mix (issue 13 target: RSS <= 150 MB after 10,000 requests).

Run: nice -n 10 .venv/bin/python bench/rss_bench.py [--requests 10000] [--postgres-url URL]

Serves the demo data (SQLite, temporary; or the PostgreSQL database given, whose public schema is
WIPED) with ``gongshi serve`` (one worker, rate limits on with
budgets raised so nothing is refused), sends the fuzz test's operations (tests/edge/fuzz_operations.py:
seven queries to three mutations, anonymous, awkward values, real and bad IDs), a quarter of
them twice so the response cache fills and serves, and prints VmRSS/VmHWM of the server process
before and after (from /proc).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from read_api import BIN, UNLIMITED, default_env, free_port, graphql_body, serving
from strawberry.relay import to_base64

from api.graphql.schema import build_schema
from tests.edge.fuzz_operations import Writer


def memory(pid: int) -> dict[str, int]:
    """VmRSS and VmHWM of ``pid`` in MB."""
    status = Path(f"/proc/{pid}/status").read_text()
    found = {}
    for line in status.splitlines():
        key, _, value = line.partition(":")
        if key in ("VmRSS", "VmHWM"):
            found[key] = int(value.split()[0]) // 1024
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--requests", type=int, default=10_000)
    parser.add_argument("--cache-bytes", help="GONGSHI_RESPONSE_CACHE_BYTES (0: no response cache)")
    parser.add_argument(
        "--postgres-url", help="measure on this PostgreSQL database (its public schema is WIPED)"
    )
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="gongshi-rss-") as tmp:
        work = Path(tmp)
        url = args.postgres_url or f"sqlite:///{work / 'bench.db'}"
        if args.postgres_url:
            wipe = "DROP SCHEMA public CASCADE; CREATE SCHEMA public;"
            subprocess.run(["psql", args.postgres_url, "-qc", wipe], check=True, capture_output=True)
        env = {**default_env(), **UNLIMITED, "DATABASE_URL": url}
        if args.cache_bytes is not None:
            env["GONGSHI_RESPONSE_CACHE_BYTES"] = args.cache_bytes
        subprocess.run([str(BIN / "gongshi"), "demo"], env=env, cwd=work, check=True, capture_output=True)
        port = free_port()
        command = [str(BIN / "gongshi"), "serve", "--host", "127.0.0.1", "--port", str(port)]
        with serving(command, env, work / "serve.log", port) as server:
            page = graphql_body(
                "{ results(first: 20) { edges { node { id task { id } department { id } } } } }"
            )
            _, raw = server.wait_for(page, lambda raw: b'"edges"' in raw)
            edges = json.loads(raw)["data"]["results"]["edges"]
            ids = [e["node"]["id"] for e in edges] + [e["node"]["task"]["id"] for e in edges[:3]]
            ids += [e["node"]["department"]["id"] for e in edges[:3]] + [to_base64("Task", 1)]
            before = memory(server.process.pid)
            writer = Writer(build_schema()._schema, ids, seed=13)
            unique = args.requests * 3 // 4
            operations = [writer.operation("mutation" if n % 10 < 3 else "query") for n in range(unique)]
            operations += operations[: args.requests - unique]
            statuses: dict[int, int] = {}
            for document, variables in operations:
                body = json.dumps({"query": document, "variables": variables}).encode()
                request = urllib.request.Request(
                    server.url, data=body, headers={"Content-Type": "application/json"}
                )
                try:
                    with urllib.request.urlopen(request, timeout=30) as answer:
                        status = answer.status
                        answer.read()
                except urllib.error.HTTPError as error:
                    status = error.code
                    error.read()
                statuses[status] = statuses.get(status, 0) + 1
            after = memory(server.process.pid)
            metrics = urllib.request.urlopen(server.url.replace("/graphql", "/metrics")).read().decode()
    hits = next((ln for ln in metrics.splitlines() if ln.startswith("gongshi_response_cache_hits_total")), "")
    print(f"requests {len(operations)} statuses {dict(sorted(statuses.items()))} {hits}")
    print(f"RSS before {before['VmRSS']} MB, after {after['VmRSS']} MB (peak {after['VmHWM']} MB)")


if __name__ == "__main__":
    main()
