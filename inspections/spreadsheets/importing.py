"""Importing a directory or results file as a whole (整体校验): every bad row reported, or every row written.

1. The file is read and each cell checked against its template column (required, format, choice),
   and a row repeating an earlier row's identity is refused.
2. Every row that passed is run through its use case (directory.register_entity,
   directory.register_inspector, results.enter_result), each in its own savepoint, so the rules and
   the audit trail are the ones the API applies, and one bad row does not hide the next.
3. Any problem in 1 or 2: everything is rolled back and the report lists every bad row (row number,
   column, stable code, Chinese reason). None: the rows stay, for the caller to commit in one go.
"""

from __future__ import annotations

import hashlib
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from inspections import audit, directory, results
from inspections.access import require_department, task_role
from inspections.directory_upkeep import FIELDS, ChangeOutcome, upsert_entity
from inspections.error_codes import InspectionErrorCode as Code
from inspections.errors import DomainError, InvalidInput, NotFound
from inspections.principals import Principal, Role
from inspections.spreadsheets.columns import ENTITIES, TEMPLATES, CellError, Template
from inspections.spreadsheets.reading import FileUnreadable, read_table
from schema.models import Entity, Inspection, InspectionItem, ResultCategory, TaskItem
from workdays import WorkCalendar

IMPORT_ROLES = {
    "entities": (Role.CLERK, Role.ADMIN),
    "inspectors": (Role.ADMIN,),
    "results": (Role.CLERK, Role.ADMIN),
}
# What a use case names in ``DomainError.field`` -> the template column it came from.
FIELD_KEYS = {
    "creditCode": "credit_code",
    "name": "name",
    "regionCode": "region_code",
    "categoryCodes": "categories",
    "itemId": "item_code",
    "inspectionId": "credit_code",
}
Progress = Callable[[int, int], None]
# The keys of a row's cells left blank (an update leaves those fields as they are).
BLANK = "_blank"


@dataclass(frozen=True)
class RowProblem:
    """Why one row (or the file, row ``None``) was refused."""

    row: int | None
    column: str | None
    code: str
    message: str


@dataclass(frozen=True)
class RowChange:
    """What an update import did (or, in a refused file, would have done) to one row's entity."""

    row: int
    credit_code: str
    outcome: ChangeOutcome
    columns: list[str]  # the Chinese headers of the changed columns


@dataclass
class ImportReport:
    """What an import found and did."""

    kind: str
    filename: str
    rows: int = 0
    written: int = 0
    problems: list[RowProblem] = field(default_factory=list)
    changes: list[RowChange] = field(default_factory=list)  # entities, update mode

    @property
    def accepted(self) -> bool:
        """True when the whole file was written."""
        return not self.problems


class ImportRefused(Exception):
    """The file had at least one bad row: nothing was written; ``report`` says why, row by row."""

    def __init__(self, report: ImportReport) -> None:
        super().__init__(f"{len(report.problems)} problem(s) in {report.filename}")
        self.report = report


@dataclass
class Context:
    """What the writers of one import share."""

    session: AsyncSession
    by: Principal
    department_id: int
    calendar: WorkCalendar | None
    publication_working_days: int
    labels: dict[str, str] = field(default_factory=dict)  # category label or code -> code
    row: int = 0
    source: str = ""
    today: date | None = None
    changes: list[RowChange] = field(default_factory=list)


def template_of(kind: str) -> Template:
    """The template of a file kind, or a refusal."""
    if kind not in TEMPLATES:
        allowed = "、".join(TEMPLATES)
        raise InvalidInput(
            f"未知的导入类型“{kind}”，应为：{allowed}",
            code=Code.IMPORT_KIND_UNKNOWN,
            field="kind",
        )
    return TEMPLATES[kind]


def _headers(template: Template, headers: list[str]) -> tuple[dict[str, int], list[RowProblem]]:
    problems, index = [], {}
    known = {c.header: c.key for c in template.columns}
    for position, header in enumerate(headers):
        if not header:
            continue
        if header in known:
            if known[header] in index:
                problems.append(RowProblem(1, header, Code.HEADER_DUPLICATE, f"表头“{header}”重复"))
            index[known[header]] = position
        elif header not in template.extra_headers:
            problems.append(
                RowProblem(1, header, Code.HEADER_UNKNOWN, f"表头“{header}”不是模板中的列，请使用下载的模板")
            )
    for column in template.columns:
        if column.required and column.key not in index:
            problems.append(RowProblem(1, column.header, Code.HEADER_MISSING, f"缺少必填列“{column.header}”"))
    return index, problems


