"""Entity access without a shell (seed 004 四(二)): activation codes (激活码) and one's own tokens.

A department prints a one-time code on the 告知书 it gives an entity before the visit; the entity
exchanges the code and its 统一社会信用代码 for a token of its own through the API. Token holders
see and revoke their own tokens (an entity its own, a department's admin the department's).
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from inspections import audit
from inspections.access import require_department
from inspections.directory import entity_in_directory
from inspections.error_codes import InspectionErrorCode as Code
from inspections.errors import InvalidInput, NotFound, PermissionDenied
from inspections.principals import Principal, PrincipalKind, Role
from inspections.tokens import IssuedToken, issue_token
from schema.models import ActivationCode, ApiToken, Entity

# Crockford's base32 without I, L, O, U: nothing a clerk's handwriting or a photocopy can confuse.
ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
GROUPS, GROUP_LENGTH = 4, 4  # 80 bits, written XXXX-XXXX-XXXX-XXXX
MAX_VALID_DAYS = 180


@dataclass(frozen=True)
class IssuedActivation:
    """A new code: shown once (to print on the 告知书); only its digest is kept."""

    code: str
    row: ActivationCode
    entity: Entity


def normalized(code: str) -> str:
    """A typed code as stored: upper case, no spaces or dashes, O read as 0 and I/L as 1."""
    text = "".join(code.split()).replace("-", "").upper()
    return text.translate(str.maketrans("OIL", "011"))


def code_digest(code: str) -> str:
    """What is stored for a code."""
    return hashlib.sha256(normalized(code).encode("ascii", "replace")).hexdigest()


def new_code() -> str:
    """A fresh random code, grouped for reading aloud."""
    raw = "".join(secrets.choice(ALPHABET) for _ in range(GROUPS * GROUP_LENGTH))
    return "-".join(raw[i : i + GROUP_LENGTH] for i in range(0, len(raw), GROUP_LENGTH))


async def issue_activation_code(
    session: AsyncSession, *, by: Principal, entity_credit_code: str, valid_days: int, now: datetime
) -> IssuedActivation:
    """A department's clerk or admin issues a code for an entity, to print on its 告知书."""
    department_id = require_department(by, Role.CLERK, Role.ADMIN)
    if not 1 <= valid_days <= MAX_VALID_DAYS:
        raise InvalidInput(
            f"激活码有效期应为1到{MAX_VALID_DAYS}天", code=Code.VALIDITY_OUT_OF_RANGE, field="validDays"
        )
    entity = await entity_in_directory(session, entity_credit_code, field="creditCode")
    code = new_code()
    row = ActivationCode(
        code_sha256=code_digest(code),
        entity_id=entity.id,
        department_id=department_id,
        issued_by=by.actor,
        created_at=now,
        expires_at=now + timedelta(days=valid_days),
    )
    session.add(row)
    await session.flush()
    await audit.record(
        session,
        actor=by.actor,
        action="activation.issue",
        object_type="ActivationCode",
        object_id=row.id,
        after={"entity": entity.credit_code, "expiresAt": row.expires_at.isoformat()},
    )
    return IssuedActivation(code, row, entity)


def _invalid() -> InvalidInput:
    # One answer for a wrong code, another entity's code, a used one and an expired one: a guesser
    # learns nothing about which codes exist.
    return InvalidInput(
        "激活码无效、已使用或已过期：请核对告知书上的激活码和统一社会信用代码，或请检查部门重新签发",
        code=Code.ACTIVATION_CODE_INVALID,
        field="code",
    )


async def redeem_activation_code(
    session: AsyncSession, *, entity_credit_code: str, code: str, holder_name: str, now: datetime
) -> IssuedToken:
    """The entity exchanges its code for a token of its own (anyone may try; the code is the proof)."""
    entity = await entity_in_directory(session, entity_credit_code, field="creditCode")
    row = await session.scalar(
        select(ActivationCode).where(ActivationCode.code_sha256 == code_digest(code)).with_for_update()
    )
    if row is None or row.entity_id != entity.id or row.redeemed_at is not None or now >= row.expires_at:
        raise _invalid()
    # Used once even by two requests at the same moment: only the one that marks it goes on.
    marked = await session.execute(
        update(ActivationCode)
        .where(ActivationCode.id == row.id, ActivationCode.redeemed_at.is_(None))
        .values(redeemed_at=now)
        .execution_options(synchronize_session=False)
    )
    if marked.rowcount != 1:  # type: ignore[attr-defined]
        raise _invalid()
    issued = await issue_token(
        session,
        actor=f"activation:{row.id}",
        holder_name=holder_name,
        entity_credit_code=entity.credit_code,
        valid_days=365,
    )
    row.redeemed_at, row.token_id = now, issued.row.id
    await session.flush()
    await audit.record(
        session,
        actor=f"entity:{entity.id}",
        action="activation.redeem",
        object_type="ActivationCode",
        object_id=row.id,
        after={"tokenPrefix": issued.row.prefix},
    )
    return issued


async def own_tokens(session: AsyncSession, *, by: Principal) -> list[ApiToken]:
    """An entity's own tokens, or every token of an admin's department; newest first."""
    stmt = select(ApiToken).order_by(ApiToken.created_at.desc(), ApiToken.id.desc())
    if by.kind == PrincipalKind.ENTITY and by.entity_id is not None:
        return list(await session.scalars(stmt.where(ApiToken.entity_id == by.entity_id)))
    department_id = require_department(by, Role.ADMIN)
    if department_id is None:
        raise PermissionDenied("系统调用不经由接口", code=Code.SYSTEM_ONLY)
    return list(await session.scalars(stmt.where(ApiToken.department_id == department_id)))


async def revoke_own_token(session: AsyncSession, *, by: Principal, prefix: str, now: datetime) -> ApiToken:
    """Revoke one of :func:`own_tokens`; anyone else's is answered as a token that does not exist."""
    matches = [t for t in await own_tokens(session, by=by) if t.prefix == prefix]
    if len(matches) != 1:
        raise NotFound(f"没有唯一匹配前缀“{prefix}”的令牌", code=Code.TOKEN_NOT_FOUND, field="prefix")
    token = matches[0]
    if token.revoked_at is None:
        token.revoked_at = now
        await audit.record(
            session,
            actor=by.actor,
            action="token.revoke",
            object_type="ApiToken",
            object_id=token.id,
            after={"prefix": token.prefix},
        )
    return token
