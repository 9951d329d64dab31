"""CPU of one uncached 20-result page in process, for several revisions of the code, alternating.

Run: .venv/bin/python bench/page_cpu.py --revisions main,HEAD [--postgres-url URL] [--batches 7]
     [--requests 100] [--rounds 3]

Each revision is exported (git archive) into a temporary folder and imported ahead of the
worktree (PYTHONPATH), with this virtualenv's libraries. A child process per revision and round
builds the application (response cache off, rate limits raised), sends bench/read_api.py's
RESULTS_QUERY through httpx's ASGI transport, and reports the process CPU per request of the best
of ``--batches`` batches (the least disturbed by neighbours on a shared machine), the client's
own work included, and the statements sent through SQLAlchemy per request. Rounds alternate the
order of the revisions. The answers of every revision must be byte-identical (checked).

The database (``--postgres-url``, or the demo data in a temporary SQLite file) must hold the demo
data (``gongshi demo``); it is only read.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


async def child(requests: int, batches: int, answer_file: Path) -> dict[str, float]:
    """In the child: the best batch's CPU per request and statements per request."""
    os.environ.setdefault("GONGSHI_ANONYMOUS_RATE_LIMIT", "1000000/minute")
    os.environ["GONGSHI_RESPONSE_CACHE_BYTES"] = "0"
    import httpx
    from sqlalchemy import event

    sys.path.insert(0, str(ROOT / "bench"))
    from read_api import RESULTS_QUERY, graphql_body

    from api.app import create_app

    app = create_app()
    statements = [0]

    def count(*_: object) -> None:
        statements[0] += 1

    event.listen(app.state.engine.sync_engine, "before_cursor_execute", count)
    body, headers = graphql_body(RESULTS_QUERY), {"content-type": "application/json"}
    best: tuple[float, int] | None = None
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://bench") as client:
        for _ in range(20):  # warm: the parser, validation and statement caches, the pool
            answer = await client.post("/graphql", content=body, headers=headers)
        assert answer.status_code == 200 and b'"errors"' not in answer.content, answer.text
        first_answer = answer.content
        for _ in range(batches):
            statements[0] = 0
            started = time.process_time()
            for _ in range(requests):
                await client.post("/graphql", content=body, headers=headers)
            spent = time.process_time() - started
            if best is None or spent < best[0]:
                best = (spent, statements[0])
    assert best is not None
    await app.state.engine.dispose()
    answer_file.write_bytes(first_answer)  # noqa: ASYNC240 - after the measurement
    return {"cpu_ms": best[0] / requests * 1000, "statements": best[1] / requests}


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--revisions", default="main,HEAD")
    parser.add_argument("--postgres-url", default=os.environ.get("GONGSHI_BENCH_POSTGRES_URL"))
    parser.add_argument("--requests", type=int, default=100)
    parser.add_argument("--batches", type=int, default=7)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        figures = asyncio.run(child(args.requests, args.batches, Path(args.child)))
        print(json.dumps(figures))
        return
    revisions = args.revisions.split(",")
    with tempfile.TemporaryDirectory(prefix="gongshi-page-cpu-") as tmp:
        work = Path(tmp)
        env = {k: v for k, v in os.environ.items() if not k.startswith(("GONGSHI_", "DATABASE_URL"))}
        if args.postgres_url:
            env["DATABASE_URL"] = args.postgres_url
        else:
            env["DATABASE_URL"] = f"sqlite:///{work / 'bench.db'}"
            gongshi = Path(sys.executable).parent / "gongshi"
            subprocess.run([str(gongshi), "demo"], env=env, cwd=work, check=True, capture_output=True)
        trees = {}
        for revision in revisions:
            tree = trees[revision] = work / revision.replace("/", "_")
            tree.mkdir()
            archive = subprocess.run(["git", "archive", revision], cwd=ROOT, check=True, capture_output=True)
            subprocess.run(["tar", "-x", "-C", str(tree)], input=archive.stdout, check=True)
        results: dict[str, list[dict[str, float]]] = {revision: [] for revision in revisions}
        answers: dict[str, bytes] = {}
        for number in range(args.rounds):
            order = revisions if number % 2 == 0 else list(reversed(revisions))
            for revision in order:
                answer = work / f"{revision.replace('/', '_')}.answer"
                command = [sys.executable, __file__, "--child", str(answer)]
                command += ["--requests", str(args.requests), "--batches", str(args.batches)]
                run = subprocess.run(
                    command,
                    env={**env, "PYTHONPATH": str(trees[revision])},
                    cwd=work,
                    check=True,
                    capture_output=True,
                    text=True,
                )
                figures = json.loads(run.stdout.strip().splitlines()[-1])
                results[revision].append(figures)
                answers[revision] = answer.read_bytes()
                print(
                    f"  round {number + 1} {revision}: {figures['cpu_ms']:.2f} ms CPU/request, "
                    f"{figures['statements']:.1f} statements",
                    file=sys.stderr,
                )
        same = len(set(answers.values())) == 1
        load = os.getloadavg()
        stamp = time.strftime("%Y-%m-%dT%H:%M", time.gmtime())
        print(f"# page_cpu {stamp}Z load average {load[0]:.1f} {load[1]:.1f}")
        print(f"database: {'PostgreSQL' if args.postgres_url else 'SQLite'}; answers identical: {same}")
        first = revisions[0]
        for revision in revisions:
            cpu = [f["cpu_ms"] for f in results[revision]]
            ratios = [c / b["cpu_ms"] for c, b in zip(cpu, results[first], strict=True)]
            print(
                f"| {revision} | {' / '.join(f'{c:.2f}' for c in cpu)} ms | "
                f"{results[revision][0]['statements']:.1f} | "
                f"x{' / x'.join(f'{r:.2f}' for r in ratios)} |"
            )
        if not same:
            raise SystemExit("the revisions' answers differ")


if __name__ == "__main__":
    main()
