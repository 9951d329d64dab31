"""Spreadsheets from the browser (issue 16 point 5): a template downloaded, an import refused with
its whole-file report as a table, fixed and imported, exported back; over-size files refused."""

from __future__ import annotations

import re

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from inspections.spreadsheets.reading import MAX_BYTES, read_table
from schema import credit_code
from schema.models import AuditEvent, Entity, InspectionResult
from tests.api.world import build_world
from tests.web.test_workspace_dept_work import signed_in
from tests.web.workspace import browsers, csrf_of, refusal_code

CODES = [credit_code.make_code("9", "1", "532325", f"WB{n:06d}") for n in range(3)]


def _report(html: str) -> list[list[str]]:
    body = html[html.index('<table id="import-report">') :]
    body = body[body.index("<tbody>") : body.index("</tbody>")]
    return [
        [re.sub(r"<[^>]+>", "", cell) for cell in re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)]
        for row in re.findall(r"<tr>(.*?)</tr>", body, re.S)
    ]


async def test_an_entity_directory_import_with_a_bad_row_then_fixed_then_exported(
    session: AsyncSession, engine: AsyncEngine
) -> None:
    world = await build_world(session)
    async with browsers(session, engine) as b:
        clerk = await signed_in(b, world, "a_clerk")
        page = (await clerk.get("/dept/import")).text
        assert '<a href="/templates/entities.csv">CSV模板' in page
        template = await clerk.get("/templates/entities.csv")
        header = template.content.decode("utf-8-sig").splitlines()[0]
        assert header.startswith("统一社会信用代码,名称,市场主体类型,行政区划代码")
        good = [
            f"{CODES[0]},姚安县网页导入商贸有限公司,企业,532325,二手车交易,栋川镇1号,张伟,2015-03-02,存续,,",
            f"{CODES[1]},姚安县网页导入车行,个体工商户,532325,二手车交易,栋川镇2号,李娜,2018-06-09,,,",
            f"{CODES[2]},姚安县网页导入合作社,农民专业合作社,532325,,栋川镇3号,王强,,,,",
        ]
        bad = list(good)
        bad[1] = bad[1].replace(CODES[1], CODES[1][:-1] + ("0" if CODES[1][-1] != "0" else "1"))
        bad[2] = bad[2].replace(",农民专业合作社,", ",合作社,")

        def csv(rows: list[str]) -> bytes:
            return ("\ufeff" + "\r\n".join([header, *rows]) + "\r\n").encode()

        token = csrf_of(page)
        before = await session.scalar(select(func.count()).select_from(Entity))
        refused = await clerk.post(
            "/dept/import",
            data={"csrf": token, "kind": "entities"},
            files={"file": ("名录.csv", csv(bad), "text/csv")},
        )
        assert refused.status_code == 400
        assert "共 3 行数据，发现 2 处错误，整个文件未导入任何数据" in refused.text
        assert [r[:2] + r[3:] for r in _report(refused.text)] == [
            ["3", "统一社会信用代码", "CREDIT_CODE_CHECK"],
            ["4", "市场主体类型", "CHOICE_INVALID"],
        ]
        assert all(r[2] for r in _report(refused.text))  # each with its Chinese reason
        assert await session.scalar(select(func.count()).select_from(Entity)) == before
        done = await clerk.post(
            "/dept/import",
            data={"csrf": token, "kind": "entities"},
            files={"file": ("名录.csv", csv(good), "text/csv")},
        )
        assert done.status_code == 303 and done.headers["location"] == "/dept/import?done=entities&rows=3"
        assert "检查对象名录已全部导入，共 3 行。" in (await clerk.get(done.headers["location"])).text
        assert await session.scalar(select(func.count()).select_from(Entity)) == (before or 0) + 3
        exported = await clerk.get("/dept/export/entities.csv?region=532325")
        assert exported.status_code == 200
        assert exported.headers["content-disposition"].startswith('attachment; filename="download.csv"')
        rows = {r[1][0]: r[1] for r in read_table(exported.content, "x.csv").rows}
        assert [rows[c][1] for c in CODES] == [
            "姚安县网页导入商贸有限公司",
            "姚安县网页导入车行",
            "姚安县网页导入合作社",
        ]
        bad_region = await clerk.get("/dept/export/entities.csv?region=53")
        assert bad_region.status_code == 200  # a province prefix is a region too
        refused_region = await clerk.get("/dept/export/entities.xlsx?region=5323x")
        assert refused_region.status_code == 400 and refusal_code(refused_region.text) == [
            "REGION_CODE_INVALID"
        ]
        actions = list(
            await session.scalars(
                select(AuditEvent.action).where(AuditEvent.action.in_(("import.entities", "export.entities")))
            )
        )
        assert actions == ["import.entities", "export.entities", "export.entities"]


