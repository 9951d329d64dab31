"""The publication generation, bumped by one session hook so no use case can forget it.

Any flush that inserts, deletes or changes a row of a :data:`PUBLIC_MODELS` table (other than its
:data:`PRIVATE_COLUMNS`), and any ORM bulk statement on one, adds one to
``publication_generation.n`` in the same transaction (``UPDATE ... SET n = n + 1``: atomic on
SQLite and PostgreSQL, and rolled back with the change). The public response cache keys every
answer on ``n``, so the first request after a commit misses in every worker. Every mapped model
is listed as public or private (a test fails on a new model until it is classified); when in
doubt, public: an extra bump costs one cache miss, a missing one serves stale data.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import ORMExecuteState, Session, UOWTransaction

from schema.base import Base
from schema.generation_signal import signal_for
from schema.models import (
    ActivationCode,
    AnnualPlan,
    ApiToken,
    AuditEvent,
    Department,
    Draw,
    DrawCandidate,
    DrawEntry,
    Entity,
    EntityContact,
    EntityStatusChange,
    FollowUp,
    HolidaySchedule,
    Inspection,
    InspectionItem,
    InspectionResult,
    Inspector,
    InspectorRecusal,
    LogCheckpoint,
    LogHead,
    LogLeaf,
    LogNode,
    Objection,
    ObjectionEvidence,
    ObjectionTransition,
    PublicationGeneration,
    Reminder,
    ResultCategory,
    ResultCategoryCode,
    ResultVersion,
    SearchDocument,
    SearchOutbox,
    Task,
    TaskDepartment,
    TaskItem,
    TaskStratum,
    TeamMember,
    WebSession,
)

# What the public reads (GraphQL public graph, website, downloads, public log, search), or what
# changes an answer it reads: draining the search outbox changes what Elasticsearch answers.
PUBLIC_MODELS: frozenset[type[Base]] = frozenset(
    {
        AnnualPlan,
        Department,
        Draw,
        DrawCandidate,
        DrawEntry,
        Entity,
        EntityStatusChange,  # the status it records is on the entity
        FollowUp,
        HolidaySchedule,
        Inspection,
        InspectionItem,
        InspectionResult,
        LogCheckpoint,
        LogHead,
        LogLeaf,
        LogNode,
        Objection,
        ResultCategory,
        ResultCategoryCode,
        ResultVersion,
        SearchDocument,
        SearchOutbox,
        Task,
        TaskDepartment,
        TaskItem,
        TaskStratum,
    }
)
# Never shown to the public (tokens, contacts, inspectors and teams, evidence, the audit trail).
PRIVATE_MODELS: frozenset[type[Base]] = frozenset(
    {
        ActivationCode,
        ApiToken,
        AuditEvent,
        EntityContact,
        Inspector,
        InspectorRecusal,
        ObjectionEvidence,
        ObjectionTransition,
        PublicationGeneration,
        Reminder,
        TeamMember,
        WebSession,
    }
)
# Columns of a public model that the public never sees: changing only these does not bump.
PRIVATE_COLUMNS: dict[type[Base], frozenset[str]] = {
    InspectionResult: frozenset(
        {
            "internal_note",
            "own_approved_by",
            "own_approved_on",
            "lead_approved_by",
            "lead_approved_on",
            "row_version",
            "updated_at",
        }
    ),
}

_TABLE = sa.table("publication_generation", sa.column("id", sa.Integer), sa.column("n", sa.Integer))
_BUMP = sa.update(_TABLE).where(_TABLE.c.id == 1).values(n=_TABLE.c.n + 1)
_READ = sa.select(_TABLE.c.n).where(_TABLE.c.id == 1)


def _changed_publicly(instance: Any) -> bool:
    state = sa.inspect(instance)
    private = PRIVATE_COLUMNS.get(type(instance), frozenset())
    return any(
        state.attrs[attr.key].history.has_changes()
        for attr in state.mapper.column_attrs
        if attr.key not in private
    )


def touches_public(session: Session) -> bool:
    """Whether the pending flush of ``session`` changes anything the public can see."""
    if any(type(obj) in PUBLIC_MODELS for obj in (*session.new, *session.deleted)):
        return True
    return any(type(obj) in PUBLIC_MODELS and _changed_publicly(obj) for obj in session.dirty)


def bump(connection: sa.Connection) -> None:
    """Add one to the generation on ``connection`` (its transaction); create the row if missing."""
    if connection.execute(_BUMP).rowcount == 0:
        connection.execute(sa.insert(_TABLE).values(id=1, n=1))


async def current_generation(session: AsyncSession) -> int:
    """The generation as ``session``'s transaction sees it (one primary-key read)."""
    return int(await session.scalar(_READ) or 0)


_PENDING = "gongshi_publication_pending"
# Called after a commit that moved the generation, with the database URL (e.g. a Redis INCR for
# readers on other hosts); registered by the edge when REDIS_URL is set.
_after_commit_listeners: list[Callable[[str], None]] = []


def database_key(bind: sa.Engine | sa.Connection) -> str:
    """What names a database for the signal: its URL without the password, driver included."""
    engine = bind.engine if isinstance(bind, sa.Connection) else bind
    return engine.url.render_as_string(hide_password=True)


def add_after_commit_listener(listener: Callable[[str], None]) -> None:
    """Call ``listener(database_key)`` after every commit that moved the generation (idempotent)."""
    if listener not in _after_commit_listeners:
        _after_commit_listeners.append(listener)


def _signal(session: Session) -> None:
    """Move the shared-memory signal now (a flush) and remember to move it again after commit.

    The flush-time move lets a reader sharing this transaction (the tests' apps) see the change;
    the after-commit one is the one other processes rely on. A rollback leaves the mark: the
    session's next commit then moves the signal once more, which costs readers one database read.
    """
    key = database_key(session.get_bind())
    session.info[_PENDING] = key
    signal = signal_for(key)
    if signal is not None:
        signal.bump()


def _after_commit(session: Session) -> None:
    key = session.info.pop(_PENDING, None)
    if key is None:
        return
    signal = signal_for(key)
    if signal is not None:
        signal.bump()
    for listener in _after_commit_listeners:
        listener(key)


def _before_flush(session: Session, flush_context: UOWTransaction, instances: Any) -> None:
    # Before the flush's own writes: on PostgreSQL the generation row is then the first lock a
    # publishing transaction takes, so two of them queue on it instead of deadlocking on rows
    # each locked first (a bump after the writes would invert the order in a later flush).
    if touches_public(session):
        bump(session.connection())
        _signal(session)


def _bulk_statement(state: ORMExecuteState) -> None:
    # session.execute(update(Model)...), delete(...), insert(...): no flush sees these rows.
    if not (state.is_update or state.is_delete or state.is_insert):
        return
    mapper = state.bind_mapper
    if mapper is not None and mapper.class_ in PUBLIC_MODELS:
        bump(state.session.connection())
        _signal(state.session)


def install() -> None:
    """Register the hooks on every session (idempotent; schema.db calls it on import)."""
    if not event.contains(Session, "before_flush", _before_flush):
        event.listen(Session, "before_flush", _before_flush)
        event.listen(Session, "do_orm_execute", _bulk_statement)
        event.listen(Session, "after_commit", _after_commit)
