"""Objections (异议) to published results, their evidence, transitions and reminders (seed 002 art.17)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from schema.base import Base, str_enum, utcnow
from schema.enums import ObjectionDecision, ObjectionState


class Objection(Base):
    """An inspected entity's written objection to one of its published results.

    Every due date is stored when its clock starts, with a provisional flag while the calendar of a
    year it reaches is not loaded; ``version`` makes concurrent decisions fail instead of both winning.
    """

    __tablename__ = "objections"

    id: Mapped[int] = mapped_column(primary_key=True)
    result_id: Mapped[int] = mapped_column(sa.ForeignKey("inspection_results.id"), index=True)
    entity_id: Mapped[int] = mapped_column(sa.ForeignKey("entities.id"), index=True)
    # The task's initiating department (发起部门) receives it.
    department_id: Mapped[int] = mapped_column(sa.ForeignKey("departments.id"), index=True)
    state: Mapped[ObjectionState] = mapped_column(str_enum(ObjectionState, "objection_state"), index=True)
    grounds: Mapped[str] = mapped_column(sa.Text)
    idempotency_key: Mapped[str] = mapped_column(sa.String(128))
    filed_at: Mapped[datetime] = mapped_column(default=utcnow)
    filed_on: Mapped[date]
    # The 60-day window the filing was checked against (publication day not counted).
    window_ends: Mapped[date]
    window_provisional: Mapped[bool] = mapped_column(default=False)
    received_on: Mapped[date | None]
    review_due: Mapped[date | None]
    review_due_provisional: Mapped[bool] = mapped_column(default=False)
    decided_on: Mapped[date | None]
    decision: Mapped[ObjectionDecision | None] = mapped_column(
        str_enum(ObjectionDecision, "objection_decision")
    )
    decision_reasons: Mapped[str | None] = mapped_column(sa.Text)
    correction_due: Mapped[date | None]
    correction_due_provisional: Mapped[bool] = mapped_column(default=False)
    corrected_on: Mapped[date | None]
    correction_version_id: Mapped[int | None] = mapped_column(sa.ForeignKey("result_versions.id"))
    answer_due: Mapped[date | None]
    answer_due_provisional: Mapped[bool] = mapped_column(default=False)
    answered_on: Mapped[date | None]
    answer: Mapped[str | None] = mapped_column(sa.Text)
    withdrawn_on: Mapped[date | None]
    # Which clocks the daily sweep found overdue (comma-separated: review, correction, answer).
    overdue_clocks: Mapped[str] = mapped_column(sa.String(64), default="")
    version: Mapped[int] = mapped_column(default=1)

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012 (SQLAlchemy's declarative hook)
    __table_args__ = (
        sa.UniqueConstraint("entity_id", "idempotency_key"),
        sa.Index("ix_objections_queue", "department_id", "state"),
        # One objection under way per result, even for two filings at the same instant.
        sa.Index(
            "uq_objections_one_open_per_result",
            "result_id",
            unique=True,
            sqlite_where=sa.text("state NOT IN ('answered', 'withdrawn')"),
            postgresql_where=sa.text("state NOT IN ('answered', 'withdrawn')"),
        ),
    )


class ObjectionEvidence(Base):
    """A file supporting an objection (证明材料), stored outside the database; never public."""

    __tablename__ = "objection_evidence"

    id: Mapped[int] = mapped_column(primary_key=True)
    objection_id: Mapped[int] = mapped_column(sa.ForeignKey("objections.id"), index=True)
    filename: Mapped[str] = mapped_column(sa.String(200))
    content_type: Mapped[str] = mapped_column(sa.String(100))
    size: Mapped[int]
    sha256: Mapped[str] = mapped_column(sa.String(64))
    storage_key: Mapped[str] = mapped_column(sa.String(200))
    uploaded_at: Mapped[datetime] = mapped_column(default=utcnow)


class ObjectionTransition(Base):
    """One step of an objection's state machine, as the entity and the department see it."""

    __tablename__ = "objection_transitions"

    id: Mapped[int] = mapped_column(primary_key=True)
    objection_id: Mapped[int] = mapped_column(sa.ForeignKey("objections.id"), index=True)
    from_state: Mapped[str | None] = mapped_column(sa.String(32))
    to_state: Mapped[str] = mapped_column(sa.String(32))
    on: Mapped[date]
    at: Mapped[datetime] = mapped_column(default=utcnow)
    actor: Mapped[str] = mapped_column(sa.String(128))


class Reminder(Base):
    """A reminder for a notifier to send (outbox): written by the sweep, marked sent by the sender."""

    __tablename__ = "reminders"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(sa.String(32))
    department_id: Mapped[int] = mapped_column(sa.ForeignKey("departments.id"), index=True)
    objection_id: Mapped[int | None] = mapped_column(sa.ForeignKey("objections.id"))
    # A result's own clocks (the transfer of a problem result, seed 001 art.20(3)) key it instead.
    result_id: Mapped[int | None] = mapped_column(sa.ForeignKey("inspection_results.id"))
    # A dispatched inspection's matching clock (inspections/dispatch.py), instead of an objection's.
    inspection_id: Mapped[int | None] = mapped_column(sa.ForeignKey("inspections.id"))
    payload: Mapped[dict[str, Any]] = mapped_column(sa.JSON)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    sent_at: Mapped[datetime | None]
    # Deliveries refused or failed so far, and why the last one did (api/cli/reminders.py).
    attempts: Mapped[int] = mapped_column(default=0, server_default=sa.text("0"))
    last_error: Mapped[str | None] = mapped_column(sa.String(200))

    __table_args__ = (
        sa.UniqueConstraint("objection_id", "kind"),
        sa.UniqueConstraint("result_id", "kind"),
        sa.UniqueConstraint("inspection_id", "kind"),
    )
