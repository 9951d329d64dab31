"""The log in the database: append in the caller's transaction, read tiles, bundles and proofs.

Appending moves the head row first (a conditional UPDATE, or its lock when this process's memory
of the head is stale), so concurrent publications queue and leaf indexes are unique with no gaps;
it writes the leaf, the interior nodes the leaf completes and the new frontier. With a fresh memory
that is ONE statement on either database: a CTE on PostgreSQL, an insert into the ``log_append``
view on SQLite, whose INSTEAD OF trigger (migration lf18000016) checks and moves the head, writes
the leaf and the nodes. Like every use case it flushes, never commits (seed 002 art.17: the event
and its leaf stand or fall together).
"""

from __future__ import annotations

import functools
import json
from typing import cast

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from schema.base import utcnow
from schema.models import LogCheckpoint, LogHead, LogLeaf, LogNode
from tlog import hashing, proofs
from tlog.error_codes import LogErrorCode as Code
from tlog.errors import LogError
from tlog.tiles import HEIGHT, TileRef, bundle

HEAD_ID = 1
_head, _leaves, _nodes = (cast(sa.Table, m.__table__) for m in (LogHead, LogLeaf, LogNode))


def not_initialised() -> LogError:
    """The head row is made by the migration; without it nothing can be logged."""
    return LogError(
        "公示日志尚未初始化，请先执行数据库迁移（gongshi migrate）", code=Code.LOG_NOT_INITIALISED
    )


# The head this process last wrote, per database: the next append tries it first, in ONE
# statement that moves the head only if its size and frontier are as remembered. A stale memory
# (another process appended, or the transaction that wrote it rolled back) writes nothing and
# costs a fallback to the locking path.
_last_head: dict[str, tuple[int, bytes]] = {}
# PostgreSQL: the inserts read from the head's update, so when the remembered head is stale
# nothing at all is written.
_APPEND_PG = sa.text(
    "WITH head AS (UPDATE log_head SET size = :new, frontier = :packed "
    "WHERE id = 1 AND size = :size AND frontier = :blob RETURNING size), "
    "leaf AS (INSERT INTO log_leaves (idx, kind, ref_id, data, hash, logged_at) "
    "SELECT head.size - 1, :kind, :ref_id, :data, :hash, now() FROM head), "
    "node AS (INSERT INTO log_nodes (level, idx, hash) SELECT n.level, n.idx, n.hash FROM head, "
    "unnest(CAST(:levels AS smallint[]), CAST(:idxs AS bigint[]), CAST(:hashes AS bytea[])) "
    "AS n(level, idx, hash)) "
    "SELECT count(*) FROM head"
)
# SQLite has no writable CTE: the same single round trip is an insert into a view whose trigger
# refuses a stale head with RAISE(ABORT, ...) (that statement is undone, the transaction goes on).
_STALE = "log_head moved"
_APPEND_SQLITE = sa.text(
    "INSERT INTO log_append (idx, kind, ref_id, data, hash, logged_at, "
    "frontier, new_frontier, levels, nodes) "
    "VALUES (:size, :kind, :ref_id, :data, :hash, :at, :blob, :packed, :levels, :nodes)"
).bindparams(sa.bindparam("at", type_=_leaves.c.logged_at.type))


