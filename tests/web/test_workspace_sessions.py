"""Workspace sign-in (issue 16): cookie flags, fixation, CSRF on every form post, sign-out, own sessions."""

from __future__ import annotations

import hashlib
from datetime import timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession
from starlette.routing import Route

from inspections import activation
from inspections.principals import Role, department_user
from inspections.tokens import revoke_token
from schema.models import AuditEvent, WebSession
from tests.api.world import World, build_world
from tests.web.workspace import (
    Browsers,
    browsers,
    csrf_of,
    department_signs_in,
    entity_signs_in,
    post_form,
    refusal_code,
    shown_token,
)


async def _code(session: AsyncSession, world: World, n: int, browsers_: Browsers) -> str:
    """A clerk of department A prints an activation code for entity ``n`` (as the use case does)."""
    made = await activation.issue_activation_code(
        session,
        by=department_user(world.a.id, Role.CLERK, "录入员"),
        entity_credit_code=world.entities[n].credit_code,
        valid_days=60,
        now=browsers_.clock.now,
    )
    await session.flush()
    return made.code


def _main(html: str) -> str:
    return html[html.index("<main") : html.index("</main>")]


def _cookie(response_headers: list[str], name: str) -> str:
    lines = [h for h in response_headers if h.startswith(f"{name}=")]
    assert len(lines) == 1, response_headers
    return lines[0]


async def test_cookie_holds_a_random_id_with_httponly_samesite_and_no_secure_over_http(
    session: AsyncSession, engine: AsyncEngine
) -> None:
    world = await build_world(session)
    async with browsers(session, engine) as b:
        clerk = b.new()
        response = await department_signs_in(clerk, world.tokens["a_clerk"])
        cookie = _cookie(response.headers.get_list("set-cookie"), "gongshi_session")
        flags = [part.strip().lower() for part in cookie.split(";")]
        assert "httponly" in flags and "samesite=lax" in flags and "path=/" in flags
        assert "secure" not in flags
        assert response.headers["location"] == "/dept"
        secret = clerk.cookies["gongshi_session"]
        # The table keeps the digest, never the id itself.
        assert await session.scalar(select(func.count()).where(WebSession.id_sha256 == secret)) == 0
        row = await session.scalar(
            select(WebSession).where(WebSession.id_sha256 == hashlib.sha256(secret.encode()).hexdigest())
        )
        assert row is not None
        assert (row.kind, row.department_id, row.role, row.entity_id) == (
            "department",
            world.a.id,
            "clerk",
            None,
        )
        assert row.holder_name == "Aclerk"
        assert row.expires_at - row.created_at == timedelta(hours=12)
        assert row.revoked_at is None
        home = await clerk.get("/dept")
        assert home.status_code == 200 and "经办人 Aclerk" in home.text
        assert home.headers["cache-control"] == "no-store"
        assert "frame-ancestors 'none'" in home.headers["content-security-policy"]


@pytest.mark.parametrize(
    ("base", "setting", "secure"),
    [
        ("https://testserver", None, True),
        ("http://testserver", True, True),
        ("https://testserver", False, False),
    ],
)
async def test_secure_flag_over_https_or_when_the_settings_say_so(
    session: AsyncSession, engine: AsyncEngine, base: str, setting: bool | None, secure: bool
) -> None:
    world = await build_world(session)
    async with browsers(session, engine, secure_cookies=setting) as b:
        client = b.new(base)
        form = await client.get("/dept/sign-in")
        cookie = _cookie(form.headers.get_list("set-cookie"), "gongshi_form")
        assert ("secure" in [p.strip().lower() for p in cookie.split(";")]) is secure
        if base.startswith("https"):  # a browser sends a Secure cookie back over HTTPS only
            response = await department_signs_in(client, world.tokens["b_reviewer"])
            cookie = _cookie(response.headers.get_list("set-cookie"), "gongshi_session")
            assert ("secure" in [p.strip().lower() for p in cookie.split(";")]) is secure


async def test_sign_in_never_takes_over_an_id_the_browser_brought(
    session: AsyncSession, engine: AsyncEngine
) -> None:
    world = await build_world(session)
    async with browsers(session, engine) as b:
        victim = b.new()
        planted = "attacker-chosen-session-id-0123456789abcdef"
        victim.cookies.set("gongshi_session", planted, domain="testserver.local")
        await department_signs_in(victim, world.tokens["a_reviewer"])
        assert victim.cookies["gongshi_session"] != planted
        attacker = b.new()
        attacker.cookies.set("gongshi_session", planted, domain="testserver.local")
        assert (await attacker.get("/dept")).status_code == 303  # still signed out
        # Signing in again gives a new id and ends the old session.
        first = victim.cookies["gongshi_session"]
        await department_signs_in(victim, world.tokens["a_reviewer"])
        second = victim.cookies["gongshi_session"]
        assert second != first
        replay = b.new()
        replay.cookies.set("gongshi_session", first, domain="testserver.local")
        refused = await replay.get("/dept")
        assert refused.status_code == 303 and refused.headers["location"] == "/dept/sign-in?next=/dept"


