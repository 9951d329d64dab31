"""Access without a shell (issue 14, seed 004 四(二)): activation codes and one's own tokens."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, TypeAlias

import strawberry
from sqlalchemy.ext.asyncio import AsyncSession

from api.graphql.context import Info
from api.graphql.core.errors import Errors
from api.graphql.core.transaction import execute
from inspections import activation
from inspections.principals import Principal
from inspections.tokens import IssuedToken
from schema.models import ApiToken


@strawberry.type(description="激活码（只显示这一次，打印在告知书上）")
class ActivationCodeRecord:
    """A new activation code for an entity."""

    code: str = strawberry.field(description="激活码，如 7K3M-Q2XP-9D4R-T8VW；只显示这一次")
    credit_code: str
    entity_name: str
    expires_at: datetime


@strawberry.type(description="访问令牌（不含令牌本身）")
class TokenRecord:
    """A token as its holder or its department's admin sees it."""

    prefix: str = strawberry.field(description="令牌前缀，用于识别和吊销")
    holder_name: str
    kind: str = strawberry.field(description="department（部门用户）或 entity（市场主体）")
    role: str | None
    created_at: datetime
    expires_at: datetime | None
    revoked_at: datetime | None

    @classmethod
    def from_row(cls, row: ApiToken) -> TokenRecord:
        return cls(
            prefix=row.prefix,
            holder_name=row.holder_name,
            kind=row.kind,
            role=row.role,
            created_at=row.created_at,
            expires_at=row.expires_at,
            revoked_at=row.revoked_at,
        )


@strawberry.type(description="新签发的访问令牌（令牌只显示这一次）")
class IssuedTokenRecord:
    """The secret, once, and what the holder will see of it afterwards."""

    token: str = strawberry.field(description="访问令牌：请求时放在 Authorization: Bearer 之后；只显示这一次")
    record: TokenRecord


@strawberry.type(description="本人的访问令牌")
class TokenList:
    """The caller's tokens (a department admin: the department's)."""

    tokens: list[TokenRecord]


ActivationCodePayload: TypeAlias = Annotated[
    ActivationCodeRecord | Errors, strawberry.union("ActivationCodePayload")
]
IssuedTokenPayload: TypeAlias = Annotated[IssuedTokenRecord | Errors, strawberry.union("IssuedTokenPayload")]
TokenPayload: TypeAlias = Annotated[TokenRecord | Errors, strawberry.union("TokenPayload")]
TokenListPayload: TypeAlias = Annotated[TokenList | Errors, strawberry.union("TokenListPayload")]


def _issued(issued: IssuedToken) -> IssuedTokenRecord:
    return IssuedTokenRecord(token=issued.secret, record=TokenRecord.from_row(issued.row))


@strawberry.type
class AccountMutation:
    """Activation codes and revoking one's own tokens."""

    @strawberry.mutation(description="为市场主体签发一次性激活码，打印在告知书上（部门录入员或管理员）")
    async def issue_activation_code(
        self, info: Info, credit_code: str, valid_days: int = 60
    ) -> ActivationCodePayload:
        async def action(session: AsyncSession, by: Principal) -> activation.IssuedActivation:
            return await activation.issue_activation_code(
                session, by=by, entity_credit_code=credit_code, valid_days=valid_days, now=info.context.now()
            )

        return await execute(
            info,
            action,
            lambda made: ActivationCodeRecord(
                code=made.code,
                credit_code=made.entity.credit_code,
                entity_name=made.entity.name,
                expires_at=made.row.expires_at,
            ),
        )

    @strawberry.mutation(
        description="市场主体用告知书上的激活码和统一社会信用代码换取本单位的访问令牌（无需登录）"
    )
    async def redeem_activation_code(
        self, info: Info, credit_code: str, code: str, holder_name: str
    ) -> IssuedTokenPayload:
        async def action(session: AsyncSession, by: Principal) -> IssuedToken:
            return await activation.redeem_activation_code(
                session,
                entity_credit_code=credit_code,
                code=code,
                holder_name=holder_name,
                now=info.context.now(),
            )

        return await execute(info, action, _issued)

    @strawberry.mutation(description="吊销本人的访问令牌（部门管理员：本部门的令牌）")
    async def revoke_my_token(self, info: Info, prefix: str) -> TokenPayload:
        async def action(session: AsyncSession, by: Principal) -> ApiToken:
            return await activation.revoke_own_token(session, by=by, prefix=prefix, now=info.context.now())

        return await execute(info, action, TokenRecord.from_row)


@strawberry.type
class AccountQuery:
    """One's own tokens."""

    @strawberry.field(description="本人的访问令牌（部门管理员：本部门的全部令牌）")
    async def my_tokens(self, info: Info) -> TokenListPayload:
        async def action(session: AsyncSession, by: Principal) -> list[ApiToken]:
            return await activation.own_tokens(session, by=by)

        return await execute(
            info, action, lambda rows: TokenList(tokens=[TokenRecord.from_row(r) for r in rows])
        )
