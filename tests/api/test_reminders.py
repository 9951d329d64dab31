"""The reminders outbox reaches a real HTTP receiver, at least once, and nothing is lost while it is down."""

from __future__ import annotations

import asyncio
import json
import socket
import threading
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from datetime import date
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx
import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from api.cli import main
from api.cli.reminders import send_reminders
from api.graphql.core.ids import gid
from objections.sweep import sweep
from schema.migrate import upgrade
from schema.models import Reminder
from tests import factories
from workdays import WorkCalendar

CALENDAR = WorkCalendar(builtin_years=range(2004, 2027))


@dataclass
class Receiver:
    """A webhook receiver on 127.0.0.1: answers each POST with the next status (200 when none)."""

    url: str = ""
    statuses: list[int] = field(default_factory=list)
    received: list[tuple[dict[str, str], dict[str, Any]]] = field(default_factory=list)


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    state = Receiver()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
            state.received.append((dict(self.headers), body))
            self.send_response(state.statuses.pop(0) if state.statuses else 200)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    state.url = f"http://127.0.0.1:{server.server_address[1]}/gongshi/reminders"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield state
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture
async def sessions(session: AsyncSession) -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    """Sessions that commit into savepoints of the test's transaction (rolled back after)."""
    yield async_sessionmaker(
        bind=await session.connection(), expire_on_commit=False, join_transaction_mode="create_savepoint"
    )


async def _two_overdue_reminders(session: AsyncSession, tmp_path: Path) -> tuple[Any, list[int]]:
    joint = await factories.joint_task(session, entities=2, categories=("UNREACHABLE",))
    objection_ids = []
    for n, result in enumerate(joint.results[:3:2]):  # one result of each entity
        objection = await factories.objection(session, result, f"reminder-{n:04d}", storage_dir=tmp_path)
        objection_ids.append(objection.id)
    # Filed (and so received) Sun 2021-12-05: Dec 6-10 5, 13-17 10, 20-24 15, 27-31 20 -> Fri 2021-12-31.
    assert (await sweep(session, today=date(2022, 1, 4))).reminders == 2
    await session.flush()
    return joint, objection_ids


async def _reminders(session: AsyncSession) -> list[Reminder]:
    session.expire_all()
    return list(await session.scalars(sa.select(Reminder).order_by(Reminder.id)))


async def test_each_reminder_is_posted_and_marked_sent_once(
    session: AsyncSession, sessions: async_sessionmaker[AsyncSession], receiver: Receiver, tmp_path: Path
) -> None:
    joint, objection_ids = await _two_overdue_reminders(session, tmp_path)
    department = joint.initiating
    expected = {"id": str(gid("Department", department.id)), "code": department.code, "name": department.name}
    async with httpx.AsyncClient() as client:
        report = await send_reminders(sessions, client, receiver.url)
        assert (report.sent, report.refused, report.stopped) == (2, 0, None)
        # Everything is marked: a second run sends nothing.
        assert (await send_reminders(sessions, client, receiver.url)).sent == 0

    reminders = await _reminders(session)
    assert all(r.sent_at is not None and r.attempts == 0 for r in reminders)
    assert len(receiver.received) == 2
    headers, body = receiver.received[0]
    assert headers["Idempotency-Key"] == f"gongshi-reminder-{reminders[0].id}"
    assert body["department"] == expected
    assert (body["objectionId"], body["kind"], body["clock"], body["due"], body["dueProvisional"]) == (
        str(gid("Objection", objection_ids[0])),
        "objection_review_overdue",
        "review",
        "2021-12-31",
        False,
    )
    assert body["message"] == f"异议（编号{objection_ids[0]}）已超过复查期限（2021-12-31）"
    # Nothing about the entity, its grounds or its evidence.
    assert "住所可以联系" not in json.dumps(body, ensure_ascii=False)


async def test_a_refused_reminder_is_recorded_and_the_others_still_go(
    session: AsyncSession, sessions: async_sessionmaker[AsyncSession], receiver: Receiver, tmp_path: Path
) -> None:
    await _two_overdue_reminders(session, tmp_path)
    receiver.statuses = [422]
    async with httpx.AsyncClient() as client:
        report = await send_reminders(sessions, client, receiver.url)
        assert (report.sent, report.refused, report.stopped) == (1, 1, None)
        first, second = await _reminders(session)
        assert (first.sent_at, first.attempts, first.last_error) == (None, 1, "HTTP 422")
        assert second.sent_at is not None
        # The next run tries the refused one again, with the same key.
        assert (await send_reminders(sessions, client, receiver.url)).sent == 1
    assert [h["Idempotency-Key"] for h, _ in receiver.received] == [
        f"gongshi-reminder-{first.id}",
        f"gongshi-reminder-{second.id}",
        f"gongshi-reminder-{first.id}",
    ]


async def test_a_server_error_stops_the_run_and_loses_nothing(
    session: AsyncSession, sessions: async_sessionmaker[AsyncSession], receiver: Receiver, tmp_path: Path
) -> None:
    await _two_overdue_reminders(session, tmp_path)
    receiver.statuses = [503]
    async with httpx.AsyncClient() as client:
        report = await send_reminders(sessions, client, receiver.url)
    assert (report.sent, report.stopped) == (0, "HTTP 503")
    assert len(receiver.received) == 1  # the second was not tried against a failing receiver
    first, second = await _reminders(session)
    assert (first.attempts, first.last_error, second.attempts) == (1, "HTTP 503", 0)
    assert first.sent_at is None and second.sent_at is None


async def test_an_unreachable_receiver_loses_nothing(
    session: AsyncSession, sessions: async_sessionmaker[AsyncSession], receiver: Receiver, tmp_path: Path
) -> None:
    await _two_overdue_reminders(session, tmp_path)
    with socket.socket() as probe:  # a port nothing listens on
        probe.bind(("127.0.0.1", 0))
        closed = f"http://127.0.0.1:{probe.getsockname()[1]}/"
    async with httpx.AsyncClient() as client:
        report = await send_reminders(sessions, client, closed)
        assert report.sent == 0 and report.stopped is not None and "ConnectError" in report.stopped
        first, second = await _reminders(session)
        assert (first.attempts, second.attempts) == (1, 0)
        assert first.last_error is not None and first.last_error.startswith("ConnectError")
        # Once it is back, both go.
        assert (await send_reminders(sessions, client, receiver.url)).sent == 2
    assert all(r.sent_at is not None for r in await _reminders(session))


async def test_the_command_refuses_to_run_without_a_webhook(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'reminders.db'}"
    monkeypatch.setenv("DATABASE_URL", url)
    monkeypatch.delenv("GONGSHI_REMINDER_WEBHOOK", raising=False)
    await asyncio.to_thread(upgrade, url)
    assert await asyncio.to_thread(main, ["reminders", "send"]) == 2
    assert "GONGSHI_REMINDER_WEBHOOK" in capsys.readouterr().err
