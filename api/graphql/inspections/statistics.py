"""Statistics on the API: public figures (published data only) for anyone, full figures for departments.

The detail table (明细表) and the problems list (发现问题一览表) are downloads (``/statistics/...``,
see api/http/downloads.py); here are the summary table (汇总表) and publication timeliness.
"""

from __future__ import annotations

from typing import Annotated, Any, TypeAlias

import strawberry
from sqlalchemy.ext.asyncio import AsyncSession
from strawberry import relay

from api.graphql.context import Info
from api.graphql.core.errors import BadRequest, Errors
from api.graphql.core.ids import gid, local_id
from api.graphql.core.transaction import execute
from inspections import statistics
from inspections.access import require_department
from inspections.errors import DomainError
from inspections.principals import Principal
from inspections.recognition import READERS


@strawberry.type(description="某检查结果类型的结果数")
class CategoryTally:
    """How many results carry a category."""

    code: str
    label: str
    count: int


@strawberry.type(description="汇总表的一行：一个部门或合计（仅已公示数据）")
class StatisticsRow:
    """A department's line of the summary table (汇总表), or the total (department empty)."""

    department_id: relay.GlobalID | None
    department_name: str
    tasks: int = strawberry.field(description="抽查任务数")
    drawn: int = strawberry.field(description="抽取户数（任务×主体）")
    inspected: int = strawberry.field(description="已检查户数（有检查结果的任务×主体）")
    results: int = strawberry.field(description="检查结果数")
    by_category: list[CategoryTally] = strawberry.field(description="按检查结果类型的结果数")
    problem_entities: int = strawberry.field(description="发现问题户数")
    problem_results: int = strawberry.field(description="发现问题结果数")
    problem_rate_percent: float = strawberry.field(description="问题发现率（%）= 发现问题户数 / 已检查户数")
    published: int
    published_late: int = strawberry.field(description="逾期公示数（seed 001 art.29）")


@strawberry.type(description="汇总表的一行（部门视图：含未公示结果和后续处理）")
class FullStatisticsRow(StatisticsRow):
    """The full line, for departments."""

    unpublished: int = strawberry.field(description="未公示结果数")
    overdue_unpublished: int = strawberry.field(description="超过公示期限仍未公示")
    transferred: int = strawberry.field(description="已移送数（seed 001 art.20(3)）")
    follow_ups_done: int = strawberry.field(description="后续处理已办结数（seed 003 四(五)）")


@strawberry.type(description="公示及时性（仅已公示数据）")
class TimelinessLine:
    """Results of a department published on time or late."""

    department_id: relay.GlobalID | None
    department_name: str
    on_time: int
    late: int


@strawberry.type(description="公示及时性（部门视图）")
class FullTimelinessLine(TimelinessLine):
    """With what is still unpublished."""

    due: int = strawberry.field(description="有公示期限的结果数")
    overdue_unpublished: int
    pending: int = strawberry.field(description="未到期、尚未公示")
    not_done: int = strawberry.field(description="视为未完成任务数：逾期公示 + 超期未公示（seed 001 art.29）")


def _tallies(stats: statistics.Statistics, row: statistics.SummaryRow) -> list[CategoryTally]:
    return [CategoryTally(code=c, label=label, count=row.by_category[c]) for c, label in stats.categories]


def _department(department_id: int | None) -> relay.GlobalID | None:
    return gid("Department", department_id) if department_id is not None else None


def _row(stats: statistics.Statistics, row: statistics.SummaryRow) -> dict[str, Any]:
    return {
        "department_id": _department(row.department_id),
        "department_name": row.department_name,
        "tasks": row.tasks,
        "drawn": row.drawn,
        "inspected": row.inspected,
        "results": row.results,
        "by_category": _tallies(stats, row),
        "problem_entities": row.problem_entities,
        "problem_results": row.problem_results,
        "problem_rate_percent": round(float(row.problem_rate * 100), 2),
        "published": row.published,
        "published_late": row.published_late,
    }


