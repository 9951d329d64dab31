"""The public log at a million leaves (issue 18): append cost in a publication, proofs, verification.

Run: .venv/bin/python bench/log_bench.py --backend sqlite
     .venv/bin/python bench/log_bench.py --backend postgresql --pg-url postgresql://postgres@127.0.0.1:5432/bench_tlog

1. Builds a database (SQLite in a temporary directory, or the given PostgreSQL database, wiped),
   publishes nothing yet: ``--pairs`` x 2 results wait under review, made through the use cases.
2. Fills the log to ``--leaves`` leaves with filler leaves of a published result's size, inserted
   in bulk with their interior nodes and frontier (tlog.backfill.Builder, as the migration does).
3. Publication with and without the log: paired rounds of ``approve_result`` in its own committed
   transaction, alternately with the log hook replaced by a no-op (baseline) and with it.
4. ``tlog.append`` alone (in one transaction, rolled back) and ``inclusion_proof`` at random
   indexes, against a primary-key read of one leaf (baseline).
5. ``gongshi log verify`` of the whole log against ``gongshi serve`` on 127.0.0.1.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import asyncpg
import sqlalchemy as sa

import tlog
from inspections import results
from schema.db import make_engine, make_sessionmaker
from schema.migrate import upgrade
from schema.models import InspectionResult, ResultVersion
from tests import factories
from tlog import hashing, leaves
from tlog.backfill import Builder, batches

FILLER = "现场检查未发现违法违规问题。" * 8  # a result leaf is ~300-450 bytes; this one ~420


def _ms(seconds: list[float]) -> str:
    ordered = sorted(seconds)
    p99 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]
    return f"median {statistics.median(ordered) * 1000:.3f} ms, p99 {p99 * 1000:.3f} ms (n={len(ordered)})"


async def _wipe_postgres(url: str) -> None:
    plain = url.replace("postgresql+asyncpg://", "postgresql://")
    name = plain.rsplit("/", 1)[1]
    admin = await asyncpg.connect(plain.rsplit("/", 1)[0] + "/postgres")
    if not await admin.fetchval("SELECT 1 FROM pg_database WHERE datname = $1", name):
        await admin.execute(f'CREATE DATABASE "{name}"')
    await admin.close()
    connection = await asyncpg.connect(plain)
    await connection.execute("DROP SCHEMA public CASCADE; CREATE SCHEMA public;")
    await connection.close()


async def _prepare_results(url: str, pairs: int) -> list[int]:
    engine = make_engine(url)
    try:
        async with make_sessionmaker(engine)() as session:
            joint = await factories.joint_task(session, entities=pairs, publish=False)
            for result in joint.results:
                await results.submit_result(session, by=factories.TEST, result_id=result.id)
            await session.commit()
            return [r.id for r in joint.results]
    finally:
        await engine.dispose()


def _filler(count: int) -> Any:
    for n in range(count):
        yield (
            "bench.filler",
            None,
            leaves.encode({"v": 1, "kind": "bench.filler", "n": n, "description": FILLER}),
        )


async def _fill(url: str, target: int, sqlite_path: Path | None) -> None:
    engine = make_engine(url)
    try:
        async with make_sessionmaker(engine)() as session:
            size, _ = await tlog.head(session)
            frontier = (await session.execute(sa.text("SELECT frontier FROM log_head"))).scalar_one()
    finally:
        await engine.dispose()
    builder = Builder(size=size, frontier=hashing.unpack_frontier(frontier))
    now = datetime.now(UTC)
    started = time.perf_counter()
    if sqlite_path is not None:
        import sqlite3

        db = sqlite3.connect(sqlite_path)
        for leaf_rows, node_rows in batches(builder, _filler(target - size), every=20000):
            db.executemany(
                "INSERT INTO log_leaves (idx, kind, ref_id, data, hash, logged_at) VALUES (?, ?, ?, ?, ?, ?)",
                [
                    (r["idx"], r["kind"], r["ref_id"], r["data"], r["hash"], now.isoformat(" "))
                    for r in leaf_rows
                ],
            )
            db.executemany(
                "INSERT INTO log_nodes (level, idx, hash) VALUES (?, ?, ?)",
                [(r["level"], r["idx"], r["hash"]) for r in node_rows],
            )
        head = builder.head()
        db.execute(
            "UPDATE log_head SET size = ?, frontier = ? WHERE id = 1", (head["size"], head["frontier"])
        )
        db.commit()
        db.close()
    else:
        connection = await asyncpg.connect(url.replace("postgresql+asyncpg://", "postgresql://"))
        for leaf_rows, node_rows in batches(builder, _filler(target - size), every=20000):
            await connection.copy_records_to_table(
                "log_leaves",
                records=[(r["idx"], r["kind"], r["ref_id"], r["data"], r["hash"], now) for r in leaf_rows],
                columns=["idx", "kind", "ref_id", "data", "hash", "logged_at"],
            )
            await connection.copy_records_to_table(
                "log_nodes",
                records=[(r["level"], r["idx"], r["hash"]) for r in node_rows],
                columns=["level", "idx", "hash"],
            )
        head = builder.head()
        await connection.execute(
            "UPDATE log_head SET size = $1, frontier = $2 WHERE id = 1", head["size"], head["frontier"]
        )
        await connection.execute("ANALYZE")
        await connection.close()
    print(f"filled the log to {builder.size} leaves in {time.perf_counter() - started:.0f} s")


async def _publications(url: str, ids: list[int]) -> None:
    engine = make_engine(url)
    sessions = make_sessionmaker(engine)
    real = tlog.log_result_version

    async def no_log(*args: Any, **kwargs: Any) -> int:
        return -1

    statements = [0]

    def count(*args: Any) -> None:
        statements[0] += 1

    sa.event.listen(engine.sync_engine, "before_cursor_execute", count)

    async def publish(result_id: int) -> float:
        statements[0] = 0
        started = time.perf_counter()
        async with sessions() as session:
            await session.connection(execution_options={"sqlite_begin": "IMMEDIATE"})
            await results.approve_result(
                session, by=factories.TEST, result_id=result_id, today=date(2021, 12, 1)
            )
            await session.commit()
        return time.perf_counter() - started

    baseline: list[float] = []
    logged: list[float] = []
    counted: dict[bool, list[int]] = {False: [], True: []}
    try:
        for warm in ids[:4]:  # connections, caches and statement caches warm on both sides
            tlog.log_result_version = no_log if warm % 2 else real
            await publish(warm)
        for n, result_id in enumerate(ids[4:]):
            with_log = n % 2 == 1
            tlog.log_result_version = real if with_log else no_log
            (logged if with_log else baseline).append(await publish(result_id))
            counted[with_log].append(statements[0])
    finally:
        tlog.log_result_version = real
        sa.event.remove(engine.sync_engine, "before_cursor_execute", count)
    print(f"publication without the log (baseline): {_ms(baseline)}")
    print(f"publication with the log:               {_ms(logged)}")
    added = statistics.median(logged) - statistics.median(baseline)
    ratio = statistics.median(logged) / statistics.median(baseline)
    print(f"added by the log: {added * 1000:.3f} ms (median difference), x{ratio:.2f}")
    # Each logged publication against the baseline one just before it: drift in the machine's
    # load (other processes) cancels out of a pair, so this median is steadier than the one above.
    paired = [b - a for a, b in zip(baseline, logged, strict=False)]
    print(f"added by the log, per pair: median {statistics.median(paired) * 1000:.3f} ms (n={len(paired)})")
    mean = {side: statistics.mean(n) for side, n in counted.items()}
    print(
        f"statements per publication (BEGIN and COMMIT not counted): without the log {mean[False]:.2f}, "
        f"with it {mean[True]:.2f}"
    )
    async with sessions() as session:  # the baseline's publications, logged now: the log stays complete
        await session.connection(execution_options={"sqlite_begin": "IMMEDIATE"})
        for result_id in ids[4:][0::2] + [i for i in ids[:4] if i % 2]:
            result = await session.get(InspectionResult, result_id)
            assert result is not None
            version = await session.scalar(
                sa.select(ResultVersion).where(ResultVersion.result_id == result_id)
            )
            assert version is not None
            credit_code, item_code = await tlog.result_codes(session, result)
            await tlog.log_result_version(
                session, result, version, credit_code=credit_code, item_code=item_code
            )
        await session.commit()
    async with sessions() as session:
        size, _ = await tlog.head(session)
        published = await session.scalar(
            sa.select(sa.func.count())
            .select_from(InspectionResult)
            .where(InspectionResult.published_on.is_not(None))
        )
        print(f"log now {size} leaves; {published} results published")
    await engine.dispose()


async def _timed(fn: Callable[[], Awaitable[Any]], rounds: int) -> list[float]:
    times = []
    for _ in range(rounds):
        started = time.perf_counter()
        await fn()
        times.append(time.perf_counter() - started)
    return times


async def _appends_and_proofs(url: str, rounds: int) -> None:
    engine = make_engine(url)
    sessions = make_sessionmaker(engine)
    async with sessions() as session:
        await session.connection(execution_options={"sqlite_begin": "IMMEDIATE"})
        data = leaves.encode({"v": 1, "kind": "bench.filler", "description": FILLER})
        appends = await _timed(
            lambda: tlog.append(session, kind="bench.filler", ref_id=None, data=data), rounds
        )
        await session.rollback()
    print(f"tlog.append alone, in one open transaction: {_ms(appends[5:])}")
    async with sessions() as session:
        size, root = await tlog.head(session)
        indexes = [random.randrange(size) for _ in range(rounds)]
        one = iter(indexes)
        pk = await _timed(
            lambda: session.scalar(sa.text("SELECT hash FROM log_leaves WHERE idx = :i"), {"i": next(one)}),
            rounds,
        )
        made: list[tuple[int, list[bytes]]] = []

        async def proof() -> None:
            index = indexes[len(made)]
            made.append((index, await tlog.inclusion_proof(session, index=index, size=size)))

        proofs = await _timed(proof, rounds)
        hashes: dict[int, bytes] = dict(
            (
                await session.execute(
                    sa.text("SELECT idx, hash FROM log_leaves WHERE idx IN :ids").bindparams(
                        sa.bindparam("ids", expanding=True)
                    ),
                    {"ids": indexes[:50]},
                )
            ).all()
        )
    assert all(tlog.verify_inclusion(i, size, hashes[i], p, root) for i, p in made[:50])
    print(f"one leaf by primary key (baseline):       {_ms(pk)}")
    ratio = statistics.median(proofs) / statistics.median(pk)
    print(f"inclusion proof at {size} leaves:       {_ms(proofs)}  x{ratio:.1f}")
    await engine.dispose()


def _verify(url: str, directory: Path) -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "GONGSHI_PORT": str(port),
        "GONGSHI_LOG_KEY_FILE": str(directory / "log.key"),
        "GONGSHI_SNAPSHOT_DIR": str(directory / "snapshots"),
        "GONGSHI_RATE_LIMITS": "0",
    }
    cli = [sys.executable, "-m", "api.cli"]
    root = Path(__file__).resolve().parent.parent
    subprocess.run(
        [*cli, "log", "keygen", "--out", str(directory / "log.key")],
        env=env,
        cwd=root,
        check=True,
        capture_output=True,
    )
    key = subprocess.run(
        [*cli, "log", "key"], env=env, cwd=root, check=True, capture_output=True, text=True
    ).stdout.strip()
    subprocess.run([*cli, "log", "sign"], env=env, cwd=root, check=True, capture_output=True)
    with (directory / "serve.log").open("wb") as sink:
        server = subprocess.Popen([*cli, "serve"], env=env, cwd=root, stdout=sink, stderr=subprocess.STDOUT)
    try:
        import httpx

        deadline = time.monotonic() + 120
        while True:
            try:
                if httpx.get(f"http://127.0.0.1:{port}/readyz", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline:
                raise SystemExit("server did not start")
            time.sleep(0.5)
        started = time.perf_counter()
        checked = subprocess.run(
            [*cli, "log", "verify", "--url", f"http://127.0.0.1:{port}", "--key", key],
            env=env,
            cwd=root,
            capture_output=True,
            text=True,
            timeout=900,
        )
        took = time.perf_counter() - started
        lines = checked.stdout.strip().splitlines() or [checked.stderr.strip()]
        print(f"gongshi log verify: {took:.1f} s, exit {checked.returncode}: {lines[-1]}")
        for line in lines[:5] if checked.returncode else []:
            print("   ", line)
    finally:
        server.terminate()
        server.wait(timeout=20)


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--backend", choices=["sqlite", "postgresql"], default="sqlite")
    parser.add_argument("--pg-url", default="postgresql://postgres@127.0.0.1:5432/bench_tlog")
    parser.add_argument("--leaves", type=int, default=1_000_000)
    parser.add_argument("--pairs", type=int, default=100, help="publication rounds per side")
    parser.add_argument("--rounds", type=int, default=500, help="appends and proofs timed")
    parser.add_argument("--no-verify", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="log-bench-") as tmp:
        directory = Path(tmp)
        sqlite_path = directory / "bench.db" if args.backend == "sqlite" else None
        url = (
            f"sqlite+aiosqlite:///{sqlite_path}"
            if sqlite_path
            else args.pg_url.replace("postgresql://", "postgresql+asyncpg://")
        )
        if sqlite_path is None:
            await _wipe_postgres(url)
        await asyncio.to_thread(upgrade, url)
        started = time.perf_counter()
        ids = await _prepare_results(url, args.pairs + 2)
        took = time.perf_counter() - started
        print(f"{len(ids)} results under review, made through the use cases in {took:.0f} s")
        await _fill(url, args.leaves, sqlite_path)
        await _publications(url, ids)
        await _appends_and_proofs(url, args.rounds)
        if not args.no_verify:
            await asyncio.to_thread(_verify, url, directory)


if __name__ == "__main__":
    asyncio.run(main())
