"""Closed vocabularies of the domain, stored by their English value."""

from __future__ import annotations

from enum import StrEnum


class DepartmentLevel(StrEnum):
    """Administrative level of a department (省/市/县)."""

    PROVINCE = "province"
    CITY = "city"
    COUNTY = "county"


class EntityType(StrEnum):
    """Kind of market entity (市场主体类型), seed 001 art.2."""

    ENTERPRISE = "enterprise"
    INDIVIDUAL_BUSINESS = "individual_business"
    FARMER_COOPERATIVE = "farmer_cooperative"
    OTHER = "other"


class EntityKind(StrEnum):
    """A kind a task's scope may leave out (seed 003 三(一): 不包括企业集团、外国企业常驻代表机构)."""

    ENTERPRISE_GROUP = "enterprise_group"  # 企业集团
    FOREIGN_REPRESENTATIVE_OFFICE = "foreign_representative_office"  # 外国企业常驻代表机构和办事处


class EntityStatus(StrEnum):
    """Registration status of an entity (登记状态)."""

    ACTIVE = "active"
    DEREGISTERED = "deregistered"
    REGISTRATION_REVOKED = "registration_revoked"
    LICENSE_REVOKED = "license_revoked"
    MIGRATED = "migrated"


class InspectionMethod(StrEnum):
    """How an item is checked (检查方式), seed 001 art.19, 002 art.12."""

    ON_SITE = "on_site"
    WRITTEN = "written"
    ONLINE_MONITORING = "online_monitoring"
    THIRD_PARTY = "third_party"


class PlanStatus(StrEnum):
    """Annual plan (年度抽查计划) life cycle."""

    DRAFT = "draft"
    PUBLISHED = "published"


class TaskStatus(StrEnum):
    """Task (抽查任务) life cycle."""

    DRAFT = "draft"
    DRAWN = "drawn"
    IN_PROGRESS = "in_progress"
    COMPLETED = "completed"


class TaskDepartmentRole(StrEnum):
    """A department's part in a joint task: initiating (发起) or participating (参与)."""

    INITIATING = "initiating"
    PARTICIPATING = "participating"
    # 承办部门: a subordinate department a superior's draw dispatched entities to (seed 003 四(一),
    # seed 001 art.13); it knows only the inspections dispatched to it.
    DISPATCHED = "dispatched"


class ResultStatus(StrEnum):
    """Result (检查结果) workflow, seed 002 art.16."""

    DRAFT = "draft"
    UNDER_REVIEW = "under_review"
    RETURNED = "returned"
    PUBLISHED = "published"


class TeamRole(StrEnum):
    """Role in an inspection team (检查小组)."""

    LEADER = "leader"
    MEMBER = "member"


class ObjectionState(StrEnum):
    """Objection (异议) workflow states, seed 002 art.17."""

    FILED = "filed"  # 已提交: received on filing; the 20-working-day review clock runs
    RECEIVED = "received"  # 已签收: the department has acknowledged it; the review clock runs on
    UNDER_REVIEW = "under_review"  # 复查中
    UPHELD = "upheld"  # 确有错误: the 5-working-day correction clock runs
    MAINTAINED = "maintained"  # 无错误，予以维持
    CORRECTED = "corrected"  # 已更正
    ANSWERED = "answered"  # 已反馈
    WITHDRAWN = "withdrawn"  # 已撤回


class ObjectionDecision(StrEnum):
    """The outcome of a review (复查结果)."""

    UPHELD = "upheld"
    MAINTAINED = "maintained"
