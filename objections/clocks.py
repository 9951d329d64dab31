"""The four clocks of an objection (seed 002 art.17), counted the way DOMAIN.md says a court would."""

from __future__ import annotations

from datetime import date

from workdays import Deadline, WorkCalendar, add_calendar_days, add_working_days

# "自检查结果公示之日起60日内": calendar days, rest-day roll-over, ends 24:00 Asia/Shanghai.
FILING_WINDOW_DAYS = 60
# "收到申请材料之日起20个工作日内组织复查".
REVIEW_WORKING_DAYS = 20
# "经复查确有错误的，应当在5个工作日内予以更正".
CORRECTION_WORKING_DAYS = 5
# "复查情况自作出复查结果之日起15个工作日内反馈".
ANSWER_WORKING_DAYS = 15

# The longest holiday block in recent notices (春节 2026: Feb 15-23, 国办发明电〔2025〕7号). A window
# that ends in a year whose schedule is not loaded may really end up to this many days later.
LONGEST_HOLIDAY_DAYS = 9

# Stated in every answer (seed 002 art.17).
REMEDIES = "如对异议处理结果不服，可以依法申请行政复议或者提起行政诉讼。"


def filing_window(calendar: WorkCalendar, published_on: date) -> Deadline:
    """The last day an objection to a result published on ``published_on`` may be filed."""
    return add_calendar_days(calendar, published_on, FILING_WINDOW_DAYS)


def review_due(calendar: WorkCalendar, received_on: date) -> Deadline:
    """When the review must be done."""
    return add_working_days(calendar, received_on, REVIEW_WORKING_DAYS)


def correction_due(calendar: WorkCalendar, decided_on: date) -> Deadline:
    """When an upheld objection's correction must be made."""
    return add_working_days(calendar, decided_on, CORRECTION_WORKING_DAYS)


def answer_due(calendar: WorkCalendar, decided_on: date) -> Deadline:
    """When the entity must have its answer."""
    return add_working_days(calendar, decided_on, ANSWER_WORKING_DAYS)
