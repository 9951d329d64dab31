"""The migration builds the log of an existing database from its published history, in order,
then the documented marker leaf (tlog/README.md)."""

from __future__ import annotations

import asyncio
import sqlite3
from datetime import date
from pathlib import Path

from alembic import command

from inspections import results
from schema.db import make_engine, make_sessionmaker
from schema.migrate import alembic_config, upgrade
from tests import factories
from tests.factories import TEST
from tlog import hashing, leaves

BEFORE_LOG = "eaeaea000012"


def _leaves(path: Path) -> list[tuple[int, str, bytes]]:
    with sqlite3.connect(path) as db:
        return db.execute("SELECT idx, kind, data FROM log_leaves ORDER BY idx").fetchall()


async def _publish(url: str) -> None:
    engine = make_engine(url)
    try:
        async with make_sessionmaker(engine)() as session:
            joint = await factories.joint_task(session, entities=2)
            await results.correct_result(
                session,
                by=TEST,
                result_id=joint.results[0].id,
                category_codes=["ORDERED_TO_CORRECT"],
                description="更正后的说明",
                reason="录入错误",
                approved_by="局长",
                today=date(2021, 12, 20),
            )
            await session.commit()
    finally:
        await engine.dispose()


def test_backfill_replays_published_history_in_order_then_the_marker(tmp_path: Path) -> None:
    path = tmp_path / "history.db"
    url = f"sqlite+aiosqlite:///{path}"
    upgrade(url)
    asyncio.run(_publish(url))
    live = _leaves(path)
    assert live[0][1] == "log.backfilled"  # a fresh database: nothing before, the marker says 0
    assert leaves.decode(live[0][2])["backfilledLeaves"] == 0
    command.downgrade(alembic_config(url), BEFORE_LOG)  # as if the log had never existed
    upgrade(url)
    rebuilt = _leaves(path)
    history = [(kind, data) for _, kind, data in live[1:]]
    assert [(kind, data) for _, kind, data in rebuilt[:-1]] == history  # same leaves, same order
    marker = leaves.decode(rebuilt[-1][2])
    assert (rebuilt[-1][1], marker["kind"], marker["backfilledLeaves"]) == (
        "log.backfilled",
        "log.backfilled",
        len(history),
    )
    assert marker["note"] == leaves.BACKFILL_NOTE
    assert [idx for idx, _, _ in rebuilt] == list(range(len(history) + 1))
    with sqlite3.connect(path) as db:
        size, frontier = db.execute("SELECT size, frontier FROM log_head").fetchone()
        nodes = dict(((lv, i), h) for lv, i, h in db.execute("SELECT level, idx, hash FROM log_nodes"))
    assert size == len(rebuilt)
    leaf_hashes = [hashing.leaf_hash(data) for _, _, data in rebuilt]
    assert hashing.fold_frontier(hashing.unpack_frontier(frontier)) == hashing.root_of(leaf_hashes)
    assert nodes[(1, 0)] == hashing.node_hash(leaf_hashes[0], leaf_hashes[1])
