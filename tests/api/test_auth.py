"""Bearer tokens: stored hashed, bound to a principal, and a clear 401 when unusable."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from pathlib import Path

import httpx
import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from api.cli import main
from inspections.principals import PrincipalKind, Role
from inspections.tokens import authenticate, issue_token, revoke_token
from schema.base import utcnow
from schema.db import make_engine, make_sessionmaker
from schema.migrate import upgrade
from schema.models import ApiToken
from tests import factories

ME = "{ resultCategories { code } }"


async def _post(client: httpx.AsyncClient, authorization: str | None) -> httpx.Response:
    headers = {"Authorization": authorization} if authorization is not None else {}
    return await client.post("/graphql", json={"query": ME}, headers=headers)


async def test_unusable_tokens_get_a_clear_401(client: httpx.AsyncClient, session: AsyncSession) -> None:
    department = await factories.department(session, "姚安县公安局")
    revoked = await issue_token(
        session, actor="test", holder_name="李四", department_code=department.code, role=Role.CLERK
    )
    await revoke_token(session, actor="test", prefix=revoked.row.prefix)
    expired = await issue_token(
        session, actor="test", holder_name="王五", department_code=department.code, role=Role.CLERK
    )
    expired.row.expires_at = utcnow() - timedelta(seconds=1)
    await session.flush()
    for authorization, code, words in (
        ("Bearer gs_not-a-real-token", "TOKEN_INVALID", "令牌无效"),
        (f"Bearer {revoked.secret}", "TOKEN_REVOKED", "吊销"),
        (f"Bearer {expired.secret}", "TOKEN_EXPIRED", "过期"),
        ("Basic dXNlcjpwYXNz", "AUTH_HEADER_INVALID", "Bearer"),
        ("Bearer", "AUTH_HEADER_INVALID", "Bearer"),
    ):
        response = await _post(client, authorization)
        assert response.status_code == 401, authorization
        assert response.headers["www-authenticate"] == "Bearer"
        error = response.json()["errors"][0]
        assert error["extensions"]["code"] == code and words in error["message"]
        assert response.json()["data"] is None
    assert (await _post(client, None)).status_code == 200  # anonymous callers are the public


async def test_tokens_are_stored_hashed_and_bound_to_their_principal(session: AsyncSession) -> None:
    department = await factories.department(session, "秦皇岛市市场监督管理局", "130300")
    entity = await factories.entity(session, "秦皇岛鑫达商贸有限公司", region="130302")
    clerk = await issue_token(
        session, actor="test", holder_name="张三", department_code=department.code, role=Role.HEAD
    )
    owner = await issue_token(
        session, actor="test", holder_name="赵六", entity_credit_code=entity.credit_code
    )
    rows = list(await session.scalars(select(ApiToken).where(ApiToken.id.in_([clerk.row.id, owner.row.id]))))
    for row in rows:
        assert clerk.secret not in {row.token_sha256, row.prefix} and len(row.token_sha256) == 64
    head = await authenticate(session, f"Bearer {clerk.secret}")
    assert head is not None and head.kind == PrincipalKind.DEPARTMENT
    assert (head.department_id, head.role, head.name) == (department.id, Role.HEAD, "张三")
    company = await authenticate(session, f"bearer  {owner.secret} ")
    assert company is not None and (company.kind, company.entity_id) == (PrincipalKind.ENTITY, entity.id)
    assert await authenticate(session, None) is None


async def test_token_cli_issue_and_revoke(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'tokens.db'}"
    monkeypatch.setenv("DATABASE_URL", url)
    await asyncio.to_thread(upgrade, url)
    engine = make_engine(url)
    try:
        async with make_sessionmaker(engine)() as session, session.begin():
            department = await factories.department(session, "阳城县公安局", "140522")
        args = ["token", "issue", "--department", department.code, "--role", "reviewer", "--name", "陈七"]
        assert await asyncio.to_thread(main, args) == 0
        secret = capsys.readouterr().out.strip()
        assert secret.startswith("gs_")
        async with make_sessionmaker(engine)() as session:
            principal = await authenticate(session, f"Bearer {secret}")
            assert principal is not None and principal.role == Role.REVIEWER
        assert await asyncio.to_thread(main, ["token", "revoke", secret[:10]]) == 0
        async with make_sessionmaker(engine)() as session:
            with pytest.raises(Exception, match="吊销"):
                await authenticate(session, f"Bearer {secret}")
        assert (
            await asyncio.to_thread(
                main, ["token", "issue", "--department", "NOPE", "--role", "clerk", "--name", "x"]
            )
            == 2
        )
        assert "未找到" in capsys.readouterr().err
    finally:
        await engine.dispose()
