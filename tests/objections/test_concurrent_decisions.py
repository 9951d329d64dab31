"""Two reviewers decide the same objection at once: exactly one decision wins (real PostgreSQL transactions)."""

from __future__ import annotations

import asyncio
import contextlib
import os
from collections.abc import AsyncIterator
from datetime import date
from pathlib import Path
from typing import Any

import asyncpg
import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from inspections.errors import Conflict
from objections import workflow
from schema.db import make_engine, make_sessionmaker
from schema.enums import ObjectionDecision, ObjectionState
from schema.migrate import upgrade
from schema.models import AuditEvent, Objection
from tests import factories
from tests.conftest import POSTGRES_URL, REQUIRE_POSTGRES
from tests.factories import CALENDAR, TEST


async def _received_objection(sessions: async_sessionmaker[AsyncSession], tmp_path: Path, key: str) -> int:
    """A published result with an objection received on 2021-12-06, committed."""
    async with sessions() as session, session.begin():
        joint = await factories.joint_task(session, entities=1, categories=("UNREACHABLE",))
        result = joint.results[0]
        objection = await factories.objection(session, result, key, storage_dir=tmp_path)
        await workflow.receive(
            session,
            by=TEST,
            objection_id=objection.id,
            today=date(2021, 12, 6),
        )
        return objection.id


@pytest.fixture
async def scratch_postgres() -> AsyncIterator[AsyncEngine]:
    """A database of its own: this test commits, so it must not share the suite's database."""
    admin_url = POSTGRES_URL.rsplit("/", 1)[0] + "/postgres"
    name = f"gongshi_concurrency_{os.getpid()}"
    try:
        admin = await asyncpg.connect(admin_url, timeout=3)
    except (OSError, asyncpg.PostgresError, TimeoutError) as exc:
        if REQUIRE_POSTGRES:
            pytest.fail(f"PostgreSQL is required (CI=true) but unreachable: {exc}")
        pytest.skip(f"PostgreSQL unreachable: {exc}")
    await admin.execute(f"DROP DATABASE IF EXISTS {name}")
    await admin.execute(f"CREATE DATABASE {name}")
    url = POSTGRES_URL.rsplit("/", 1)[0] + f"/{name}"
    await asyncio.to_thread(upgrade, url)
    engine = make_engine(url)
    try:
        yield engine
    finally:
        await engine.dispose()
        await admin.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        await admin.close()


async def test_exactly_one_of_two_concurrent_decisions_wins(
    scratch_postgres: AsyncEngine, tmp_path: Path
) -> None:
    sessions = make_sessionmaker(scratch_postgres)
    objection_id = await _received_objection(sessions, tmp_path, "concurrency-1")
    both_read = asyncio.Barrier(2)

    async def reviewer(decision: ObjectionDecision) -> str:
        async with sessions() as session:
            try:
                async with session.begin():
                    seen = await session.get(Objection, objection_id)
                    assert seen is not None and seen.state == ObjectionState.RECEIVED
                    await both_read.wait()  # both transactions have read the undecided objection
                    await workflow.decide(
                        session,
                        by=TEST,
                        objection_id=objection_id,
                        decision=decision,
                        reasons=decision.value,
                        decided_on=date(2021, 12, 8),
                        today=date(2021, 12, 8),
                        calendar=CALENDAR,
                    )
            except Conflict as exc:
                return exc.code
            return decision.value

    outcomes = await asyncio.gather(
        reviewer(ObjectionDecision.UPHELD), reviewer(ObjectionDecision.MAINTAINED)
    )
    assert sorted(outcomes) in (["OBJECTION_CONFLICT", "upheld"], ["OBJECTION_CONFLICT", "maintained"])
    winner = next(o for o in outcomes if o != "OBJECTION_CONFLICT")
    async with sessions() as session:
        stored = await session.get(Objection, objection_id)
        assert stored is not None and stored.state.value == winner and stored.decision_reasons == winner
        decided = await session.scalars(
            select(AuditEvent.action).where(
                AuditEvent.object_type == "Objection", AuditEvent.object_id == str(objection_id)
            )
        )
        assert sorted(decided) == sorted(["objection.filed", "objection.received", f"objection.{winner}"])


async def test_sqlite_writers_take_the_lock_up_front(tmp_path: Path) -> None:
    """On the embedded default, A and B both set out to decide; B writes first.

    With deferred BEGINs both read, and A's write then fails with "database is locked" (a 500 at the
    edge). Writers begin IMMEDIATE (``sqlite_begin``, as api.graphql.core.transaction.begin_write does): A waits for
    B's commit, then sees the decision and gets a typed conflict.
    """
    url = f"sqlite+aiosqlite:///{tmp_path / 'race.db'}"
    await asyncio.to_thread(upgrade, url)
    engine = make_engine(url)
    sessions = make_sessionmaker(engine)
    writer = {"sqlite_begin": "IMMEDIATE"}
    try:
        objection_id = await _received_objection(sessions, tmp_path, "sqlite-race-1")
        b_read, a_read = asyncio.Event(), asyncio.Event()

        async def decide(session: Any, decision: ObjectionDecision) -> None:
            await workflow.decide(
                session,
                by=TEST,
                objection_id=objection_id,
                decision=decision,
                reasons=decision.value,
                decided_on=date(2021, 12, 8),
                today=date(2021, 12, 8),
                calendar=CALENDAR,
            )

        async def b() -> str:
            async with sessions() as session:
                await session.connection(execution_options=writer)
                await session.get(Objection, objection_id)
                b_read.set()
                # With deferred transactions A reads now too; with IMMEDIATE it is still waiting to begin.
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(a_read.wait(), timeout=0.5)
                await decide(session, ObjectionDecision.MAINTAINED)
                await session.commit()
                return "maintained"

        async def a() -> str:
            await b_read.wait()
            async with sessions() as session:
                await session.connection(execution_options=writer)  # IMMEDIATE: waits for B's commit
                await session.get(Objection, objection_id)
                a_read.set()
                try:
                    await decide(session, ObjectionDecision.UPHELD)
                    await session.commit()
                except Conflict as exc:
                    return exc.code
                return "upheld"

        outcomes = await asyncio.wait_for(asyncio.gather(a(), b()), timeout=30)
        assert outcomes == ["OBJECTION_STATE", "maintained"]
    finally:
        await engine.dispose()
