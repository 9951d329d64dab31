"""Signed-in browsers of the workspaces (issue 16): open, find, list, revoke; no HTTP here.

A session carries exactly the principal of the token it was opened with: a department user pastes
its token once; an entity exchanges its activation code (or signs in again with the token that
exchange gave it). The browser keeps only a random id; the row keeps its SHA-256. A session ends
when it expires, when it is idle too long, when it is revoked, or when its token is.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from inspections import audit
from inspections.activation import redeem_activation_code
from inspections.directory import entity_in_directory
from inspections.error_codes import InspectionErrorCode as Code
from inspections.errors import InvalidInput, NotFound, PermissionDenied
from inspections.principals import Principal, PrincipalKind, Role, department_user, entity_user
from inspections.tokens import TOKEN_PREFIX, IssuedToken, Unauthenticated, authenticate
from schema.models import ApiToken, WebSession

# last_seen_at is written at most this often: a page view is not a write on every request.
TOUCH_EVERY = timedelta(minutes=5)


@dataclass(frozen=True)
class SessionPolicy:
    """How long a session lives: in all, and without a request."""

    lifetime: timedelta = timedelta(hours=12)
    idle: timedelta = timedelta(hours=2)


@dataclass(frozen=True)
class OpenedSession:
    """A new session: the secret goes into the cookie once; only its digest is kept."""

    secret: str
    row: WebSession
    principal: Principal
    issued: IssuedToken | None = None  # the token an activation code was exchanged for, shown once


def session_digest(secret: str) -> str:
    """What is stored for a session id."""
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def csrf_token(secret: str) -> str:
    """The session's form token: derived from the cookie's secret, not from the stored digest.

    An HMAC keyed by the secret: a page can embed it, a stolen table cannot make it, and another
    session's token is worthless here (synchronizer token without a column).
    """
    return hmac.new(secret.encode("utf-8"), b"gongshi-csrf-v1", hashlib.sha256).hexdigest()


def _principal(row: WebSession) -> Principal:
    if row.kind == "department":
        assert row.department_id is not None and row.role is not None
        return department_user(row.department_id, Role(row.role), row.holder_name, token_id=row.token_id)
    assert row.entity_id is not None
    return entity_user(row.entity_id, row.holder_name, token_id=row.token_id)


async def open_session(
    session: AsyncSession, *, principal: Principal, user_agent: str, now: datetime, policy: SessionPolicy
) -> OpenedSession:
    """A new session for a principal that came from a token (a fresh id every sign-in)."""
    if principal.kind not in (PrincipalKind.DEPARTMENT, PrincipalKind.ENTITY) or principal.token_id is None:
        raise PermissionDenied("只有部门用户和被检查对象可以登录工作台", code=Code.SIGN_IN_KIND)
    secret = secrets.token_urlsafe(32)
    row = WebSession(
        id_sha256=session_digest(secret),
        kind=principal.kind.value,
        department_id=principal.department_id,
        role=principal.role.value if principal.role else None,
        entity_id=principal.entity_id,
        holder_name=principal.name[:64],
        token_id=principal.token_id,
        user_agent=user_agent[:200],
        created_at=now,
        last_seen_at=now,
        expires_at=now + policy.lifetime,
    )
    session.add(row)
    await session.flush()
    await audit.record(
        session,
        actor=principal.actor,
        action="session.open",
        object_type="WebSession",
        object_id=row.id,
        after={"kind": row.kind, "expiresAt": row.expires_at.isoformat()},
    )
    return OpenedSession(secret, row, principal)


async def _token_principal(session: AsyncSession, token: str, now: datetime) -> Principal:
    try:
        principal = await authenticate(session, f"Bearer {token.strip()}", now=now)
    except Unauthenticated as exc:
        raise InvalidInput(exc.message, code=exc.code, field="token") from exc
    assert principal is not None
    return principal


async def sign_in_department(
    session: AsyncSession, *, token: str, user_agent: str, now: datetime, policy: SessionPolicy
) -> OpenedSession:
    """A department user pastes its token once; the session carries the same principal."""
    if not token.strip():
        raise InvalidInput("请粘贴部门用户访问令牌", code=Code.TOKEN_INVALID, field="token")
    principal = await _token_principal(session, token, now)
    if principal.kind != PrincipalKind.DEPARTMENT:
        raise InvalidInput(
            "该令牌属于被检查对象，请从“被检查对象登录”进入", code=Code.SIGN_IN_KIND, field="token"
        )
    return await open_session(session, principal=principal, user_agent=user_agent, now=now, policy=policy)


async def sign_in_entity(
    session: AsyncSession,
    *,
    credit_code: str,
    code: str,
    holder_name: str,
    user_agent: str,
    now: datetime,
    policy: SessionPolicy,
) -> OpenedSession:
    """An entity signs in with its credit code and the activation code on its 告知书.

    The code is exchanged for the entity's own token (shown once, to sign in again later); a
    token (``gs_…``) in place of the code signs in with it, if it is this entity's.
    """
    entity = await entity_in_directory(session, credit_code, field="creditCode")
    if code.strip().startswith(TOKEN_PREFIX):
        try:
            principal = await _token_principal(session, code, now)
        except InvalidInput as exc:
            raise InvalidInput(exc.message, code=exc.code, field="code") from exc
        if principal.kind != PrincipalKind.ENTITY or principal.entity_id != entity.id:
            raise InvalidInput("令牌无效", code=Code.TOKEN_INVALID, field="code")
        return await open_session(session, principal=principal, user_agent=user_agent, now=now, policy=policy)
    if not holder_name.strip():
        raise InvalidInput("请填写经办人姓名", code=Code.HOLDER_REQUIRED, field="holderName")
    issued = await redeem_activation_code(
        session, entity_credit_code=entity.credit_code, code=code, holder_name=holder_name, now=now
    )
    assert issued.row.entity_id is not None
    principal = entity_user(issued.row.entity_id, issued.row.holder_name, token_id=issued.row.id)
    opened = await open_session(session, principal=principal, user_agent=user_agent, now=now, policy=policy)
    return OpenedSession(opened.secret, opened.row, principal, issued)


async def session_principal(
    session: AsyncSession, secret: str, *, now: datetime, policy: SessionPolicy
) -> tuple[Principal, WebSession] | None:
    """The principal of a cookie's session, or None if it is unknown, over, or its token is.

    Marks the session seen (at most every few minutes); the caller commits.
    """
    if not secret:
        return None
    found = (
        await session.execute(
            select(WebSession, ApiToken)
            .join(ApiToken, ApiToken.id == WebSession.token_id)
            .where(WebSession.id_sha256 == session_digest(secret))
        )
    ).first()
    if found is None:
        return None
    row, token = found
    if (
        row.revoked_at is not None
        or now >= row.expires_at
        or now >= row.last_seen_at + policy.idle
        or token.revoked_at is not None
        or (token.expires_at is not None and now >= token.expires_at)
    ):
        return None
    if now - row.last_seen_at >= TOUCH_EVERY:
        row.last_seen_at = now
        await session.flush()
    return _principal(row), row


def _owned_by(by: Principal):  # type: ignore[no-untyped-def]
    if by.kind == PrincipalKind.ENTITY and by.entity_id is not None:
        return WebSession.entity_id == by.entity_id
    if by.kind == PrincipalKind.DEPARTMENT and by.token_id is not None:
        return WebSession.token_id == by.token_id
    raise PermissionDenied("只有已登录的部门用户和被检查对象有登录会话", code=Code.SIGN_IN_KIND)


async def own_sessions(session: AsyncSession, *, by: Principal, now: datetime) -> list[WebSession]:
    """The caller's sessions still open: an entity's all, a department user's under its token."""
    rows = await session.scalars(
        select(WebSession)
        .where(_owned_by(by), WebSession.revoked_at.is_(None), WebSession.expires_at > now)
        .order_by(WebSession.created_at.desc(), WebSession.id.desc())
        .limit(100)
    )
    return list(rows)


async def revoke_own_session(
    session: AsyncSession, *, by: Principal, session_id: int, now: datetime
) -> WebSession:
    """End one of :func:`own_sessions`; anyone else's is answered as one that does not exist."""
    row = await session.scalar(select(WebSession).where(_owned_by(by), WebSession.id == session_id))
    if row is None:
        raise NotFound("未找到该登录会话", code=Code.SESSION_NOT_FOUND, field="session")
    if row.revoked_at is None:
        row.revoked_at = now
        await session.flush()
        await audit.record(
            session,
            actor=by.actor,
            action="session.revoke",
            object_type="WebSession",
            object_id=row.id,
        )
    return row
