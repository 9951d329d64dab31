"""Fixtures for the workdays tests: one calendar from the hand-typed notices or the library."""

from __future__ import annotations

import pytest
from workdays_hand_notices import HAND_YEARS, hand_calendar

from workdays import WorkCalendar, builtin_coverage


@pytest.fixture(params=["hand", "builtin"])
def cal(request: pytest.FixtureRequest) -> WorkCalendar:
    """2024–2026 known, 2023 and 2027 unknown: from the hand list, or from chinese_calendar."""
    if request.param == "hand":
        return hand_calendar()
    missing = HAND_YEARS - set(builtin_coverage())
    if missing:
        pytest.skip(f"installed chinese_calendar lacks {sorted(missing)}")
    # builtin_years keeps 2027 unknown even once the library learns it.
    return WorkCalendar(builtin_years=HAND_YEARS)