def _kind_of(path: str) -> str | None:
    """Which principal a workspace path is for (sign-in forms are for each kind before sign-in)."""
    if path.startswith("/my/") and not path.startswith("/my/sign-in"):
        return "entity"
    if path.startswith("/dept/") and not path.startswith("/dept/sign-in"):
        return "department"
    return None


def _workspace_posts(b: Browsers) -> list[str]:
    app = b.transport.app
    paths = []
    for route in app.routes:  # type: ignore[attr-defined]
        # /graphql and the 告知书 route (POST /inspections/{n}/notice.pdf) take a bearer token, never
        # a cookie, so no cross-site form can ride on a session there (tests/api/test_inspection_form_access.py).
        bearer_only = route.path == "/graphql" or route.path.startswith("/inspections/")
        if isinstance(route, Route) and "POST" in (route.methods or ()) and not bearer_only:
            paths.append(route.path.replace("{pk:int}", "1"))
    return paths


async def test_every_form_post_without_or_with_another_sessions_token_is_refused_and_changes_nothing(
    session: AsyncSession, engine: AsyncEngine
) -> None:
    world = await build_world(session)
    async with browsers(session, engine) as b:
        entity, clerk = b.new(), b.new()
        code = await _code(session, world, 1, b)
        assert (await entity_signs_in(entity, world.entities[1].credit_code, code)).status_code == 200
        await department_signs_in(clerk, world.tokens["a_clerk"])
        foreign = csrf_of((await clerk.get("/account/sessions")).text)
        posts = _workspace_posts(b)
        assert {"/my/sign-in", "/dept/sign-in", "/sign-out", "/account/sessions/1/revoke"} <= set(posts)
        audits = await session.scalar(select(func.count()).select_from(AuditEvent))
        for who, client in (("entity", entity), ("department", clerk), ("nobody", b.new())):
            for path in posts:
                for token in ({}, {"csrf": ""}, {"csrf": foreign if client is not clerk else "x" * 43}):
                    response = await client.post(path, data={**token, "token": world.tokens["b_clerk"]})
                    if _kind_of(path) not in (None, who) and who != "nobody":
                        # A page of the other kind of principal: the 404 page, before any form is read.
                        assert response.status_code == 404, (who, path)
                        continue
                    assert response.status_code == 403, (who, path, response.status_code)
                    assert refusal_code(response.text) == ["CSRF_INVALID"], path
        assert await session.scalar(select(func.count()).select_from(AuditEvent)) == audits
        assert (await clerk.get("/dept")).status_code == 200  # still signed in: sign-out was refused


async def test_an_activation_code_signs_in_once_and_shows_the_token_to_sign_in_again(
    session: AsyncSession, engine: AsyncEngine
) -> None:
    world = await build_world(session)
    async with browsers(session, engine) as b:
        code = await _code(session, world, 2, b)
        shop = b.new()
        shown = await entity_signs_in(shop, world.entities[2].credit_code, code.lower(), holder="李店主")
        assert shown.status_code == 200
        token = shown_token(shown.text)
        assert (await shop.get("/my")).status_code == 200
        again = await entity_signs_in(b.new(), world.entities[2].credit_code, code)
        assert again.status_code == 400
        assert refusal_code(again.text) == ["ACTIVATION_CODE_INVALID"]
        assert 'id="code-error"' in again.text and 'aria-invalid="true"' in again.text
        later = b.new()
        with_token = await entity_signs_in(later, world.entities[2].credit_code, token, holder="")
        assert with_token.status_code == 303 and with_token.headers["location"] == "/my"
        assert "经办人 李店主" in (await later.get("/my")).text
        # Another entity's credit code with this token: refused like a wrong token.
        other = await entity_signs_in(b.new(), world.entities[3].credit_code, token)
        assert refusal_code(other.text) == ["TOKEN_INVALID"]
        actions = list(
            await session.scalars(
                select(AuditEvent.action).where(AuditEvent.action.like("session.%")).order_by(AuditEvent.id)
            )
        )
        assert actions == ["session.open", "session.open"]