def parse_rows(
    template: Template, headers: list[str], rows: list[tuple[int, list[str]]]
) -> tuple[list[tuple[int, dict[str, Any]]], list[RowProblem]]:
    """Step 1: each row's values by column key, and every problem found in the cells."""
    index, problems = _headers(template, headers)
    if problems:
        return [], problems
    parsed: list[tuple[int, dict[str, Any]]] = []
    seen: dict[tuple[Any, ...], int] = {}
    for number, cells in rows:
        values: dict[str, Any] = {}
        blank: set[str] = set()
        bad = False
        for column in template.columns:
            position = index.get(column.key)
            raw = cells[position].strip() if position is not None and position < len(cells) else ""
            if not raw:
                if column.required:
                    problems.append(
                        RowProblem(number, column.header, Code.REQUIRED, f"“{column.header}”必须填写")
                    )
                    bad = True
                values[column.key] = column.default
                blank.add(column.key)
                continue
            try:
                values[column.key] = column.parse(raw)
            except CellError as exc:
                problems.append(RowProblem(number, column.header, exc.code, exc.message))
                bad = True
        if bad:
            continue
        values[BLANK] = frozenset(blank)
        identity = tuple(str(values[key]) for key in template.identity)
        if identity in seen:
            header = template.header_of(template.identity[-1])
            problems.append(
                RowProblem(
                    number,
                    header,
                    Code.DUPLICATE_IN_FILE,
                    f"与第{seen[identity]}行重复（同一对象只能出现一次）",
                )
            )
            continue
        seen[identity] = number
        parsed.append((number, values))
    return parsed, problems


async def _entity(ctx: Context, values: dict[str, Any]) -> None:
    await directory.register_entity(
        ctx.session,
        by=ctx.by,
        code=values["credit_code"],
        name=values["name"],
        entity_type=values["entity_type"],
        region_code=values["region_code"],
        industry=values["industry"],
        address=values["address"],
        legal_representative=values["legal_representative"],
        registration_date=values["registration_date"],
        former_names=values["former_names"],
        status=values["status"],
        phone=values["phone"],
        kind=values["kind"],
        registration_authority_code=values["registration_authority"] or None,
    )


async def _entity_update(ctx: Context, values: dict[str, Any]) -> None:
    assert ctx.today is not None
    given = [key for key in FIELDS if key not in values[BLANK]]
    change = await upsert_entity(
        ctx.session,
        by=ctx.by,
        code=values["credit_code"],
        values=values,
        given=given,
        source=ctx.source,
        today=ctx.today,
    )
    ctx.changes.append(
        RowChange(
            ctx.row,
            change.entity.credit_code,
            change.outcome,
            [ENTITIES.header_of(key) for key in change.fields],
        )
    )


async def _inspector(ctx: Context, values: dict[str, Any]) -> None:
    await directory.register_inspector(
        ctx.session,
        by=ctx.by,
        department_id=ctx.department_id,
        badge_number=values["badge_number"],
        name=values["name"],
    )


async def _result(ctx: Context, values: dict[str, Any]) -> None:
    session = ctx.session
    # One answer whether the task is not there, not the caller's, or lacks the entity (404 before 403).
    missing = NotFound(
        "该任务中没有这个检查对象（或没有该任务）",
        code=Code.INSPECTION_NOT_FOUND,
        field="creditCode",
    )
    await task_role(session, ctx.by, values["task_id"], missing)
    inspection = await session.scalar(
        select(Inspection)
        .join(Entity, Entity.id == Inspection.entity_id)
        .where(Inspection.task_id == values["task_id"], Entity.credit_code == values["credit_code"])
    )
    if inspection is None:
        raise missing
    item_id = await session.scalar(
        select(InspectionItem.id)
        .join(TaskItem, TaskItem.item_id == InspectionItem.id)
        .where(
            TaskItem.task_id == values["task_id"],
            TaskItem.department_id == ctx.department_id,
            InspectionItem.code == values["item_code"],
        )
    )
    if item_id is None:
        raise InvalidInput(
            f"“{values['item_code']}”不是本部门在该任务中负责的抽查事项",
            code=Code.ITEM_NOT_IN_TASK,
            field="itemId",
        )
    unknown = [label for label in values["categories"] if label not in ctx.labels]
    if unknown:
        raise InvalidInput(
            f"未知的检查结果类型：{'、'.join(unknown)}",
            code=Code.CATEGORY_UNKNOWN,
            field="categoryCodes",
        )
    assert ctx.calendar is not None
    await results.enter_result(
        session,
        by=ctx.by,
        inspection_id=inspection.id,
        department_id=ctx.department_id,
        item_id=item_id,
        category_codes=[ctx.labels[label] for label in values["categories"]],
        description=values["description"],
        calendar=ctx.calendar,
        publication_working_days=ctx.publication_working_days,
    )


