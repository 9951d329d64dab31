"""The hand-typed notices, the shipped example files and chinese_calendar must all agree."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from workdays_hand_notices import HAND_2026, HAND_SCHEDULES

from workdays import WorkCalendar, YearSchedule, builtin_coverage, load_schedule_file

EXAMPLES = Path(__file__).resolve().parents[2] / "workdays" / "examples"


def _diff(hand: YearSchedule, other: YearSchedule) -> str:
    """A readable difference between two schedules, for the failure message."""
    return (
        f"holidays only in notice: {sorted(hand.holidays - other.holidays)}; "
        f"holidays only in other: {sorted(other.holidays - hand.holidays)}; "
        f"workdays only in notice: {sorted(hand.workdays - other.workdays)}; "
        f"workdays only in other: {sorted(other.workdays - hand.workdays)}"
    )


@pytest.mark.parametrize("hand", HAND_SCHEDULES, ids=lambda s: str(s.year))
def test_chinese_calendar_agrees_with_the_notice(hand: YearSchedule) -> None:
    if hand.year not in builtin_coverage():
        pytest.skip(f"installed chinese_calendar lacks {hand.year}")
    library = WorkCalendar().schedule(hand.year)
    assert library is not None
    assert (library.holidays, library.workdays) == (hand.holidays, hand.workdays), _diff(hand, library)


@pytest.mark.parametrize("name", ["2026.json", "2026.csv"])
def test_example_files_match_the_2026_notice(name: str) -> None:
    loaded = load_schedule_file(EXAMPLES / name)
    assert loaded.year == 2026
    assert loaded.source == "国办发明电〔2025〕7号"
    assert (loaded.holidays, loaded.workdays) == (HAND_2026.holidays, HAND_2026.workdays), _diff(
        HAND_2026, loaded
    )


@pytest.mark.parametrize("name", ["2026.json", "2026.csv"])
def test_example_files_match_chinese_calendar_2026(name: str) -> None:
    if 2026 not in builtin_coverage():
        pytest.skip("installed chinese_calendar lacks 2026")
    library = WorkCalendar().schedule(2026)
    loaded = load_schedule_file(EXAMPLES / name)
    assert library is not None
    assert (loaded.holidays, loaded.workdays) == (library.holidays, library.workdays)


def test_hand_notices_are_well_formed() -> None:
    # Spot checks against the notices' own wording, as a guard against typos in the hand data.
    assert len(HAND_2026.holidays) == 3 + 9 + 3 + 5 + 3 + 3 + 7  # 元旦..国庆 days off
    assert all(d.weekday() >= 5 for s in HAND_SCHEDULES for d in s.workdays)
    assert date(2025, 10, 8) in HAND_SCHEDULES[1].holidays  # 国庆中秋 2025: 8 days
