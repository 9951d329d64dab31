"""``gongshi token issue|revoke``: API tokens for department users and inspected entities."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from api.cli.session import run_with_session
from api.settings import Settings


def _issue(settings: Settings, args: argparse.Namespace) -> int:
    from inspections.errors import DomainError
    from inspections.principals import Role
    from inspections.tokens import issue_token

    async def work(session: Any) -> int:
        try:
            issued = await issue_token(
                session,
                actor=f"cli:{args.actor}",
                holder_name=args.name,
                department_code=args.department,
                role=Role(args.role) if args.role else None,
                entity_credit_code=args.entity,
                valid_days=args.days or None,
            )
        except DomainError as exc:
            print(f"无法签发令牌：{exc.message} ({exc.code})", file=sys.stderr)
            return 2
        expiry = issued.row.expires_at.date().isoformat() if issued.row.expires_at else "永不过期"
        print(issued.secret)
        print(
            f"# 前缀 {issued.row.prefix}，持有人 {issued.row.holder_name}，有效期至 {expiry}；只显示这一次",
            file=sys.stderr,
        )
        return 0

    return run_with_session(settings, work, migrate=True, transaction=True)


def _revoke(settings: Settings, args: argparse.Namespace) -> int:
    from inspections.errors import DomainError
    from inspections.tokens import revoke_token

    async def work(session: Any) -> int:
        try:
            row = await revoke_token(session, actor=f"cli:{args.actor}", prefix=args.prefix)
        except DomainError as exc:
            print(f"无法吊销令牌：{exc.message} ({exc.code})", file=sys.stderr)
            return 2
        print(f"已吊销令牌 {row.prefix}（{row.holder_name}）")
        return 0

    return run_with_session(settings, work, transaction=True)


def register(sub: Any) -> None:
    """Add ``gongshi token issue|revoke``."""
    token = sub.add_parser("token", help="API tokens").add_subparsers(dest="action", required=True)
    issue = token.add_parser("issue", help="issue a token (printed once)")
    who = issue.add_mutually_exclusive_group(required=True)
    who.add_argument("--department", help="department code, e.g. 532325-GXSK")
    who.add_argument("--entity", help="统一社会信用代码 of an inspected entity")
    issue.add_argument("--role", choices=["clerk", "reviewer", "head", "admin"], help="department users only")
    issue.add_argument("--name", required=True, help="holder's name, recorded in the audit trail")
    issue.add_argument("--days", type=int, default=365, help="validity in days (0: never expires)")
    issue.add_argument("--actor", default="cli", help="who issues it")
    issue.set_defaults(run=_issue)
    revoke = token.add_parser("revoke", help="revoke a token by its prefix")
    revoke.add_argument("prefix")
    revoke.add_argument("--actor", default="cli")
    revoke.set_defaults(run=_revoke)
