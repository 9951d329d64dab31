"""The public log through the real application, on SQLite and PostgreSQL: routes, GraphQL proofs,
and the auditor's check catching a rewritten version, a dropped leaf and a fork (seed 002 art.17)."""

from __future__ import annotations

import base64
from datetime import date
from pathlib import Path

import httpx
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession
from strawberry.relay import to_base64

import tlog
from inspections import results
from schema.models import InspectionResult, LogCheckpoint, LogLeaf, LogNode, ResultVersion
from tests import factories
from tests.api.conftest import app_client, graphql
from tests.factories import TEST
from tlog import hashing, leaves, tiles
from tlog.verify import BULK_MANIFEST, BULK_RECORDS, LOG, Report, verify

SIGNER = tlog.Signer.generate("test.local/gongshi")

HISTORY = """query($id: ID!) { result(id: $id) { version history {
  version changeReason logIndex
  logInclusion { leafIndex leaf hashes checkpoint { treeSize rootHash signed } }
} } }"""


async def _published(session: AsyncSession) -> factories.JointTask:
    joint = await factories.joint_task(session, entities=2)
    await results.correct_result(
        session,
        by=TEST,
        result_id=joint.results[0].id,
        category_codes=["ORDERED_TO_CORRECT"],
        description="复查发现问题，已责令改正",
        reason="录入错误",
        approved_by="张局长",
        today=date(2021, 12, 20),
    )
    return joint


async def _audit(client: httpx.AsyncClient, *, kept: str | None = None) -> Report:
    """Run the auditor's check over HTTP: every path it asks for, fetched from the application."""
    cache: dict[str, bytes | None] = {}

    async def get(path: str) -> bytes | None:
        response = await client.get("/" + path)
        return None if response.status_code == 404 else response.content

    checkpoint = await get(LOG + "checkpoint")
    assert checkpoint is not None
    size = int(checkpoint.decode().split("\n")[1])
    paths = [LOG + "checkpoint", BULK_MANIFEST, BULK_RECORDS]
    for level in [None, *range(tiles.levels_for(size))]:
        paths += [LOG + ref.path() for ref in tiles.tiles_for(size, level)]
    for path in paths:
        cache[path] = await get(path)
    return verify(lambda wanted: [cache[p] for p in wanted], SIGNER.verifier, kept=kept)


async def _bypass_guards(session: AsyncSession) -> None:
    """What an operator with the database can do: switch the append-only triggers off."""
    if session.get_bind().dialect.name == "postgresql":
        await session.execute(sa.text("SET LOCAL session_replication_role = replica"))
    else:
        for trigger in (
            "result_versions_no_update",
            "log_leaves_no_delete",
            "log_leaves_no_update",
            "log_nodes_no_update",
        ):
            await session.execute(sa.text(f"DROP TRIGGER IF EXISTS {trigger}"))


async def test_routes_serve_checkpoint_and_tiles_with_their_cache_rules(
    session: AsyncSession, engine: AsyncEngine, tmp_path: Path
) -> None:
    await _published(session)
    signed = await tlog.sign_checkpoint(session, SIGNER)
    async with app_client(session, engine, snapshot_dir=str(tmp_path)) as client:
        checkpoint = await client.get("/log/checkpoint")
        assert checkpoint.status_code == 200
        assert checkpoint.text == signed.note
        assert checkpoint.headers["cache-control"] == "no-cache"
        assert checkpoint.headers["content-type"] == "text/plain; charset=utf-8"
        last = tiles.tiles_for(signed.size, 0)[-1]
        tile = await client.get(f"/log/{last.path()}")
        assert tile.status_code == 200
        assert tile.headers["cache-control"] == "public, max-age=31536000, immutable"
        assert tile.headers["content-type"] == "application/octet-stream"
        assert len(tile.content) == 32 * last.width
        first, end = last.node_range()
        stored = list(
            await session.scalars(
                sa.select(LogLeaf.hash).where(LogLeaf.idx >= first, LogLeaf.idx < end).order_by(LogLeaf.idx)
            )
        )
        assert tile.content == b"".join(stored)
        bundle = await client.get(f"/log/{tiles.TileRef(None, last.index, last.width).path()}")
        assert [hashing.leaf_hash(e) for e in tiles.unbundle(bundle.content)] == stored
        for missing in (
            f"/log/tile/0/{tiles.encode_index(last.index + 1)}",
            "/log/tile/0/x000/001",
            "/log/tile/9",
        ):
            response = await client.get(missing)
            assert response.status_code == 404, missing
            assert response.headers["cache-control"] == "no-cache"  # may exist later: never cached


