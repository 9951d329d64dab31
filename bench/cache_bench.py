"""The public response cache, side by side with its baselines in one run (issue 13 part 6).

Run: nice -n 10 .venv/bin/python bench/cache_bench.py [--quick] [--only cached,uncached,postgraphile]
     [--postgres-url postgresql://postgres@127.0.0.1:5432/DB] [--json FILE] [--pin] [--server granian]

- cached: the README's first query, anonymous, rate limiter on (budgets raised so it never
  refuses), answered from the response cache, against a bare Starlette endpoint returning the
  same bytes (bench/read_baseline.py); the target is >= 1.0x its req/s and p99 <= 2 ms.
- uncached: the 20-result nested page (bench/read_api.py's RESULTS_QUERY) with the cache off
  (GONGSHI_RESPONSE_CACHE_BYTES=0), short path on and off (GONGSHI_SHORT_PATH=0), and cached
  with the short path on and off, on SQLite (the demo data).
- postgraphile: the same page uncached on PostgreSQL against PostGraphile 4 over the same tables
  (installed from npm into a cache folder when node is present; skipped with a message
  otherwise). PostGraphile returns category codes where Gongshi also joins their labels, and has
  no auth, limits or public filtering. The PostgreSQL database given is WIPED (public schema).

Rounds alternate the order of the servers compared, so a neighbour's burst hits both sides.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import shutil
import subprocess
import sys
import tempfile
from dataclasses import asdict
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from read_api import (
    BIN,
    README_QUERIES,
    RESULTS_QUERY,
    ROOT,
    UNLIMITED,
    Load,
    answered,
    default_env,
    free_port,
    graphql_body,
    measure,
    serving,
)

NPM_DIR = Path(tempfile.gettempdir()) / "gongshi-bench-postgraphile"
POSTGRAPHILE_QUERY = """{
  allInspectionResults(first: 20, condition: {status: "published"}, orderBy: [PUBLISHED_ON_DESC, ID_DESC]) {
    totalCount
    nodes {
      publishedOn currentVersion categoryCodes
      entityByEntityId { name creditCode }
      departmentByDepartmentId { name }
      inspectionItemByItemId { name }
      resultVersionsByResultId(orderBy: VERSION_ASC) {
        nodes { version publishedOn changeReason categoryCodes }
      }
    }
  }
}"""


def gongshi(
    env: dict[str, str], work: Path, query: bytes, name: str, args: argparse.Namespace
) -> tuple[Load, bytes]:
    """Serve with ``env``, check the answer, load it; the figures and the answer's bytes."""
    port = free_port()
    command = [str(BIN / "gongshi"), "serve", "--host", "127.0.0.1", "--port", str(port)]
    if args.server == "granian":
        command, env = granian_command("gongshi", port), {**env, "PYTHONPATH": GRANIAN_PATH}
    body_file = work / f"{name}.json"
    body_file.write_bytes(query)
    with serving(command, env, work / f"{name}.log", port, args.server_cpus) as server:
        _, answer = server.wait_for(query, lambda raw: answered(raw) is not None)
        return measure(name, server, args, body_file), answer


def baseline(
    env: dict[str, str], work: Path, query: bytes, answer: bytes, name: str, args: argparse.Namespace
) -> Load:
    """The same bytes from a bare Starlette endpoint under the same uvicorn settings."""
    port = free_port()
    (work / f"{name}.answer").write_bytes(answer)
    body_file = work / f"{name}.json"
    body_file.write_bytes(query)
    command = [sys.executable, str(ROOT / "bench" / "read_baseline.py"), "--port", str(port)]
    command += ["--response", str(work / f"{name}.answer")]
    if args.server == "granian":
        command = granian_command("bare", port)
        env = {**env, "PYTHONPATH": GRANIAN_PATH, "BENCH_ANSWER": str(work / f"{name}.answer")}
    with serving(command, env, work / f"{name}.log", port, args.server_cpus) as server:
        server.wait_for(query, lambda raw: raw == answer)
        return measure(name, server, args, body_file)


GRANIAN_PATH = f"{ROOT / 'bench'}:{ROOT}"


