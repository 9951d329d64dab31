"""Mutual-recognition look-up (互认查询) by credit code, for departments (/dept/recognition).

``recognition.entity_record`` is the use case behind the API's ``recognitionByEntity``: every
agency's results on the entity in a year, each marked whether it counts, with the joint inspections
left this year (seed 001 art.10, 24; 002 art.20). Every look-up is audited before the answer is
shown (seed 001 art.25), so it is a POST with the form token: no other site can make a
department's browser read, and leave an audit row in its name.
"""

from __future__ import annotations

from typing import Any

from starlette.responses import Response

from inspections import recognition
from inspections.errors import DomainError
from web.error_codes import WebErrorCode
from web.pages_account import errors_of
from web.workspace import Ctx, Workspace


class RecognitionPage:
    """The look-up form and, after a POST, the entity's record for the year."""

    def __init__(self, workspace: Workspace) -> None:
        self.ws = workspace

    async def lookup(self, ctx: Ctx) -> Response:
        """GET: the form; POST: the record (its read audited and committed first)."""
        values = {"creditCode": ctx.field("creditCode"), "year": ctx.field("year") or str(ctx.today().year)}
        record, errors, status = None, {}, 200
        if ctx.form is not None:
            year: Any = values["year"].strip()
            if not year.isdigit():
                errors = {"year": {"code": WebErrorCode.DATE_INVALID, "message": "年度应为四位数字，如2021"}}
                status = 400
            else:
                try:
                    async with ctx.write():  # the audit rows commit before anything is shown
                        record = await recognition.entity_record(
                            ctx.db, by=ctx.principal, code=values["creditCode"], year=int(year)
                        )
                except DomainError as exc:
                    errors, status = errors_of(exc), 400
        return ctx.page(
            "dept_recognition.html",
            http_status=status,
            title="互认查询",
            values=values,
            errors=errors,
            record=record,
            counts=[recognition.recognition(v) for v in record.results] if record else [],
        )
