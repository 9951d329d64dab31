"""What every workspace page shares: the session cookie, CSRF, the principal a route requires.

A workspace route is an endpoint ``(request, ctx) -> Response``. :meth:`Workspace.route` opens the
request's database session, finds the principal of the session cookie, refuses a POST whose form
token is not the session's (or, before sign-in, the form cookie's), and answers a page of another
kind of principal exactly like a missing page. Writes go through :func:`write_transaction`, the
same wrapper the API's mutations use.

Cookies: the session id is 256 random bits in an HttpOnly, SameSite=Lax cookie (Secure over HTTPS
or when the settings say so); the database keeps its SHA-256. The form token of a signed-in
browser is an HMAC of that id (a synchronizer token without storage); before sign-in a random
form cookie is echoed in the form (double submit), so a sign-in cannot be forged either.
"""

from __future__ import annotations

import hmac
import secrets
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Protocol

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from starlette.datastructures import FormData
from starlette.exceptions import HTTPException
from starlette.formparsers import MultiPartException
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from inspections.calendar import load_calendar
from inspections.principals import PUBLIC, Principal, PrincipalKind
from inspections.transaction import write_transaction
from inspections.web_sessions import SessionPolicy, csrf_token, session_principal
from web.error_codes import WebErrorCode
from web.site import not_found, page
from workdays import WorkCalendar, to_china_date

SESSION_COOKIE = "gongshi_session"
FORM_COOKIE = "gongshi_form"
CSRF_FIELD = "csrf"
# Private pages: never kept by a shared cache or the browser's history cache, never framed.
PRIVATE_HEADERS = {
    "Cache-Control": "no-store",
    "Content-Security-Policy": "frame-ancestors 'none'",
    "Referrer-Policy": "same-origin",
}


class WorkspaceSettings(Protocol):
    """What the workspaces read from the application's settings."""

    # Read-only: the API's Settings is a frozen dataclass.
    @property
    def evidence_dir(self) -> str: ...
    @property
    def evidence_max_bytes(self) -> int: ...
    @property
    def evidence_max_files(self) -> int: ...
    @property
    def evidence_types(self) -> tuple[str, ...]: ...
    @property
    def calendar_builtin_years(self) -> frozenset[int] | None: ...
    @property
    def session_hours(self) -> int: ...
    @property
    def session_idle_minutes(self) -> int: ...
    @property
    def secure_cookies(self) -> bool | None: ...
    @property
    def publication_working_days(self) -> int: ...


@dataclass
class Ctx:
    """One workspace request: its database session, principal, session row and form token."""

    request: Request
    db: AsyncSession
    principal: Principal
    session_id: int | None  # the row's id, not the row: a write's rollback-first would expire it
    csrf: str
    now: datetime
    settings: WorkspaceSettings
    form: FormData | None = None
    cookies: dict[str, str] = field(default_factory=dict)

    def today(self) -> Any:
        """Today in China (Asia/Shanghai)."""
        return to_china_date(self.now)

    async def calendar(self) -> WorkCalendar:
        """The working-day calendar in force (the API's: packaged years plus loaded schedules)."""
        return await load_calendar(self.db, builtin_years=self.settings.calendar_builtin_years)

    def field(self, name: str) -> str:
        """A text field of the posted form ('' when absent or a file)."""
        value = self.form.get(name) if self.form is not None else None
        return value if isinstance(value, str) else ""

    def page(self, template: str, *, http_status: int = 200, **values: Any) -> Response:
        """A workspace page: the signed-in holder, the form token, private headers."""
        return page(
            self.request,
            template,
            http_status=http_status,
            headers=dict(PRIVATE_HEADERS),
            principal=self.principal,
            signed_in=self.session_id is not None,
            csrf=self.csrf,
            **values,
        )

    def write(self) -> Any:
        """One write transaction for a use case (the API's wrapper)."""
        return write_transaction(self.db)


WorkspaceEndpoint = Callable[[Ctx], Awaitable[Response]]
Limit = Callable[[Callable[[Request], Awaitable[Response]]], Callable[[Request], Awaitable[Response]]]


def forbidden_form(request: Request) -> Response:
    """A POST without the right form token: nothing is done."""
    return page(
        request,
        "workspace_refused.html",
        http_status=403,
        headers=dict(PRIVATE_HEADERS),
        title="表单已失效",
        code=WebErrorCode.CSRF_INVALID,
        what="表单已失效或不是从本站页面提交的，未做任何更改。请返回页面刷新后重新提交。",
    )


def bad_form(request: Request, what: str) -> Response:
    """A form the server cannot read (too many files or fields): nothing is stored."""
    return page(
        request,
        "workspace_refused.html",
        http_status=400,
        headers=dict(PRIVATE_HEADERS),
        title="无法处理提交的表单",
        code=WebErrorCode.FORM_INVALID,
        what=what,
    )


