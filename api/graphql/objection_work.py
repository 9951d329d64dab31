"""A department's objection and follow-up work lists (issue 14 point 4), paginated, with clocks.

``objectionWorkList``: the objections the caller's role is to receive, review, decide, correct or
answer (seed 002 art.17). ``followUpWorkList``: the department's problem results still to transfer
(7 working days, seed 001 art.20(3)) and transfers without an outcome (seed 003 四(五)). Every entry
carries the IDs its next mutation takes. Both lists join two domains' department views, so this
module sits beside them (only schema.py imports it), like the schema itself.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date
from typing import Annotated, TypeAlias, TypeVar

import strawberry

from api.graphql.context import Info
from api.graphql.core.errors import Errors, as_error
from api.graphql.core.pagination import decode_cursor, encode_cursor, page_size
from api.graphql.inspections.payloads import DepartmentResult, FollowUpRecord
from api.graphql.objections import ObjectionRecord
from inspections import follow_up_work
from inspections.errors import DomainError
from objections import work

T = TypeVar("T")

strawberry.enum(
    work.ObjectionAction,
    description="异议待办：签收（RECEIVE）、开始复查（REVIEW）、作出复查结论（DECIDE）、更正（CORRECT）、反馈（ANSWER）",
)
strawberry.enum(
    follow_up_work.FollowUpAction, description="后续处理待办：移送（TRANSFER）、登记处理结果（OUTCOME）"
)


@strawberry.type(description="异议工作清单中的一项")
class ObjectionWorkEntry:
    """An objection, the caller's next action on it, and the clock that action stops."""

    action: work.ObjectionAction
    objection: ObjectionRecord = strawberry.field(description="异议；其 id 即下一步操作的 objectionId")
    due: date | None = strawberry.field(description="该操作所停止的期限（复查、更正或反馈期限）")
    due_provisional: bool = strawberry.field(description="期限所在年度放假安排未载入，载入后重新计算")
    remaining_working_days: int | None = strawberry.field(
        description="距期限的工作日数（期限当日为0，逾期为负）"
    )
    overdue: bool = strawberry.field(description="已过期限")
    cursor: str


@strawberry.type(description="本人的异议工作清单（按期限排序，分页）")
class ObjectionWorkList:
    """One page of the caller's objection work."""

    entries: list[ObjectionWorkEntry]
    total_count: int
    end_cursor: str | None
    has_next_page: bool


@strawberry.type(description="后续处理工作清单中的一项")
class FollowUpWorkEntry:
    """A problem result to transfer, or a transfer whose outcome is to be recorded."""

    action: follow_up_work.FollowUpAction
    result: DepartmentResult = strawberry.field(description="检查结果；其 id 即 recordTransfer 的 resultId")
    follow_up: FollowUpRecord | None = strawberry.field(
        description="已登记的移送；其 id 即 recordFollowUpOutcome 的 followUpId"
    )
    due: date | None = strawberry.field(description="移送期限：检查结束（形成结果）之日起7个工作日")
    due_provisional: bool
    remaining_working_days: int | None = strawberry.field(
        description="距移送期限的工作日数（期限当日为0，逾期为负）"
    )
    overdue: bool = strawberry.field(description="已过移送期限仍未移送")
    cursor: str


@strawberry.type(description="本部门的后续处理工作清单（按期限排序，分页）")
class FollowUpWorkList:
    """One page of the department's follow-up work."""

    entries: list[FollowUpWorkEntry]
    total_count: int
    end_cursor: str | None
    has_next_page: bool


ObjectionWorkListPayload: TypeAlias = Annotated[
    ObjectionWorkList | Errors, strawberry.union("ObjectionWorkListPayload")
]
FollowUpWorkListPayload: TypeAlias = Annotated[
    FollowUpWorkList | Errors, strawberry.union("FollowUpWorkListPayload")
]


def _page(
    entries: Sequence[T], key: Callable[[T], tuple[date, int]], first: int | None, after: str | None
) -> tuple[list[tuple[T, str]], bool]:
    """A keyset page over a list sorted by ``key`` (due date, then ID): stable while items leave it."""
    size = page_size(first)
    rest: Sequence[T] = entries
    if after is not None:
        due, pk = decode_cursor(after, 2)
        if not isinstance(due, date) or not isinstance(pk, int):
            due, pk = date.min, -1  # a well-formed cursor of another list: start over
        rest = [e for e in entries if key(e) > (due, pk)]
    chosen = rest[:size]
    return [(e, encode_cursor(list(key(e)))) for e in chosen], len(rest) > size


@strawberry.type
class ObjectionWorkQuery:
    """The department's objection and follow-up work lists."""

    @strawberry.field(
        description="本人的异议工作清单：发起部门签收、复查、作出结论、反馈；结果所属部门主要负责人更正"
    )
    async def objection_work_list(
        self, info: Info, first: int | None = None, after: str | None = None
    ) -> ObjectionWorkListPayload:
        try:
            today = info.context.today()
            entries = await work.objection_work(
                info.context.session,
                by=info.context.principal,
                today=today,
                calendar=await info.context.calendar(),
            )
            page, more = _page(entries, lambda e: e.sort_key, first, after)
        except DomainError as exc:
            return as_error(exc)
        return ObjectionWorkList(
            entries=[
                ObjectionWorkEntry(
                    action=e.action,
                    objection=ObjectionRecord.from_row(e.objection),
                    due=e.due,
                    due_provisional=e.due_provisional,
                    remaining_working_days=e.remaining_working_days,
                    overdue=e.due is not None and e.due < today,
                    cursor=cursor,
                )
                for e, cursor in page
            ],
            total_count=len(entries),
            end_cursor=page[-1][1] if page else None,
            has_next_page=more,
        )

    @strawberry.field(
        description="本部门的后续处理工作清单：有问题的结果待移送（7个工作日内），已移送待登记处理结果"
    )
    async def follow_up_work_list(
        self, info: Info, first: int | None = None, after: str | None = None
    ) -> FollowUpWorkListPayload:
        try:
            today = info.context.today()
            entries = await follow_up_work.follow_up_work(
                info.context.session,
                by=info.context.principal,
                today=today,
                calendar=await info.context.calendar(),
            )
            page, more = _page(entries, lambda e: e.sort_key, first, after)
        except DomainError as exc:
            return as_error(exc)
        return FollowUpWorkList(
            entries=[
                FollowUpWorkEntry(
                    action=e.action,
                    result=DepartmentResult.from_row(e.result),
                    follow_up=FollowUpRecord.from_row(e.follow_up) if e.follow_up is not None else None,
                    due=e.due,
                    due_provisional=e.due_provisional,
                    remaining_working_days=e.remaining_working_days,
                    overdue=e.due is not None and e.due < today,
                    cursor=cursor,
                )
                for e, cursor in page
            ],
            total_count=len(entries),
            end_cursor=page[-1][1] if page else None,
            has_next_page=more,
        )
