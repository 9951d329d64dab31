"""A search page's records (api/graphql/prefetch.py) hold exactly what the ORM loads for each row."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from api.graphql import prefetch
from api.graphql.loaders import Loaders
from api.graphql.prefetch import PARTS, RowRecord, load_page
from inspections import results
from schema.base import Base
from schema.models import (
    Department,
    Entity,
    InspectionItem,
    InspectionResult,
    ResultCategory,
    ResultVersion,
    Task,
)
from tests import factories


async def _fresh(session: AsyncSession, model: type[Base], key: Any) -> Any:
    # populate_existing: the values as read back from the database, not the objects the
    # factories made (whose timestamps, say, never went through the column type).
    statement = sa.select(model).where(model.id == key).execution_options(populate_existing=True)  # type: ignore[attr-defined]
    return (await session.execute(statement)).scalar_one()


async def _assert_same(session: AsyncSession, model: type[Base], record: Any) -> None:
    loaded = await _fresh(session, model, record.id)
    assert isinstance(record, RowRecord), record
    keys = [prop.key for prop in sa.inspect(model).column_attrs]
    assert keys, model
    for key in keys:
        mine, theirs = getattr(record, key), getattr(loaded, key)
        assert (mine, type(mine)) == (theirs, type(theirs)), (model.__name__, key)


async def _no_driver(*args: Any) -> None:
    return None


# "sqlalchemy": the statement through SQLAlchemy, as when its asyncpg adapter is not the one
# prefetch.asyncpg_rows was written for; on PostgreSQL the parts packed as rows are then still
# the driver's values, which load_page must process itself.
@pytest.mark.parametrize("path", ["driver", "sqlalchemy"])
async def test_page_records_hold_every_column_as_the_orm_loads_it(
    session: AsyncSession, path: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    if path == "sqlalchemy":
        monkeypatch.setattr(prefetch, "_driver_rows", _no_driver)
    joint = await factories.joint_task(session, entities=3, categories=("NO_PROBLEM", "UNREACHABLE"))
    renamed = await factories.entity(session, "姚安县鑫达二手车交易有限公司")
    renamed.former_names = ["姚安县鑫达旧名商行", "鑫达（姚安）车行"]
    corrected = joint.results[0]
    await results.correct_result(
        session,
        by=factories.TEST,
        result_id=corrected.id,
        category_codes=["UNDISCLOSED_INFO", "ORDERED_TO_CORRECT"],
        description="更正后的说明",
        reason="经复查，原结果有误",
        approved_by="局长",
        today=date(2021, 12, 20),
    )
    joint.results[1].entity_id = renamed.id
    await session.flush()
    ids = [row.id for row in joint.results]
    loaders = Loaders(session)

    page = await load_page(session, loaders, ids, PARTS)

    assert sorted(page) == sorted(ids)
    models = {"entity": Entity, "department": Department, "item": InspectionItem, "task": Task}
    for result_id, row in page.items():
        assert row.result.id == result_id
        await _assert_same(session, InspectionResult, row.result)
        for part, model in models.items():
            await _assert_same(session, model, getattr(row, part))
        assert row.categories is not None
        for category in row.categories:
            await _assert_same(session, ResultCategory, category)
        # As an unprimed result_categories loader gives them: the current version's, in order.
        reference = await Loaders(session).result_categories.load(result_id)
        assert [c.code for c in row.categories] == [c.code for c in reference]
        current = (
            await session.execute(
                sa.select(ResultVersion).where(
                    ResultVersion.result_id == result_id, ResultVersion.version == row.result.current_version
                )
            )
        ).scalar_one()
        assert row.description == current.description
    assert page[corrected.id].description == "更正后的说明"
    assert [c.code for c in page[corrected.id].categories or []] == ["UNDISCLOSED_INFO", "ORDERED_TO_CORRECT"]
    renamed_row = page[joint.results[1].id].entity
    assert renamed_row is not None
    assert renamed_row.former_names == ["姚安县鑫达旧名商行", "鑫达（姚安）车行"]
    # Rows of one department, item or task are one record, and the loaders hold those records.
    departments = {id(row.department) for row in page.values()}
    assert len(departments) == len({row.result.department_id for row in page.values()}) == 2
    for row in page.values():
        assert (await loaders.entity.load(row.result.entity_id)) is row.entity
        assert (await loaders.result.load(row.result.id)) is row.result
        assert (await loaders.result_categories.load(row.result.id)) == row.categories
