"""Mutual-recognition look-up by credit code (issue 16 point 6): the use case, its audit rows first.

The entity of rA_pub has two published results of 2021 in the joint task (A's 待后续处理 counts;
B's 无法联系 was formed without inspection, so it does not: seed 002 art.15, 20), and was drawn in
two joint tasks of 2021 (the main task and the teamless one): none left (seed 001 art.10).
"""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from schema.models import AuditEvent
from tests.api.world import build_world
from tests.web.test_workspace_dept_objections import _facts
from tests.web.test_workspace_dept_work import rows_of, signed_in
from tests.web.test_workspace_entity import _owner, _signed_in_entity
from tests.web.workspace import DEPARTMENT_CALLERS, browsers, csrf_of, refusal_code


async def test_a_department_looks_up_an_entity_and_the_read_is_audited(
    session: AsyncSession, engine: AsyncEngine
) -> None:
    world = await build_world(session)
    entity = world.entities[await _owner(session, world, "rA_pub")]
    async with browsers(session, engine) as b:
        clerk = await signed_in(b, world, "c_clerk")  # any department may read for recognition
        page = (await clerk.get("/dept/recognition")).text
        assert 'value="2021"' in page  # this year in China, by default
        token = csrf_of(page)

        async def look(code: str, year: str = "2021") -> tuple[int, str]:
            response = await clerk.post(
                "/dept/recognition", data={"csrf": token, "creditCode": code, "year": year}
            )
            return response.status_code, response.text

        reads = select(func.count()).select_from(AuditEvent).where(AuditEvent.action == "recognition.read")
        for code, year, field, expected in (
            (
                entity.credit_code[:-1] + ("0" if entity.credit_code[-1] != "0" else "1"),
                "2021",
                "creditCode",
                "CREDIT_CODE_CHECK",
            ),
            ("91532325MA00000000", "2021", "creditCode", None),
            (entity.credit_code, "20x1", "year", "DATE_INVALID"),
            (entity.credit_code, "1999", "year", "YEAR_INVALID"),
        ):
            status, html = await look(code, year)
            assert status == 400 and f'id="{field}-error"' in html, (code, year)
            if expected:
                assert refusal_code(html) == [expected]
        assert await session.scalar(reads) == 0
        status, html = await look(entity.credit_code.lower())
        assert status == 200
        facts = _facts(html)
        assert facts["统一社会信用代码"] == entity.credit_code
        assert facts["本年度联合抽查"] == "2次，还可0次（同一年度一般不超过两次）"
        rows = rows_of(html, "recognition")
        assert len(rows) == 2
        assert rows[0] == (
            "姚安县工业信息化商务科技局 2021年度二手车市场联合抽查（联合） 二手车经营备案检查 已公示（2021-12-01公示） "
            "发现问题待后续处理：现场检查情况 移送姚安县公安局 "
            "可以互认：已公示的部门联合抽查结果，本年度内原则上不再就该事项检查（seed 002 art.20）"
        )
        assert rows[1].startswith(
            "姚安县市场监督管理局 2021年度二手车市场联合抽查（联合） 二手车销售合同行为检查 已公示"
        )
        assert rows[1].endswith("不予互认：未经实地检查直接形成的结果，不能证明已检查相关事项")
        # One row for the read, one per department whose results it showed (A and B), committed.
        audited = list(
            await session.scalars(
                select(AuditEvent).where(AuditEvent.action == "recognition.read").order_by(AuditEvent.id)
            )
        )
        ids = sorted([world.ids["rA_pub"], world.ids["rB_pub"]])
        assert [(e.object_type, e.object_id) for e in audited] == [
            ("Entity", str(entity.id)),
            ("Department", str(world.a.id)),
            ("Department", str(world.b.id)),
        ]
        assert sorted((audited[0].after or {})["resultIds"]) == ids and "Cclerk" in audited[0].actor


async def test_every_department_role_may_look_up_no_one_else_and_never_without_the_form_token(
    session: AsyncSession, engine: AsyncEngine
) -> None:
    world = await build_world(session)
    code = world.entities[await _owner(session, world, "rA_pub")].credit_code
    async with browsers(session, engine) as b:
        for who in DEPARTMENT_CALLERS:
            client = await signed_in(b, world, who)
            token = csrf_of((await client.get("/dept/recognition")).text)
            got = await client.post(
                "/dept/recognition", data={"csrf": token, "creditCode": code, "year": "2021"}
            )
            assert got.status_code == 200 and 'id="record"' in got.text, who
            assert (
                await client.post("/dept/recognition", data={"creditCode": code, "year": "2021"})
            ).status_code == 403
        shop = await _signed_in_entity(session, world, b, 0)
        token = csrf_of((await shop.get("/my")).text)
        assert (await shop.get("/dept/recognition")).status_code == 404
        refused = await shop.post(
            "/dept/recognition", data={"csrf": token, "creditCode": code, "year": "2021"}
        )
        assert refused.status_code == 404
        reads = select(func.count()).select_from(AuditEvent).where(AuditEvent.action == "recognition.read")
        assert (
            await session.scalar(reads) == len(DEPARTMENT_CALLERS) * 3
        )  # the entity and its two departments
