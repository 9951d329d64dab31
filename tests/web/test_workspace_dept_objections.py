"""A department handles an objection in the browser (issue 16 point 2): its clocks, its evidence
viewed inline (and audited), and every action its role allows, through the API's use cases.

Dates: the entity files on Mon 2021-12-06; the review is due 20 working days later, Tue 2022-01-04
(国办发明电〔2021〕11号: 元旦 Jan 1-3 off; Dec 7-31 hold 19 working days). Decided the same day, the
correction is due 5 working days later, Mon 2021-12-13 (Dec 7, 8, 9, 10, 13), and the answer 15
working days later, Mon 2021-12-27 (Dec 7-10, 13-17, 20-24, 27).
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession
from strawberry.relay import to_base64

from objections.clocks import REMEDIES
from schema.enums import ObjectionState
from schema.models import AuditEvent, InspectionResult, Objection
from tests.api.test_objection_roles import SETUPS
from tests.api.world import CALLERS, build_world
from tests.web.test_workspace_dept_work import rows_of, signed_in
from tests.web.test_workspace_entity import PDF, PNG, _file, _owner, _signed_in_entity
from tests.web.workspace import browsers, csrf_of, refusal_code


def _main(html: str) -> str:
    return html[html.index("<main") : html.index("</main>")]


def _facts(html: str) -> dict[str, str]:
    found = re.findall(r"<dt>(.*?)</dt>\s*<dd[^>]*>(.*?)</dd>", html, re.S)
    return {k: " ".join(re.sub(r"<[^>]+>", " ", v).split()) for k, v in found}


async def _post(client: httpx.AsyncClient, path: str, data: dict[str, str], page: str) -> httpx.Response:
    shown = await client.get(page)
    assert shown.status_code == 200, shown.text[:300]
    return await client.post(path, data={"csrf": csrf_of(shown.text), **data})


async def test_a_reviewer_decides_an_objection_after_opening_its_evidence_then_it_is_corrected_and_answered(
    session: AsyncSession, engine: AsyncEngine, tmp_path: Path
) -> None:
    world = await build_world(session)
    async with browsers(session, engine, evidence_dir=str(tmp_path)) as b:
        n = await _owner(session, world, "rB_pub")
        shop = await _signed_in_entity(session, world, b, n)
        filed, _ = await _file(
            shop,
            f"/my/results/{world.ids['rB_pub']}/objection",
            [("营业执照.pdf", PDF, "application/pdf"), ("门店照片.png", PNG, "image/png")],
            "检查当日店铺正常营业，并非无法联系",
        )
        assert filed.status_code == 303
        objection_id = int(filed.headers["location"].split("?")[0].rsplit("/", 1)[1])
        page_path = f"/dept/objections/{objection_id}"
        reviewer = await signed_in(b, world, "a_reviewer")
        [row] = rows_of((await reviewer.get("/dept")).text, "objection-work")
        assert row.startswith(f"[{page_path}] 签收")
        page = (await reviewer.get(page_path)).text
        facts = _facts(page)
        assert facts["状态"] == "已提交" and facts["复查期限"] == "2022-01-04，剩余 20 个工作日"
        assert facts["本部门职责"] == "发起部门（签收、复查、反馈）"
        assert "检查当日店铺正常营业，并非无法联系" in page
        # The evidence is on the page: the picture as an image, the PDF in the browser's viewer.
        files = re.findall(r'(?:src|data)="(/dept/objections/\d+/evidence/(\d+))"', page)
        assert [p for p, _ in files] == [f"{page_path}/evidence/{i}" for _, i in files] and len(files) == 2
        pdf_path, png_path = files[0][0], files[1][0]
        assert f'<object class="evidence-view" data="{pdf_path}" type="application/pdf"' in page
        assert f'<img class="evidence-view" src="{png_path}" alt="证明材料：门店照片.png">' in page
        opened = await reviewer.get(pdf_path)
        assert opened.status_code == 200 and opened.content == PDF
        assert opened.headers["content-type"] == "application/pdf"
        assert (
            opened.headers["content-disposition"]
            == "inline; filename*=UTF-8''%E8%90%A5%E4%B8%9A%E6%89%A7%E7%85%A7.pdf"
        )
        assert opened.headers["cache-control"] == "no-store"
        assert opened.headers["x-content-type-options"] == "nosniff"
        assert opened.headers["content-security-policy"] == "frame-ancestors 'self'; script-src 'none'"
        image = await reviewer.get(png_path + "?download=1")
        assert image.content == PNG and image.headers["content-disposition"].startswith("attachment;")
        views = list(
            await session.scalars(
                select(AuditEvent)
                .where(AuditEvent.action == "objection.evidence.download")
                .order_by(AuditEvent.id)
            )
        )
        assert [(v.actor, v.object_id, (v.after or {})["filename"]) for v in views] == [
            (views[0].actor, pdf_path.rsplit("/", 1)[1], "营业执照.pdf"),
            (views[0].actor, png_path.rsplit("/", 1)[1], "门店照片.png"),
        ]
        assert "Areviewer" in views[0].actor
        # Acknowledge, start the review, decide: first without a choice, then without reasons.
        assert (await _post(reviewer, page_path + "/receive", {}, page_path)).status_code == 303
        started = await _post(reviewer, page_path + "/review", {}, page_path)
        assert started.headers["location"] == page_path + "?done=review"
        assert _facts((await reviewer.get(page_path)).text)["状态"] == "复查中"
        no_choice = await _post(reviewer, page_path + "/decide", {"reasons": "营业执照与照片可证"}, page_path)
        assert no_choice.status_code == 400 and refusal_code(no_choice.text) == ["CHOICE_REQUIRED"]
        assert 'id="decision-error"' in no_choice.text and "营业执照与照片可证" in no_choice.text
        no_reasons = await _post(
            reviewer, page_path + "/decide", {"decision": "upheld", "reasons": " "}, page_path
        )
        assert no_reasons.status_code == 400 and refusal_code(no_reasons.text) == ["REASONS_REQUIRED"]
        assert 'id="reasons-error"' in no_reasons.text and 'value="upheld" checked' in no_reasons.text
        decided = await _post(
            reviewer,
            page_path + "/decide",
            {"decision": "upheld", "reasons": "营业执照与照片可证"},
            page_path,
        )
        assert decided.status_code == 303
        facts = _facts((await reviewer.get(decided.headers["location"])).text)
        assert facts["状态"] == "确有错误"
        assert facts["复查结论"] == "确有错误（2021-12-06）：营业执照与照片可证"
        assert facts["更正期限"] == "2021-12-13，剩余 5 个工作日"
        assert facts["反馈期限"] == "2021-12-27，剩余 15 个工作日"
        # The owning department's head finds the correction on its list and signs it.
        head = await signed_in(b, world, "b_head")
        [row] = rows_of((await head.get("/dept")).text, "objection-work")
        assert row.startswith(f"[{page_path}] 更正检查结果") and row.endswith("2021-12-13 5")
        form = (await head.get(page_path)).text
        assert _facts(form)["本部门职责"] == "结果所属部门（确有错误的，由主要负责人更正）"
        assert 'action="' + page_path + '/correct"' in form and "/answer" not in form
        corrected = await _post(
            head,
            page_path + "/correct",
            {"categoryCodes": "NO_PROBLEM", "description": "复查：正常营业"},
            page_path,
        )
        assert corrected.status_code == 303
        result = await session.get(InspectionResult, world.ids["rB_pub"])
        assert result is not None
        await session.refresh(result)
        assert (result.category_codes, result.description, result.current_version) == (
            ["NO_PROBLEM"],
            "复查：正常营业",
            2,
        )
        # The answer: back on the initiating reviewer's list; the remedies are added.
        [row] = rows_of((await reviewer.get("/dept")).text, "objection-work")
        assert row.startswith(f"[{page_path}] 反馈复查情况") and row.endswith("2021-12-27 15")
        empty = await _post(reviewer, page_path + "/answer", {"text": ""}, page_path)
        assert empty.status_code == 400 and refusal_code(empty.text) == ["ANSWER_REQUIRED"]
        answered = await _post(
            reviewer, page_path + "/answer", {"text": "经复查，原结果有误，已更正。"}, page_path
        )
        assert answered.status_code == 303
        shown = (await reviewer.get(answered.headers["location"])).text
        assert _facts(shown)["状态"] == "已反馈" and "已反馈复查情况。" in shown
        row_o = await session.get(Objection, objection_id)
        assert row_o is not None
        await session.refresh(row_o)
        assert (row_o.state, row_o.answer) == (
            ObjectionState.ANSWERED,
            f"经复查，原结果有误，已更正。\n{REMEDIES}",
        )
        # The entity reads the answer with its remedies.
        mine = (await shop.get(f"/my/objections/{objection_id}")).text
        assert "经复查，原结果有误，已更正。" in mine and REMEDIES in mine
        assert rows_of((await reviewer.get("/dept")).text, "objection-work") == []


async def test_another_department_or_an_entity_gets_the_missing_page(
    session: AsyncSession, engine: AsyncEngine, tmp_path: Path
) -> None:
    world = await build_world(session)
    async with browsers(session, engine, evidence_dir=str(tmp_path)) as b:
        shop = await _signed_in_entity(session, world, b, await _owner(session, world, "rA_pub"))
        filed, _ = await _file(
            shop, f"/my/results/{world.ids['rA_pub']}/objection", [("营业执照.pdf", PDF, "application/pdf")]
        )
        objection_id = int(filed.headers["location"].split("?")[0].rsplit("/", 1)[1])
        page = f"/dept/objections/{objection_id}"
        owner = await signed_in(b, world, "a_clerk")
        [file_path] = re.findall(r'data="(/dept/objections/\d+/evidence/\d+)"', (await owner.get(page)).text)
        file_id = file_path.rsplit("/", 1)[1]
        stranger = await signed_in(b, world, "c_head")
        missing = await stranger.get("/dept/objections/100000000")
        no_file = await owner.get(f"{page}/evidence/100000000")
        assert missing.status_code == no_file.status_code == 404
        for path, like in (
            (page, missing),
            (file_path, no_file),
            (f"/dept/objections/100000000/evidence/{file_id}", no_file),
        ):
            got = await stranger.get(path)
            assert got.status_code == 404 and _main(got.text) == _main(like.text), path
        # The right file under another objection's address is no file at all, even for a party.
        other = await owner.get(f"/dept/objections/{objection_id + 1}/evidence/{file_id}")
        assert other.status_code == 404
        assert (await shop.get(page)).status_code == 404  # an entity's session: not a department page
        audited = await session.scalars(
            select(AuditEvent.actor).where(AuditEvent.action == "objection.evidence.download")
        )
        assert list(audited) == []  # nothing was shown, so nothing was audited


FORMS: list[tuple[str, str, dict[str, str], str]] = [
    # (form, the API case whose setup it shares, form fields, the API mutation)
    ("receive", "receiveObjection", {}, "receiveObjection(objectionId: $id)"),
    ("review", "startObjectionReview", {}, "startObjectionReview(objectionId: $id)"),
    (
        "decide",
        "decideObjection",
        {"decision": "maintained", "reasons": "原结果无误"},
        'decideObjection(objectionId: $id, decision: MAINTAINED, reasons: "原结果无误")',
    ),
    (
        "correct",
        "applyObjectionCorrection",
        {"categoryCodes": "NO_PROBLEM", "description": "更正"},
        'applyObjectionCorrection(objectionId: $id, categoryCodes: ["NO_PROBLEM"], description: "更正")',
    ),
    (
        "answer",
        "answerObjection",
        {"text": "维持原结果"},
        'answerObjection(objectionId: $id, text: "维持原结果")',
    ),
]


async def in_savepoint(session: AsyncSession, call: Any) -> Any:
    savepoint = await session.begin_nested()
    await session.connection()
    try:
        return await call()
    finally:
        await savepoint.rollback()


@pytest.mark.parametrize("form", FORMS, ids=lambda f: f[0])
async def test_each_objection_form_answers_every_caller_as_the_api_does(
    session: AsyncSession, engine: AsyncEngine, tmp_path: Path, form: tuple[str, str, dict[str, str], str]
) -> None:
    """The role matrix for the form posts: the same use case, so the same outcome and code as the API."""
    name, case, fields, call = form
    world = await build_world(session)
    await SETUPS[case](session, world, tmp_path)
    await session.flush()
    pk = world.ids["objection"]
    path = f"/dept/objections/{pk}/{name}"
    text = f"mutation($id: ID!) {{ r: {call} {{ __typename ... on UserError {{ code }} }} }}"
    async with browsers(session, engine, evidence_dir=str(tmp_path)) as b:
        b.clock.now = datetime(2021, 12, 10, 2, 0, tzinfo=UTC)  # after the setups' decision on Dec 8
        api = b.new()
        outcomes: dict[str, tuple[str, str]] = {}
        for who in [c for c in CALLERS if c not in ("public", "entity")]:
            client = await signed_in(b, world, who)
            token = csrf_of((await client.get("/dept")).text)

            async def post(
                target: str = path, c: httpx.AsyncClient = client, t: str = token
            ) -> httpx.Response:
                return await c.post(target, data={"csrf": t, **fields})

            async def mutate(w: str = who) -> dict[str, Any]:
                response = await api.post(
                    "/graphql",
                    json={"query": text, "variables": {"id": to_base64("Objection", pk)}},
                    headers={"Authorization": f"Bearer {world.tokens[w]}"},
                )
                payload: dict[str, Any] = response.json()["data"]["r"]
                return payload

            web = await in_savepoint(session, post)
            via_api = await in_savepoint(session, mutate)
            if web.status_code == 303:
                got = ("ok", "")
            elif web.status_code == 404:
                got = ("NotFoundError", "")
                missing = await in_savepoint(
                    session,
                    lambda c=client, t=token: c.post(
                        f"/dept/objections/100000000/{name}", data={"csrf": t, **fields}
                    ),
                )
                assert missing.status_code == 404 and _main(missing.text) == _main(web.text), who
            else:
                assert web.status_code == 400, (who, web.status_code, web.text[:300])
                got = ("error", refusal_code(web.text)[0])
            typename = via_api["__typename"]
            expected = (
                ("ok", "")
                if "Error" not in typename
                else ("NotFoundError", "")
                if typename == "NotFoundError"
                else ("error", via_api["code"])
            )
            outcomes[who] = got
            assert got == expected, (who, got, via_api)
        assert ("ok", "") in outcomes.values()
        # An entity's session and no session at all never reach the use case.
        entity = await _signed_in_entity(session, world, b, await _owner(session, world, "rA_pub"))
        token = csrf_of((await entity.get("/my")).text)
        assert (await entity.post(path, data={"csrf": token, **fields})).status_code == 404
        nobody = b.new()
        token = csrf_of((await nobody.get("/dept/sign-in")).text)
        assert (await nobody.post(path, data={"csrf": token, **fields})).status_code == 403
        # And a signed-in department without the form token: refused, nothing done.
        clerk = await signed_in(b, world, "a_reviewer")
        assert (await clerk.post(path, data=fields)).status_code == 403
