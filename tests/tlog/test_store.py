"""The log in the database (SQLite and PostgreSQL): append, tiles, proofs, concurrency, signing."""

from __future__ import annotations

import asyncio

import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

import tlog
from schema.db import make_sessionmaker
from schema.models import LogCheckpoint, LogLeaf, LogNode
from tlog import hashing, leaves, store, tiles
from tlog.errors import LogError


def _leaf(note: str) -> bytes:
    """A canonical leaf: tests that commit leave well-formed entries for the suite's other tests."""
    return leaves.encode({"v": 1, "kind": "test", "note": note})


async def _all_leaf_hashes(session: AsyncSession) -> list[bytes]:
    return list(await session.scalars(sa.select(LogLeaf.hash).order_by(LogLeaf.idx)))


async def test_append_returns_consecutive_indexes_and_the_stored_tree_matches_a_recount(
    session: AsyncSession,
) -> None:
    before, _ = await tlog.head(session)
    made = [await tlog.append(session, kind="test", ref_id=n, data=f"leaf {n}".encode()) for n in range(300)]
    assert made == list(range(before, before + 300))
    size, root = await tlog.head(session)
    assert size == before + 300
    hashes = await _all_leaf_hashes(session)
    assert len(hashes) == size
    assert hashes[before + 7] == hashing.leaf_hash(b"leaf 7")
    assert root == hashing.root_of(hashes)
    assert await store.root_at(session, size) == root
    assert await store.root_at(session, before + 1) == hashing.root_of(hashes[: before + 1])
    for index in (0, before, size - 1):
        proof = await tlog.inclusion_proof(session, index=index, size=size)
        assert tlog.verify_inclusion(index, size, hashes[index], proof, root)
    for old in (1, before + 1, size - 1, size):
        proof = await tlog.consistency_proof(session, old=old, new=size)
        assert tlog.verify_consistency(old, size, hashing.root_of(hashes[:old]), root, proof)


async def test_tiles_and_bundles_hold_the_stored_hashes_and_entries(session: AsyncSession) -> None:
    start, _ = await tlog.head(session)
    for n in range(600):
        await tlog.append(session, kind="test", ref_id=None, data=b"x" * (n % 7))
    size, _ = await tlog.head(session)
    hashes = await _all_leaf_hashes(session)
    last = tiles.tiles_for(size, 0)[-1]
    tile = await tlog.read_tile(session, last)
    first, end = last.node_range()
    assert tile == b"".join(hashes[first:end])
    bundle = await tlog.read_tile(session, tiles.TileRef(None, last.index, last.width))
    assert bundle is not None
    assert [hashing.leaf_hash(e) for e in tiles.unbundle(bundle)] == hashes[first:end]
    # A tile wider than the log is not there yet; a narrower partial one is.
    assert await tlog.read_tile(session, tiles.TileRef(0, last.index + 1, 1)) is None
    assert await tlog.read_tile(session, tiles.TileRef(0, 0, 3)) == b"".join(hashes[:3])
    level1 = await tlog.read_tile(session, tiles.TileRef(1, 0, size >> 8))
    assert level1 == b"".join(hashing.root_of(hashes[n * 256 : n * 256 + 256]) for n in range(size >> 8))
    assert start + 600 == size


async def test_concurrent_appends_queue_and_leave_no_gap(engine: AsyncEngine) -> None:
    """Eight transactions append five leaves each at once: every index once, in one tree."""
    sessions = make_sessionmaker(engine)
    async with sessions() as session:
        before, _ = await tlog.head(session)

    async def writer(n: int) -> list[int]:
        async with sessions() as session:
            await session.connection(execution_options={"sqlite_begin": "IMMEDIATE"})
            made = [
                await tlog.append(session, kind="test", ref_id=n, data=_leaf(f"{n}/{k}")) for k in range(5)
            ]
            await asyncio.sleep(0)  # let the others run while this one holds the head
            await session.commit()
            return made

    made = await asyncio.gather(*(writer(n) for n in range(8)))
    indexes = sorted(i for batch in made for i in batch)
    assert indexes == list(range(before, before + 40))
    for batch in made:
        assert batch == list(range(batch[0], batch[0] + 5))  # one transaction's leaves are contiguous
    async with sessions() as session:
        size, root = await tlog.head(session)
        hashes = await _all_leaf_hashes(session)
        assert size == len(hashes) >= before + 40
        assert root == hashing.root_of(hashes)
        assert await store.root_at(session, size) == root


async def test_an_append_rolled_back_leaves_no_trace_in_the_next_one(engine: AsyncEngine) -> None:
    """The head this process remembers is stale after a rollback: the next append must not trust it."""
    sessions = make_sessionmaker(engine)
    async with sessions() as session:
        await session.connection(execution_options={"sqlite_begin": "IMMEDIATE"})
        lost = await tlog.append(session, kind="test", ref_id=None, data=_leaf("rolled back"))
        await session.rollback()
    async with sessions() as session:
        await session.connection(execution_options={"sqlite_begin": "IMMEDIATE"})
        kept = await tlog.append(session, kind="test", ref_id=None, data=_leaf("kept"))
        await session.commit()
    assert kept == lost
    async with sessions() as session:
        size, root = await tlog.head(session)
        hashes = await _all_leaf_hashes(session)
        assert hashes[kept] == hashing.leaf_hash(_leaf("kept"))
        assert root == hashing.root_of(hashes) == await store.root_at(session, size)


