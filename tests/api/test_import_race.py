"""Two imports of the same directory rows at once: one is written, the other gets a typed refusal.

On the embedded default the import now begins IMMEDIATE like every mutation, so the second waits
for the first and then sees its rows; a lost race anywhere becomes CONCURRENT_UPDATE. Before, both
read an empty directory and the second failed on the lock or the unique key: a masked 服务器内部错误.
"""

from __future__ import annotations

import asyncio
import base64
from pathlib import Path

import httpx

from api.app import create_app
from api.settings import Settings
from inspections.principals import Role
from inspections.tokens import issue_token
from schema import credit_code
from schema.db import make_engine, make_sessionmaker
from schema.migrate import upgrade
from tests import factories

ROWS = 40
IMPORT = """mutation($file: String!) { importFile(kind: ENTITIES, filename: "名录.csv", contentBase64: $file) {
  __typename ... on ImportAccepted { written } ... on ImportRefusal { problems { code } }
  ... on UserError { errorCode message } } }"""


async def test_concurrent_imports_of_the_same_rows_never_fail_masked(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'race.db'}"
    await asyncio.to_thread(upgrade, url)
    engine = make_engine(url)
    try:
        async with make_sessionmaker(engine)() as session, session.begin():
            department = await factories.department(session, "姚安县市场监督管理局", "532325")
            tokens = [
                await issue_token(
                    session,
                    actor="test",
                    holder_name=f"录入员{n}",
                    department_code=department.code,
                    role=Role.CLERK,
                )
                for n in range(2)
            ]
        codes = [credit_code.make_code("9", "1", "532325", f"RC{n:06d}") for n in range(ROWS)]
        lines = [f"{code},姚安县{n}号商贸有限公司,企业,532325" for n, code in enumerate(codes)]
        csv = "统一社会信用代码,名称,市场主体类型,行政区划代码\r\n" + "\r\n".join(lines) + "\r\n"
        body = {"query": IMPORT, "variables": {"file": base64.b64encode(csv.encode()).decode()}}
        app = create_app(Settings(database_url=url, rate_limits_enabled=False), engine=engine)
        async with httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://test"
        ) as client:
            answers = await asyncio.gather(
                *(
                    client.post("/graphql", json=body, headers={"Authorization": f"Bearer {t.secret}"})
                    for t in tokens
                )
            )
    finally:
        await engine.dispose()
    assert [a.status_code for a in answers] == [200, 200]
    payloads = [a.json() for a in answers]
    assert all("errors" not in p for p in payloads), payloads
    results = sorted((p["data"]["importFile"] for p in payloads), key=lambda r: r["__typename"])
    accepted, refused = results
    assert accepted == {"__typename": "ImportAccepted", "written": ROWS}
    # The loser saw the winner's rows (a refusal per row), or lost the race outright (a typed conflict).
    if refused["__typename"] == "ImportRefusal":
        assert {p["code"] for p in refused["problems"]} == {"ENTITY_EXISTS"}
        assert len(refused["problems"]) == ROWS
    else:
        assert refused["__typename"] == "ConflictError" and refused["errorCode"] == "CONCURRENT_UPDATE"
