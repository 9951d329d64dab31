"""Mutation results: typed errors with stable codes, and the department-only views they return.

None of these types is reachable from a public query; they carry fields the public never sees.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import Any

import strawberry
from strawberry import relay

from api.graphql.context import Info
from api.graphql.core.ids import gid
from api.graphql.nodes.base import EntityStatus  # registered there, before this module's types
from api.graphql.nodes.tasks import ScopeExclusion, scope_exclusions
from inspections import work
from inspections.draws import DrawPreview
from inspections.teams import ReplacementReason
from schema import enums, models

strawberry.enum(enums.ResultStatus, description="检查结果状态：草稿、审核中、退回、已公示")
strawberry.enum(enums.PlanStatus, description="计划状态")
strawberry.enum(enums.TeamRole, description="检查组角色：组长、组员")
strawberry.enum(ReplacementReason, description="更换理由：岗位调整、工作冲突、健康状况、执法回避")


@strawberry.type(description="年度抽查计划（部门视图，含草稿）")
class PlanRecord:
    """A plan as its department sees it."""

    id: relay.GlobalID
    year: int
    title: str
    status: enums.PlanStatus
    published_on: date | None
    publication_deadline: date | None = strawberry.field(description="本辖区计划公示截止日期")
    published_late: bool = strawberry.field(description="逾期公示")

    @classmethod
    def from_row(cls, row: models.AnnualPlan) -> PlanRecord:
        return cls(
            id=gid("AnnualPlan", row.id),
            year=row.year,
            title=row.title,
            status=row.status,
            published_on=row.published_on,
            publication_deadline=row.publication_deadline,
            published_late=row.published_late,
        )


@strawberry.type(description="抽取守则命中的主体")
class GuardEntry:
    """A candidate refused or flagged by a guard, and why."""

    credit_code: str
    name: str
    details: list[str]


def _guards(report: dict[str, Any]) -> tuple[list[GuardEntry], list[GuardEntry]]:
    excluded = [
        GuardEntry(
            credit_code=e["creditCode"],
            name=e["name"],
            details=[f"本年度已参加联合抽查：{t}" for t in e["jointTasks"]],
        )
        for e in report.get("excluded", [])
    ]
    flagged = [
        GuardEntry(
            credit_code=e["creditCode"],
            name=e["name"],
            details=[
                f"本年度已在“{r['task']}”中检查“{r['item']}”（结果ID {r['resultId']}）" for r in e["results"]
            ],
        )
        for e in report.get("flagged", [])
    ]
    return excluded, flagged


@strawberry.type(description="某层抽取数量")
class StratumSample:
    """How many a stratum will draw."""

    position: int
    candidates: int
    sample_size: int


@strawberry.type(
    description="抽取预览：候选名单与守则（seed 001 art.10：同一年度联合抽查不超过两次；seed 002 art.20）"
)
class DrawPreviewRecord:
    """What a draw would start from, before the department commits to it."""

    candidate_count: int
    strata: list[StratumSample]
    excluded: list[GuardEntry] = strawberry.field(description="因本年度已两次参加联合抽查而排除")
    flagged: list[GuardEntry] = strawberry.field(description="本年度已就相同事项检查过（提示）")
    scope_exclusions: list[ScopeExclusion] = strawberry.field(
        description="按任务范围（登记截止日期、排除的主体类别）将排除的市场主体数，按理由列出；"
        "与提交后抽取记录的 scopeExclusions 相同"
    )

    @classmethod
    def from_preview(cls, preview: DrawPreview) -> DrawPreviewRecord:
        excluded, flagged = _guards(preview.report())
        strata = [
            StratumSample(
                position=position,
                candidates=sum(1 for c in preview.candidates if c.stratum == position),
                sample_size=size,
            )
            for position, size in sorted(preview.sample_sizes.items())
        ]
        return cls(
            candidate_count=len(preview.candidates),
            strata=strata,
            excluded=excluded,
            flagged=flagged,
            scope_exclusions=scope_exclusions(preview.report(), preview.registered_by),
        )


@strawberry.type(description="抽取承诺：种子哈希与冻结的候选名单哈希")
class DrawCommitment:
    """A committed draw, before the seed is revealed."""

    task_id: relay.GlobalID
    seed_sha256: str
    platform_nonce_sha256: str | None
    candidates_sha256: str
    candidate_count: int
    locked: bool
    excluded: list[GuardEntry]
    flagged: list[GuardEntry]

    @classmethod
    def from_row(cls, row: models.Draw) -> DrawCommitment:
        excluded, flagged = _guards(row.guard_report)
        return cls(
            task_id=gid("Task", row.task_id),
            seed_sha256=row.seed_sha256,
            platform_nonce_sha256=row.platform_nonce_sha256,
            candidates_sha256=row.candidates_sha256,
            candidate_count=row.candidate_count,
            locked=row.locked,
            excluded=excluded,
            flagged=flagged,
        )


@strawberry.type(description="检查组成员（不公开）")
class TeamMemberRecord:
    """A drawn or appointed inspector on a team."""

    id: relay.GlobalID
    inspection_id: relay.GlobalID
    inspector_id: relay.GlobalID
    department_id: relay.GlobalID
    role: enums.TeamRole
    replaced: bool
    replacement_reason: str | None
    replacement_approved_by: str | None

    @classmethod
    def from_row(cls, row: models.TeamMember) -> TeamMemberRecord:
        return cls(
            id=gid("TeamMember", row.id),
            inspection_id=gid("Inspection", row.inspection_id),
            inspector_id=gid("Inspector", row.inspector_id),
            department_id=gid("Department", row.department_id),
            role=row.role,
            replaced=row.replaced_by_id is not None,
            replacement_reason=row.replacement_reason,
            replacement_approved_by=row.replacement_approved_by,
        )


@strawberry.type(description="执法检查人员（不公开）")
class InspectorRecord:
    """An inspector of the caller's department."""

    id: relay.GlobalID
    badge_number: str
    name: str
    active: bool = strawberry.field(description="在岗：可被抽取或指派")

    @classmethod
    def from_row(cls, row: models.Inspector) -> InspectorRecord:
        return cls(
            id=gid("Inspector", row.id), badge_number=row.badge_number, name=row.name, active=row.active
        )