@pytest.mark.parametrize(
    ("form", "code", "field"),
    [
        ({"token": "gs_not-a-token"}, "TOKEN_INVALID", "token"),
        ({"token": ""}, "TOKEN_INVALID", "token"),
        ({"token": "entity"}, "SIGN_IN_KIND", "token"),
    ],
)
async def test_department_sign_in_refusals_are_shown_beside_the_field(
    session: AsyncSession, engine: AsyncEngine, form: dict[str, str], code: str, field: str
) -> None:
    world = await build_world(session)
    if form["token"] == "entity":
        form = {"token": world.tokens["entity"]}
    async with browsers(session, engine) as b:
        client = b.new()
        response = await post_form(client, "/dept/sign-in", form)
        assert response.status_code == 400
        assert refusal_code(response.text) == [code]
        assert f'id="{field}-error"' in response.text
        assert "gongshi_session" not in client.cookies


async def test_pages_of_the_other_kind_answer_like_missing_ones(
    session: AsyncSession, engine: AsyncEngine
) -> None:
    world = await build_world(session)
    async with browsers(session, engine) as b:
        shop, clerk, nobody = b.new(), b.new(), b.new()
        await entity_signs_in(shop, world.entities[1].credit_code, await _code(session, world, 1, b))
        await department_signs_in(clerk, world.tokens["c_admin"])
        missing = await shop.get("/no-such-page")
        for client, path in ((shop, "/dept"), (clerk, "/my")):
            response = await client.get(path)
            assert response.status_code == 404
            assert _main(response.text) == _main(missing.text)
        signed_out = await nobody.get("/my")
        assert signed_out.status_code == 303 and signed_out.headers["location"] == "/my/sign-in?next=/my"


async def test_sign_out_and_own_sessions(session: AsyncSession, engine: AsyncEngine) -> None:
    world = await build_world(session)
    async with browsers(session, engine) as b:
        phone, desk, stranger = b.new(), b.new(), b.new()
        token = shown_token(
            (
                await entity_signs_in(phone, world.entities[1].credit_code, await _code(session, world, 1, b))
            ).text
        )
        b.clock.now += timedelta(minutes=10)
        await entity_signs_in(desk, world.entities[1].credit_code, token)
        await entity_signs_in(stranger, world.entities[2].credit_code, await _code(session, world, 2, b))
        listed = await desk.get("/account/sessions")
        assert "有效的登录会话（2个）" in listed.text and "当前会话" in listed.text
        ids = sorted(
            await session.scalars(select(WebSession.id).where(WebSession.entity_id == world.entities[1].id))
        )
        phone_id = ids[0]
        # Another entity's session is answered like one that does not exist.
        for target in (phone_id, 10**8):
            refused = await post_form(
                stranger, f"/account/sessions/{target}/revoke", {}, from_page="/account/sessions"
            )
            assert refused.status_code == 404 and refusal_code(refused.text) == ["SESSION_NOT_FOUND"]
        assert (await phone.get("/my")).status_code == 200
        revoked = await post_form(
            desk, f"/account/sessions/{phone_id}/revoke", {}, from_page="/account/sessions"
        )
        assert revoked.status_code == 303
        assert (await phone.get("/my")).status_code == 303
        assert "有效的登录会话（1个）" in (await desk.get("/account/sessions")).text
        out = await post_form(desk, "/sign-out", {}, from_page="/my")
        assert out.status_code == 303 and out.headers["location"] == "/"
        assert "gongshi_session" not in desk.cookies
        assert (await desk.get("/my")).status_code == 303
        actions = list(
            await session.scalars(
                select(AuditEvent.action).where(AuditEvent.action == "session.revoke").order_by(AuditEvent.id)
            )
        )
        assert actions == ["session.revoke", "session.revoke"]


async def test_a_session_ends_when_idle_expired_or_its_token_is_revoked(
    session: AsyncSession, engine: AsyncEngine
) -> None:
    world = await build_world(session)
    async with browsers(session, engine) as b:
        clerk = b.new()
        await department_signs_in(clerk, world.tokens["a_clerk"])
        b.clock.now += timedelta(minutes=119)
        assert (await clerk.get("/dept")).status_code == 200  # seen: the idle clock starts again
        b.clock.now += timedelta(minutes=119)
        assert (await clerk.get("/dept")).status_code == 200
        b.clock.now += timedelta(minutes=121)
        assert (await clerk.get("/dept")).status_code == 303  # idle too long
        await department_signs_in(clerk, world.tokens["a_clerk"])
        for _ in range(7):
            b.clock.now += timedelta(minutes=100)
            assert (await clerk.get("/dept")).status_code == 200
        b.clock.now += timedelta(minutes=21)  # 12 hours after sign-in
        assert (await clerk.get("/dept")).status_code == 303
        await department_signs_in(clerk, world.tokens["a_clerk"])
        await revoke_token(session, actor="test", prefix=world.tokens["a_clerk"][:10])
        await session.flush()
        assert (await clerk.get("/dept")).status_code == 303
