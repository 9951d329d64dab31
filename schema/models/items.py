"""Inspection items (抽查事项清单) and the result-category dictionary, both versioned."""

from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from schema.base import Base, str_enum, utcnow
from schema.enums import InspectionMethod


class InspectionItem(Base):
    """One version of an inspection item (抽查事项) of a department's list ("动态管理", seed 002 art.5)."""

    __tablename__ = "inspection_items"

    id: Mapped[int] = mapped_column(primary_key=True)
    department_id: Mapped[int] = mapped_column(sa.ForeignKey("departments.id"), index=True)
    code: Mapped[str] = mapped_column(sa.String(32))
    version: Mapped[int]
    name: Mapped[str] = mapped_column(sa.String(200))
    category: Mapped[str] = mapped_column(sa.String(64))
    subject: Mapped[str] = mapped_column(sa.String(200), default="")
    content: Mapped[str] = mapped_column(sa.Text, default="")
    legal_basis: Mapped[str] = mapped_column(sa.Text)
    method: Mapped[InspectionMethod] = mapped_column(str_enum(InspectionMethod, "inspection_method"))
    effective_from: Mapped[date]
    effective_to: Mapped[date | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    __table_args__ = (
        sa.UniqueConstraint("department_id", "code", "version"),
        sa.CheckConstraint("version >= 1", name="version_positive"),
        sa.CheckConstraint("effective_to IS NULL OR effective_to >= effective_from", name="effective_order"),
    )


class ResultCategory(Base):
    """One version of a result category (检查结果类型), seed 001 art.20(4) and 002 art.15."""

    __tablename__ = "result_categories"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(sa.String(32))
    version: Mapped[int]
    label: Mapped[str] = mapped_column(sa.String(64))
    # Counted as "problem found" in the problem discovery rate (seed 003 attachments).
    is_problem: Mapped[bool]
    # "No problem found" cannot be combined with any other category.
    is_exclusive: Mapped[bool]
    # Categories sharing a group exclude each other (合格 / 不合格).
    exclusion_group: Mapped[str | None] = mapped_column(sa.String(32))
    # Formed directly, without an on-site inspection (seed 001 art.21, 002 art.15).
    without_inspection: Mapped[bool]
    source: Mapped[str] = mapped_column(sa.String(64))
    sort_order: Mapped[int]
    effective_from: Mapped[date]
    effective_to: Mapped[date | None]

    __table_args__ = (sa.UniqueConstraint("code", "version"),)
