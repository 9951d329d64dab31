"""The entity's workspace (issue 16): from the 告知书's activation code to a filed objection and its state.

Every step starts from what the entity sees: the sign-in form, the list of its results, the links
on each page. Dates: results published Wed 2021-12-01; the entity acts on Mon 2021-12-06 (10:00 in
China). The review clock: 20 working days from 2021-12-06 → 2022-01-04 (Dec 7-31 hold 19 working
days; Jan 1-3 are the New Year holiday, 国办发明电〔2021〕11号; Tue Jan 4 is the 20th), so 20
working days are left on the filing day. The filing window: 60 days from Dec 1 is Sun 2022-01-30,
a make-up working day (调休上班) in that notice, so no roll-over.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from pathlib import Path

import httpx
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from inspections import activation
from inspections.principals import Role, department_user
from objections import clocks, workflow
from schema.enums import ObjectionDecision
from schema.models import AuditEvent, InspectionResult, Objection, ObjectionEvidence
from tests.api.world import ROLES, World, build_world
from tests.factories import CALENDAR
from tests.web.workspace import (
    Browsers,
    browsers,
    csrf_of,
    department_signs_in,
    entity_signs_in,
    refusal_code,
)

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


async def _signed_in_entity(session: AsyncSession, world: World, b: Browsers, n: int) -> httpx.AsyncClient:
    made = await activation.issue_activation_code(
        session,
        by=department_user(world.b.id, Role.CLERK, "录入员"),
        entity_credit_code=world.entities[n].credit_code,
        valid_days=30,
        now=b.clock.now,
    )
    await session.flush()
    client = b.new()
    assert (await entity_signs_in(client, world.entities[n].credit_code, made.code)).status_code == 200
    return client


async def _owner(session: AsyncSession, world: World, result: str) -> int:
    """Which of the world's entities a result is about (the draw decides the order of inspections)."""
    row = await session.get(InspectionResult, world.ids[result])
    assert row is not None
    return next(n for n, e in enumerate(world.entities) if e.id == row.entity_id)


async def _stranger(session: AsyncSession, world: World) -> int:
    """An entity with no published result of rA_pub's."""
    owner = await _owner(session, world, "rA_pub")
    return next(n for n in range(len(world.entities)) if n != owner)


def _links(html: str, pattern: str) -> list[str]:
    return re.findall(rf'href="({pattern})"', html)


async def _file(
    client: httpx.AsyncClient,
    form_path: str,
    files: list[tuple[str, bytes, str]],
    grounds: str = "住所可以联系，检查当日店铺正常营业",
) -> tuple[httpx.Response, str]:
    form = await client.get(form_path)
    assert form.status_code == 200, form.text[:500]
    key = re.search(r'name="idempotencyKey" value="([^"]+)"', form.text)
    assert key
    data = {"csrf": csrf_of(form.text), "idempotencyKey": key.group(1), "grounds": grounds}
    upload = [("evidence", f) for f in files]
    return await client.post(form_path, data=data, files=upload), key.group(1)


async def test_an_entity_from_activation_code_to_a_filed_objection_and_its_state(
    session: AsyncSession, engine: AsyncEngine, tmp_path: Path
) -> None:
    world = await build_world(session)
    b: Browsers
    async with browsers(session, engine, evidence_dir=str(tmp_path)) as b:
        b.clock.now = b.clock.now.replace(hour=2)  # 10:00 in China, Mon 2021-12-06
        n = await _owner(session, world, "rA_pub")
        shop = await _signed_in_entity(session, world, b, n)
        home = await shop.get("/my")
        assert home.status_code == 200
        assert world.entities[n].name in home.text
        results = _links(home.text, r"/my/results/\d+")
        assert sorted(int(r.rsplit("/", 1)[1]) for r in results) == sorted(
            [world.ids["rA_pub"], world.ids["rB_pub"]]
        )
        target = f"/my/results/{world.ids['rA_pub']}"
        page = await shop.get(target)
        assert "异议期限" in page.text and "2022-01-30" in page.text  # 60 days from 2021-12-01, a Sunday
        [form_path] = _links(page.text, r"/my/results/\d+/objection")
        filed, key = await _file(
            shop, form_path, [("营业执照.pdf", PDF, "application/pdf"), ("门店照片.png", PNG, "image/png")]
        )
        assert filed.status_code == 303
        confirmation = await shop.get(filed.headers["location"])
        assert "异议已提交（2021-12-06）" in confirmation.text
        assert "截止 2022-01-04" in confirmation.text
        assert '<dd id="state">已提交</dd>' in confirmation.text
        assert "剩余 20 个工作日" in confirmation.text
        # The same form posted again (a double click, a reload): filed once, same page.
        form = await shop.get(form_path)
        again = await shop.post(
            form_path,
            data={
                "csrf": csrf_of(form.text),
                "idempotencyKey": key,
                "grounds": "住所可以联系，检查当日店铺正常营业",
            },
            files=[("evidence", ("营业执照.pdf", PDF, "application/pdf"))],
        )
        assert again.status_code == 303 and again.headers["location"] == filed.headers["location"]
        rows = list(
            await session.scalars(select(Objection).where(Objection.entity_id == world.entities[n].id))
        )
        assert len(rows) == 1
        assert (rows[0].result_id, rows[0].state.value, rows[0].grounds) == (
            world.ids["rA_pub"],
            "filed",
            "住所可以联系，检查当日店铺正常营业",
        )
        audit = await session.scalar(
            select(AuditEvent.actor).where(
                AuditEvent.action == "objection.filed", AuditEvent.object_id == str(rows[0].id)
            )
        )
        assert audit == f"entity:{world.entities[n].id}:王经办"
        # My objections lists it; its page links both files, which download as uploaded.
        listing = await shop.get("/my/objections")
        [detail] = _links(listing.text, r"/my/objections/\d+")
        assert detail == filed.headers["location"].split("?")[0]
        assert "复查期限 2022-01-04" in listing.text and "<td>20</td>" in listing.text
        shown = await shop.get(detail)
        downloads = _links(shown.text, r"/my/objections/\d+/evidence/\d+")
        assert len(downloads) == 2
        got = [await shop.get(d) for d in downloads]
        assert [g.content for g in got] == [PDF, PNG]
        assert [g.headers["content-type"] for g in got] == ["application/pdf", "image/png"]
        assert "营业执照.pdf" in shown.text and "门店照片.png" in shown.text
        # The result page now says an objection is under way and offers no second one.
        assert "这条结果已有正在处理的异议" in (await shop.get(target)).text


