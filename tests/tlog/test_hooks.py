"""Every public event leaves a leaf in its own transaction, with its public fields only (seed 002 art.17)."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

import tlog
from inspections import results
from inspections.errors import Conflict
from inspections.principals import entity_user
from objections import workflow
from schema.models import Draw, LogLeaf, ResultVersion
from tests import factories
from tests.factories import TEST
from tlog import leaves


async def _leaves_since(session: AsyncSession, start: int) -> list[tuple[str, int | None, dict[str, Any]]]:
    rows = await session.execute(
        sa.select(LogLeaf.kind, LogLeaf.ref_id, LogLeaf.data)
        .where(LogLeaf.idx >= start)
        .order_by(LogLeaf.idx)
    )
    return [(kind, ref, leaves.decode(data)) for kind, ref, data in rows]


async def test_a_joint_task_logs_plan_draw_and_results_in_order(session: AsyncSession) -> None:
    start, _ = await tlog.head(session)
    joint = await factories.joint_task(session, entities=2)
    logged = await _leaves_since(session, start)
    kinds = [kind for kind, _, _ in logged]
    assert kinds == ["plan.published", "draw.committed", "draw.revealed"] + ["result.published"] * 4
    plan_fields = logged[0][2]
    assert set(plan_fields) == {
        "v",
        "kind",
        "planId",
        "departmentId",
        "year",
        "title",
        "description",
        "publishedOn",
    }
    assert (plan_fields["year"], plan_fields["publishedOn"]) == (2021, "2021-02-26")
    draw = await session.scalar(sa.select(Draw).where(Draw.task_id == joint.task.id))
    assert draw is not None
    committed, revealed = logged[1][2], logged[2][2]
    assert committed == {
        "v": 1,
        "kind": "draw.committed",
        "taskId": joint.task.id,
        "algorithm": draw.algorithm,
        "seedSha256": draw.seed_sha256,
        "platformNonceSha256": draw.platform_nonce_sha256,
        "candidatesSha256": draw.candidates_sha256,
        "candidateCount": draw.candidate_count,
    }
    assert revealed == {
        "v": 1,
        "kind": "draw.revealed",
        "taskId": joint.task.id,
        "algorithm": draw.algorithm,
        "seed": "test-seed-0123456789abcdef",
        "platformNonce": draw.platform_nonce,
        "drawnCount": 2,
    }
    assert logged[1][1] == logged[2][1] == draw.id
    first = joint.results[0]
    version = await session.scalar(sa.select(ResultVersion).where(ResultVersion.result_id == first.id))
    assert version is not None
    _, ref, fields = logged[3]
    assert ref == version.id
    entity = next(e for e in joint.entities if e.id == first.entity_id)
    item = next(i for i in joint.items if i.id == first.item_id)
    assert fields == {
        "v": 1,
        "kind": "result.published",
        "resultId": first.id,
        "version": 1,
        "taskId": joint.task.id,
        "creditCode": entity.credit_code,
        "itemCode": item.code,
        "categoryCodes": ["NO_PROBLEM"],
        "description": "现场检查情况",
        "publishedOn": "2021-12-01",
        "changeReason": None,
    }
    assert await tlog.leaf_of(session, leaves.RESULT_KINDS, version.id) == start + 3


async def test_a_correction_logs_its_reason_but_not_its_approver(session: AsyncSession) -> None:
    joint = await factories.joint_task(session, entities=1)
    start, _ = await tlog.head(session)
    corrected = await results.correct_result(
        session,
        by=TEST,
        result_id=joint.results[0].id,
        category_codes=["ORDERED_TO_CORRECT"],
        description="复查发现问题，已责令改正",
        reason="录入错误",
        approved_by="张局长",
        today=date(2021, 12, 20),
    )
    [(kind, ref, fields)] = await _leaves_since(session, start)
    assert (kind, ref) == ("result.corrected", corrected.id)
    assert (fields["version"], fields["changeReason"], fields["publishedOn"]) == (2, "录入错误", "2021-12-20")
    assert (fields["categoryCodes"], fields["description"]) == (
        ["ORDERED_TO_CORRECT"],
        "复查发现问题，已责令改正",
    )
    assert "张局长" not in str(fields)


async def test_an_objection_logs_the_public_flag_only(session: AsyncSession, tmp_path: Path) -> None:
    joint = await factories.joint_task(session, entities=1)
    result = joint.results[0]
    start, _ = await tlog.head(session)
    objection = await factories.objection(session, result, "key-00000001", storage_dir=tmp_path)
    await workflow.receive(session, by=TEST, objection_id=objection.id, today=date(2021, 12, 6))
    await workflow.withdraw(
        session,
        by=entity_user(result.entity_id, "经办人"),
        objection_id=objection.id,
        today=date(2021, 12, 7),
    )
    logged = await _leaves_since(session, start)
    assert logged == [
        (
            "objection.state",
            result.id,
            {
                "v": 1,
                "kind": "objection.state",
                "resultId": result.id,
                "underObjection": True,
                "on": "2021-12-05",
            },
        ),
        (
            "objection.state",
            result.id,
            {
                "v": 1,
                "kind": "objection.state",
                "resultId": result.id,
                "underObjection": False,
                "on": "2021-12-07",
            },
        ),
    ]
    assert "住所可以联系" not in str(logged)  # the grounds stay private


async def test_a_refused_publication_logs_nothing(session: AsyncSession) -> None:
    joint = await factories.joint_task(session, entities=1)
    start, _ = await tlog.head(session)
    with pytest.raises(Conflict) as refused:  # already published
        await results.approve_result(session, by=TEST, result_id=joint.results[0].id, today=date(2021, 12, 2))
    assert refused.value.code == "RESULT_STATE"
    assert (await tlog.head(session))[0] == start