async def test_an_append_at_the_remembered_head_is_one_statement(session: AsyncSession) -> None:
    """Issue 18's append cost is round trips: once the head is known, an append is one of them."""
    await tlog.append(session, kind="test", ref_id=None, data=b"warm")  # this process now knows the head
    seen: list[str] = []

    def record(conn: object, cursor: object, statement: str, *args: object) -> None:
        seen.append(statement)

    engine = session.get_bind()
    sa.event.listen(engine, "before_cursor_execute", record)
    try:
        made = [await tlog.append(session, kind="test", ref_id=n, data=f"one {n}".encode()) for n in range(4)]
    finally:
        sa.event.remove(engine, "before_cursor_execute", record)
    assert len(seen) == 4, seen  # leaves completing 0, 1 or 2 interior nodes alike
    size, root = await tlog.head(session)
    assert made == list(range(size - 4, size))
    hashes = await _all_leaf_hashes(session)
    assert root == hashing.root_of(hashes) == await store.root_at(session, size)
    for index in range(size - 4, size):  # the nodes the trigger or CTE wrote serve proofs
        proof = await tlog.inclusion_proof(session, index=index, size=size)
        assert tlog.verify_inclusion(index, size, hashes[index], proof, root)


async def test_a_remembered_head_of_the_right_size_but_another_tree_is_not_trusted(
    session: AsyncSession,
) -> None:
    """Same size, other frontier (another writer replaced a rolled-back leaf): the append re-reads the head."""
    await tlog.append(session, kind="test", ref_id=None, data=b"a")
    key = str((await session.connection()).engine.url)
    size, blob = store._last_head[key]
    store._last_head[key] = (size, bytes(32) + blob[32:])  # what this process would hold after such a race
    index = await tlog.append(session, kind="test", ref_id=None, data=b"b")
    assert index == size
    stored_size, root = await tlog.head(session)
    hashes = await _all_leaf_hashes(session)
    assert stored_size == size + 1 == len(hashes)
    assert root == hashing.root_of(hashes) == await store.root_at(session, stored_size)
    assert store._last_head[key][0] == size + 1


async def test_signer_refuses_without_a_key_file(tmp_path: object) -> None:
    for path in (None, "", "/nonexistent/gongshi-log.key"):
        with pytest.raises(LogError) as refused:
            tlog.load_signer(path)
        assert refused.value.code == "LOG_KEY_MISSING"
        assert "GONGSHI_LOG_KEY_FILE" in refused.value.message or "无法读取" in refused.value.message


async def test_signing_signs_growth_only_and_refuses_a_rewritten_tree(session: AsyncSession) -> None:
    signer = tlog.Signer.generate("test.local/log")
    await tlog.append(session, kind="test", ref_id=None, data=b"a")
    first = await tlog.sign_checkpoint(session, signer)
    size, root = await tlog.head(session)
    assert (first.size, first.root) == (size, root)
    parsed = tlog.parse_checkpoint(first.note, signer.verifier)
    assert (parsed.size, parsed.root, parsed.origin) == (size, root, "test.local/log")
    assert await tlog.sign_checkpoint(session, signer) is first  # no growth: no new checkpoint
    await tlog.append(session, kind="test", ref_id=None, data=b"b")
    second = await tlog.sign_checkpoint(session, signer)
    assert second.size == size + 1
    # An operator rewrites a stored node under the signed tree: the signer will not sign over it.
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        await session.execute(sa.text("SET LOCAL session_replication_role = replica"))
    else:
        await session.execute(sa.text("DROP TRIGGER log_leaves_no_update"))
        await session.execute(sa.text("DROP TRIGGER log_nodes_no_update"))
    level, index = hashing.frontier_nodes(second.size)[0]  # the biggest subtree under the signed root
    if level == 0:
        await session.execute(sa.update(LogLeaf).where(LogLeaf.idx == index).values(hash=b"\x00" * 32))
    else:
        rewrite = sa.update(LogNode).where(LogNode.level == level, LogNode.idx == index)
        await session.execute(rewrite.values(hash=b"\x00" * 32))
    await tlog.append(session, kind="test", ref_id=None, data=b"c")
    with pytest.raises(LogError) as refused:
        await tlog.sign_checkpoint(session, signer)
    assert refused.value.code == "LOG_FORK"
    count = await session.scalar(sa.select(sa.func.count()).select_from(LogCheckpoint))
    assert count is not None and count >= 2


async def test_leaves_and_nodes_are_append_only_in_the_database(session: AsyncSession) -> None:
    await tlog.append(session, kind="test", ref_id=None, data=b"a")
    await tlog.append(session, kind="test", ref_id=None, data=b"b")
    for statement in (
        sa.update(LogLeaf).values(data=b"z"),
        sa.delete(LogLeaf),
        sa.delete(LogNode),
    ):
        with pytest.raises(sa.exc.DBAPIError, match="append-only"):
            async with session.begin_nested():
                await session.execute(statement)
