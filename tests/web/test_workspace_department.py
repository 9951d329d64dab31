"""The department's workspace (issue 16): the work list, review, return with a reason, revision.

The world's task is initiated by department A with B participating; B's results need B's own
review and A's lead review (seed 002 art.16). Dates: the pages' clock is Mon 2021-12-06; the
inspections ended Tue 2021-11-16, so results are due 20 working days later, Tue 2021-12-14
(Nov 17-30 hold 10 working days, Dec 1-14 another 10), 6 working days after Dec 6.
"""

from __future__ import annotations

import re
from typing import Any

import httpx
import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession
from strawberry.relay import to_base64

from schema.enums import ResultStatus
from schema.models import AuditEvent, InspectionResult
from tests.api.world import CALLERS, World, build_world
from tests.web.test_workspace_entity import _owner, _signed_in_entity
from tests.web.workspace import Browsers, browsers, csrf_of, department_signs_in, post_form, refusal_code


def _main(html: str) -> str:
    return html[html.index("<main") : html.index("</main>")]


def table(html: str, table_id: str) -> str:
    """One table of the dashboard ('' when the page shows none: an empty list)."""
    start = html.find(f'<table id="{table_id}">')
    return html[start : html.index("</table>", start)] if start >= 0 else ""


def _rows(html: str) -> list[tuple[str, str]]:
    """(link, cell text) of each row of the results work list: what the user sees and follows."""
    html = table(html, "result-work")
    body = html[html.index("<tbody>") : html.index("</tbody>")] if "<tbody>" in html else ""
    rows = []
    for row in re.findall(r"<tr[^>]*>(.*?)</tr>", body, re.S):
        link = re.search(r'href="(/dept/results/\d+)"', row)
        assert link
        rows.append((link.group(1), re.sub(r"<[^>]+>", " ", row)))
    return rows


async def _signed_in(b: Browsers, world: World, who: str) -> httpx.AsyncClient:
    client = b.new()
    await department_signs_in(client, world.tokens[who])
    return client


async def test_a_clerk_and_reviewers_take_a_result_through_return_revision_and_approval(
    session: AsyncSession, engine: AsyncEngine
) -> None:
    world = await build_world(session)
    target = f"/dept/results/{world.ids['rB_draft']}"
    async with browsers(session, engine) as b:
        clerk = await _signed_in(b, world, "b_clerk")
        lead = await _signed_in(b, world, "a_reviewer")
        own = await _signed_in(b, world, "b_reviewer")
        work = await clerk.get("/dept")
        rows = dict(_rows(work.text))
        assert set(rows) == {f"/dept/results/{world.ids[k]}" for k in ("rB_draft", "rB_returned")}
        assert "上报审核" in rows[target] and "2021-12-14" in rows[target] and " 6 " in rows[target]
        assert "修改后重新上报" in rows[f"/dept/results/{world.ids['rB_returned']}"]
        submitted = await post_form(clerk, target + "/submit", {}, from_page=target)
        assert submitted.status_code == 303
        page = await clerk.get(submitted.headers["location"])
        assert '<dd id="status">审核中</dd>' in page.text and "已上报审核" in page.text
        # The lead reviewer finds it on its list, and returns it: first without a reason.
        assert target in dict(_rows((await lead.get("/dept")).text))
        refused = await post_form(lead, target + "/return", {"reason": " "}, from_page=target)
        assert refused.status_code == 400
        assert refusal_code(refused.text) == ["REASON_REQUIRED"] and 'id="reason-error"' in refused.text
        returned = await post_form(lead, target + "/return", {"reason": "缺少现场照片"}, from_page=target)
        assert returned.status_code == 303
        # Back on the clerk's list as a revision, with the reason on its page.
        assert "修改后重新上报" in dict(_rows((await clerk.get("/dept")).text))[target]
        page = await clerk.get(target)
        assert '<dd id="note">缺少现场照片</dd>' in page.text
        revised = await post_form(
            clerk,
            target + "/revise",
            {"categoryCodes": "ORDERED_TO_CORRECT", "description": "补充现场照片后复核"},
            from_page=target,
        )
        assert revised.status_code == 303
        await post_form(clerk, target + "/submit", {}, from_page=target)
        # Two reviews: B's own, then A's lead review, which publishes it.
        first = await post_form(own, target + "/approve", {}, from_page=target)
        assert "等待另一部门审核" in (await own.get(first.headers["location"])).text
        again = await post_form(own, target + "/approve", {}, from_page=target)
        assert again.status_code == 400 and refusal_code(again.text) == ["ALREADY_APPROVED"]
        second = await post_form(lead, target + "/approve", {}, from_page=target)
        shown = await lead.get(second.headers["location"])
        assert '<dd id="status">已公示</dd>' in shown.text and "结果已公示" in shown.text
        row = await session.get(InspectionResult, world.ids["rB_draft"])
        assert row is not None
        await session.refresh(row)
        assert (
            row.status,
            row.category_codes,
            row.description,
            row.published_on.isoformat() if row.published_on else None,
        ) == (
            ResultStatus.PUBLISHED,
            ["ORDERED_TO_CORRECT"],
            "补充现场照片后复核",
            "2021-12-06",
        )
        assert (row.own_approved_by, row.lead_approved_by) == ("Breviewer", "Areviewer")
        actions = list(
            await session.scalars(
                select(AuditEvent.action)
                .where(AuditEvent.object_type == "InspectionResult", AuditEvent.object_id == str(row.id))
                .where(AuditEvent.action.like("result.%"))
                .order_by(AuditEvent.id)
            )
        )
        assert actions[-7:] == [
            "result.submit",
            "result.return",
            "result.revise",
            "result.submit",
            "result.approve",
            "result.approve",
            "result.publish",
        ]
        # Published: off every list.
        for client in (clerk, lead, own):
            assert target not in dict(_rows((await client.get("/dept")).text))


