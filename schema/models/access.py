"""API tokens (访问令牌): stored as SHA-256 only, each bound to one principal."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from schema.base import Base, utcnow


class ApiToken(Base):
    """A bearer token of a department user (with a role) or of an inspected entity."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    # Tokens carry 256 random bits, so an unsalted SHA-256 is enough to make a stolen table useless.
    token_sha256: Mapped[str] = mapped_column(sa.String(64), unique=True)
    prefix: Mapped[str] = mapped_column(sa.String(16))
    kind: Mapped[str] = mapped_column(sa.String(16))
    department_id: Mapped[int | None] = mapped_column(sa.ForeignKey("departments.id"))
    role: Mapped[str | None] = mapped_column(sa.String(16))
    entity_id: Mapped[int | None] = mapped_column(sa.ForeignKey("entities.id"))
    holder_name: Mapped[str] = mapped_column(sa.String(64))
    created_by: Mapped[str] = mapped_column(sa.String(128))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]

    __table_args__ = (
        sa.CheckConstraint(
            "(kind = 'department' AND department_id IS NOT NULL"
            " AND role IN ('clerk', 'reviewer', 'head', 'admin'))"
            " OR (kind = 'entity' AND entity_id IS NOT NULL AND department_id IS NULL AND role IS NULL)",
            name="principal_shape",
        ),
    )


class ActivationCode(Base):
    """A one-time activation code (激活码) a department prints on an entity's 告知书 (seed 004 四(二)).

    The entity exchanges it, with its 统一社会信用代码, for its own token: no operator with a shell is
    needed. Only the code's SHA-256 is kept; a code is used once and expires.
    """

    __tablename__ = "activation_codes"

    id: Mapped[int] = mapped_column(primary_key=True)
    code_sha256: Mapped[str] = mapped_column(sa.String(64), unique=True)
    entity_id: Mapped[int] = mapped_column(sa.ForeignKey("entities.id"), index=True)
    department_id: Mapped[int | None] = mapped_column(sa.ForeignKey("departments.id"))
    issued_by: Mapped[str] = mapped_column(sa.String(128))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
    redeemed_at: Mapped[datetime | None]
    token_id: Mapped[int | None] = mapped_column(sa.ForeignKey("api_tokens.id"))


class WebSession(Base):
    """A signed-in browser (网站工作台登录会话): the cookie holds a random id, the row its SHA-256.

    It carries the principal of the token it was opened with (a department's pasted token, or the
    token an entity's activation code was exchanged for), so it is refused once that token is.
    """

    __tablename__ = "web_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    # 256 random bits, like a token: an unsalted SHA-256 makes a stolen table useless.
    id_sha256: Mapped[str] = mapped_column(sa.String(64), unique=True)
    kind: Mapped[str] = mapped_column(sa.String(16))
    department_id: Mapped[int | None] = mapped_column(sa.ForeignKey("departments.id"))
    role: Mapped[str | None] = mapped_column(sa.String(16))
    entity_id: Mapped[int | None] = mapped_column(sa.ForeignKey("entities.id"))
    holder_name: Mapped[str] = mapped_column(sa.String(64))
    token_id: Mapped[int] = mapped_column(sa.ForeignKey("api_tokens.id"), index=True)
    user_agent: Mapped[str] = mapped_column(sa.String(200), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
    revoked_at: Mapped[datetime | None]

    __table_args__ = (
        sa.CheckConstraint(
            "(kind = 'department' AND department_id IS NOT NULL"
            " AND role IN ('clerk', 'reviewer', 'head', 'admin'))"
            " OR (kind = 'entity' AND entity_id IS NOT NULL AND department_id IS NULL AND role IS NULL)",
            name="principal_shape",
        ),
    )