def _full_row(stats: statistics.Statistics, row: statistics.SummaryRow) -> FullStatisticsRow:
    return FullStatisticsRow(
        **_row(stats, row),
        unpublished=row.unpublished,
        overdue_unpublished=row.overdue_unpublished,
        transferred=row.transferred,
        follow_ups_done=row.follow_ups_done,
    )


def _timely(row: statistics.TimelinessRow) -> dict[str, Any]:
    return {
        "department_id": _department(row.department_id),
        "department_name": row.department_name,
        "on_time": row.on_time,
        "late": row.late,
    }


def _full_timely(row: statistics.TimelinessRow) -> FullTimelinessLine:
    return FullTimelinessLine(
        **_timely(row),
        due=row.due,
        overdue_unpublished=row.overdue_unpublished,
        pending=row.pending,
        not_done=row.not_done,
    )


@strawberry.type(description="统计（公开：仅已公示数据）")
class PublicStatistics:
    """Summary table and timeliness of published results."""

    summary: list[StatisticsRow]
    total: StatisticsRow
    timeliness: list[TimelinessLine]

    @classmethod
    def from_stats(cls, stats: statistics.Statistics) -> PublicStatistics:
        return cls(
            summary=[StatisticsRow(**_row(stats, r)) for r in stats.summary],
            total=StatisticsRow(**_row(stats, stats.total)),
            timeliness=[TimelinessLine(**_timely(r)) for r in stats.timeliness],
        )


@strawberry.type(description="统计（部门视图：全部结果）")
class DepartmentStatistics:
    """Summary table and timeliness of every result, published or not."""

    summary: list[FullStatisticsRow]
    total: FullStatisticsRow
    timeliness: list[FullTimelinessLine]

    @classmethod
    def from_stats(cls, stats: statistics.Statistics) -> DepartmentStatistics:
        return cls(
            summary=[_full_row(stats, r) for r in stats.summary],
            total=_full_row(stats, stats.total),
            timeliness=[_full_timely(r) for r in stats.timeliness],
        )


DepartmentStatisticsPayload: TypeAlias = Annotated[
    DepartmentStatistics | Errors, strawberry.union("DepartmentStatisticsPayload")
]


def scope_of(
    year: int | None,
    task_id: relay.GlobalID | None,
    department_id: relay.GlobalID | None,
    region_code: str | None,
) -> statistics.Scope:
    """The scope named by the arguments (ids checked; the rest by ``Scope.check``)."""
    return statistics.Scope(
        year=year,
        task_id=local_id(task_id, "Task", "taskId") if task_id else None,
        department_id=local_id(department_id, "Department", "departmentId") if department_id else None,
        region_code=region_code,
    ).check()


@strawberry.type
class StatisticsQuery:
    """Public figures for anyone; full figures for department users."""

    @strawberry.field(description="统计（汇总表、公示及时性），仅计已公示结果；按年度、任务、部门、行政区划")
    async def statistics(
        self,
        info: Info,
        year: int | None = None,
        task_id: relay.GlobalID | None = None,
        department_id: relay.GlobalID | None = None,
        region_code: str | None = None,
    ) -> PublicStatistics:
        try:
            scope = scope_of(year, task_id, department_id, region_code)
            stats = await statistics.compute(
                info.context.session, scope, full=False, today=info.context.today(), details=False
            )
        except DomainError as exc:
            raise BadRequest(exc.message, code=exc.code, field=exc.field) from exc
        return PublicStatistics.from_stats(stats)

    @strawberry.field(description="统计（部门视图）：含未公示结果、超期未公示和后续处理")
    async def department_statistics(
        self,
        info: Info,
        year: int | None = None,
        task_id: relay.GlobalID | None = None,
        department_id: relay.GlobalID | None = None,
        region_code: str | None = None,
    ) -> DepartmentStatisticsPayload:
        async def action(session: AsyncSession, by: Principal) -> statistics.Statistics:
            require_department(by, *READERS)
            scope = scope_of(year, task_id, department_id, region_code)
            return await statistics.compute(
                session, scope, full=True, today=info.context.today(), details=False
            )

        return await execute(info, action, DepartmentStatistics.from_stats)