async def test_every_published_version_carries_a_proof_against_the_latest_checkpoint(
    session: AsyncSession, engine: AsyncEngine
) -> None:
    joint = await _published(session)
    signed = await tlog.sign_checkpoint(session, SIGNER)
    async with app_client(session, engine) as client:
        body = await graphql(client, HISTORY, id=to_base64("InspectionResult", joint.results[0].id))
    assert "errors" not in body, body
    history = body["data"]["result"]["history"]
    assert [(v["version"], v["changeReason"]) for v in history] == [(1, None), (2, "录入错误")]
    for entry in history:
        proof = entry["logInclusion"]
        assert proof["leafIndex"] == entry["logIndex"]
        assert proof["checkpoint"] == {
            "treeSize": signed.size,
            "rootHash": base64.b64encode(signed.root).decode(),
            "signed": signed.note,
        }
        checkpoint = tlog.parse_checkpoint(proof["checkpoint"]["signed"], SIGNER.verifier)
        leaf = proof["leaf"].encode()
        hashes = [base64.b64decode(h) for h in proof["hashes"]]
        assert tlog.verify_inclusion(
            proof["leafIndex"], checkpoint.size, tlog.leaf_hash(leaf), hashes, checkpoint.root
        )
        fields = leaves.decode(leaf)
        assert (fields["resultId"], fields["version"]) == (joint.results[0].id, entry["version"])
    assert history[1]["logIndex"] > history[0]["logIndex"]


async def test_a_version_logged_after_the_checkpoint_has_an_index_but_no_proof_yet(
    session: AsyncSession, engine: AsyncEngine
) -> None:
    await tlog.sign_checkpoint(session, SIGNER)
    joint = await factories.joint_task(session, entities=1)
    size, _ = await tlog.head(session)
    async with app_client(session, engine) as client:
        body = await graphql(client, HISTORY, id=to_base64("InspectionResult", joint.results[0].id))
    [entry] = body["data"]["result"]["history"]
    assert entry["logIndex"] is not None and entry["logIndex"] < size
    assert entry["logInclusion"] is None


async def test_consistency_between_two_signed_sizes_is_one_query(
    session: AsyncSession, engine: AsyncEngine
) -> None:
    await factories.joint_task(session, entities=1)
    old = await tlog.sign_checkpoint(session, SIGNER)
    await factories.joint_task(session, entities=1)
    new = await tlog.sign_checkpoint(session, SIGNER)
    query = """query($old: Int!) { logConsistency(oldSize: $old) { oldSize newSize oldRootHash newRootHash hashes } }"""
    async with app_client(session, engine) as client:
        body = await graphql(client, query, old=old.size)
        refused = await graphql(client, query, old=new.size + 1)
    proof = body["data"]["logConsistency"]
    assert (proof["oldSize"], proof["newSize"]) == (old.size, new.size)
    assert base64.b64decode(proof["oldRootHash"]) == old.root
    assert base64.b64decode(proof["newRootHash"]) == new.root
    assert tlog.verify_consistency(
        old.size, new.size, old.root, new.root, [base64.b64decode(h) for h in proof["hashes"]]
    )
    assert refused["errors"][0]["extensions"]["code"] == "LOG_SIZE_INVALID"