async def test_a_results_import_goes_through_the_use_case_and_its_roles(
    session: AsyncSession, engine: AsyncEngine
) -> None:
    world = await build_world(session)
    free = world.inspections[4]
    code = next(e.credit_code for e in world.entities if e.id == free.entity_id)
    header = "任务ID,统一社会信用代码,抽查事项编码,检查结果,结果说明"
    row = f"{world.task.id},{code},W-A,未发现问题,网页导入"
    data = ("\r\n".join([header, row]) + "\r\n").encode()
    async with browsers(session, engine) as b:
        # A reviewer has no form (the page says who may import); posting anyway meets the use case's role.
        reviewer = await signed_in(b, world, "a_reviewer")
        page = (await reviewer.get("/dept/import")).text
        assert 'action="/dept/import"' not in page and "您的角色不能导入表格" in page
        response = await reviewer.post(
            "/dept/import",
            data={"csrf": csrf_of(page), "kind": "results"},
            files={"file": ("r.csv", data, "text/csv")},
        )
        assert response.status_code == 400 and refusal_code(response.text) == ["ROLE_REQUIRED"]
        # A department with no part in the task: its row is refused as a task that does not exist.
        stranger = await signed_in(b, world, "c_clerk")
        response = await stranger.post(
            "/dept/import",
            data={"csrf": csrf_of((await stranger.get("/dept/import")).text), "kind": "results"},
            files={"file": ("r.csv", data, "text/csv")},
        )
        assert response.status_code == 400
        assert _report(response.text) == [
            ["2", "统一社会信用代码", "该任务中没有这个检查对象（或没有该任务）", "INSPECTION_NOT_FOUND"]
        ]
        clerk = await signed_in(b, world, "a_clerk")
        response = await clerk.post(
            "/dept/import",
            data={"csrf": csrf_of((await clerk.get("/dept/import")).text), "kind": "results"},
            files={"file": ("r.csv", data, "text/csv")},
        )
        assert response.status_code == 303
        stored = await session.scalar(
            select(InspectionResult).where(InspectionResult.inspection_id == free.id)
        )
        assert stored is not None and (stored.description, stored.category_codes) == (
            "网页导入",
            ["NO_PROBLEM"],
        )
        # The task's export gives the row back, in the template's columns.
        exported = await (await signed_in(b, world, "a_clerk")).get(
            f"/dept/tasks/{world.task.id}/results.csv"
        )
        rows = [r[1] for r in read_table(exported.content, "x.csv").rows]
        assert [world.task.id, code, "W-A", "未发现问题", "网页导入"] in [[int(r[0]), *r[1:5]] for r in rows]
        refused = await (await signed_in(b, world, "c_clerk")).get(f"/dept/tasks/{world.task.id}/results.csv")
        assert refused.status_code == 404


async def test_a_file_over_the_limit_is_refused_before_anything_is_read(
    session: AsyncSession, engine: AsyncEngine
) -> None:
    world = await build_world(session)
    async with browsers(session, engine) as b:
        clerk = await signed_in(b, world, "a_clerk")
        token = csrf_of((await clerk.get("/dept/import")).text)
        big = b"a" * (MAX_BYTES + 1)
        before = await session.scalar(select(func.count()).select_from(Entity))
        refused = await clerk.post(
            "/dept/import",
            data={"csrf": token, "kind": "entities"},
            files={"file": ("big.csv", big, "text/csv")},
        )
        assert refused.status_code == 400
        assert _report(refused.text) == [["整个文件", "—", "文件不能超过20MB", "FILE_TOO_LARGE"]]
        assert await session.scalar(select(func.count()).select_from(Entity)) == before
        no_file = await clerk.post("/dept/import", data={"csrf": token, "kind": "entities"})
        assert no_file.status_code == 400 and refusal_code(no_file.text) == ["CHOICE_REQUIRED"]
        assert 'id="file-error"' in no_file.text
        no_token = await clerk.post(
            "/dept/import", data={"kind": "entities"}, files={"file": ("a.csv", b"x", "text/csv")}
        )
        assert no_token.status_code == 403
