"""The department's dashboard (issue 16): objection, follow-up and late work lists beside the results.

Every entry is found as the user finds it: the entity files through its own pages, then each
department user opens /dept. Dates: the pages' clock is Mon 2021-12-06 (10:00 in China). The review
clock runs 20 working days from the filing day: with the 2022 notice (国办发明电〔2021〕11号: 元旦
Jan 1-3 off) that is Tue 2022-01-04 (Dec 7-31 hold 19 working days, Jan 4 is the 20th); without it
Mon Jan 3 counts as a working day, so the due date is 2022-01-03 and provisional. The world's
inspections ended Tue 2021-11-16, so a problem result is to be transferred within 7 working days:
Thu 2021-11-25 (Nov 17-19, 22-25), 7 working days before Dec 6 (Nov 26, 29, 30, Dec 1, 2, 3, 6).
"""

from __future__ import annotations

import re
from pathlib import Path

import httpx
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from tests.api.world import World, build_world
from tests.web.test_workspace_department import table
from tests.web.test_workspace_entity import PDF, _file, _owner, _signed_in_entity
from tests.web.workspace import Browsers, browsers, department_signs_in


def rows_of(html: str, table_id: str) -> list[str]:
    """The text of each row of one dashboard table, links kept as [href] (what a user sees and follows)."""
    body = table(html, table_id)
    found = []
    for row in re.findall(r"<tr[^>]*>(.*?)</tr>", body[body.find("<tbody>") :], re.S):
        text = re.sub(r'<a href="([^"]+)">', r"[\1] ", row)
        found.append(" ".join(re.sub(r"<[^>]+>", " ", text).split()))
    return found


async def signed_in(b: Browsers, world: World, who: str) -> httpx.AsyncClient:
    client = b.new()
    await department_signs_in(client, world.tokens[who])
    return client


async def file_on(
    session: AsyncSession,
    world: World,
    b: Browsers,
    result: str,
    grounds: str = "住所可以联系，检查当日店铺正常营业",
) -> int:
    """The result's entity signs in and files an objection with a PDF; the objection's number."""
    shop = await _signed_in_entity(session, world, b, await _owner(session, world, result))
    filed, _ = await _file(
        shop,
        f"/my/results/{world.ids[result]}/objection",
        [("营业执照.pdf", PDF, "application/pdf")],
        grounds,
    )
    assert filed.status_code == 303, filed.text[:1000]
    return int(filed.headers["location"].split("?")[0].rsplit("/", 1)[1])


async def test_each_role_finds_its_objection_follow_up_and_late_work_on_the_dashboard(
    session: AsyncSession, engine: AsyncEngine, tmp_path: Path
) -> None:
    world = await build_world(session)
    async with browsers(session, engine, evidence_dir=str(tmp_path)) as b:
        objection = await file_on(session, world, b, "rA_pub")
        link = f"[/dept/objections/{objection}]"
        pages = {
            who: (await (await signed_in(b, world, who)).get("/dept")).text
            for who in world.tokens
            if "_" in who
        }
        entity = world.entities[await _owner(session, world, "rA_pub")].name
        # The initiating department's clerk, admin and reviewer acknowledge it; nobody else has it to do.
        for who in ("a_clerk", "a_admin", "a_reviewer"):
            assert rows_of(pages[who], "objection-work") == [
                f"{link} 签收 ：{entity} 二手车经营备案检查 {entity} 二手车经营备案检查（姚安县工业信息化商务科技局） "
                "2022-01-04 20"
            ], who
        for who in (
            "a_head",
            "b_clerk",
            "b_reviewer",
            "b_head",
            "b_admin",
            "c_clerk",
            "c_reviewer",
            "c_head",
        ):
            assert rows_of(pages[who], "objection-work") == [], who
            assert "目前没有需要您办理的异议。" in pages[who]
        # Follow-ups: A's transferred problem result waits for its outcome (no statutory clock);
        # B's three problem results (责令整改, 无法联系 twice) were due for transfer on 2021-11-25.
        transfer = rows_of(pages["b_clerk"], "follow-up-work")
        assert {r.split("#")[0] for r in transfer} == {
            f"[/dept/results/{world.ids[k]}" for k in ("rB_review", "rB_pub", "rB_returned")
        }
        assert all(
            "] 移送有管辖权的部门" in r and r.endswith("2021-11-25 已逾期（7个工作日）") for r in transfer
        )
        assert '<tr class="late">' in table(pages["b_clerk"], "follow-up-work")
        # A: its undisclosed-information result still to transfer, then the transfer without outcome.
        to_transfer, outcome = rows_of(pages["a_clerk"], "follow-up-work")
        assert to_transfer.startswith(f"[/dept/results/{world.ids['rA_pub2']}#follow-up] 移送有管辖权的部门")
        assert to_transfer.endswith("2021-11-25 已逾期（7个工作日）")
        assert outcome.startswith(f"[/dept/results/{world.ids['rA_pub']}#follow-up] 登记后续处理结果")
        assert outcome.endswith("— —")
        assert rows_of(pages["c_clerk"], "follow-up-work") == []
        # Late items: nothing is late on Dec 6; on Wed Dec 15 B's unpublished results are (due Dec 14).
        assert "本部门没有逾期事项。" in pages["b_clerk"]
        b.clock.now = b.clock.now.replace(day=15)
        late = rows_of((await (await signed_in(b, world, "b_reviewer")).get("/dept")).text, "late-items")
        expected = {f"/dept/results/{world.ids[k]}" for k in ("rB_draft", "rB_review", "rB_returned")}
        assert {re.match(r"\[([^\]]+)\]", r).group(1) for r in late} == expected  # type: ignore[union-attr]
        assert all("检查结果逾期未公示" in r and "2021-12-14" in r and r.endswith("尚未公示") for r in late)


async def test_a_due_date_in_a_year_without_its_holiday_notice_is_marked_provisional(
    session: AsyncSession, engine: AsyncEngine, tmp_path: Path
) -> None:
    world = await build_world(session)
    async with browsers(
        session, engine, evidence_dir=str(tmp_path), calendar_builtin_years=frozenset({2021})
    ) as b:
        objection = await file_on(session, world, b, "rA_pub")
        html = (await (await signed_in(b, world, "a_reviewer")).get("/dept")).text
        [row] = rows_of(html, "objection-work")
        assert row.startswith(f"[/dept/objections/{objection}] 签收")
        assert row.endswith("2022-01-03 （暂定） 20")