FORMS: list[tuple[str, str, dict[str, str], str, dict[str, Any]]] = [
    # (form, the world's result, form fields, the API mutation, its variables beyond resultId)
    ("submit", "rA_draft", {}, "submitResult(resultId: $id)", {}),
    ("approve", "rA_review", {}, "approveResult(resultId: $id)", {}),
    ("return", "rB_review", {"reason": "缺少签字"}, 'returnResult(resultId: $id, reason: "缺少签字")', {}),
    (
        "revise",
        "rB_returned",
        {"categoryCodes": "NO_PROBLEM", "description": "复核"},
        'reviseResult(resultId: $id, categoryCodes: ["NO_PROBLEM"], description: "复核")',
        {},
    ),
]


async def _in_savepoint(session: AsyncSession, call: Any) -> Any:
    savepoint = await session.begin_nested()
    await session.connection()
    try:
        return await call()
    finally:
        await savepoint.rollback()


@pytest.mark.parametrize("form", FORMS, ids=lambda f: f[0])
async def test_each_form_post_answers_every_caller_as_the_api_does(
    session: AsyncSession, engine: AsyncEngine, form: tuple[str, str, dict[str, str], str, dict[str, Any]]
) -> None:
    """The role matrix for the form posts: the same use case, so the same outcome and code as the API."""
    name, result, fields, call, _ = form
    world = await build_world(session)
    pk = world.ids[result]
    path = f"/dept/results/{pk}/{name}"
    text = f"mutation($id: ID!) {{ r: {call} {{ __typename ... on UserError {{ code }} }} }}"
    async with browsers(session, engine) as b:
        api = b.new()
        clients = {who: await _signed_in(b, world, who) for who in CALLERS if who not in ("public", "entity")}
        outcomes: dict[str, tuple[str, str]] = {}
        for who, client in clients.items():
            token = csrf_of((await client.get("/dept")).text)

            async def post(
                target: str = path, c: httpx.AsyncClient = client, t: str = token
            ) -> httpx.Response:
                return await c.post(target, data={"csrf": t, **fields})

            async def mutate(gid: str = to_base64("InspectionResult", pk), w: str = who) -> dict[str, Any]:
                response = await api.post(
                    "/graphql",
                    json={"query": text, "variables": {"id": gid}},
                    headers={"Authorization": f"Bearer {world.tokens[w]}"},
                )
                payload: dict[str, Any] = response.json()["data"]["r"]
                return payload

            web = await _in_savepoint(session, post)
            via_api = await _in_savepoint(session, mutate)
            if web.status_code == 303:
                got = ("ok", "")
            elif web.status_code == 404:
                got = ("NotFoundError", "")
                # Answered exactly like a result that does not exist.
                missing = await _in_savepoint(
                    session,
                    lambda c=client, t=token: c.post(
                        f"/dept/results/100000000/{name}", data={"csrf": t, **fields}
                    ),
                )
                assert missing.status_code == 404 and _main(missing.text) == _main(web.text), who
            else:
                assert web.status_code == 400, (who, web.status_code)
                got = ("error", refusal_code(web.text)[0])
            expected = (
                ("ok", "")
                if "Error" not in via_api["__typename"]
                else ("NotFoundError", "")
                if via_api["__typename"] == "NotFoundError"
                else ("error", via_api["code"])
            )
            outcomes[who] = got
            assert got == expected, (who, got, via_api)
        assert ("ok", "") in outcomes.values()  # someone may do it
        # An entity's session and no session at all never reach the use case.
        entity = await _signed_in_entity(session, world, b, await _owner(session, world, "rA_pub"))
        token = csrf_of((await entity.get("/my")).text)
        assert (await entity.post(path, data={"csrf": token, **fields})).status_code == 404
        nobody = b.new()
        token = csrf_of((await nobody.get("/dept/sign-in")).text)
        assert (await nobody.post(path, data={"csrf": token, **fields})).status_code == 403


async def test_late_results_are_marked_on_the_work_list(session: AsyncSession, engine: AsyncEngine) -> None:
    """Due Tue 2021-12-14; on Wed 12-15 one working day late, on Mon 12-20 four (Dec 15, 16, 17, 20)."""
    world = await build_world(session)
    async with browsers(session, engine, session_hours=24 * 30, session_idle_minutes=60 * 24 * 30) as b:
        clerk = await _signed_in(b, world, "b_clerk")
        target = f"/dept/results/{world.ids['rB_draft']}"
        html = table((await clerk.get("/dept")).text, "result-work")
        assert 'class="late"' not in html
        for day, late in ((14, None), (15, 1), (20, 4)):
            b.clock.now = b.clock.now.replace(day=day)
            html = table((await clerk.get("/dept")).text, "result-work")
            row = next(r for r in re.findall(r"<tr[^>]*>.*?</tr>", html, re.S) if target in r)
            if late is None:
                assert row.startswith("<tr>") and "<td>0</td>" in row  # due today: 0 left, not late
            else:
                assert row.startswith('<tr class="late">') and f"已逾期（{late}个工作日）" in row
