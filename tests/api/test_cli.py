"""The command line: calendar loading (with provisional due dates recomputed) and the demo dataset."""

from __future__ import annotations

import asyncio
import json
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from api.cli import main
from demo.dataset import load_demo
from inspections.calendar import load_calendar
from schema.db import make_engine, make_sessionmaker
from schema.enums import ResultStatus
from schema.migrate import upgrade
from schema.models import (
    AuditEvent,
    HolidaySchedule,
    InspectionResult,
    ResultCategory,
    ResultCategoryCode,
)
from tests import factories
from tests.conftest import table_counts


def _schedule(tmp_path: Path, year: int, holidays: list[str], source: str) -> Path:
    path = tmp_path / f"{year}.json"
    path.write_text(
        json.dumps(
            {
                "year": year,
                "source": source,
                "holidays": [{"name": "假日", "dates": holidays}],
                "workdays": [],
            },
            ensure_ascii=False,
        ),
        encoding="utf-8",
    )
    return path


async def test_calendar_load_turns_provisional_due_dates_exact(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'cal.db'}"
    monkeypatch.setenv("DATABASE_URL", url)
    await asyncio.to_thread(upgrade, url)
    engine = make_engine(url)
    sessions = make_sessionmaker(engine)
    try:
        async with sessions() as session, session.begin():
            joint = await factories.joint_task(
                session, entities=1, publish=False, ended_on=date(2099, 12, 18)
            )
            ids = [r.id for r in joint.results]

        async def dues() -> set[tuple[date | None, bool]]:
            async with sessions() as session:
                rows = await session.scalars(select(InspectionResult).where(InspectionResult.id.in_(ids)))
                return {(r.publication_due, r.publication_due_provisional) for r in rows}

        # Ended Fri 2099-12-18; no schedule for 2099 or 2100, so Monday-Friday only:
        # Dec 21-25 (5), Dec 28-31 (9), Fri Jan 1 (10), Jan 4-8 (15), Jan 11-15 (20) -> provisional.
        assert await dues() == {(date(2100, 1, 15), True)}

        october = [f"2099-10-0{d}" for d in range(1, 8)]
        assert (
            await asyncio.to_thread(
                main,
                [
                    "calendar",
                    "load",
                    str(_schedule(tmp_path, 2099, october, "国办发明电〔2098〕1号")),
                ],
            )
            == 0
        )
        # 2099 known now, 2100 still not: the count still reaches into 2100, so still provisional.
        assert await dues() == {(date(2100, 1, 15), True)}

        new_year = ["2100-01-01", "2100-01-04"]
        assert (
            await asyncio.to_thread(
                main,
                [
                    "calendar",
                    "load",
                    str(_schedule(tmp_path, 2100, new_year, "国办发明电〔2099〕1号")),
                ],
            )
            == 0
        )
        # Jan 1 (Fri) and Jan 4 (Mon) off: Dec 21-25 (5), Dec 28-31 (9), Jan 5-8 (13), Jan 11-15 (18),
        # Jan 18 (19), Tue Jan 19 (20) -> exact.
        assert await dues() == {(date(2100, 1, 19), False)}
        async with sessions() as session:
            calendar = await load_calendar(session)
            assert calendar.has_schedule(2100) and not calendar.is_working_day(date(2100, 1, 4))
            recomputed = await session.scalar(
                select(func.count()).where(AuditEvent.action == "result.due.recompute")
            )
            assert recomputed == 2
    finally:
        await engine.dispose()


async def test_bad_schedule_file_is_refused_and_stores_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'bad.db'}"
    monkeypatch.setenv("DATABASE_URL", url)
    bad = tmp_path / "2027.json"
    bad.write_text('{"year": 2027, "source": "x", "holidays": [{"dates": ["2027-02-30"]}], "workdays": []}')
    assert await asyncio.to_thread(main, ["calendar", "load", str(bad)]) == 2
    assert "2027-02-30" in capsys.readouterr().err
    engine = make_engine(url)
    try:
        async with make_sessionmaker(engine)() as session:
            assert await session.scalar(select(func.count()).select_from(HolidaySchedule)) == 0
    finally:
        await engine.dispose()


async def test_demo_covers_every_category_and_loads_once(session: AsyncSession) -> None:
    first = await load_demo(session)
    assert first.created["departments"] == 9 and first.created["tasks"] == 2
    assert first.created["dispatched task"] == 1  # seed 003 drawn by the city and dispatched
    counts = await table_counts(session)
    second = await load_demo(session)
    assert second.created == {}
    assert await table_counts(session) == counts

    published = (
        select(ResultCategoryCode.code)
        .join(InspectionResult, InspectionResult.id == ResultCategoryCode.result_id)
        .where(InspectionResult.status == ResultStatus.PUBLISHED)
    )
    assert set(await session.scalars(published)) == set(await session.scalars(select(ResultCategory.code)))
    corrected = await session.scalar(select(func.count()).where(InspectionResult.current_version > 1))
    assert corrected is not None and corrected >= 5
    hidden = await session.scalar(
        select(func.count()).where(InspectionResult.status != ResultStatus.PUBLISHED)
    )
    assert hidden is not None and hidden > 0


async def test_objections_sweep_command_runs_on_an_empty_database(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'sweep.db'}"
    monkeypatch.setenv("DATABASE_URL", url)
    await asyncio.to_thread(upgrade, url)
    assert await asyncio.to_thread(main, ["objections", "sweep"]) == 0
    assert "新标记逾期0项" in capsys.readouterr().out


async def test_objections_sweep_refuses_an_advance_reminder_setting_out_of_range(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'sweep.db'}"
    monkeypatch.setenv("DATABASE_URL", url)
    await asyncio.to_thread(upgrade, url)
    monkeypatch.setenv("GONGSHI_REMIND_BEFORE_WORKDAYS", "21")
    assert await asyncio.to_thread(main, ["objections", "sweep"]) == 2
    assert "GONGSHI_REMIND_BEFORE_WORKDAYS" in capsys.readouterr().err
    monkeypatch.setenv("GONGSHI_REMIND_BEFORE_WORKDAYS", "5")
    assert await asyncio.to_thread(main, ["objections", "sweep"]) == 0
    assert "期限前5个工作日的提前提醒" in capsys.readouterr().out
