"""Annual plans (年度抽查计划), tasks (抽查任务) with their departments, items and strata."""

from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from schema.base import Base, str_enum, utcnow
from schema.enums import (
    DepartmentLevel,
    InspectionMethod,
    PlanStatus,
    TaskDepartmentRole,
    TaskStatus,
)


class AnnualPlan(Base):
    """An initiating department's annual joint inspection plan (seed 001 art.7, 002 art.6)."""

    __tablename__ = "annual_plans"

    id: Mapped[int] = mapped_column(primary_key=True)
    department_id: Mapped[int] = mapped_column(sa.ForeignKey("departments.id"), index=True)
    year: Mapped[int] = mapped_column(index=True)
    title: Mapped[str] = mapped_column(sa.String(200))
    description: Mapped[str] = mapped_column(sa.Text, default="")
    status: Mapped[PlanStatus] = mapped_column(str_enum(PlanStatus, "plan_status"), default=PlanStatus.DRAFT)
    published_on: Mapped[date | None]
    # The jurisdiction's deadline in force when it was published (end of February, seed 001 art.7,
    # or end of March, seed 002 art.6) and whether it was missed.
    publication_deadline: Mapped[date | None]
    published_late: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    __table_args__ = (sa.UniqueConstraint("department_id", "year", "title"),)


class Task(Base):
    """A random inspection task and its work plan (抽查任务/工作方案), seed 002 art.7."""

    __tablename__ = "tasks"

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int | None] = mapped_column(sa.ForeignKey("annual_plans.id"), index=True)
    initiating_department_id: Mapped[int] = mapped_column(sa.ForeignKey("departments.id"), index=True)
    name: Mapped[str] = mapped_column(sa.String(200))
    year: Mapped[int] = mapped_column(index=True)
    level: Mapped[DepartmentLevel] = mapped_column(str_enum(DepartmentLevel, "task_level"))
    method: Mapped[InspectionMethod] = mapped_column(str_enum(InspectionMethod, "task_method"))
    region_code: Mapped[str] = mapped_column(sa.String(6), index=True)
    scope: Mapped[str] = mapped_column(sa.Text, default="")
    # Scope rules (seed 003 三(一)): entities registered after this date are not candidates, nor
    # entities of the excluded kinds (EntityKind values).
    registered_by: Mapped[date | None]
    excluded_kinds: Mapped[list[str]] = mapped_column(sa.JSON, default=list, server_default="[]")
    # Drawn once by the initiating (superior) department and dispatched to each entity's 登记机关
    # (seed 003 四(一), seed 001 art.13).
    dispatched: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    period_start: Mapped[date]
    period_end: Mapped[date]
    status: Mapped[TaskStatus] = mapped_column(
        str_enum(TaskStatus, "task_status"), default=TaskStatus.DRAFT, index=True
    )
    # The task's own publication deadline (seed 000: a fixed date; seed 004: 5 working days),
    # overriding its department's and the server's; at most one of the two is set.
    publication_working_days: Mapped[int | None]
    publication_fixed_due: Mapped[date | None]
    # 不宜告知 (seed 001 art.20(2), 002 art.13(2)): the drawn list stays from the public until the
    # inspections have all ended (the day is stored then); the draw commitment stays public.
    withhold_drawn_list: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    drawn_list_disclosed_on: Mapped[date | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    departments: Mapped[list[TaskDepartment]] = relationship(
        lazy="raise", order_by="TaskDepartment.department_id"
    )
    items: Mapped[list[TaskItem]] = relationship(lazy="raise", order_by="TaskItem.position")
    strata: Mapped[list[TaskStratum]] = relationship(lazy="raise", order_by="TaskStratum.position")

    __table_args__ = (sa.CheckConstraint("period_end >= period_start", name="period_order"),)


class TaskDepartment(Base):
    """A department's part in a task: the initiating one (发起部门) or a participating one (参与部门)."""

    __tablename__ = "task_departments"

    task_id: Mapped[int] = mapped_column(sa.ForeignKey("tasks.id"), primary_key=True)
    department_id: Mapped[int] = mapped_column(sa.ForeignKey("departments.id"), primary_key=True)
    role: Mapped[TaskDepartmentRole] = mapped_column(str_enum(TaskDepartmentRole, "task_department_role"))


class TaskItem(Base):
    """An inspection item checked in a task, and the department that checks it."""

    __tablename__ = "task_items"

    task_id: Mapped[int] = mapped_column(sa.ForeignKey("tasks.id"), primary_key=True)
    item_id: Mapped[int] = mapped_column(sa.ForeignKey("inspection_items.id"), primary_key=True)
    department_id: Mapped[int] = mapped_column(sa.ForeignKey("departments.id"))
    position: Mapped[int]


class TaskStratum(Base):
    """A stratum of the entity scope with its sampling ratio (抽查比例), seed 003 三(二)."""

    __tablename__ = "task_strata"

    id: Mapped[int] = mapped_column(primary_key=True)
    task_id: Mapped[int] = mapped_column(sa.ForeignKey("tasks.id"), index=True)
    position: Mapped[int]
    name: Mapped[str] = mapped_column(sa.String(200))
    entity_type: Mapped[str | None] = mapped_column(sa.String(32))
    industry: Mapped[str | None] = mapped_column(sa.String(64))
    # Basis points (1/100 of a percent) keep ratios such as 0.5% exact.
    ratio_bp: Mapped[int]
    # The task items this stratum checks (ids), None for all of them (seed 003 三(二): the 3 % and
    # 0.5 % strata 只检查登记事项和公示信息).
    item_ids: Mapped[list[int] | None] = mapped_column(sa.JSON(none_as_null=True))

    __table_args__ = (
        sa.CheckConstraint("ratio_bp > 0 AND ratio_bp <= 10000", name="ratio_range"),
        sa.UniqueConstraint("task_id", "position"),
    )
