"""Statistics (统计): the summary table (汇总表), detail table (明细表), problems list (发现问题一览表)
and publication timeliness, shaped like seed 003's three attachments (附件1-3).

What is counted, for a scope of tasks (by year of the task, one task, one department's tasks) and
of entities (by region code prefix of the entity's registration):

- 抽取户数: drawn (task, entity) pairs of locked draws; a department's row counts the tasks it has
  a part in, so a joint task's entity appears in every participating department's row once.
- 已检查户数: inspections (entity x task) with at least one counted result.
- 检查结果数 / by category: results (one department, one item, one entity); a result carrying two
  categories counts once under each.
- 发现问题户数 / 发现问题结果数: inspections / results with a category that ``is_problem``;
  问题发现率 = 发现问题户数 / 已检查户数.
- 移送 / 后续处理完成: results transferred (seed 001 art.20(3)) / with an outcome recorded (seed 003 四(五)).
- 逾期公示 / 超期未公示: published after, or still unpublished past, the stored due date; seed 001
  art.29: data not entered in time counts as a task not done.

Public figures (``full=False``) count published results only and leave out follow-ups and anything
unpublished; full figures, for departments, count every result.

Counted two ways under the same rules: with the detail table (downloads), from one view per result
in Python (_count, _time); without it (the GraphQL queries), by the database in GROUP BY
statements (_counted_in_database), which stays under two seconds for a year at a million results.
The tests hold both ways to the same hand-worked figures.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date
from fractions import Fraction
from typing import Any

import sqlalchemy as sa
from sqlalchemy import ColumnElement, Select, select
from sqlalchemy.ext.asyncio import AsyncSession

from inspections.error_codes import InspectionErrorCode as Code
from inspections.errors import InvalidInput, NotFound
from inspections.result_views import ResultView, build_views, categories_by_code
from schema.enums import ResultStatus
from schema.models import (
    Department,
    Draw,
    DrawEntry,
    Entity,
    FollowUp,
    InspectionResult,
    ResultCategory,
    Task,
    TaskDepartment,
)

TOTAL_LABEL = "合计"


@dataclass(frozen=True)
class Scope:
    """Which tasks and entities are counted; ``None`` means no restriction."""

    year: int | None = None
    task_id: int | None = None
    department_id: int | None = None
    region_code: str | None = None

    def check(self) -> Scope:
        """The scope itself, or a refusal naming the bad argument."""
        if self.year is not None and not 2000 <= self.year <= 2100:
            raise InvalidInput(f"年度“{self.year}”不在有效范围内", code=Code.YEAR_INVALID, field="year")
        region = self.region_code
        if region is not None and (len(region) not in (2, 4, 6) or not region.isdigit()):
            raise InvalidInput(
                "行政区划代码应为2、4或6位数字（省、市、县）",
                code=Code.REGION_CODE_INVALID,
                field="regionCode",
            )
        return self


@dataclass
class SummaryRow:
    """One line of the summary table (汇总表): a department, or the total (合计)."""

    department_id: int | None
    department_name: str
    tasks: int = 0
    drawn: int = 0
    inspected: int = 0
    results: int = 0
    by_category: Counter[str] = field(default_factory=Counter)
    problem_entities: int = 0
    problem_results: int = 0
    transferred: int = 0
    follow_ups_done: int = 0
    published: int = 0
    published_late: int = 0
    unpublished: int = 0
    overdue_unpublished: int = 0

    @property
    def problem_rate(self) -> Fraction:
        """问题发现率 as a fraction of inspected entities (0 when nothing was inspected)."""
        return Fraction(self.problem_entities, self.inspected) if self.inspected else Fraction(0)


@dataclass
class TimelinessRow:
    """Publication timeliness of one department (seed 001 art.20(4), art.29)."""

    department_id: int | None
    department_name: str
    due: int = 0  # results with a publication due date
    on_time: int = 0
    late: int = 0
    overdue_unpublished: int = 0
    pending: int = 0  # unpublished, not yet due

    @property
    def not_done(self) -> int:
        """Counted as a task not done (seed 001 art.29: 未在规定时间内录入数据的，视为未完成任务)."""
        return self.late + self.overdue_unpublished


@dataclass
class Statistics:
    """The three tables and the timeliness table of one scope."""

    scope: Scope
    full: bool
    today: date
    categories: list[tuple[str, str]]  # (code, label) in dictionary order
    summary: list[SummaryRow]
    total: SummaryRow
    details: list[ResultView]
    timeliness: list[TimelinessRow]

    @property
    def problems(self) -> list[ResultView]:
        """The list of problems found (发现问题一览表)."""
        return [view for view in self.details if view.problem]


@dataclass(frozen=True, slots=True)
class Tally:
    """What the summary and timeliness tables count of one result."""

    department_id: int
    inspection_id: int
    status: ResultStatus
    category_codes: tuple[str, ...]
    problem: bool
    publication_due: date | None
    published_on: date | None
    transferred: bool
    followed_up: bool

    @classmethod
    def of_view(cls, view: ResultView) -> Tally:
        """The tally of a department view (the detail table's row)."""
        follow_up = view.follow_up
        return cls(
            department_id=view.department_id,
            inspection_id=view.inspection_id,
            status=view.status,
            category_codes=tuple(view.category_codes),
            problem=view.problem,
            publication_due=view.publication_due,
            published_on=view.published_on,
            transferred=follow_up is not None and follow_up.transferred_on is not None,
            followed_up=follow_up is not None and follow_up.outcome is not None,
        )


def is_late(view: ResultView | Tally, today: date) -> bool:
    """Published after its due date, or unpublished past it."""
    if view.publication_due is None:
        return False
    if view.published_on is not None:
        return view.published_on > view.publication_due
    return today > view.publication_due


def _task_conditions(scope: Scope) -> list[ColumnElement[bool]]:
    conditions = []
    if scope.year is not None:
        conditions.append(Task.year == scope.year)
    if scope.task_id is not None:
        conditions.append(Task.id == scope.task_id)
    if scope.department_id is not None:
        conditions.append(
            Task.id.in_(
                select(TaskDepartment.task_id).where(TaskDepartment.department_id == scope.department_id)
            )
        )
    return conditions


def _task_ids(scope: Scope) -> Select[Any]:
    """The scope's task ids, as a subquery (no IN list of ids, whatever their number)."""
    return select(Task.id).where(*_task_conditions(scope))


async def _tasks(session: AsyncSession, scope: Scope) -> list[Task]:
    return list(await session.scalars(select(Task).where(*_task_conditions(scope)).order_by(Task.id)))


async def _check_references(session: AsyncSession, scope: Scope) -> None:
    if scope.task_id is not None and await session.get(Task, scope.task_id) is None:
        raise NotFound("未找到该抽查任务", code=Code.TASK_NOT_FOUND, field="taskId")
    if scope.department_id is not None and await session.get(Department, scope.department_id) is None:
        raise NotFound("未找到该部门", code=Code.DEPARTMENT_NOT_FOUND, field="departmentId")


def _in_region(scope: Scope) -> list[ColumnElement[bool]]:
    if scope.region_code is None:
        return []
    return [Entity.region_code.startswith(scope.region_code)]


def _results_in(
    scope: Scope, task_ids: Select[Any], *, full: bool, dialect: str
) -> list[ColumnElement[bool]]:
    conditions = [InspectionResult.task_id.in_(task_ids), *_in_region(scope)]
    if scope.department_id is not None:
        conditions.append(InspectionResult.department_id == scope.department_id)
    if not full and dialect == "sqlite":
        # The unary plus keeps SQLite from reading through the (status, published_on) index:
        # without table statistics it preferred it to the task index for the public figures and
        # read every published result of every year (1.9 s instead of a year's 167,000 rows at a
        # million). PostgreSQL plans from its statistics.
        conditions.append(sa.literal_column("+inspection_results.status") == ResultStatus.PUBLISHED.value)
    elif not full:
        conditions.append(InspectionResult.status == ResultStatus.PUBLISHED)
    return conditions


# The summary figures _counted_in_database's statements label by the SummaryRow field's name.
_DATABASE_FIGURES = (
    "results",
    "inspected",
    "problem_entities",
    "problem_results",
    "published",
    "unpublished",
    "published_late",
    "overdue_unpublished",
)


def _category_codes(column: Any, dialect: str) -> Any:
    """The codes of a result's JSON list of category codes, as a table of one ``value`` column
    (a function in FROM may use the row before it: SQLite's json_each, PostgreSQL's own)."""
    if dialect == "sqlite":
        return sa.func.json_each(column).table_valued("value")
    return sa.func.json_array_elements_text(column).table_valued("value").render_derived()


def _sum(condition: ColumnElement[bool]) -> ColumnElement[int]:
    return sa.func.coalesce(sa.func.sum(sa.case((condition, 1), else_=0)), 0)


async def _counted_in_database(
    session: AsyncSession,
    scope: Scope,
    task_ids: Select[Any],
    categories: dict[str, ResultCategory],
    *,
    full: bool,
    today: date,
) -> tuple[dict[int, tuple[SummaryRow, TimelinessRow]], SummaryRow, TimelinessRow]:
    """The summary and timeliness figures by department and in total, counted by the database
    from the result rows (the same rules as _count and _time, which the tests hold both to)."""
    dialect = session.get_bind().dialect.name
    result = InspectionResult
    problem_codes = sorted(code for code, category in categories.items() if category.is_problem)
    codes = _category_codes(result.category_codes, dialect)
    problem: ColumnElement[bool] = (
        sa.exists().select_from(codes).where(codes.c.value.in_(problem_codes))
        if problem_codes
        else sa.false()
    )
    due, published_on, day = result.publication_due, result.published_on, sa.literal(today, sa.Date)
    published = result.status == ResultStatus.PUBLISHED
    late = sa.and_(
        due.is_not(None),
        sa.or_(
            sa.and_(published_on.is_not(None), published_on > due),
            sa.and_(published_on.is_(None), day > due),
        ),
    )
    figures: list[Any] = [
        sa.func.count().label("results"),
        sa.func.count(sa.distinct(result.inspection_id)).label("inspected"),
        sa.func.count(sa.distinct(sa.case((problem, result.inspection_id)))).label("problem_entities"),
        _sum(problem).label("problem_results"),
        _sum(published).label("published"),
        _sum(sa.not_(published)).label("unpublished"),
        _sum(sa.and_(published, late)).label("published_late"),
        _sum(sa.and_(sa.not_(published), late)).label("overdue_unpublished"),
        _sum(due.is_not(None)).label("due"),
        _sum(sa.and_(due.is_not(None), published_on.is_not(None), published_on <= due)).label("on_time"),
        _sum(sa.and_(due.is_not(None), published_on.is_not(None), published_on > due)).label("late"),
        _sum(sa.and_(due.is_not(None), published_on.is_(None), day > due)).label("overdue"),
        _sum(sa.and_(due.is_not(None), published_on.is_(None), day <= due)).label("pending"),
    ]
    if full:  # follow-ups are for departments only
        figures += [
            _sum(FollowUp.transferred_on.is_not(None)).label("transferred"),
            _sum(FollowUp.outcome.is_not(None)).label("follow_ups_done"),
        ]

    def counted(*columns: Any) -> Select[Any]:
        stmt = (
            select(*columns)
            .select_from(result)
            .where(*_results_in(scope, task_ids, full=full, dialect=dialect))
        )
        if scope.region_code is not None:
            stmt = stmt.join(Entity, Entity.id == result.entity_id)
        if full:
            stmt = stmt.outerjoin(FollowUp, FollowUp.result_id == result.id)
        return stmt

    def rows_of(values: Any, department_id: int | None) -> tuple[SummaryRow, TimelinessRow]:
        line = SummaryRow(department_id, "")
        timely = TimelinessRow(department_id, "")
        for name in _DATABASE_FIGURES:
            setattr(line, name, int(getattr(values, name)))
        if full:
            line.transferred, line.follow_ups_done = int(values.transferred), int(values.follow_ups_done)
        timely.due, timely.on_time, timely.late = int(values.due), int(values.on_time), int(values.late)
        timely.overdue_unpublished, timely.pending = int(values.overdue), int(values.pending)
        return line, timely

    by_department = {
        values.department_id: rows_of(values, values.department_id)
        for values in await session.execute(
            counted(result.department_id, *figures).group_by(result.department_id)
        )
    }
    total, total_timely = rows_of((await session.execute(counted(*figures))).one(), None)
    tally = _category_codes(result.category_codes, dialect)
    for department_id, code, count in await session.execute(
        counted(result.department_id, tally.c.value, sa.func.count())
        .join(tally, sa.true())
        .group_by(result.department_id, tally.c.value)
    ):
        by_department[department_id][0].by_category[code] += count
        total.by_category[code] += count
    return by_department, total, total_timely


async def compute(
    session: AsyncSession, scope: Scope, *, full: bool, today: date, details: bool = True
) -> Statistics:
    """Count the scope; ``full`` for departments (every result), public figures otherwise.

    ``details``: also the detail table (and so the problems list), one view per result; without
    them the tables are counted from the result rows alone, as the GraphQL queries do.
    """
    scope.check()
    await _check_references(session, scope)
    tasks = await _tasks(session, scope)
    task_ids = [t.id for t in tasks]
    parts = list(await session.scalars(select(TaskDepartment).where(TaskDepartment.task_id.in_(task_ids))))
    if scope.department_id is not None:
        parts = [p for p in parts if p.department_id == scope.department_id]
    in_scope = _task_ids(scope)
    categories = await categories_by_code(session)
    drawn = list(
        await session.execute(
            select(Draw.task_id, DrawEntry.entity_id)
            .join(DrawEntry, DrawEntry.draw_id == Draw.id)
            .join(Entity, Entity.id == DrawEntry.entity_id)
            .where(Draw.task_id.in_(in_scope), Draw.locked.is_(True), *_in_region(scope))
        )
    )
    if scope.region_code is not None:
        # A region's figures count the tasks (and their departments) that drew an entity in it,
        # not every task of the year elsewhere in the province.
        touching = {task_id for task_id, _ in drawn}
        tasks = [t for t in tasks if t.id in touching]
        parts = [p for p in parts if p.task_id in touching]
    views: list[ResultView] = []
    if details:
        stmt = (
            select(InspectionResult)
            .join(Entity, Entity.id == InspectionResult.entity_id)
            .where(*_results_in(scope, in_scope, full=full, dialect=session.get_bind().dialect.name))
            .order_by(
                InspectionResult.task_id,
                Entity.credit_code,
                InspectionResult.department_id,
                InspectionResult.id,
            )
        )
        views = await build_views(session, list(await session.scalars(stmt)), with_team=False)
        if not full:
            for view in views:  # public figures: nothing a department alone may see
                view.internal_note, view.follow_up = "", None
        tallies = [Tally.of_view(view) for view in views]
        counted = _counted_in_python(tallies, today)
    else:
        counted = await _counted_in_database(session, scope, in_scope, categories, full=full, today=today)
    by_department, counted_total, counted_timely = counted
    department_ids = {p.department_id for p in parts} | set(by_department)
    departments = list(
        await session.execute(
            select(Department.id, Department.name)
            .where(Department.id.in_(department_ids))
            .order_by(Department.code)
        )
    )
    names = {department_id: name for department_id, name in departments}
    order = [d for d, _ in departments]
    summary = {d: SummaryRow(d, names[d]) for d in order}
    timeliness = {d: TimelinessRow(d, names[d]) for d in order}
    drawn_per_task = Counter(task_id for task_id, _ in drawn)
    for part in parts:
        summary[part.department_id].tasks += 1
        summary[part.department_id].drawn += drawn_per_task[part.task_id]
    for department_id, (line, timely) in by_department.items():
        _add(summary[department_id], line)
        _add(timeliness[department_id], timely)
    total = SummaryRow(None, TOTAL_LABEL, tasks=len(tasks), drawn=len(set(drawn)))
    _add(total, counted_total)
    all_timeliness = TimelinessRow(None, TOTAL_LABEL)
    _add(all_timeliness, counted_timely)
    return Statistics(
        scope=scope,
        full=full,
        today=today,
        categories=[(c.code, c.label) for c in sorted(categories.values(), key=lambda c: c.sort_order)],
        summary=list(summary.values()),
        total=total,
        details=views,
        timeliness=[*timeliness.values(), all_timeliness],
    )


_NOT_COUNTED = {"department_id", "department_name", "tasks", "drawn"}


def _add(row: SummaryRow | TimelinessRow, counted: SummaryRow | TimelinessRow) -> None:
    """Copy the counted figures into a table's row (names, tasks and draws are the caller's)."""
    for name in counted.__dataclass_fields__:
        if name not in _NOT_COUNTED:
            setattr(row, name, getattr(counted, name))


def _counted_in_python(
    tallies: list[Tally], today: date
) -> tuple[dict[int, tuple[SummaryRow, TimelinessRow]], SummaryRow, TimelinessRow]:
    """The same figures as _counted_in_database, from the detail table's tallies."""
    grouped: dict[int, list[Tally]] = {}
    for tally in tallies:
        grouped.setdefault(tally.department_id, []).append(tally)
    by_department = {}
    for department_id, own in grouped.items():
        line, timely = SummaryRow(department_id, ""), TimelinessRow(department_id, "")
        _count(line, own, today)
        for tally in own:
            _time(timely, tally, today)
        by_department[department_id] = (line, timely)
    total, total_timely = SummaryRow(None, ""), TimelinessRow(None, "")
    _count(total, tallies, today)
    for tally in tallies:
        _time(total_timely, tally, today)
    return by_department, total, total_timely


def _count(row: SummaryRow, tallies: list[Tally], today: date) -> None:
    row.results = len(tallies)
    row.inspected = len({t.inspection_id for t in tallies})
    row.problem_entities = len({t.inspection_id for t in tallies if t.problem})
    row.problem_results = sum(1 for t in tallies if t.problem)
    for tally in tallies:
        row.by_category.update(tally.category_codes)
        published = tally.status == ResultStatus.PUBLISHED
        row.published += published
        row.unpublished += not published
        row.published_late += published and is_late(tally, today)
        row.overdue_unpublished += not published and is_late(tally, today)
        row.transferred += tally.transferred
        row.follow_ups_done += tally.followed_up


def _time(row: TimelinessRow, view: Tally, today: date) -> None:
    if view.publication_due is None:
        return
    row.due += 1
    if view.published_on is not None:
        if is_late(view, today):
            row.late += 1
        else:
            row.on_time += 1
    elif is_late(view, today):
        row.overdue_unpublished += 1
    else:
        row.pending += 1
