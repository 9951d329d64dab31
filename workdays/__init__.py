"""China's legal working-day calendar (工作日历) and period counting (期间计算).

See workdays/README.md for the rules and the schedule file formats.
"""

from .builtin import builtin_coverage
from .china_time import CHINA_TZ, china_today, deadline_end, is_past, to_china_date
from .loading import load_schedule_file, parse_schedule
from .periods import Deadline, add_calendar_days, add_working_days, working_days_between
from .schedule import ScheduleError, YearSchedule
from .work_calendar import WorkCalendar

__all__ = [
    "CHINA_TZ",
    "Deadline",
    "ScheduleError",
    "WorkCalendar",
    "YearSchedule",
    "add_calendar_days",
    "add_working_days",
    "builtin_coverage",
    "china_today",
    "deadline_end",
    "is_past",
    "load_schedule_file",
    "parse_schedule",
    "to_china_date",
    "working_days_between",
]
