"""Transfers and their outcomes from the result page (issue 16 point 3), found on the dashboard.

Dates: the world's inspections ended Tue 2021-11-16; a problem result is to be transferred within
7 working days (seed 001 art.20(3)), by Thu 2021-11-25 (Nov 17, 18, 19, 22, 23, 24, 25). The pages'
clock is Mon 2021-12-06.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession
from strawberry.relay import to_base64

from schema.models import AuditEvent, FollowUp
from tests.api.world import build_world
from tests.web.test_workspace_dept_objections import _facts
from tests.web.test_workspace_dept_work import rows_of, signed_in
from tests.web.workspace import DEPARTMENT_CALLERS, browsers, csrf_of, form_matrix, refusal_code


async def test_a_clerk_records_a_transfer_then_its_outcome_from_the_dashboard(
    session: AsyncSession, engine: AsyncEngine
) -> None:
    world = await build_world(session)
    async with browsers(session, engine) as b:
        clerk = await signed_in(b, world, "b_clerk")
        rows = rows_of((await clerk.get("/dept")).text, "follow-up-work")
        target = f"/dept/results/{world.ids['rB_pub']}"
        [row] = [r for r in rows if r.startswith(f"[{target}#follow-up]")]
        assert row.endswith("2021-11-25 已逾期（7个工作日）")
        page = (await clerk.get(target)).text
        assert "期限 2021-11-25，已逾期" in page and 'action="' + target + '/transfer"' in page
        token = csrf_of(page)

        async def post(action: str, **fields: str) -> tuple[int, str]:
            response = await clerk.post(f"{target}/{action}", data={"csrf": token, **fields})
            return response.status_code, response.text

        for fields, field, code in (
            ({"authority": " ", "transferredOn": "2021-12-06"}, "authority", "AUTHORITY_REQUIRED"),
            ({"authority": "姚安县公安局", "transferredOn": "12/06"}, "transferredOn", "DATE_INVALID"),
            ({"authority": "姚安县公安局", "transferredOn": "2021-12-07"}, "transferredOn", "DATE_IN_FUTURE"),
        ):
            status, html = await post("transfer", **fields)
            assert status == 400 and refusal_code(html) == [code] and f'id="{field}-error"' in html, code
            assert (
                await session.scalar(select(FollowUp.id).where(FollowUp.result_id == world.ids["rB_pub"]))
                is None
            )
        status, _ = await post("transfer", authority="姚安县公安局", transferredOn="2021-12-06")
        assert status == 303
        shown = _facts((await clerk.get(target + "?done=transfer")).text)
        assert shown["移送部门"] == "姚安县公安局"
        assert shown["移送日期"] == "2021-12-06（期限 2021-11-25， 逾期移送 ）"
        assert shown["后续处理结果"] == "尚未登记"
        rows = rows_of((await clerk.get("/dept")).text, "follow-up-work")
        assert next(r for r in rows if r.startswith(f"[{target}#follow-up]")).startswith(
            f"[{target}#follow-up] 登记后续处理结果"
        )
        status, html = await post("outcome", outcome="", on="2021-12-06")
        assert status == 400 and refusal_code(html) == ["OUTCOME_REQUIRED"]
        status, html = await post("outcome", outcome="已立案", on="2021-12-05")
        assert status == 400 and refusal_code(html) == ["DATES_ORDER"]
        status, _ = await post("outcome", outcome="已立案查处，责令改正", on="2021-12-06")
        assert status == 303
        assert _facts((await clerk.get(target)).text)["后续处理结果"] == "已立案查处，责令改正（2021-12-06）"
        assert [r for r in rows_of((await clerk.get("/dept")).text, "follow-up-work") if target in r] == []
        # Published, so public at once: the citizen's result page shows the outcome.
        public = (await b.new().get(f"/results/{world.ids['rB_pub']}")).text
        assert "已立案查处，责令改正" in public
        actions = list(
            await session.scalars(
                select(AuditEvent.action).where(AuditEvent.action.like("follow_up.%")).order_by(AuditEvent.id)
            )
        )
        assert actions[-2:] == ["follow_up.transfer", "follow_up.outcome"]
        # A reviewer sees the state but no form.
        reviewer = (await (await signed_in(b, world, "b_reviewer")).get(target)).text
        assert "/outcome" not in reviewer and "/transfer" not in reviewer
        assert re.search(r"<dd id=\"outcome\">已立案查处", reviewer)


async def test_the_transfer_and_outcome_forms_answer_every_caller_as_the_api_does(
    session: AsyncSession, engine: AsyncEngine
) -> None:
    world = await build_world(session)
    async with browsers(session, engine) as b:
        b.clock.now = datetime(2021, 12, 10, 2, 0, tzinfo=UTC)
        transfer = await form_matrix(
            session,
            b,
            world.tokens,
            DEPARTMENT_CALLERS,
            path=f"/dept/results/{world.ids['rA_pub2']}/transfer",
            fields={"authority": "姚安县公安局", "transferredOn": "2021-11-20"},
            mutation='r: recordTransfer(resultId: $id, authority: "姚安县公安局", transferredOn: "2021-11-20")',
            variables={"id": to_base64("InspectionResult", world.ids["rA_pub2"])},
            missing_path="/dept/results/100000000/transfer",
        )
        assert [w for w, o in transfer.items() if o == ("ok", "")] == ["a_clerk", "a_admin"]
        outcome = await form_matrix(
            session,
            b,
            world.tokens,
            DEPARTMENT_CALLERS,
            path=f"/dept/results/{world.ids['rA_pub']}/outcome",
            fields={"outcome": "已立案查处", "on": "2021-12-10"},
            mutation='r: recordFollowUpOutcome(followUpId: $id, outcome: "已立案查处", on: "2021-12-10")',
            variables={"id": to_base64("FollowUp", world.ids["follow_up"])},
            missing_path="/dept/results/100000000/outcome",
        )
        assert [w for w, o in outcome.items() if o == ("ok", "")] == ["a_clerk", "a_admin"]
