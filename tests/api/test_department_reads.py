"""Department-only reads, plan lateness, and `gongshi draw verify`."""

from __future__ import annotations

import asyncio
from datetime import date
from pathlib import Path

import httpx
import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from strawberry import relay
from strawberry.relay import to_base64

from api.cli import main
from api.settings import Settings
from inspections import plans
from schema.db import make_engine, make_sessionmaker
from schema.migrate import upgrade
from schema.models import Draw, DrawEntry, Entity
from tests import factories
from tests.api.world import build_world
from tests.factories import TEST


async def test_draw_preview_and_late_results_answer_departments_only(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    world = await build_world(session)
    preview = "query($t: ID!) { drawPreview(taskId: $t) { __typename ... on DrawPreviewRecord { candidateCount strata { sampleSize } excluded { creditCode details } } ... on UserError { code } } }"
    variables = {"t": to_base64("Task", world.ids["task_fresh"])}
    mine = (
        await client.post(
            "/graphql", json={"query": preview, "variables": variables}, headers=world.auth("a_clerk")
        )
    ).json()
    assert mine["data"]["drawPreview"]["candidateCount"] == 5
    assert mine["data"]["drawPreview"]["strata"] == [{"sampleSize": 5}]
    for caller in ("public", "entity", "c_clerk"):
        other = (
            await client.post(
                "/graphql", json={"query": preview, "variables": variables}, headers=world.auth(caller)
            )
        ).json()
        assert other["data"]["drawPreview"] == {"__typename": "NotFoundError", "code": "TASK_NOT_FOUND"}

    late = "{ lateResults { __typename ... on LateResults { unpublished { id status publicationDue } publishedLate { id } } ... on UserError { code } } }"
    answer = (await client.post("/graphql", json={"query": late}, headers=world.auth("a_reviewer"))).json()[
        "data"
    ]["lateResults"]
    # A's draft and under-review results of 2021 were due 2021-12-14 and are still unpublished.
    unpublished = {r["id"] for r in answer["unpublished"]}
    assert unpublished == {to_base64("DepartmentResult", world.ids[k]) for k in ("rA_draft", "rA_review")}
    assert {r["publicationDue"] for r in answer["unpublished"]} == {"2021-12-14"}
    assert answer["publishedLate"] == []  # published 2021-12-01, before the due date
    refused = (await client.post("/graphql", json={"query": late})).json()["data"]["lateResults"]
    assert refused == {"__typename": "PermissionDeniedError", "code": "DEPARTMENT_ONLY"}


async def test_plan_published_after_the_jurisdictions_deadline_is_flagged(session: AsyncSession) -> None:
    settings = Settings()
    # seed 001 art.7 (河南, 41): end of February; seed 002 art.6 (云南, 53): end of March.
    assert settings.plan_deadline("410481", 2024) == date(2024, 2, 29)
    assert settings.plan_deadline("410481", 2025) == date(2025, 2, 28)
    assert settings.plan_deadline("530427", 2025) == date(2025, 3, 31)
    department = await factories.department(session, "舞钢市市场监督管理局", "410481")
    plan = await plans.create_plan(
        session, by=TEST, department_id=department.id, year=2025, title="2025年度计划"
    )
    published = await plans.publish_plan(
        session,
        by=TEST,
        plan_id=plan.id,
        today=date(2025, 3, 3),
        deadline=settings.plan_deadline("410481", 2025),
    )
    assert published.published_late is True and published.publication_deadline == date(2025, 2, 28)


def test_plan_deadlines_setting_is_parsed_and_checked() -> None:
    settings = Settings.from_env({"GONGSHI_PLAN_DEADLINES": "*=02-28,53=03-31"})
    assert settings.plan_deadline("130300", 2025) == date(2025, 2, 28)
    assert settings.plan_deadline("532325", 2025) == date(2025, 3, 31)
    with pytest.raises(SystemExit, match="GONGSHI_PLAN_DEADLINES"):
        Settings.from_env({"GONGSHI_PLAN_DEADLINES": "53=13-40"})


async def _drawn_task(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, *, entities: int
) -> tuple[factories.JointTask, str, list[str]]:
    """A drawn task in a database of its own (the CLI opens it): the task, its platform nonce, the drawn codes."""
    url = f"sqlite+aiosqlite:///{tmp_path / 'verify.db'}"
    monkeypatch.setenv("DATABASE_URL", url)
    await asyncio.to_thread(upgrade, url)
    engine = make_engine(url)
    try:
        async with make_sessionmaker(engine)() as session, session.begin():
            joint = await factories.joint_task(session, entities=entities, publish=False)
            draw = await session.scalar(select(Draw).where(Draw.task_id == joint.task.id))
            assert draw is not None and draw.platform_nonce is not None
            recorded = list(
                await session.scalars(
                    select(Entity.credit_code)
                    .join(DrawEntry, DrawEntry.entity_id == Entity.id)
                    .where(DrawEntry.draw_id == draw.id)
                    .order_by(DrawEntry.position)
                )
            )
            return joint, draw.platform_nonce, recorded
    finally:
        await engine.dispose()


async def test_draw_verify_command(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    joint, nonce, recorded = await _drawn_task(tmp_path, monkeypatch, entities=4)
    task_id = joint.task.id
    assert await asyncio.to_thread(main, ["draw", "verify", "--task", str(task_id)]) == 0
    out = capsys.readouterr().out
    assert out.count("OK") == 4 and "FAIL" not in out
    # Anyone with the published list, the seed and the platform nonce gets the same entities.
    listing = tmp_path / "candidates.txt"
    codes = sorted(e.credit_code for e in joint.entities)
    listing.write_text("\n".join(f"1\t{code}" for code in codes), encoding="utf-8")
    args = [
        "draw",
        "verify",
        "--candidates",
        str(listing),
        "--seed",
        "test-seed-0123456789abcdef",
        "--platform-nonce",
        nonce,
        "--ratio",
        "1=100%",
    ]
    assert await asyncio.to_thread(main, args) == 0
    answer = capsys.readouterr()
    drawn = [line.split("\t")[1] for line in answer.out.strip().splitlines()]
    assert drawn == recorded and len(drawn) == 4
    assert "# 算法 gongshi-draw-v2" in answer.err


async def test_draw_verify_refuses_what_would_print_another_list(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """A typo, a missing stratum or a missing nonce is one Chinese line and exit 2, never a list."""
    joint, nonce, recorded = await _drawn_task(tmp_path, monkeypatch, entities=5)
    task_id = joint.task.id
    listing = tmp_path / "candidates.txt"
    listing.write_text(
        "\n".join(f"1\t{code}" for code in sorted(e.credit_code for e in joint.entities)), encoding="utf-8"
    )
    base = ["draw", "verify", "--candidates", str(listing), "--seed", "test-seed-0123456789abcdef"]
    task_gid = relay.GlobalID("Task", str(task_id))
    refusals = {
        "typo": ([*base, "--platform-nonce", nonce, "--ratio", "1=1o%"], "百分比不是数字"),
        "basis points": ([*base, "--platform-nonce", nonce, "--ratio", "1=10000"], "0%（不含）到100%"),
        "no nonce": ([*base, "--ratio", "1=100%"], "平台随机数"),
        "no ratio": ([*base, "--platform-nonce", nonce], "缺少其抽查比例"),
        "unknown stratum": (
            [*base, "--platform-nonce", nonce, "--ratio", "1=100", "--ratio", "2=5"],
            "没有第2层",
        ),
        "name without task": ([*base, "--platform-nonce", nonce, "--ratio", "二手车经营主体=100"], "--task"),
        "bad id": (["draw", "verify", "--task", "VGFzazp4"], "--task"),
    }
    for name, (args, words) in refusals.items():
        assert await asyncio.to_thread(main, args) == 2, name
        answer = capsys.readouterr()
        assert answer.out == "", name
        lines = answer.err.strip().splitlines()
        assert len(lines) == 1 and words in lines[0] and "Traceback" not in answer.err, (name, answer.err)
    # The API's global ID and the stratum's name, as the API shows them, reproduce the drawn list.
    args = [*base, "--platform-nonce", nonce, "--task", str(task_gid), "--ratio", "二手车经营主体=100"]
    assert await asyncio.to_thread(main, args) == 0
    assert [line.split("\t")[1] for line in capsys.readouterr().out.strip().splitlines()] == recorded
    assert await asyncio.to_thread(main, ["draw", "verify", "--task", str(task_gid)]) == 0
    assert "FAIL" not in capsys.readouterr().out
