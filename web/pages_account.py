"""Sign-in, sign-out and one's own sessions, for entities (/my) and departments (/dept).

Every sign-in opens a new session with a new random id (no id a browser brings is ever taken
over), and ends the one the browser had. Refusals come from the use cases, with their codes,
beside the field they concern.
"""

from __future__ import annotations

from typing import Any

from starlette.responses import RedirectResponse, Response

from inspections import web_sessions
from inspections.errors import DomainError
from web.workspace import PRIVATE_HEADERS, Ctx, Workspace


def local_next(raw: str, default: str) -> str:
    """Where to go after signing in: a path on this site only (no open redirect)."""
    if not raw.startswith("/") or raw.startswith("//") or "\\" in raw:
        return default
    return raw


def errors_of(exc: DomainError) -> dict[str, dict[str, str]]:
    """A refusal as the form shows it: under its field ('' for the form as a whole)."""
    return {exc.field or "": {"code": str(exc.code), "message": exc.message}}


def see_other(path: str) -> Response:
    """After a successful POST: go to a page (a reload does not post again)."""
    return RedirectResponse(path, status_code=303, headers=dict(PRIVATE_HEADERS))


class AccountPages:
    """Sign-in pages, sign-out, and the list of one's own sessions."""

    def __init__(self, workspace: Workspace) -> None:
        self.ws = workspace

    def _signed_in(self, ctx: Ctx, opened: web_sessions.OpenedSession, response: Response) -> Response:
        self.ws.set_session_cookie(ctx.request, response, opened.secret)
        return response

    async def _end_current(self, ctx: Ctx) -> None:
        """A sign-in replaces the browser's session: the old one is revoked with it."""
        if ctx.session_id is not None:
            await web_sessions.revoke_own_session(
                ctx.db, by=ctx.principal, session_id=ctx.session_id, now=ctx.now
            )

    async def entity_sign_in(self, ctx: Ctx) -> Response:
        """GET: the form; POST: credit code + activation code (or own token) → a session."""
        next_path = local_next(ctx.field("next") or ctx.request.query_params.get("next", ""), "/my")
        values: dict[str, Any] = {}
        if ctx.request.method == "POST":
            values = {"creditCode": ctx.field("creditCode"), "holderName": ctx.field("holderName")}
            try:
                async with ctx.write():
                    await self._end_current(ctx)
                    opened = await web_sessions.sign_in_entity(
                        ctx.db,
                        credit_code=ctx.field("creditCode"),
                        code=ctx.field("code"),
                        holder_name=ctx.field("holderName"),
                        user_agent=ctx.request.headers.get("user-agent", ""),
                        now=ctx.now,
                        policy=self.ws.policy,
                    )
            except DomainError as exc:
                return ctx.page(
                    "signin_entity.html",
                    http_status=400,
                    title="被检查对象登录",
                    errors=errors_of(exc),
                    values=values,
                    next=next_path,
                )
            if opened.issued is not None:
                expires = opened.issued.row.expires_at
                shown = ctx.page(
                    "token_once.html",
                    title="登录成功",
                    token=opened.issued.secret,
                    expires=expires.date().isoformat() if expires else "长期",
                    next=next_path,
                )
                # The page shows the new principal's bar only from the next request on.
                return self._signed_in(ctx, opened, shown)
            return self._signed_in(ctx, opened, see_other(next_path))
        return ctx.page(
            "signin_entity.html", title="被检查对象登录", errors={}, values=values, next=next_path
        )

    async def department_sign_in(self, ctx: Ctx) -> Response:
        """GET: the form; POST: a department user's token, pasted once → a session."""
        next_path = local_next(ctx.field("next") or ctx.request.query_params.get("next", ""), "/dept")
        if ctx.request.method == "POST":
            try:
                async with ctx.write():
                    await self._end_current(ctx)
                    opened = await web_sessions.sign_in_department(
                        ctx.db,
                        token=ctx.field("token"),
                        user_agent=ctx.request.headers.get("user-agent", ""),
                        now=ctx.now,
                        policy=self.ws.policy,
                    )
            except DomainError as exc:
                return ctx.page(
                    "signin_dept.html",
                    http_status=400,
                    title="部门登录",
                    errors=errors_of(exc),
                    next=next_path,
                )
            return self._signed_in(ctx, opened, see_other(next_path))
        return ctx.page("signin_dept.html", title="部门登录", errors={}, next=next_path)

    async def sign_out(self, ctx: Ctx) -> Response:
        """End this browser's session (the row is revoked, the cookie deleted)."""
        if ctx.session_id is not None:
            async with ctx.write():
                await self._end_current(ctx)
        response = see_other("/")
        self.ws.clear_session_cookie(ctx.request, response)
        return response

    async def _sessions_page(self, ctx: Ctx, errors: dict[str, Any], http_status: int = 200) -> Response:
        rows = await web_sessions.own_sessions(ctx.db, by=ctx.principal, now=ctx.now)
        return ctx.page(
            "sessions.html",
            http_status=http_status,
            title="登录会话",
            rows=rows,
            current=ctx.session_id,
            errors=errors,
        )

    async def sessions(self, ctx: Ctx) -> Response:
        """The caller's open sessions, each but this one with a button to end it."""
        return await self._sessions_page(ctx, {})

    async def revoke(self, ctx: Ctx) -> Response:
        """End one of the caller's sessions; another's is answered like a missing one."""
        try:
            async with ctx.write():
                await web_sessions.revoke_own_session(
                    ctx.db, by=ctx.principal, session_id=ctx.request.path_params["pk"], now=ctx.now
                )
        except DomainError as exc:
            return await self._sessions_page(ctx, errors_of(exc) | {"": errors_of(exc)[exc.field or ""]}, 404)
        return see_other("/account/sessions")
