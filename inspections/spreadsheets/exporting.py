"""Exports with Chinese headers: the statistics tables (seed 003 附件1-3), a task's results, directories.

A directory or results export starts with its import template's columns, so the file it gives can be
imported again and compared row by row with the file that was imported.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from inspections import audit
from inspections.access import require_department, task_role
from inspections.error_codes import InspectionErrorCode as Code
from inspections.errors import InvalidInput
from inspections.jurisdiction import caller_area
from inspections.principals import Principal, PrincipalKind, Role
from inspections.recognition import record_read
from inspections.result_views import build_views
from inspections.spreadsheets.columns import (
    ENTITIES,
    ENTITY_KIND_LABELS,
    ENTITY_STATUS_LABELS,
    ENTITY_TYPE_LABELS,
    INSPECTORS,
    RESULTS,
)
from inspections.spreadsheets.writing import FORMATS, Table, render
from inspections.statistics import Scope, Statistics, SummaryRow, compute, is_late
from schema.models import Department, Entity, EntityContact, InspectionResult, Inspector

READERS = (Role.CLERK, Role.REVIEWER, Role.HEAD, Role.ADMIN)


def _percent(row: SummaryRow) -> str:
    return f"{float(row.problem_rate * 100):.2f}%"


def summary_table(stats: Statistics) -> Table:
    """附件1 汇总表: one line per department and the total (合计)."""
    headers = ["单位", "抽查任务数", "抽取户数", "已检查户数", "检查结果数"]
    headers += [label for _, label in stats.categories]
    headers += ["发现问题户数", "发现问题结果数", "问题发现率", "已公示结果数", "逾期公示数"]
    if stats.full:
        headers += ["未公示结果数", "超期未公示数", "已移送数", "后续处理办结数"]
    table = Table("汇总表", headers)
    for row in [*stats.summary, stats.total]:
        line: list[Any] = [row.department_name, row.tasks, row.drawn, row.inspected, row.results]
        line += [row.by_category[code] for code, _ in stats.categories]
        line += [row.problem_entities, row.problem_results, _percent(row), row.published, row.published_late]
        if stats.full:
            line += [row.unpublished, row.overdue_unpublished, row.transferred, row.follow_ups_done]
        table.rows.append(line)
    return table


def detail_table(stats: Statistics) -> Table:
    """附件2 明细表: one line per result (entity x item x department)."""
    headers = [
        "序号", "市场主体名称", "统一社会信用代码", "行政区划代码", "抽查任务", "发起部门", "检查部门",
        "抽查事项编码", "抽查事项", "检查日期", "检查结束日期", "检查结果", "是否发现问题", "结果说明",
        "应公示日期", "公示日期", "是否逾期",
    ]  # fmt: skip
    if stats.full:
        headers += ["状态", "移送部门", "移送日期", "后续处理结果"]
    table = Table("明细表", headers)
    for n, view in enumerate(stats.details, start=1):
        line: list[Any] = [
            n, view.entity_name, view.credit_code, view.region_code, view.task_name,
            view.initiating_department_name, view.department_name, view.item_code, view.item_name,
            view.inspected_on, view.ended_on, view.category_labels, view.problem, view.description,
            view.publication_due, view.published_on, is_late(view, stats.today),
        ]  # fmt: skip
        if stats.full:
            follow_up = view.follow_up
            line += [
                view.status_label,
                follow_up.authority if follow_up else "",
                follow_up.transferred_on if follow_up else None,
                (follow_up.outcome or "") if follow_up else "",
            ]
        table.rows.append(line)
    return table


def problems_table(stats: Statistics) -> Table:
    """附件3 发现问题一览表: the results with a problem category."""
    headers = [
        "序号",
        "市场主体名称",
        "统一社会信用代码",
        "检查部门",
        "抽查事项",
        "发现问题",
        "问题说明",
        "公示日期",
    ]
    if stats.full:
        headers += ["状态", "移送部门", "移送期限", "移送日期", "后续处理结果", "办结日期"]
    table = Table("发现问题一览表", headers)
    for n, view in enumerate(stats.problems, start=1):
        line: list[Any] = [
            n, view.entity_name, view.credit_code, view.department_name, view.item_name,
            view.category_labels, view.description, view.published_on,
        ]  # fmt: skip
        if stats.full:
            f = view.follow_up
            line += [
                view.status_label,
                f.authority if f else "",
                f.transfer_due if f else None,
                f.transferred_on if f else None,
                (f.outcome or "") if f else "",
                f.outcome_on if f else None,
            ]
        table.rows.append(line)
    return table


def timeliness_table(stats: Statistics) -> Table:
    """Publication timeliness by department (seed 001 art.29: late data counts as a task not done)."""
    headers = ["单位", "按时公示", "逾期公示"]
    if stats.full:
        headers += ["应公示结果数", "超期未公示", "未到期未公示", "视为未完成任务数"]
    table = Table("公示及时性", headers)
    for row in stats.timeliness:
        line: list[Any] = [row.department_name, row.on_time, row.late]
        if stats.full:
            line += [row.due, row.overdue_unpublished, row.pending, row.not_done]
        table.rows.append(line)
    return table


STATISTICS_TABLES = {
    "summary": summary_table,
    "details": detail_table,
    "problems": problems_table,
    "timeliness": timeliness_table,
}


def statistics_tables(stats: Statistics, which: str | None = None) -> list[Table]:
    """All four tables (XLSX), or one of them by name (CSV)."""
    if which is None:
        return [build(stats) for build in STATISTICS_TABLES.values()]
    if which not in STATISTICS_TABLES:
        allowed = "、".join(STATISTICS_TABLES)
        raise InvalidInput(f"未知的统计表“{which}”，应为：{allowed}", code=Code.TABLE_UNKNOWN, field="table")
    return [STATISTICS_TABLES[which](stats)]


async def task_results_table(session: AsyncSession, *, by: Principal, task_id: int) -> Table:
    """Every result of a task, in the results template's columns first (for departments of the task)."""
    require_department(by, *READERS)
    await task_role(session, by, task_id)
    rows = list(
        await session.scalars(
            select(InspectionResult)
            .where(InspectionResult.task_id == task_id)
            .order_by(InspectionResult.department_id, InspectionResult.id)
        )
    )
    await audit.record(  # drafts, returns and internal views leave the system: traceably (art.25)
        session,
        actor=by.actor,
        action="export.task_results",
        object_type="Task",
        object_id=task_id,
        after={"rows": len(rows)},
    )
    table = Table(RESULTS.title, [c.header for c in RESULTS.columns] + list(RESULTS.extra_headers))
    for view in await build_views(session, rows, with_team=False):
        table.rows.append(
            [
                view.task_id,
                view.credit_code,
                view.item_code,
                view.category_labels,
                view.description,
                view.entity_name,
                view.item_name,
                view.department_name,
                view.status_label,
                view.publication_due,
                view.published_on,
            ]
        )
    return table