WRITERS: dict[str, Callable[[Context, dict[str, Any]], Awaitable[None]]] = {
    "entities": _entity,
    "inspectors": _inspector,
    "results": _result,
}


async def import_file(
    session: AsyncSession,
    *,
    by: Principal,
    kind: str,
    data: bytes,
    filename: str,
    calendar: WorkCalendar | None = None,
    publication_working_days: int = 20,
    progress: Progress | None = None,
    update: bool = False,
    today: date | None = None,
) -> ImportReport:
    """Import one file whole, or raise :class:`ImportRefused` with every bad row and write nothing.

    ``update`` (entities only): rows of entities already in the directory update them instead of
    being refused (directory_upkeep.upsert_entity); the report lists each row's outcome and changed
    columns, and status changes are dated ``today`` with the file as their source.
    """
    template = template_of(kind)
    if update and kind != "entities":
        raise InvalidInput(
            "只有检查对象名录可以按更新方式导入", code=Code.IMPORT_KIND_UNKNOWN, field="update"
        )
    if update and today is None:
        raise ValueError("an update import needs today's date")
    department_id = require_department(by, *IMPORT_ROLES[kind])
    if department_id is None:
        raise InvalidInput("导入须以部门用户身份进行", code=Code.DEPARTMENT_REQUIRED)
    report = ImportReport(kind=kind, filename=filename)
    try:
        sheet = read_table(data, filename)
    except FileUnreadable as exc:
        report.problems.append(RowProblem(None, None, exc.code, exc.message))
        raise ImportRefused(report) from exc
    report.rows = len(sheet.rows)
    parsed, report.problems = parse_rows(template, sheet.headers, sheet.rows)
    if not sheet.rows and not report.problems:
        report.problems.append(RowProblem(None, None, Code.FILE_EMPTY, "文件中没有数据行"))
    ctx = Context(session, by, department_id, calendar, publication_working_days)
    ctx.source, ctx.today = f"名录更新导入：{filename}"[:200], today
    writer = _entity_update if update else WRITERS[kind]
    if kind == "results":
        for row in await session.scalars(select(ResultCategory)):
            ctx.labels[row.label] = ctx.labels[row.code] = row.code
    outer = await session.begin_nested()
    for done, (number, values) in enumerate(parsed, start=1):
        ctx.row = number
        try:
            async with session.begin_nested():
                await writer(ctx, values)
        except DomainError as exc:
            key = FIELD_KEYS.get(exc.field or "")
            header = template.header_of(key) if key and any(c.key == key for c in template.columns) else None
            report.problems.append(RowProblem(number, header, exc.code, exc.message))
        if progress is not None:
            progress(done, len(parsed))
    report.changes = ctx.changes
    if report.problems:
        await outer.rollback()
        report.problems.sort(key=lambda p: (p.row or 0, _column_order(template, p.column)))
        raise ImportRefused(report)
    await outer.commit()
    report.written = len(parsed)
    await audit.record(
        session,
        actor=by.actor,
        action=f"import.{kind}",
        object_type="Department",
        object_id=department_id,
        after={
            "file": filename,
            "sha256": hashlib.sha256(data).hexdigest(),
            "rows": report.written,
            **({"outcomes": _outcome_counts(report.changes)} if update else {}),
        },
    )
    return report


def _column_order(template: Template, header: str | None) -> int:
    headers = [c.header for c in template.columns]
    return headers.index(header) if header in headers else len(headers)


def _outcome_counts(changes: list[RowChange]) -> dict[str, int]:
    return {outcome.value: sum(1 for c in changes if c.outcome == outcome) for outcome in ChangeOutcome}
