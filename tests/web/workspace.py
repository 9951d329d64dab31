"""Browsers without a browser: cookie jars on one app, signing in through the forms as a person would."""

from __future__ import annotations

import contextlib
import re
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import httpx
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from api.app import create_app
from api.settings import Settings

CSRF = re.compile(r'name="csrf" value="([^"]+)"')


def csrf_of(html: str) -> str:
    """The form token a page embeds (every form of a page carries the same one)."""
    found = CSRF.search(html)
    assert found, html[:2000]
    return found.group(1)


@dataclass
class Clock:
    """A clock the test moves."""

    now: datetime = field(default_factory=lambda: datetime(2021, 12, 6, 2, 0, tzinfo=UTC))

    def __call__(self) -> datetime:
        return self.now


@dataclass
class Browsers:
    """One app inside the test's transaction; each :meth:`new` is a browser with its own cookies."""

    transport: httpx.ASGITransport
    clock: Clock
    opened: list[httpx.AsyncClient] = field(default_factory=list)

    def new(self, base_url: str = "http://testserver") -> httpx.AsyncClient:
        client = httpx.AsyncClient(transport=self.transport, base_url=base_url)
        self.opened.append(client)
        return client


@contextlib.asynccontextmanager
async def browsers(session: AsyncSession, engine: AsyncEngine, **settings: Any) -> AsyncIterator[Browsers]:
    """An app whose requests join the test's transaction, and a factory of cookie jars on it."""
    connection = await session.connection()
    sessions = async_sessionmaker(
        bind=connection, expire_on_commit=False, autoflush=False, join_transaction_mode="create_savepoint"
    )
    clock = Clock()
    app = create_app(
        Settings(database_url=str(engine.url), rate_limits_enabled=False, **settings),
        engine=engine,
        sessions=sessions,
        clock=clock,
    )
    made = Browsers(httpx.ASGITransport(app=app), clock)
    try:
        yield made
    finally:
        for client in made.opened:
            await client.aclose()


async def post_form(
    client: httpx.AsyncClient, path: str, data: dict[str, str], *, from_page: str | None = None, **kw: Any
) -> httpx.Response:
    """Open the page with the form (``from_page``, else ``path``), then post it with its token."""
    shown = await client.get(from_page or path)
    assert shown.status_code == 200, (shown.status_code, shown.text[:500])
    return await client.post(path, data={"csrf": csrf_of(shown.text), **data}, **kw)


async def department_signs_in(client: httpx.AsyncClient, token: str) -> httpx.Response:
    """A department user pastes its token into the sign-in form."""
    response = await post_form(client, "/dept/sign-in", {"token": token})
    assert response.status_code == 303, response.text[:2000]
    return response


async def entity_signs_in(
    client: httpx.AsyncClient, credit_code: str, code: str, holder: str = "王经办"
) -> httpx.Response:
    """An entity types its credit code and the activation code from its 告知书 (or its token)."""
    return await post_form(
        client, "/my/sign-in", {"creditCode": credit_code, "code": code, "holderName": holder}
    )


def shown_token(html: str) -> str:
    """The token the page after an activation code's exchange shows once."""
    found = re.search(r'id="token"[^>]*value="(gs_[^"]+)"', html)
    assert found, html[:2000]
    return found.group(1)


def refusal_code(html: str) -> list[str]:
    """The stable codes a page shows beside its fields or on its refusal notice."""
    return re.findall(r'<span class="code">（([A-Z_]+)）</span>', html)


Sign = Callable[[httpx.AsyncClient], Any]