def granian_command(app: str, port: int) -> list[str]:
    """granian serving bench/granian_apps.py's ``app`` with one worker, as uvicorn serves it."""
    command = [sys.executable, "-m", "granian", "--interface", "asgi", "--factory", f"granian_apps:{app}"]
    command += ["--host", "127.0.0.1", "--port", str(port), "--workers", "1", "--loop", "uvloop"]
    return [*command, "--no-ws", "--log-level", "warning"]


def postgraphile(url: str, work: Path, args: argparse.Namespace) -> Load | None:
    """PostGraphile 4 over ``url``'s tables, loaded with the same page; None if node is missing."""
    if shutil.which("node") is None or shutil.which("npm") is None:
        print("node/npm not found: skipping PostGraphile (apt-get install nodejs npm)", file=sys.stderr)
        return None
    binary = NPM_DIR / "node_modules" / ".bin" / "postgraphile"
    if not binary.exists():
        NPM_DIR.mkdir(parents=True, exist_ok=True)
        subprocess.run(
            ["npm", "install", "--prefix", str(NPM_DIR), "postgraphile@4"], check=True, capture_output=True
        )
    port = free_port()
    command = [str(binary), "-c", url, "--schema", "public", "--host", "127.0.0.1", "--port", str(port)]
    command += ["--disable-query-log"]
    query = graphql_body(POSTGRAPHILE_QUERY)
    body_file = work / "postgraphile.json"
    body_file.write_bytes(query)
    with serving(command, default_env(), work / "postgraphile.log", port, args.server_cpus) as server:

        def full_page(raw: bytes) -> bool:
            data = answered(raw)
            return data is not None and len(data["allInspectionResults"]["nodes"]) == 20

        server.wait_for(query, full_page, deadline_s=60)
        return measure("postgraphile", server, args, body_file)


