"""Bearer tokens (访问令牌): issue, revoke, authenticate. Only their SHA-256 is stored."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from inspections import audit
from inspections.directory import entity_in_directory
from inspections.error_codes import InspectionErrorCode as Code
from inspections.errors import InvalidInput, NotFound
from inspections.principals import Principal, Role, department_user, entity_user
from schema.base import utcnow
from schema.errors import CodedError
from schema.models import ApiToken, Department

TOKEN_PREFIX = "gs_"


class Unauthenticated(CodedError):
    """A token was sent but cannot be used: the caller gets a 401 with a Chinese message."""

    def __init__(self, message: str, code: Code) -> None:
        super().__init__(message, code=code)


def token_digest(token: str) -> str:
    """What is stored for a token."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class IssuedToken:
    """A new token: the secret is shown once, only its digest is kept."""

    secret: str
    row: ApiToken


async def issue_token(
    session: AsyncSession,
    *,
    actor: str,
    holder_name: str,
    department_code: str | None = None,
    role: Role | None = None,
    entity_credit_code: str | None = None,
    valid_days: int | None = 365,
) -> IssuedToken:
    """Issue a token to a department user (with a role) or to an entity."""
    if not holder_name.strip():
        raise InvalidInput("请填写令牌持有人姓名", code=Code.HOLDER_REQUIRED)
    if (department_code is None) == (entity_credit_code is None):
        raise InvalidInput("令牌须属于一个部门用户或一个市场主体", code=Code.PRINCIPAL_REQUIRED)
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    row = ApiToken(
        token_sha256=token_digest(secret),
        prefix=secret[:10],
        holder_name=holder_name.strip(),
        created_by=actor,
        expires_at=utcnow() + timedelta(days=valid_days) if valid_days else None,
    )
    if department_code is not None:
        if role is None:
            raise InvalidInput("部门用户令牌须指定角色", code=Code.ROLE_REQUIRED)
        department = await session.scalar(select(Department).where(Department.code == department_code))
        if department is None:
            raise NotFound(f"未找到代码为“{department_code}”的部门", code=Code.DEPARTMENT_NOT_FOUND)
        row.kind, row.department_id, row.role = "department", department.id, role.value
    else:
        assert entity_credit_code is not None
        entity = await entity_in_directory(session, entity_credit_code)
        row.kind, row.entity_id = "entity", entity.id
    session.add(row)
    await session.flush()
    await audit.record(
        session,
        actor=actor,
        action="token.issue",
        object_type="ApiToken",
        object_id=row.id,
        after={
            "prefix": row.prefix,
            "kind": row.kind,
            "role": row.role,
            "holder": row.holder_name,
            "expiresAt": row.expires_at.isoformat() if row.expires_at else None,
        },
    )
    return IssuedToken(secret, row)


async def revoke_token(session: AsyncSession, *, actor: str, prefix: str) -> ApiToken:
    """Revoke a token by its displayed prefix (e.g. ``gs_AbC123x``)."""
    rows = list(await session.scalars(select(ApiToken).where(ApiToken.prefix == prefix)))
    if len(rows) != 1:
        raise NotFound(f"没有唯一匹配前缀“{prefix}”的令牌", code=Code.TOKEN_NOT_FOUND)
    row = rows[0]
    if row.revoked_at is None:
        row.revoked_at = utcnow()
        await audit.record(
            session,
            actor=actor,
            action="token.revoke",
            object_type="ApiToken",
            object_id=row.id,
            after={"prefix": row.prefix},
        )
    return row


async def authenticate(
    session: AsyncSession, authorization: str | None, *, now: datetime | None = None
) -> Principal | None:
    """The principal of an ``Authorization: Bearer`` header; ``None`` when there is no header."""
    if not authorization:
        return None
    scheme, _, secret = authorization.strip().partition(" ")
    if scheme.lower() != "bearer" or not secret.strip():
        raise Unauthenticated("认证头格式应为“Authorization: Bearer <令牌>”", Code.AUTH_HEADER_INVALID)
    row = await session.scalar(select(ApiToken).where(ApiToken.token_sha256 == token_digest(secret.strip())))
    if row is None:
        raise Unauthenticated("令牌无效", Code.TOKEN_INVALID)
    if row.revoked_at is not None:
        raise Unauthenticated("令牌已被吊销", Code.TOKEN_REVOKED)
    if row.expires_at is not None and (now or utcnow()) >= row.expires_at:
        raise Unauthenticated("令牌已过期", Code.TOKEN_EXPIRED)
    if row.kind == "department":
        assert row.department_id is not None and row.role is not None
        return department_user(row.department_id, Role(row.role), row.holder_name, token_id=row.id)
    assert row.entity_id is not None
    return entity_user(row.entity_id, row.holder_name, token_id=row.id)