@dataclass
class Workspace:
    """The workspaces' shared state: sessions of the database, settings, clock, rate limit."""

    sessions: async_sessionmaker[AsyncSession]
    settings: WorkspaceSettings
    clock: Callable[[], datetime]
    limit: Limit | None = None
    # The largest form a workspace page takes (files are counted separately, by the evidence policy).
    max_fields: int = 50

    @property
    def policy(self) -> SessionPolicy:
        """The session lifetime from the settings."""
        return SessionPolicy(
            lifetime=timedelta(hours=self.settings.session_hours),
            idle=timedelta(minutes=self.settings.session_idle_minutes),
        )

    def secure(self, request: Request) -> bool:
        """Whether cookies carry the Secure flag for this request."""
        if self.settings.secure_cookies is not None:
            return self.settings.secure_cookies
        return request.url.scheme == "https"

    def set_session_cookie(self, request: Request, response: Response, secret: str) -> None:
        """The session cookie: HttpOnly, SameSite=Lax, Secure over HTTPS; gone with the browser."""
        response.set_cookie(
            SESSION_COOKIE, secret, httponly=True, samesite="lax", secure=self.secure(request), path="/"
        )

    def clear_session_cookie(self, request: Request, response: Response) -> None:
        """Sign out: the browser forgets the id (the row is revoked by the caller)."""
        response.delete_cookie(
            SESSION_COOKIE, httponly=True, samesite="lax", secure=self.secure(request), path="/"
        )

    async def _checked(self, ctx: Ctx, endpoint: WorkspaceEndpoint) -> Response:
        """The endpoint, once a POST's form token is this browser's; with the form cookie if new."""
        request = ctx.request
        if request.method == "POST":
            sent = ctx.field(CSRF_FIELD)
            if not sent or not hmac.compare_digest(sent, ctx.csrf):
                return forbidden_form(request)
        response = await endpoint(ctx)
        for name, value in ctx.cookies.items():
            response.set_cookie(
                name, value, httponly=True, samesite="lax", secure=self.secure(request), path="/"
            )
        return response

    def route(
        self,
        endpoint: WorkspaceEndpoint,
        *,
        kind: PrincipalKind | None = None,
        signed_in: bool = False,
        sign_in: str = "/my/sign-in",
    ) -> Callable[[Request], Awaitable[Response]]:
        """A Starlette endpoint for ``endpoint``; ``kind`` is the principal the page requires
        (``signed_in``: any signed-in principal).

        No session: a GET goes to ``sign_in`` (and back after), a POST is refused. A session of
        another kind: the same 404 page as a missing one.
        """

        async def inner(request: Request) -> Response:
            ctx: Ctx = request.state.workspace
            if (kind is not None or signed_in) and ctx.session_id is None:
                if request.method in ("GET", "HEAD"):
                    target = f"{sign_in}?next={request.url.path}"
                    return RedirectResponse(target, status_code=303, headers=dict(PRIVATE_HEADERS))
                return forbidden_form(request)
            if kind is not None and ctx.principal.kind != kind:
                return not_found(request)
            if request.method == "POST":
                try:
                    ctx.form = await request.form(
                        max_files=self.settings.evidence_max_files + 1, max_fields=self.max_fields
                    )
                except (MultiPartException, HTTPException):  # Starlette wraps the first in the second
                    return bad_form(
                        request,
                        f"证明材料最多{self.settings.evidence_max_files}个文件，表单不能超过"
                        f"{self.max_fields}项；未保存任何内容。",
                    )
            try:
                return await self._checked(ctx, endpoint)
            finally:
                if ctx.form is not None:
                    await ctx.form.close()  # the spooled uploads, whatever became of the request

        limited = self.limit(inner) if self.limit is not None else inner

        async def call(request: Request) -> Response:
            async with self.sessions() as db:
                now = self.clock()
                secret = request.cookies.get(SESSION_COOKIE, "")
                async with write_transaction(db):  # seeing a session may mark it seen
                    found = await session_principal(db, secret, now=now, policy=self.policy)
                principal, session_id = (found[0], found[1].id) if found is not None else (PUBLIC, None)
                cookies: dict[str, str] = {}
                if session_id is not None:
                    csrf = csrf_token(secret)
                else:
                    csrf = request.cookies.get(FORM_COOKIE, "")
                    if len(csrf) < 32:
                        csrf = secrets.token_urlsafe(32)
                        cookies[FORM_COOKIE] = csrf
                request.state.principal = principal
                request.state.workspace = Ctx(
                    request, db, principal, session_id, csrf, now, self.settings, cookies=cookies
                )
                await db.connection()
                response = await limited(request)
                if response.status_code == 429:
                    return page(
                        request,
                        "429.html",
                        http_status=429,
                        title="请求过于频繁",
                        retry_after=response.headers.get("retry-after", "60"),
                        headers={
                            k: v
                            for k, v in response.headers.items()
                            if k.lower().startswith(("retry-after", "x-ratelimit"))
                        },
                    )
                return response

        call.__name__ = getattr(endpoint, "__name__", "workspace")
        return call