async def test_the_auditor_passes_an_honest_log_and_catches_a_rewritten_version(
    session: AsyncSession, engine: AsyncEngine, tmp_path: Path
) -> None:
    joint = await _published(session)
    await tlog.sign_checkpoint(session, SIGNER)
    async with app_client(session, engine, snapshot_dir=str(tmp_path / "honest")) as client:
        honest = await _audit(client)
    assert honest.problems == []
    assert honest.results_checked >= 4
    # An operator rewrites the published text of result 2, bypassing the triggers.
    target = joint.results[1].id
    index = await _index(session, target)
    await _bypass_guards(session)
    rewrite = {"description": "已改写"}
    await session.execute(sa.update(ResultVersion).where(ResultVersion.result_id == target).values(rewrite))
    await session.execute(sa.update(InspectionResult).where(InspectionResult.id == target).values(rewrite))
    session.expire_all()
    async with app_client(session, engine, snapshot_dir=str(tmp_path / "rewritten")) as client:
        caught = await _audit(client)
    assert caught.problems == [f"结果{target}第1版的结果说明与日志第{index}条不符：已公示的结果被改动过"]


async def _index(session: AsyncSession, result_id: int) -> int:
    version = await session.scalar(sa.select(ResultVersion.id).where(ResultVersion.result_id == result_id))
    index = await tlog.leaf_of(session, leaves.RESULT_KINDS, int(version or 0))
    assert index is not None
    return index


async def test_the_auditor_catches_a_dropped_leaf(
    session: AsyncSession, engine: AsyncEngine, tmp_path: Path
) -> None:
    await _published(session)
    signed = await tlog.sign_checkpoint(session, SIGNER)
    await _bypass_guards(session)
    await session.execute(sa.delete(LogLeaf).where(LogLeaf.idx == signed.size - 2))
    async with app_client(session, engine, snapshot_dir=str(tmp_path)) as client:
        caught = await _audit(client)
    last = tiles.tiles_for(signed.size, None)[-1]
    assert f"缺少条目包 {last.path()}（可能有条目被删除）" in caught.problems
    assert "因条目缺失，无法重算日志的根哈希" in caught.problems


async def test_the_auditor_catches_a_fork_against_a_kept_checkpoint(
    session: AsyncSession, engine: AsyncEngine, tmp_path: Path
) -> None:
    await _published(session)
    kept = await tlog.sign_checkpoint(session, SIGNER)
    # A second tree of the same size: the last leaf rewritten, its hashes recomputed, and signed.
    size = kept.size
    await _bypass_guards(session)
    forged = leaves.encode({"v": 1, "kind": "log.test", "note": "forged"})
    await session.execute(
        sa.update(LogLeaf).where(LogLeaf.idx == size - 1).values(data=forged, hash=tlog.leaf_hash(forged))
    )
    hashes = list(await session.scalars(sa.select(LogLeaf.hash).order_by(LogLeaf.idx)))
    frontier: list[bytes] = []
    for index, leaf in enumerate(hashes):
        for level, node_index, node in hashing.push_frontier(frontier, index, leaf):
            await session.execute(
                sa.update(LogNode).where(LogNode.level == level, LogNode.idx == node_index).values(hash=node)
            )
    root = hashing.fold_frontier(frontier)
    assert root != kept.root
    fork_note = SIGNER.sign(tlog.Checkpoint(SIGNER.name, size, root).body())
    session.add(LogCheckpoint(size=size, root=root, note=fork_note))
    await session.flush()
    async with app_client(session, engine, snapshot_dir=str(tmp_path)) as client:
        alone = await _audit(client, kept=None)
        caught = await _audit(client, kept=kept.note)
    assert [p for p in alone.problems if "批量数据" not in p] == []  # the fork is self-consistent
    assert f"分叉：同为{size}条，服务器的检查点与保存的检查点根哈希不同" in caught.problems
