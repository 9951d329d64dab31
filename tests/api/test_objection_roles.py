"""Every objection mutation against every caller (issue 5): entity A vs others, initiating vs other departments."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import date, datetime
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from inspections.tokens import issue_token
from objections import workflow
from schema.enums import ObjectionDecision
from schema.models import Entity, InspectionResult
from tests import factories
from tests.api.conftest import app_client
from tests.api.roles import INVALID, MISSING, Case, check_case, gid, mutation
from tests.api.world import World, build_world
from tests.factories import CALENDAR, TEST
from workdays import CHINA_TZ

NOW = datetime(2021, 12, 10, 10, 0, tzinfo=CHINA_TZ)
OTHER_DEPARTMENTS = (
    "b_clerk",
    "b_reviewer",
    "b_head",
    "b_admin",
    "c_clerk",
    "c_reviewer",
    "c_head",
    "c_admin",
)
Setup = Callable[[AsyncSession, World, Path], Awaitable[None]]


async def _object(session: AsyncSession, world: World, tmp: Path, key: str, then: str = "filed") -> None:
    """Entity of inspection 2 objects to a result; the objection is taken to state ``then``."""
    result = await session.get(InspectionResult, world.ids[key])
    assert result is not None
    objection = await factories.objection(session, result, f"setup-{key}", storage_dir=tmp)
    if then != "filed":
        await workflow.receive(
            session,
            by=TEST,
            objection_id=objection.id,
            today=date(2021, 12, 6),
        )
    if then in ("upheld", "maintained"):
        decision = ObjectionDecision.UPHELD if then == "upheld" else ObjectionDecision.MAINTAINED
        await workflow.decide(
            session,
            by=TEST,
            objection_id=objection.id,
            decision=decision,
            reasons="复查结论",
            decided_on=date(2021, 12, 8),
            today=date(2021, 12, 8),
            calendar=CALENDAR,
        )
    world.ids["objection"] = objection.id


def state(key: str, then: str) -> Setup:
    async def setup(session: AsyncSession, world: World, tmp: Path) -> None:
        await _object(session, world, tmp, key, then)

    return setup


async def nothing(session: AsyncSession, world: World, tmp: Path) -> None:
    """fileObjection needs no objection yet."""


OBJ = lambda w: {"id": gid("Objection", w.ids["objection"])}  # noqa: E731
ALL_DEPARTMENTS = tuple(f"{d}_{r}" for d in "abc" for r in ("clerk", "reviewer", "head", "admin"))

CASES = [
    Case(
        "fileObjection",
        mutation(
            "$r: ID!",
            'fileObjection(resultId: $r, grounds: "住所可以联系", idempotencyKey: "role-test-0001")',
        ),
        lambda w: {"r": gid("InspectionResult", w.ids["rB_pub"])},
        "ObjectionRecord",
        ("entity",),
        others={"public": INVALID, **dict.fromkeys(ALL_DEPARTMENTS, INVALID)},
    ),
    Case(
        "withdrawObjection",
        mutation("$id: ID!", "withdrawObjection(objectionId: $id)"),
        OBJ,
        "ObjectionRecord",
        ("entity",),
        default=MISSING,
        id_variable="id",
    ),
    Case(
        "receiveObjection",
        mutation("$id: ID!", "receiveObjection(objectionId: $id)"),
        OBJ,
        "ObjectionRecord",
        ("a_clerk", "a_reviewer", "a_admin"),
        others=dict.fromkeys(OTHER_DEPARTMENTS, MISSING),
        id_variable="id",
    ),
    Case(
        "startObjectionReview",
        mutation("$id: ID!", "startObjectionReview(objectionId: $id)"),
        OBJ,
        "ObjectionRecord",
        ("a_reviewer",),
        others=dict.fromkeys(OTHER_DEPARTMENTS, MISSING),
        id_variable="id",
    ),
    Case(
        "decideObjection",
        mutation(
            "$id: ID!", 'decideObjection(objectionId: $id, decision: MAINTAINED, reasons: "原结果无误")'
        ),
        OBJ,
        "ObjectionRecord",
        ("a_reviewer",),
        others=dict.fromkeys(OTHER_DEPARTMENTS, MISSING),
        id_variable="id",
    ),
    Case(
        "applyObjectionCorrection",
        mutation(
            "$id: ID!",
            'applyObjectionCorrection(objectionId: $id, categoryCodes: ["NO_PROBLEM"], description: "更正")',
        ),
        OBJ,
        "ObjectionRecord",
        ("b_head",),
        others={
            "public": MISSING,
            "entity": MISSING,
            **{f"c_{r}": MISSING for r in ("clerk", "reviewer", "head", "admin")},
        },
        id_variable="id",
    ),
    Case(
        "answerObjection",
        mutation("$id: ID!", 'answerObjection(objectionId: $id, text: "维持原结果")'),
        OBJ,
        "ObjectionRecord",
        ("a_reviewer", "a_head"),
        others=dict.fromkeys(OTHER_DEPARTMENTS, MISSING),
        id_variable="id",
    ),
]
SETUPS: dict[str, Setup] = {
    "fileObjection": nothing,
    "withdrawObjection": state("rA_pub", "filed"),
    "receiveObjection": state("rA_pub", "filed"),
    "startObjectionReview": state("rA_pub", "received"),
    "decideObjection": state("rA_pub", "received"),
    "applyObjectionCorrection": state("rB_pub", "upheld"),
    "answerObjection": state("rA_pub", "maintained"),
}


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.name)
async def test_objection_mutation_for_every_caller(
    session: AsyncSession, engine: AsyncEngine, tmp_path: Path, case: Case
) -> None:
    world = await build_world(session)
    # The "entity" caller is the entity of inspection 2, whose results rA_pub and rB_pub are published.
    owner = await session.scalar(
        select(Entity)
        .join(InspectionResult, InspectionResult.entity_id == Entity.id)
        .where(InspectionResult.id == world.ids["rA_pub"])
    )
    assert owner is not None
    world.tokens["entity"] = (
        await issue_token(session, actor="test", holder_name="企业", entity_credit_code=owner.credit_code)
    ).secret
    await SETUPS[case.name](session, world, tmp_path)
    await session.flush()
    async with app_client(session, engine, clock=lambda: NOW, evidence_dir=str(tmp_path)) as client:
        await check_case(client, session, world, case)
