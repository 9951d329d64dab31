"""The 《随机抽查联合检查记录表》 and the 《告知书》 as PDF (seed 002 art.13; issue 14 point 11).

A department finds each inspection's form addresses in its task's inspection list, downloads
them with its token, and the PDF's own text (read back with pypdf) says what the form must: the
entity, the task, the items, the team and results (记录表), the activation code (告知书), which
the entity then exchanges for its token. Strangers get the 404 an invented inspection gets.
"""

from __future__ import annotations

import io
import re
from typing import Any

import httpx
from pypdf import PdfReader
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from schema.models import AuditEvent
from tests.api.conftest import app_client
from tests.api.roles import gid
from tests.api.world import World, build_world

INSPECTIONS = """query($t: ID!) { taskInspections(taskId: $t) { ... on TaskInspectionPage { items {
  id entity { name creditCode } recordFormUrl noticeUrl team { inspectorName badgeNumber replaced } } } } }"""
REDEEM = """mutation($c: String!, $k: String!) { redeemActivationCode(creditCode: $c, code: $k, holderName: "经办人") {
  __typename ... on IssuedTokenRecord { token } ... on UserError { errorCode } } }"""


def text_of(pdf: bytes) -> str:
    """The PDF's text, without the spaces and NULs pypdf puts before CJK glyphs.

    (The file's ToUnicode map is right, <0001> -> U+968F; pypdf 7 emits a NUL before each glyph of
    a two-byte Identity-H font.)
    """
    assert pdf.startswith(b"%PDF-")
    reader = PdfReader(io.BytesIO(pdf))
    return re.sub(r"[\s\x00]+", "", "".join(page.extract_text() for page in reader.pages))


async def _inspections(client: httpx.AsyncClient, world: World, who: str) -> list[dict[str, Any]]:
    response = await client.post(
        "/graphql",
        json={"query": INSPECTIONS, "variables": {"t": gid("Task", world.task.id)}},
        headers=world.auth(who),
    )
    items: list[dict[str, Any]] = response.json()["data"]["taskInspections"]["items"]
    return items


async def test_record_form_from_the_task_list(client: httpx.AsyncClient, session: AsyncSession) -> None:
    world = await build_world(session)
    first = (await _inspections(client, world, "a_reviewer"))[0]
    assert first["entity"]["creditCode"] == world.entities[0].credit_code or first["entity"]["name"]
    response = await client.get(first["recordFormUrl"], headers=world.auth("a_reviewer"))
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/pdf"
    assert response.headers["cache-control"] == "private, no-store"
    text = text_of(response.content)
    for expected in (
        "随机抽查联合检查记录表",
        world.task.name,
        first["entity"]["name"],
        first["entity"]["creditCode"],
        world.a.name,
        world.b.name,
        "二手车经营备案检查",
        "二手车销售合同行为检查",
        "《二手车流通管理办法》",
        "2021-11-15",
        "2021-11-16",
        "未发现问题",  # both departments' results on this entity (the world's drafts)
        "被检查对象（当事人）签字或盖章",
    ):
        assert expected in text, expected
    current = [m for m in first["team"] if not m["replaced"]]
    assert len(current) >= 2
    for member in current:
        assert member["badgeNumber"] in text and member["inspectorName"] in text

    # A participating department's copy: its own members only.
    b_first = (await _inspections(client, world, "b_clerk"))[0]
    b_text = text_of((await client.get(b_first["recordFormUrl"], headers=world.auth("b_clerk"))).content)
    a_badges = [m["badgeNumber"] for m in current if m["badgeNumber"].startswith("A-")]
    b_badges = [m["badgeNumber"] for m in current if m["badgeNumber"].startswith("B-")]
    assert a_badges and b_badges
    assert all(b in b_text for b in b_badges) and not any(a in b_text for a in a_badges)
    assert "（本部门成员）" in b_text

    audited = list(
        await session.scalars(
            select(AuditEvent).where(AuditEvent.action == "inspection.record_form").order_by(AuditEvent.id)
        )
    )
    assert [(e.actor.split(":")[0], e.object_type) for e in audited][-2:] == [
        (audited[-2].actor.split(":")[0], "Inspection"),
        (audited[-1].actor.split(":")[0], "Inspection"),
    ]
    assert audited[-2].actor != audited[-1].actor

    # Everyone else, and an invented inspection: the same 404, body for body.
    invented = await client.get("/inspections/100000000/record-form.pdf", headers=world.auth("a_reviewer"))
    assert invented.status_code == 404
    for who in ("public", "entity", "c_clerk", "c_admin"):
        refused = await client.get(first["recordFormUrl"], headers=world.auth(who))
        assert (refused.status_code, refused.json()) == (404, invented.json()), who
    assert invented.json()["code"] == "INSPECTION_NOT_FOUND"