@strawberry.type(description="名录库中市场主体登记状态的一次变更")
class EntityStatusChangeRecord:
    """A registration status change (登记状态变更) as the directory keeps it."""

    entity_id: relay.GlobalID
    status_before: EntityStatus
    status: EntityStatus
    changed_on: date
    source: str

    @classmethod
    def from_row(cls, row: models.EntityStatusChange) -> EntityStatusChangeRecord:
        return cls(
            entity_id=gid("Entity", row.entity_id),
            status_before=row.status_before,
            status=row.status,
            changed_on=row.changed_on,
            source=row.source,
        )


@strawberry.type(description="回避登记")
class RecusalRecord:
    """An inspector who must not inspect an entity."""

    inspector_id: relay.GlobalID
    entity_id: relay.GlobalID
    reason: str


@strawberry.type(description="检查记录（部门视图）")
class InspectionRecord:
    """When an inspection took place."""

    id: relay.GlobalID
    entity_id: relay.GlobalID
    inspected_on: date | None
    ended_on: date | None

    @classmethod
    def from_row(cls, row: models.Inspection) -> InspectionRecord:
        return cls(
            id=gid("Inspection", row.id),
            entity_id=gid("Entity", row.entity_id),
            inspected_on=row.inspected_on,
            ended_on=row.ended_on,
        )


@strawberry.type(
    description="检查结果（部门视图，含未公示）。其ID与公开的 InspectionResult 的ID指向同一结果，"
    "各项结果操作（submitResult、approveResult、returnResult、reviseResult 等）两者均可；"
    "node(id) 仅发起部门（全部）、参与部门（本部门的）和承办部门（派发给本部门的）可查"
)
class DepartmentResult(relay.Node):
    """A result as its department sees it, drafts and internal notes included."""

    id: relay.NodeID[int]
    inspection_id: relay.GlobalID
    item_id: relay.GlobalID
    department_id: relay.GlobalID
    status: enums.ResultStatus
    category_codes: list[str]
    description: str
    publication_due: date | None
    publication_due_provisional: bool
    published_on: date | None
    version: int
    internal_note: str = strawberry.field(description="内部备注（如退回理由），不公开")
    approved_by_own_department: str | None = strawberry.field(
        description="结果所属部门的审核人（两级审核之一，seed 002 art.16）"
    )
    approved_by_initiating_department: str | None = strawberry.field(
        description="发起部门的审核人；两级审核均通过后公示"
    )

    @classmethod
    async def resolve_nodes(  # type: ignore[override]
        cls, *, info: Info, node_ids: Iterable[str], required: bool = False
    ) -> list[DepartmentResult | None]:
        found = []
        for node_id in node_ids:
            row = (
                await work.result_view(
                    info.context.session, by=info.context.principal, result_id=int(node_id)
                )
                if str(node_id).isdigit()
                else None
            )
            found.append(cls.from_row(row) if row is not None else None)
        return found

    @classmethod
    def from_row(cls, row: models.InspectionResult) -> DepartmentResult:
        return cls(
            id=row.id,
            inspection_id=gid("Inspection", row.inspection_id),
            item_id=gid("InspectionItem", row.item_id),
            department_id=gid("Department", row.department_id),
            status=row.status,
            category_codes=list(row.category_codes),
            description=row.description,
            publication_due=row.publication_due,
            publication_due_provisional=row.publication_due_provisional,
            published_on=row.published_on,
            version=row.current_version,
            internal_note=row.internal_note,
            approved_by_own_department=row.own_approved_by,
            approved_by_initiating_department=row.lead_approved_by,
        )


@strawberry.type(description="后续处理（移送及结果）")
class FollowUpRecord:
    """A transfer to the competent authority and its outcome."""

    id: relay.GlobalID
    result_id: relay.GlobalID
    authority: str
    formed_on: date
    transfer_due: date = strawberry.field(description="移送期限：形成检查结果之日起7个工作日")
    transfer_due_provisional: bool
    transferred_on: date | None
    late: bool
    outcome: str | None
    outcome_on: date | None

    @classmethod
    def from_row(cls, row: models.FollowUp) -> FollowUpRecord:
        return cls(
            id=gid("FollowUp", row.id),
            result_id=gid("InspectionResult", row.result_id),
            authority=row.authority,
            formed_on=row.formed_on,
            transfer_due=row.transfer_due,
            transfer_due_provisional=row.transfer_due_provisional,
            transferred_on=row.transferred_on,
            late=row.transferred_on is not None and row.transferred_on > row.transfer_due,
            outcome=row.outcome,
            outcome_on=row.outcome_on,
        )