async def test_another_entitys_pages_answer_like_missing_ones(
    session: AsyncSession, engine: AsyncEngine, tmp_path: Path
) -> None:
    world = await build_world(session)
    async with browsers(session, engine, evidence_dir=str(tmp_path)) as b:
        owner = await _signed_in_entity(session, world, b, await _owner(session, world, "rA_pub"))
        filed, _ = await _file(
            owner, f"/my/results/{world.ids['rA_pub']}/objection", [("a.pdf", PDF, "application/pdf")]
        )
        detail = filed.headers["location"].split("?")[0]
        evidence = _links((await owner.get(detail)).text, r"/my/objections/\d+/evidence/\d+")[0]
        other = await _signed_in_entity(session, world, b, await _stranger(session, world))
        pairs = [
            (f"/my/results/{world.ids['rA_pub']}", "/my/results/100000000"),
            (f"/my/results/{world.ids['rA_pub']}/objection", "/my/results/100000000/objection"),
            (detail, "/my/objections/100000000"),
            (evidence, re.sub(r"/evidence/\d+", "/evidence/100000000", evidence)),
        ]
        for theirs, missing in pairs:
            a, m = await other.get(theirs), await other.get(missing)
            assert a.status_code == m.status_code == 404, theirs
            assert _main(a.text) == _main(m.text), theirs
        # A published result that is not the entity's, and an unpublished one.
        for pk in (world.ids["rA_pub2"], world.ids["rA_draft"]):
            assert (await owner.get(f"/my/results/{pk}")).status_code == 404


def _stored(root: Path) -> list[Path]:
    """Evidence files the storage holds (its lock file aside)."""
    return [p for p in root.rglob("*") if p.is_file() and p.name != ".lock"]


def _main(html: str) -> str:
    return html[html.index("<main") : html.index("</main>")]


async def test_uploads_over_the_limits_are_refused_before_anything_is_stored(
    session: AsyncSession, engine: AsyncEngine, tmp_path: Path
) -> None:
    world = await build_world(session)
    async with browsers(
        session, engine, evidence_dir=str(tmp_path), evidence_max_bytes=1000, evidence_max_files=2
    ) as b:
        n = await _owner(session, world, "rA_pub")
        shop = await _signed_in_entity(session, world, b, n)
        path = f"/my/results/{world.ids['rA_pub']}/objection"
        form = await shop.get(path)
        assert "最多 2 个" in form.text  # the limits, shown before anything is uploaded
        big = PDF + b"0" * 1000
        cases = [
            ([("big.pdf", big, "application/pdf")], 400, "EVIDENCE_TOO_LARGE"),
            ([("a.pdf", PDF, "application/pdf")] * 3, 400, "EVIDENCE_TOO_MANY"),
            ([("a.pdf", PDF, "application/pdf")] * 4, 400, "FORM_INVALID"),
            ([("a.exe", b"MZ\x90\x00", "application/pdf")], 400, "EVIDENCE_TYPE"),
        ]
        for files, status, code in cases:
            response, _ = await _file(shop, path, files)
            assert response.status_code == status, (code, response.text[:300])
            assert code in refusal_code(response.text)
        assert _stored(tmp_path) == []
        assert await session.scalar(select(func.count()).select_from(Objection)) == 0
        assert await session.scalar(select(func.count()).select_from(ObjectionEvidence)) == 0


