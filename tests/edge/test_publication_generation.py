"""The publication generation (issue 13 part 3): bumped with every change the public can see, in
the same transaction, and by nothing else."""

from __future__ import annotations

from datetime import date

import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from inspections import audit
from inspections.calendar import store_schedule
from schema.base import Base
from schema.generation import PRIVATE_MODELS, PUBLIC_MODELS, current_generation, touches_public
from schema.models import InspectionResult
from tests import factories
from workdays.schedule import YearSchedule

MODELS = sorted((mapper.class_ for mapper in Base.registry.mappers), key=lambda model: model.__name__)


def test_every_model_is_public_or_private_exactly_once() -> None:
    """A new table fails here until someone decides whether the public sees it."""
    assert set(MODELS) == PUBLIC_MODELS | PRIVATE_MODELS
    assert not PUBLIC_MODELS & PRIVATE_MODELS


def _noop_update(model: type[Base]) -> sa.Update:
    """An ORM bulk UPDATE of ``model`` that sets a column to itself on no row."""
    column = next(c for c in model.__table__.columns if not c.primary_key)
    return sa.update(model).where(sa.false()).values({column.key: column})


@pytest.mark.parametrize("model", MODELS, ids=lambda model: model.__name__)
async def test_a_statement_on_a_public_model_bumps_and_on_a_private_one_does_not(
    session: AsyncSession, model: type[Base]
) -> None:
    before = await current_generation(session)
    await session.execute(_noop_update(model))
    assert await current_generation(session) == before + (1 if model in PUBLIC_MODELS else 0)


@pytest.mark.parametrize("model", MODELS, ids=lambda model: model.__name__)
async def test_a_new_row_of_a_public_model_is_a_public_change(
    session: AsyncSession, model: type[Base]
) -> None:
    row = model()
    session.add(row)
    try:
        assert touches_public(session.sync_session) is (model in PUBLIC_MODELS)
    finally:
        session.expunge(row)


async def test_publication_bumps_in_its_transaction_and_a_rollback_takes_the_bump_back(
    session: AsyncSession,
) -> None:
    start = await current_generation(session)
    async with session.begin_nested() as savepoint:
        await factories.joint_task(session, entities=1)
        assert await current_generation(session) > start
        await savepoint.rollback()
    assert await current_generation(session) == start

    joint = await factories.joint_task(session, entities=1)
    published = await current_generation(session)
    assert published > start
    result = joint.results[0]

    # An internal note (never public) and an audit row change nothing the public sees.
    result.internal_note = "退回原因：照片不清"
    await audit.record(
        session, actor="test", action="note", object_type="InspectionResult", object_id=result.id
    )
    await session.flush()
    assert await current_generation(session) == published
    stored = await session.scalar(
        sa.select(InspectionResult.internal_note).where(InspectionResult.id == result.id)
    )
    assert stored == "退回原因：照片不清"

    # A public column of the same row does.
    result.description = "现场核查无误"
    await session.flush()
    assert await current_generation(session) == published + 1


async def test_loading_a_holiday_schedule_bumps(session: AsyncSession) -> None:
    before = await current_generation(session)
    # 国办发明电〔2025〕7号 (2026): 元旦 1月1日至3日放假调休，共3天；1月4日（周日）上班。
    schedule = YearSchedule(
        year=2026,
        holidays=frozenset({date(2026, 1, 1), date(2026, 1, 2), date(2026, 1, 3)}),
        workdays=frozenset({date(2026, 1, 4)}),
        source="国办发明电〔2025〕7号（节选）",
    )
    await store_schedule(session, by=factories.TEST, schedule=schedule)
    assert await current_generation(session) == before + 1