async def _append_remembered(
    connection: AsyncConnection, size: int, blob: bytes, leaf: bytes, leaf_row: dict[str, object]
) -> bytes | None:
    """Append at the remembered head in one statement; the new frontier, or None if the head moved."""
    frontier = hashing.unpack_frontier(blob)
    made = hashing.push_frontier(frontier, size, leaf)
    packed = hashing.pack_frontier(frontier)
    moved = {"size": size, "blob": blob, "new": size + 1, "packed": packed}
    if connection.dialect.name == "postgresql":
        levels, indexes, hashes = ([m[k] for m in made] for k in range(3))
        nodes_row: dict[str, object] = {"levels": levels, "idxs": indexes, "hashes": hashes}
        done = await connection.scalar(_APPEND_PG, {**moved, **leaf_row, **nodes_row})
        return packed if done else None
    # The nodes a leaf completes are levels 1, 2, ... at index >> level: the trigger needs only
    # the levels and the hashes, concatenated.
    levels_json = json.dumps([level for level, _, _ in made])
    nodes_row = {"levels": levels_json, "nodes": b"".join(h for _, _, h in made), "at": utcnow()}
    try:
        await connection.execute(_APPEND_SQLITE, {**moved, **leaf_row, **nodes_row})
    except sa.exc.IntegrityError as refused:
        if _STALE not in str(refused.orig):
            raise
        return None
    return packed


async def append(session: AsyncSession, *, kind: str, ref_id: int | None, data: bytes) -> int:
    """Append one leaf in the caller's transaction and return its index (0-based)."""
    connection = await session.connection()  # Core statements: the ORM's flush machinery is not needed
    key = str(connection.engine.url)
    leaf = hashing.leaf_hash(data)
    leaf_row: dict[str, object] = {"kind": kind, "ref_id": ref_id, "data": data, "hash": leaf}
    remembered = _last_head.get(key)
    if remembered is not None:
        size, blob = remembered
        packed = await _append_remembered(connection, size, blob, leaf, leaf_row)
        if packed is not None:
            _last_head[key] = (size + 1, packed)
            return size
    # Take the head's lock first, then read it: appenders queue here.
    row = (
        await connection.execute(
            sa.update(_head)
            .where(_head.c.id == HEAD_ID)
            .values(size=_head.c.size + 1)
            .returning(_head.c.size, _head.c.frontier)
        )
    ).one_or_none()
    if row is None:
        raise not_initialised()
    index = int(row.size) - 1
    frontier = hashing.unpack_frontier(row.frontier)
    made = hashing.push_frontier(frontier, index, leaf)
    packed = hashing.pack_frontier(frontier)
    await connection.execute(sa.update(_head).where(_head.c.id == HEAD_ID).values(frontier=packed))
    await connection.execute(sa.insert(_leaves).values(idx=index, **leaf_row))
    if made:
        await connection.execute(
            sa.insert(_nodes).values([{"level": lv, "idx": i, "hash": h} for lv, i, h in made])
        )
    _last_head[key] = (index + 1, packed)
    return index


async def head(session: AsyncSession) -> tuple[int, bytes]:
    """The size and root hash of the tree as this transaction sees it."""
    row = (
        await session.execute(sa.select(_head.c.size, _head.c.frontier).where(_head.c.id == HEAD_ID))
    ).one_or_none()
    if row is None:
        raise not_initialised()
    return int(row.size), hashing.fold_frontier(hashing.unpack_frontier(row.frontier))


def _bucket(count: int) -> int:
    """A padded list length: few statement shapes, so compiled and prepared statements are reused."""
    return max(8, 1 << (count - 1).bit_length())


@functools.cache
def _nodes_statement(leaves: int, pairs: int) -> sa.TextClause:
    # Written once per shape as text: building ~100 expression objects per proof cost more than
    # the query itself. A row-value IN list would scan log_nodes on SQLite; OR-ed (level, idx)
    # pairs are a multi-index OR (SQLite) or a bitmap OR (PostgreSQL) on the primary key.
    in_leaves = ", ".join(f":l{n}" for n in range(leaves))
    in_nodes = " OR ".join(f"(level = :a{n} AND idx = :b{n})" for n in range(pairs))
    return sa.text(
        f"SELECT 0 AS level, idx, hash FROM log_leaves WHERE idx IN ({in_leaves}) "
        f"UNION ALL SELECT level, idx, hash FROM log_nodes WHERE {in_nodes}"
    )


