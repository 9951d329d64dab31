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


def main_of(html: str) -> str:
    """The page's main content (a 404 for a stranger must equal the 404 of a missing object)."""
    return html[html.index("<main") : html.index("</main>")]


async def in_savepoint(session: Any, call: Callable[[], Any]) -> Any:
    """Run a request whose writes the next caller must not see (each role meets the same state)."""
    savepoint = await session.begin_nested()
    await session.connection()
    try:
        return await call()
    finally:
        await savepoint.rollback()


async def form_matrix(
    session: Any,
    b: Browsers,
    tokens: dict[str, str],
    callers: list[str],
    *,
    path: str,
    fields: dict[str, str],
    mutation: str,
    variables: dict[str, Any],
    missing_path: str,
    files: list[tuple[str, tuple[str, bytes, str]]] | None = None,
) -> dict[str, tuple[str, str]]:
    """A form post against every department caller, each compared with the API mutation's answer.

    ``mutation`` is ``r: someMutation(...)``; a 404 page must be the page ``missing_path`` answers.
    Returns each caller's outcome: ("ok", ""), ("NotFoundError", "") or ("error", code).
    """
    signature = ", ".join(f"${k}: {'String!' if k in STRING_VARIABLES else 'ID!'}" for k in variables)
    text = f"mutation({signature}) " if signature else "mutation "
    text += f"{{ {mutation} {{ __typename ... on UserError {{ code }} }} }}"
    api = b.new()
    outcomes: dict[str, tuple[str, str]] = {}
    for who in callers:
        client = b.new()
        await department_signs_in(client, tokens[who])
        token = csrf_of((await client.get("/dept")).text)

        async def post(target: str = path, c: httpx.AsyncClient = client, t: str = token) -> httpx.Response:
            return await c.post(target, data={"csrf": t, **fields}, files=files)

        async def mutate(w: str = who) -> dict[str, Any]:
            response = await api.post(
                "/graphql",
                json={"query": text, "variables": variables},
                headers={"Authorization": f"Bearer {tokens[w]}"},
            )
            body = response.json()
            assert "errors" not in body, body
            payload: dict[str, Any] = body["data"]["r"]
            return payload

        web = await in_savepoint(session, post)
        via_api = await in_savepoint(session, mutate)
        if web.status_code in (200, 303):
            got = ("ok", "")
        elif web.status_code == 404:
            got = ("NotFoundError", "")

            async def post_missing(c: httpx.AsyncClient = client, t: str = token) -> httpx.Response:
                return await c.post(missing_path, data={"csrf": t, **fields})

            missing = await in_savepoint(session, post_missing)
            assert missing.status_code == 404 and main_of(missing.text) == main_of(web.text), who
        else:
            assert web.status_code == 400, (who, web.status_code, web.text[:300])
            got = ("error", refusal_code(web.text)[0])
        kind = via_api["__typename"]
        expected = (
            ("ok", "")
            if "Error" not in kind and "Refusal" not in kind
            else (("NotFoundError", "") if kind == "NotFoundError" else ("error", via_api.get("code", kind)))
        )
        outcomes[who] = got
        assert got == expected, (who, got, via_api)
    assert ("ok", "") in outcomes.values(), outcomes  # someone may do it
    return outcomes


STRING_VARIABLES = {"hash", "seed", "name", "content"}
DEPARTMENT_CALLERS = [f"{d}_{r}" for d in "abc" for r in ("clerk", "reviewer", "head", "admin")]
