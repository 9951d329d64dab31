"""The forms the platform generates for an inspection (seed 002 art.13): the record form and the notice.

``content`` gathers what a form shows, for the departments of the task, audited (the record form
names the team, the notice carries a fresh activation code); ``pdf`` lays it out with a CJK font.
"""

from .content import RecordForm, VisitNotice, record_form, visit_notice
from .pdf import FontMissing, render_record_form, render_visit_notice

__all__ = [
    "FontMissing",
    "RecordForm",
    "VisitNotice",
    "record_form",
    "render_record_form",
    "render_visit_notice",
    "visit_notice",
]