async def nodes(session: AsyncSession, keys: set[tuple[int, int]]) -> dict[tuple[int, int], bytes]:
    """Stored hashes of complete subtrees by (level, index), in one statement; level 0 is the leaves'."""
    leaves = sorted(i for level, i in keys if level == 0)
    inner = sorted(k for k in keys if k[0] > 0)
    leaves += [-1] * (_bucket(len(leaves)) - len(leaves))
    inner += [(-1, -1)] * (_bucket(len(inner)) - len(inner))
    params: dict[str, int] = {f"l{n}": i for n, i in enumerate(leaves)}
    for n, (level, i) in enumerate(inner):
        params[f"a{n}"], params[f"b{n}"] = level, i
    rows = await (await session.connection()).execute(_nodes_statement(len(leaves), len(inner)), params)
    found = {(int(level), int(i)): bytes(h) for level, i, h in rows}
    missing = keys - found.keys()
    if missing:
        raise LogError(f"公示日志缺少节点{sorted(missing)[:3]}", code=Code.LOG_NODE_MISSING)
    return found


async def _range_hashes(session: AsyncSession, ranges: list[proofs.Range]) -> list[bytes]:
    keys = {key for lo, hi in ranges for key in proofs.range_nodes(lo, hi)}
    found = await nodes(session, keys)
    return [proofs.range_hash(lo, hi, lambda level, i: found[(level, i)]) for lo, hi in ranges]


async def root_at(session: AsyncSession, size: int) -> bytes:
    """The root hash of the first ``size`` leaves."""
    if size == 0:
        return hashing.EMPTY_ROOT
    return (await _range_hashes(session, [(0, size)]))[0]


async def inclusion_proof(session: AsyncSession, *, index: int, size: int) -> list[bytes]:
    """The audit path of leaf ``index`` in the tree of ``size`` (RFC 9162 §2.1.3)."""
    return await _range_hashes(session, proofs.inclusion_ranges(index, size))


async def consistency_proof(session: AsyncSession, *, old: int, new: int) -> list[bytes]:
    """The proof that the tree of ``new`` extends the tree of ``old`` (RFC 9162 §2.1.4)."""
    if old == new:
        return []
    return await _range_hashes(session, proofs.consistency_ranges(old, new))


async def leaf_of(session: AsyncSession, kinds: tuple[str, ...], ref_id: int) -> int | None:
    """The index of the leaf recording row ``ref_id`` (the first one, if several)."""
    return await session.scalar(
        sa.select(sa.func.min(_leaves.c.idx)).where(_leaves.c.kind.in_(kinds), _leaves.c.ref_id == ref_id)
    )


async def read_tile(session: AsyncSession, ref: TileRef) -> bytes | None:
    """A tile's or entry bundle's bytes, or None while the log does not hold all of it yet."""
    first, end = ref.node_range()
    if ref.level is None or ref.level == 0:
        column = _leaves.c.data if ref.level is None else _leaves.c.hash
        rows = list(
            await session.execute(
                sa.select(_leaves.c.idx, column)
                .where(_leaves.c.idx >= first, _leaves.c.idx < end)
                .order_by(_leaves.c.idx)
            )
        )
    else:
        rows = list(
            await session.execute(
                sa.select(_nodes.c.idx, _nodes.c.hash)
                .where(_nodes.c.level == HEIGHT * ref.level, _nodes.c.idx >= first, _nodes.c.idx < end)
                .order_by(_nodes.c.idx)
            )
        )
    if len(rows) != ref.width or any(int(i) != first + n for n, (i, _) in enumerate(rows)):
        return None
    values = [value for _, value in rows]
    return bundle(values) if ref.level is None else b"".join(values)


async def latest_checkpoint(session: AsyncSession) -> LogCheckpoint | None:
    """The checkpoint signed last."""
    return await session.scalar(sa.select(LogCheckpoint).order_by(LogCheckpoint.id.desc()).limit(1))
