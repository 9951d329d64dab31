"""The hooks the use cases call: one leaf per public event, in the event's own transaction.

Each builds the leaf from the rows the use case has just written (the values the API and the bulk
download show) and appends it (seed 002 art.17: no published result changes unseen; seed 001
art.22: every correction, with its reason).
"""

from __future__ import annotations

from datetime import date

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from schema.models import AnnualPlan, Draw, Entity, FollowUp, InspectionItem, InspectionResult, ResultVersion
from tlog import leaves, store


async def result_version(
    session: AsyncSession,
    result: InspectionResult,
    version: ResultVersion,
    *,
    credit_code: str,
    item_code: str,
) -> int:
    """Log a published version: the first publication (version 1) or a correction.

    ``credit_code`` and ``item_code`` are the result's entity's 统一社会信用代码 and its item's code,
    as the caller has just read them with the published row (a separate read here cost a round
    trip per publication; result_codes() reads them for a caller that has not).
    """
    data = leaves.result_version(
        result_id=result.id,
        version=version.version,
        task_id=result.task_id,
        credit_code=credit_code,
        item_code=item_code,
        category_codes=version.category_codes,
        description=version.description,
        published_on=version.published_on,
        change_reason=version.change_reason,
    )
    kind = leaves.RESULT_PUBLISHED if version.version == 1 else leaves.RESULT_CORRECTED
    return await store.append(session, kind=kind, ref_id=version.id, data=data)


async def result_codes(session: AsyncSession, result: InspectionResult) -> tuple[str, str]:
    """The entity's 统一社会信用代码 and the item's code of a result, in one statement."""
    entity = sa.select(Entity.credit_code).where(Entity.id == result.entity_id).scalar_subquery()
    item = sa.select(InspectionItem.code).where(InspectionItem.id == result.item_id).scalar_subquery()
    credit_code, item_code = (await (await session.connection()).execute(sa.select(entity, item))).one()
    return str(credit_code), str(item_code)


async def plan_published(session: AsyncSession, plan: AnnualPlan) -> int:
    """Log an annual plan made public."""
    data = leaves.plan_published(
        plan_id=plan.id,
        department_id=plan.department_id,
        year=plan.year,
        title=plan.title,
        description=plan.description,
        published_on=plan.published_on,
    )
    return await store.append(session, kind=leaves.PLAN_PUBLISHED, ref_id=plan.id, data=data)


async def draw_committed(session: AsyncSession, draw: Draw) -> int:
    """Log a draw's commitment (its hashes)."""
    data = leaves.draw_committed(
        task_id=draw.task_id,
        algorithm=draw.algorithm,
        seed_sha256=draw.seed_sha256,
        platform_nonce_sha256=draw.platform_nonce_sha256,
        candidates_sha256=draw.candidates_sha256,
        candidate_count=draw.candidate_count,
    )
    return await store.append(session, kind=leaves.DRAW_COMMITTED, ref_id=draw.id, data=data)


async def draw_revealed(session: AsyncSession, draw: Draw, drawn_count: int) -> int:
    """Log a draw's reveal (seed and nonce)."""
    assert draw.seed is not None
    data = leaves.draw_revealed(
        task_id=draw.task_id,
        algorithm=draw.algorithm,
        seed=draw.seed,
        platform_nonce=draw.platform_nonce,
        drawn_count=drawn_count,
    )
    return await store.append(session, kind=leaves.DRAW_REVEALED, ref_id=draw.id, data=data)


async def under_objection(session: AsyncSession, *, result_id: int, under: bool, on: date) -> int:
    """Log a result's public ``underObjection`` flag turning on (filed) or off (withdrawn, answered)."""
    data = leaves.objection_state(result_id=result_id, under_objection=under, on=on)
    return await store.append(session, kind=leaves.OBJECTION_STATE, ref_id=result_id, data=data)


async def enforcement_outcome(session: AsyncSession, follow_up: FollowUp) -> int:
    """Log a published result's enforcement outcome (the public fields of its follow-up, no notes)."""
    assert follow_up.outcome is not None
    data = leaves.enforcement_outcome(
        result_id=follow_up.result_id,
        transferred_to=follow_up.authority,
        transferred_on=follow_up.transferred_on,
        outcome=follow_up.outcome,
        outcome_on=follow_up.outcome_on,
    )
    return await store.append(session, kind=leaves.ENFORCEMENT_OUTCOME, ref_id=follow_up.result_id, data=data)