async def test_the_objection_form_post_against_every_caller(
    session: AsyncSession, engine: AsyncEngine, tmp_path: Path
) -> None:
    """The role matrix for the form post: only the result's own entity files; everyone else is refused."""
    world = await build_world(session)
    async with browsers(session, engine, evidence_dir=str(tmp_path)) as b:
        path = f"/my/results/{world.ids['rA_pub']}/objection"
        callers: dict[str, httpx.AsyncClient] = {"public": b.new()}
        callers["entity (another)"] = await _signed_in_entity(
            session, world, b, await _stranger(session, world)
        )
        for letter in "abc":
            for role in ROLES:
                client = b.new()
                await department_signs_in(client, world.tokens[f"{letter}_{role.value}"])
                callers[f"{letter}_{role.value}"] = client
        owner = await _signed_in_entity(session, world, b, await _owner(session, world, "rA_pub"))
        token = csrf_of((await owner.get(path)).text)
        outcomes = {}
        for name, client in callers.items():
            page = await client.get("/account/sessions" if name != "public" else "/my/sign-in")
            mine = csrf_of(page.text)
            response = await client.post(
                path, data={"csrf": mine, "idempotencyKey": f"key-{name}-0123456789", "grounds": "理由"}
            )
            outcomes[name] = response.status_code
            # The owner's form token does not help anyone else.
            stolen = await client.post(
                path, data={"csrf": token, "idempotencyKey": "stolen-0123456789", "grounds": "理由"}
            )
            assert stolen.status_code in (403, 404), name
        assert outcomes == {name: (403 if name == "public" else 404) for name in callers}
        assert await session.scalar(select(func.count()).select_from(Objection)) == 0
        ok = await owner.post(
            path, data={"csrf": token, "idempotencyKey": "owner-0123456789", "grounds": "理由"}
        )
        assert ok.status_code == 303
        assert await session.scalar(select(func.count()).select_from(Objection)) == 1


async def test_the_entity_reads_every_step_the_decision_and_the_answer_with_its_remedies(
    session: AsyncSession, engine: AsyncEngine, tmp_path: Path
) -> None:
    """Filed Mon 2021-12-06; received Tue 12-07; reviewed and maintained Fri 12-10; answered Mon 12-13. The answer clock:
    15 working days from Fri 12-10 → Fri 2021-12-31 (Dec 13-17, 20-24, 27-31)."""
    world = await build_world(session)
    # A week of following one objection: sessions that last it (a setting).
    settings = {"session_hours": 24 * 10, "session_idle_minutes": 60 * 24 * 10}
    async with browsers(session, engine, evidence_dir=str(tmp_path), **settings) as b:
        shop = await _signed_in_entity(session, world, b, await _owner(session, world, "rA_pub"))
        filed, _ = await _file(shop, f"/my/results/{world.ids['rA_pub']}/objection", [])
        detail = filed.headers["location"].split("?")[0]
        pk = int(detail.rsplit("/", 1)[1])
        reviewer = department_user(world.a.id, Role.REVIEWER, "审核员")
        await workflow.receive(session, by=reviewer, objection_id=pk, today=date(2021, 12, 7))
        await workflow.start_review(session, by=reviewer, objection_id=pk, today=date(2021, 12, 8))
        await workflow.decide(
            session,
            by=reviewer,
            objection_id=pk,
            decision=ObjectionDecision.MAINTAINED,
            reasons="现场记录显示住所无法联系",
            decided_on=date(2021, 12, 10),
            today=date(2021, 12, 10),
            calendar=CALENDAR,
        )
        b.clock.now = datetime(2021, 12, 10, 2, tzinfo=UTC)
        waiting = await shop.get(detail)
        assert '<dd id="state">维持原结果</dd>' in waiting.text
        assert "反馈期限</dt><dd>2021-12-31，剩余 15 个工作日" in waiting.text
        await workflow.answer(
            session, by=reviewer, objection_id=pk, text="经复查，维持原检查结果。", today=date(2021, 12, 13)
        )
        await session.flush()
        b.clock.now = datetime(2021, 12, 13, 2, tzinfo=UTC)
        answered = await shop.get(detail)
        steps = re.findall(r'<li><time datetime="([\d-]+)">[\d-]+</time> (\S+)</li>', answered.text)
        assert steps == [
            ("2021-12-06", "已提交"),
            ("2021-12-07", "已收到"),
            ("2021-12-08", "复查中"),
            ("2021-12-10", "维持原结果"),
            ("2021-12-13", "已反馈"),
        ]
        answer = re.search(r'<blockquote id="answer">(.*?)</blockquote>', answered.text, re.S)
        assert answer and answer.group(1) == "经复查，维持原检查结果。\n" + clocks.REMEDIES
        listing = await shop.get("/my/objections")
        assert "<td>已反馈</td>" in listing.text and "<td>—</td>" in listing.text
