"""The enforcement outcome (查处结果, seed 004 三(二)4) is a public event: a leaf when it becomes
public, whether recorded after the result's publication or before it (then at publication)."""

from __future__ import annotations

from datetime import date
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

import tlog
from inspections import follow_ups, results
from schema.models import LogLeaf
from tests import factories
from tests.factories import CALENDAR, TEST
from tlog import leaves


async def _leaves_since(session: AsyncSession, start: int) -> list[tuple[str, int | None, dict[str, Any]]]:
    rows = await session.execute(
        sa.select(LogLeaf.kind, LogLeaf.ref_id, LogLeaf.data)
        .where(LogLeaf.idx >= start)
        .order_by(LogLeaf.idx)
    )
    return [(kind, ref, leaves.decode(data)) for kind, ref, data in rows]


def _leaf(result_id: int, outcome: str, on: str) -> tuple[str, int, dict[str, Any]]:
    return (
        "result.enforcement",
        result_id,
        {
            "v": 1,
            "kind": "result.enforcement",
            "resultId": result_id,
            "transferredTo": "姚安县公安局",
            "transferredOn": "2021-11-20",
            "outcome": outcome,
            "outcomeOn": on,
        },
    )


async def test_an_outcome_of_a_published_result_is_logged_each_time_it_is_recorded(
    session: AsyncSession,
) -> None:
    joint = await factories.joint_task(session, entities=1, categories=("PENDING_FOLLOW_UP",))
    result = joint.results[0]
    follow_up = await follow_ups.record_transfer(
        session,
        by=TEST,
        result_id=result.id,
        authority="姚安县公安局",
        transferred_on=date(2021, 11, 20),
        today=date(2021, 12, 1),
        calendar=CALENDAR,
    )
    start, _ = await tlog.head(session)
    for outcome, on in (("已立案调查", date(2021, 12, 6)), ("已处罚款5000元", date(2021, 12, 20))):
        await follow_ups.record_outcome(
            session, by=TEST, follow_up_id=follow_up.id, outcome=outcome, on=on, today=date(2021, 12, 20)
        )
    assert await _leaves_since(session, start) == [
        _leaf(result.id, "已立案调查", "2021-12-06"),
        _leaf(result.id, "已处罚款5000元", "2021-12-20"),  # a change is never silent
    ]


async def test_an_outcome_recorded_before_publication_is_logged_at_publication(session: AsyncSession) -> None:
    joint = await factories.joint_task(session, entities=1, categories=("PENDING_FOLLOW_UP",), publish=False)
    result = joint.results[0]
    follow_up = await follow_ups.record_transfer(
        session,
        by=TEST,
        result_id=result.id,
        authority="姚安县公安局",
        transferred_on=date(2021, 11, 20),
        today=date(2021, 11, 25),
        calendar=CALENDAR,
    )
    start, _ = await tlog.head(session)
    await follow_ups.record_outcome(
        session,
        by=TEST,
        follow_up_id=follow_up.id,
        outcome="已立案调查",
        on=date(2021, 11, 24),
        today=date(2021, 11, 25),
    )
    assert await _leaves_since(session, start) == []  # not public yet: nothing logged
    await results.submit_result(session, by=TEST, result_id=result.id)
    await results.approve_result(session, by=TEST, result_id=result.id, today=date(2021, 12, 1))
    logged = await _leaves_since(session, start)
    assert [kind for kind, _, _ in logged] == ["result.published", "result.enforcement"]
    assert logged[1] == _leaf(result.id, "已立案调查", "2021-11-24")
