"""The forms the platform generates for an inspection (seed 002 art.13): the record form and the notice.

``content`` gathers what a form shows, for the departments of the task, audited (the record form
names the team, the notice carries a fresh activation code); ``pdf`` lays it out with a CJK font.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .content import RecordForm, VisitNotice, record_form, visit_notice

if TYPE_CHECKING:
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

_PDF_NAMES = frozenset({"FontMissing", "render_record_form", "render_visit_notice"})


def __getattr__(name: str) -> Any:
    # fpdf2 (with fontTools and Pillow) is imported on the first PDF, not with the app: it costs
    # a worker that never prints one ~49 MB (bench/rss_bench.py).
    if name in _PDF_NAMES:
        from . import pdf

        return getattr(pdf, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