async def entities_table(session: AsyncSession, *, by: Principal, region_code: str) -> Table:
    """The entity directory of a region, in the import template's columns (contacts: departments only)."""
    require_department(by, *READERS)
    if len(region_code) not in (2, 4, 6) or not region_code.isdigit():
        raise InvalidInput("行政区划代码应为2、4或6位数字", code=Code.REGION_CODE_INVALID, field="regionCode")
    rows = await session.execute(
        select(Entity, EntityContact.phone, Department.code)
        .outerjoin(EntityContact, EntityContact.entity_id == Entity.id)
        .outerjoin(Department, Department.id == Entity.registration_authority_id)
        .where(Entity.region_code.startswith(region_code))
        .order_by(Entity.credit_code)
    )
    table = Table(ENTITIES.title, [c.header for c in ENTITIES.columns])
    # Contact details are not public (seed 001 art.25): they leave only within the caller's area.
    area = await caller_area(session, by)
    contacts = 0
    for entity, phone, authority in rows:
        if area is not None and not entity.region_code.startswith(area):
            phone = ""
        contacts += bool(phone)
        table.rows.append(
            [
                entity.credit_code,
                entity.name,
                ENTITY_TYPE_LABELS[entity.entity_type],
                entity.region_code,
                entity.industry,
                entity.address,
                entity.legal_representative,
                entity.registration_date,
                ENTITY_STATUS_LABELS[entity.status],
                list(entity.former_names),
                authority or "",
                ENTITY_KIND_LABELS[entity.kind] if entity.kind else "",
                phone or "",
            ]
        )
    await audit.record(
        session,
        actor=by.actor,
        action="export.entities",
        object_type="EntityDirectory",
        object_id=region_code,
        after={"rows": len(table.rows), "withContacts": contacts},
    )
    return table


async def inspectors_table(session: AsyncSession, *, by: Principal) -> Table:
    """The caller's department's inspector directory, in the import template's columns."""
    own = require_department(by, Role.ADMIN)
    rows = await session.scalars(
        select(Inspector).where(Inspector.department_id == own).order_by(Inspector.badge_number)
    )
    return Table(
        INSPECTORS.title, [c.header for c in INSPECTORS.columns], [[i.badge_number, i.name] for i in rows]
    )


def check_format(fmt: str) -> str:
    """``xlsx`` or ``csv``, or a refusal."""
    if fmt not in FORMATS:
        raise InvalidInput(f"格式应为 xlsx 或 csv，收到“{fmt}”", code=Code.FORMAT_UNKNOWN, field="format")
    return fmt


async def statistics_file(
    session: AsyncSession, *, by: Principal, scope: Scope, table: str | None, fmt: str, today: date
) -> tuple[bytes, str]:
    """The statistics tables as a file: full figures for department users, public figures otherwise.

    CSV holds one table (``summary`` unless named). A department's full detail or problems table shows
    other agencies' unpublished results, so it is recorded like a recognition read (seed 001 art.25).
    """
    check_format(fmt)
    full = by.kind == PrincipalKind.DEPARTMENT
    stats = await compute(session, scope, full=full, today=today)
    which = table or (None if fmt == "xlsx" else "summary")
    tables = statistics_tables(stats, which)
    if full and which in (None, "details", "problems"):
        views = stats.details if which != "problems" else stats.problems
        await record_read(
            session,
            by=by,
            query="statisticsExport",
            subject=f"Statistics:{_scope_key(scope)}",
            views=views,
            year=scope.year or 0,
        )
    name = "统计表" if which is None else tables[0].title
    return render(tables, fmt), f"{name}.{fmt}"


def _scope_key(scope: Scope) -> str:
    """``year=2021,task_id=3``: what an audit row names as the statistics read."""
    parts = [f"{key}={value}" for key, value in vars(scope).items() if value is not None]
    return ",".join(parts)[:50] or "all"