async def test_notice_carries_an_activation_code_the_entity_redeems(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    world = await build_world(session)
    first = (await _inspections(client, world, "a_clerk"))[0]
    response = await client.post(first["noticeUrl"] + "?validDays=30", headers=world.auth("b_clerk"))
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/pdf"
    text = text_of(response.content)
    for expected in (
        "“双随机、一公开”跨部门联合抽查告知书",
        first["entity"]["name"],
        first["entity"]["creditCode"],
        world.task.name,
        "二手车经营备案检查",
        "二手车销售合同行为检查",
        world.a.name,
        world.b.name,
        "2021-11-01至2021-11-30",
    ):
        assert expected in text, expected
    found = re.search(r"激活码：([0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4})", text)
    assert found is not None, text
    code = found.group(1)

    # The entity types the printed code: a token of its own, once.
    variables = {"c": first["entity"]["creditCode"], "k": code}
    redeemed = (await client.post("/graphql", json={"query": REDEEM, "variables": variables})).json()
    token = redeemed["data"]["redeemActivationCode"]["token"]
    assert token.startswith("gs_")
    me = await client.post(
        "/graphql",
        json={"query": "{ myTokens { ... on TokenList { tokens { holderName } } } }"},
        headers={"Authorization": f"Bearer {token}"},
    )
    assert me.status_code == 200 and "经办人" in me.text
    again = (await client.post("/graphql", json={"query": REDEEM, "variables": variables})).json()
    assert again["data"]["redeemActivationCode"] == {
        "__typename": "InvalidInputError",
        "errorCode": "ACTIVATION_CODE_INVALID",
    }
    [event] = list(await session.scalars(select(AuditEvent).where(AuditEvent.action == "inspection.notice")))
    assert event.object_id == str(int(event.object_id)) and event.after is not None
    assert set(event.after) == {"activationCode", "expiresAt"}

    # Reviewers and heads do not issue codes; strangers get the invented inspection's 404.
    for who in ("a_reviewer", "b_head"):
        refused = await client.post(first["noticeUrl"], headers=world.auth(who))
        assert (refused.status_code, refused.json()["code"]) == (403, "ROLE_REQUIRED"), who
    invented = await client.post("/inspections/100000000/notice.pdf", headers=world.auth("a_clerk"))
    assert invented.status_code == 404
    for who in ("public", "entity", "c_clerk"):
        refused = await client.post(first["noticeUrl"], headers=world.auth(who))
        assert (refused.status_code, refused.json()) == (404, invented.json()), who
    bad = await client.post(first["noticeUrl"] + "?validDays=999", headers=world.auth("a_clerk"))
    assert (bad.status_code, bad.json()["code"]) == (400, "VALIDITY_OUT_OF_RANGE")
    bad = await client.post(first["noticeUrl"] + "?validDays=x", headers=world.auth("a_clerk"))
    assert (bad.status_code, bad.json()["code"]) == (400, "VALIDITY_OUT_OF_RANGE")
    # A refused copy issued no code and wrote no audit row.
    assert (
        len(list(await session.scalars(select(AuditEvent).where(AuditEvent.action == "inspection.notice"))))
        == 1
    )
    get = await client.get(first["noticeUrl"], headers=world.auth("a_clerk"))
    assert get.status_code == 405


async def test_without_the_font_no_code_is_issued(session: AsyncSession, engine: AsyncEngine) -> None:
    world = await build_world(session)
    async with app_client(session, engine, cjk_font="/nonexistent/font.ttc") as client:
        first = (await _inspections(client, world, "a_clerk"))[0]
        refused = await client.post(first["noticeUrl"], headers=world.auth("a_clerk"))
        assert (refused.status_code, refused.json()["code"]) == (503, "FONT_MISSING")
        assert refused.json()["message"] == "服务器缺少中文字体，暂时无法生成文书"
    assert list(await session.scalars(select(AuditEvent).where(AuditEvent.action.like("activation.%")))) == []
