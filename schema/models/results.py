"""Inspection results (检查结果), the categories they carry and every published version."""

from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from schema.base import Base, str_enum, utcnow
from schema.enums import ResultStatus


class InspectionResult(Base):
    """The result of one department on one item for one inspection (谁检查、谁录入、谁公开).

    The working fields (category codes, description) hold the draft until publication; what the
    public sees is the latest ``ResultVersion``. Task, entity and year are copied here from the
    inspection so the public list filters are single-table index lookups.
    """

    __tablename__ = "inspection_results"

    id: Mapped[int] = mapped_column(primary_key=True)
    inspection_id: Mapped[int] = mapped_column(sa.ForeignKey("inspections.id"), index=True)
    task_id: Mapped[int] = mapped_column(sa.ForeignKey("tasks.id"), index=True)
    entity_id: Mapped[int] = mapped_column(sa.ForeignKey("entities.id"), index=True)
    department_id: Mapped[int] = mapped_column(sa.ForeignKey("departments.id"), index=True)
    item_id: Mapped[int] = mapped_column(sa.ForeignKey("inspection_items.id"))
    year: Mapped[int]
    status: Mapped[ResultStatus] = mapped_column(
        str_enum(ResultStatus, "result_status"), default=ResultStatus.DRAFT
    )
    category_codes: Mapped[list[str]] = mapped_column(sa.JSON)
    description: Mapped[str] = mapped_column(sa.Text, default="")
    # Due 20 working days after the inspection ended (seed 001 art.20(4)); stored, never recomputed
    # silently, and flagged while the calendar of its year is not loaded.
    publication_due: Mapped[date | None]
    publication_due_provisional: Mapped[bool] = mapped_column(default=False)
    published_on: Mapped[date | None]
    current_version: Mapped[int] = mapped_column(default=0)
    # Internal note of the department (e.g. why it was returned): never public.
    internal_note: Mapped[str] = mapped_column(sa.Text, default="")
    # The two reviews of seed 002 art.16 (经发起部门和参与部门审核通过后公示): the result's own
    # department and the initiating department; one review covers both for the initiating
    # department's own results. Cleared when the result is returned or submitted again.
    own_approved_by: Mapped[str | None] = mapped_column(sa.String(128))
    own_approved_on: Mapped[date | None]
    lead_approved_by: Mapped[str | None] = mapped_column(sa.String(128))
    lead_approved_on: Mapped[date | None]
    # Two reviewers (approve and return) or two clerks acting at once: exactly one wins.
    row_version: Mapped[int] = mapped_column(default=1)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    versions: Mapped[list[ResultVersion]] = relationship(lazy="raise", order_by="ResultVersion.version")

    __mapper_args__ = {"version_id_col": row_version}  # noqa: RUF012 (SQLAlchemy's declarative hook)

    __table_args__ = (
        sa.UniqueConstraint("inspection_id", "department_id", "item_id"),
        # The public list: published results, newest first, stable by id.
        sa.Index("ix_inspection_results_public", "status", "published_on", "id"),
        sa.Index("ix_inspection_results_year", "year", "status"),
    )


class ResultVersion(Base):
    """One published version of a result; a correction adds a version, never edits one."""

    __tablename__ = "result_versions"

    id: Mapped[int] = mapped_column(primary_key=True)
    result_id: Mapped[int] = mapped_column(sa.ForeignKey("inspection_results.id"))
    version: Mapped[int]
    category_codes: Mapped[list[str]] = mapped_column(sa.JSON)
    description: Mapped[str] = mapped_column(sa.Text, default="")
    published_on: Mapped[date]
    published_at: Mapped[datetime] = mapped_column(default=utcnow)
    # A correction (更正) states why and who approved it (seed 001 art.22: the principal head).
    change_reason: Mapped[str | None] = mapped_column(sa.Text)
    approved_by: Mapped[str | None] = mapped_column(sa.String(64))

    __table_args__ = (sa.UniqueConstraint("result_id", "version"),)


class FollowUp(Base):
    """Follow-up (后续处理): transfer of a suspected violation to the competent authority and its outcome.

    Transfer is due within 7 working days of forming the result (seed 001 art.20(3)); the outcome is
    recorded (seed 003 四(五)).
    """

    __tablename__ = "follow_ups"

    id: Mapped[int] = mapped_column(primary_key=True)
    result_id: Mapped[int] = mapped_column(sa.ForeignKey("inspection_results.id"), unique=True)
    authority: Mapped[str] = mapped_column(sa.String(200))
    formed_on: Mapped[date]
    transfer_due: Mapped[date]
    transfer_due_provisional: Mapped[bool] = mapped_column(default=False)
    transferred_on: Mapped[date | None]
    outcome: Mapped[str | None] = mapped_column(sa.Text)
    outcome_on: Mapped[date | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class ResultCategoryCode(Base):
    """A category carried by the current published version of a result (for filtering)."""

    __tablename__ = "result_category_codes"

    result_id: Mapped[int] = mapped_column(sa.ForeignKey("inspection_results.id"), primary_key=True)
    category_id: Mapped[int] = mapped_column(sa.ForeignKey("result_categories.id"))
    code: Mapped[str] = mapped_column(sa.String(32), primary_key=True)

    __table_args__ = (sa.Index("ix_result_category_codes_code", "code", "result_id"),)