def ratio(loads: list[Load], a: str, b: str) -> str:
    pairs = [
        x.rps / y.rps
        for x, y in zip([x for x in loads if x.kind == a], [y for y in loads if y.kind == b], strict=False)
    ]
    return ", ".join(f"{r:.2f}x" for r in pairs)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--quick", action="store_true", help="one round of 3 s")
    parser.add_argument("--rounds", type=int, default=None)
    parser.add_argument("--duration", type=int, default=None)
    parser.add_argument("--warmup", type=int, default=2)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--only", default="cached,uncached,postgraphile")
    parser.add_argument(
        "--cached-on",
        choices=["sqlite", "postgresql"],
        default="sqlite",
        help="the database behind the cached pair (postgresql: --postgres-url, WIPED and loaded)",
    )
    parser.add_argument("--postgres-url", default=os.environ.get("GONGSHI_BENCH_POSTGRES_URL"))
    parser.add_argument("--json", type=Path)
    parser.add_argument(
        "--pin",
        action="store_true",
        help="the server on CPU 0 and the load generator on CPU 1 (taskset): on a shared VM the "
        "scheduler moving them about swung the bare endpoint's p99 between 1 and 7 ms",
    )
    parser.add_argument(
        "--server",
        choices=["uvicorn", "granian"],
        default="uvicorn",
        help="the HTTP server of the cached pair (both sides); granian must be installed",
    )
    args = parser.parse_args()
    if args.server == "granian" and importlib.util.find_spec("granian") is None:
        raise SystemExit("--server granian: .venv/bin/pip install granian first")
    args.server_cpus, args.load_cpus = None, None
    if args.pin:
        if shutil.which("taskset") is None or (os.cpu_count() or 1) < 2:
            raise SystemExit("--pin needs taskset (util-linux) and two CPUs")
        args.server_cpus, args.load_cpus = "0", "1"
    args.rounds = args.rounds or (1 if args.quick else 3)
    args.duration = args.duration or (3 if args.quick else 10)
    args.loader = "wrk" if shutil.which("wrk") else "python"
    only = set(args.only.split(","))
    loads: list[Load] = []
    clean = {**default_env(), **UNLIMITED}
    with tempfile.TemporaryDirectory(prefix="gongshi-cache-bench-") as tmp:
        work = Path(tmp)
        sqlite = {**clean, "DATABASE_URL": f"sqlite:///{work / 'bench.db'}"}
        subprocess.run([str(BIN / "gongshi"), "demo"], env=sqlite, cwd=work, check=True, capture_output=True)
        readme, page = graphql_body(README_QUERIES[0]), graphql_body(RESULTS_QUERY)
        readme_answer = b""
        pg = None
        if args.postgres_url and ("postgraphile" in only or args.cached_on == "postgresql"):
            pg = {**clean, "DATABASE_URL": args.postgres_url}
            subprocess.run(
                ["psql", args.postgres_url, "-qc", "DROP SCHEMA public CASCADE; CREATE SCHEMA public;"],
                check=True,
                capture_output=True,
            )
            subprocess.run([str(BIN / "gongshi"), "demo"], env=pg, cwd=work, check=True, capture_output=True)
        cached_db = pg if args.cached_on == "postgresql" and pg is not None else sqlite
        for number in range(args.rounds):
            if "cached" in only:
                # The first round starts with Gongshi: its answer is the bare endpoint's body.
                for side in ["gongshi", "bare"] if number % 2 == 0 else ["bare", "gongshi"]:
                    if side == "gongshi":
                        load, readme_answer = gongshi(cached_db, work, readme, "cached-readme", args)
                        loads.append(load)
                    else:
                        loads.append(baseline(cached_db, work, readme, readme_answer, "bare-readme", args))
            if "uncached" in only:
                for name, extra in (
                    ("uncached-page", {"GONGSHI_RESPONSE_CACHE_BYTES": "0"}),
                    (
                        "uncached-page-no-short-path",
                        {"GONGSHI_RESPONSE_CACHE_BYTES": "0", "GONGSHI_SHORT_PATH": "0"},
                    ),
                    ("cached-page", {}),
                    ("cached-page-no-short-path", {"GONGSHI_SHORT_PATH": "0"}),
                ):
                    loads.append(gongshi({**sqlite, **extra}, work, page, name, args)[0])
            if "postgraphile" in only and pg is not None:
                sides = ["gongshi", "postgraphile"] if number % 2 == 0 else ["postgraphile", "gongshi"]
                for side in sides:
                    if side == "gongshi":
                        env = {**pg, "GONGSHI_RESPONSE_CACHE_BYTES": "0"}
                        loads.append(gongshi(env, work, page, "pg-uncached-page", args)[0])
                    else:
                        found = postgraphile(args.postgres_url, work, args)
                        if found is not None:
                            loads.append(found)
            for load in loads[-6:]:
                print(
                    f"  round {number + 1} {load.kind}: {load.rps:.0f} req/s p99 {load.p99_ms:.2f} ms",
                    file=sys.stderr,
                )
    if "postgraphile" in only and not args.postgres_url:
        print("no --postgres-url: skipping the PostgreSQL/PostGraphile comparison", file=sys.stderr)
    stamp = datetime.now(UTC).isoformat(timespec="minutes")
    print(f"# cache_bench {stamp} loader={args.loader} c={args.concurrency} {args.duration}s x {args.rounds}")
    print("| run | req/s | p50 ms | p99 ms | CPU ms/req | load avg |")
    print("|---|---|---|---|---|---|")
    for load in loads:
        cells = [
            f"{load.rps:.0f}",
            f"{load.p50_ms:.2f}",
            f"{load.p99_ms:.2f}",
            f"{load.cpu_ms_per_request:.3f}",
        ]
        print(f"| {load.kind} | {' | '.join(cells)} | {load.load_average:.1f} |")
    print(f"cached README / bare: {ratio(loads, 'cached-readme', 'bare-readme')}")
    print(
        f"uncached page, short path on / off: {ratio(loads, 'uncached-page', 'uncached-page-no-short-path')}"
    )
    print(f"cached page, short path on / off: {ratio(loads, 'cached-page', 'cached-page-no-short-path')}")
    print(f"PostgreSQL uncached page / PostGraphile 4: {ratio(loads, 'pg-uncached-page', 'postgraphile')}")
    if args.json:
        args.json.write_text(json.dumps([asdict(load) for load in loads], indent=1))


if __name__ == "__main__":
    main()
