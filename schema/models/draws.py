"""Random draws (随机抽取) of entities, the inspections they lead to, and inspection teams."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from schema.base import Base, str_enum, utcnow
from schema.enums import TeamRole


class Draw(Base):
    """The draw of a task: a commitment to a seed, the frozen candidate list and the locked result.

    Seed 001 art.15, 002 art.8: once produced, the drawn list never changes.
    """

    __tablename__ = "draws"

    id: Mapped[int] = mapped_column(primary_key=True)
    task_id: Mapped[int] = mapped_column(sa.ForeignKey("tasks.id"), unique=True)
    algorithm: Mapped[str] = mapped_column(sa.String(32))
    seed_sha256: Mapped[str] = mapped_column(sa.String(64))
    candidates_sha256: Mapped[str] = mapped_column(sa.String(64))
    candidate_count: Mapped[int]
    seed: Mapped[str | None] = mapped_column(sa.String(128))
    # The platform's half of the randomness: committed by hash with the seed, revealed with it.
    platform_nonce_sha256: Mapped[str | None] = mapped_column(sa.String(64))
    platform_nonce: Mapped[str | None] = mapped_column(sa.String(64))
    committed_at: Mapped[datetime] = mapped_column(default=utcnow)
    drawn_at: Mapped[datetime | None]
    # False between the commitment and the reveal; True once the list exists and can never change.
    locked: Mapped[bool] = mapped_column(default=False)
    # What the two guards found when the list was frozen (seed 001 art.10, 002 art.20).
    guard_report: Mapped[dict[str, Any]] = mapped_column(sa.JSON, default=dict)
    inspector_seed: Mapped[str | None] = mapped_column(sa.String(128))
    inspectors_drawn_at: Mapped[datetime | None]


class DrawCandidate(Base):
    """One line of a draw's frozen candidate list, in canonical order (published for re-checking)."""

    __tablename__ = "draw_candidates"

    draw_id: Mapped[int] = mapped_column(sa.ForeignKey("draws.id"), primary_key=True)
    line: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    stratum: Mapped[int]
    credit_code: Mapped[str] = mapped_column(sa.String(18))


class DrawEntry(Base):
    """One drawn entity, in draw order, with the stratum it came from."""

    __tablename__ = "draw_entries"

    draw_id: Mapped[int] = mapped_column(sa.ForeignKey("draws.id"), primary_key=True)
    entity_id: Mapped[int] = mapped_column(sa.ForeignKey("entities.id"), primary_key=True)
    stratum_id: Mapped[int] = mapped_column(sa.ForeignKey("task_strata.id"))
    position: Mapped[int]

    __table_args__ = (
        sa.UniqueConstraint("draw_id", "position"),
        sa.Index("ix_draw_entries_entity_id", "entity_id"),
    )


class Inspection(Base):
    """The inspection of one drawn entity in one task (entity x task)."""

    __tablename__ = "inspections"

    id: Mapped[int] = mapped_column(primary_key=True)
    task_id: Mapped[int] = mapped_column(sa.ForeignKey("tasks.id"))
    entity_id: Mapped[int] = mapped_column(sa.ForeignKey("entities.id"), index=True)
    inspected_on: Mapped[date | None]
    ended_on: Mapped[date | None]
    # Dispatch (派发, seed 003 四(一)-(二)): the department of the entity's 登记机关 that inspects it,
    # the day it was dispatched, and the 5-working-day inspector-matching due date.
    assigned_department_id: Mapped[int | None] = mapped_column(sa.ForeignKey("departments.id"), index=True)
    dispatched_on: Mapped[date | None]
    matching_due: Mapped[date | None]
    matching_due_provisional: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    matching_seed: Mapped[str | None] = mapped_column(sa.String(128))
    matched_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    __table_args__ = (sa.UniqueConstraint("task_id", "entity_id"),)


class TeamMember(Base):
    """An inspector on an inspection team (检查小组): never public."""

    __tablename__ = "team_members"

    id: Mapped[int] = mapped_column(primary_key=True)
    inspection_id: Mapped[int] = mapped_column(sa.ForeignKey("inspections.id"), index=True)
    inspector_id: Mapped[int] = mapped_column(sa.ForeignKey("inspectors.id"))
    department_id: Mapped[int] = mapped_column(sa.ForeignKey("departments.id"))
    role: Mapped[TeamRole] = mapped_column(str_enum(TeamRole, "team_role"))
    replaced_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("team_members.id"))
    replacement_reason: Mapped[str | None] = mapped_column(sa.String(32))
    replacement_approved_by: Mapped[str | None] = mapped_column(sa.String(64))
    replaced_at: Mapped[datetime | None]


class InspectorRecusal(Base):
    """An inspector who must not inspect an entity (执法回避, seed 001 art.16)."""

    __tablename__ = "inspector_recusals"

    inspector_id: Mapped[int] = mapped_column(sa.ForeignKey("inspectors.id"), primary_key=True)
    entity_id: Mapped[int] = mapped_column(sa.ForeignKey("entities.id"), primary_key=True)
    reason: Mapped[str] = mapped_column(sa.String(200))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
