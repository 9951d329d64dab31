"""The demo shows every flow (issue 14 point 6), as a newcomer meets it through the API.

Loaded as on Wed 2026-06-17 (China): a 姚安 joint task whose results were published in the last
weeks, under seed 004's 5 working days, so an entity can still object (seed 002 art.17: 60 days);
objections in every state; a result returned and revised; follow-ups with their outcomes; and a
秦皇岛 task held back under 不宜告知 whose drawn list the public cannot see.
"""

from __future__ import annotations

from collections import Counter
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession
from strawberry.relay import from_base64

from demo.dataset import load_demo
from demo.flows import RECENT_TASK, WITHHELD_TASK
from inspections.tokens import issue_token
from schema.enums import ObjectionState
from schema.models import AuditEvent, Entity, FollowUp, Objection
from tests.api.conftest import app_client
from workdays import CHINA_TZ

TODAY = date(2026, 6, 17)
TASKS = """{ tasks(year: 2026, first: 20) { edges { node { id name drawnListWithheld drawnEntities { creditCode }
  draw { seedSha256 seed platformNonce } publicationDeadline { source workingDays }
  resultSummary { published } } } } }"""
RESULTS = """query($t: ID!) { results(taskId: $t, first: 50) { totalCount edges { node { id publishedOn underObjection
  entity { creditCode } } } } }"""
FILE = """mutation($r: ID!) { fileObjection(resultId: $r, grounds: "检查当日情况与记录不符", idempotencyKey: "newcomer-0001") {
  __typename ... on UserError { errorCode message } } }"""


def _today(*_: Any) -> datetime:
    return datetime.combine(TODAY, datetime.min.time().replace(hour=10), tzinfo=CHINA_TZ)


async def test_a_newcomer_finds_every_flow(session: AsyncSession, engine: AsyncEngine) -> None:
    report = await load_demo(session, today=TODAY)
    assert report.created["recent tasks"] == 1 and report.created["withheld tasks"] == 1
    assert (await load_demo(session, today=TODAY + timedelta(days=3))).created == {}

    async with app_client(session, engine, clock=_today) as client:
        body = (await client.post("/graphql", json={"query": TASKS})).json()
        assert "errors" not in body, body
        tasks = {e["node"]["name"]: e["node"] for e in body["data"]["tasks"]["edges"]}
        recent, withheld = tasks[RECENT_TASK], tasks[WITHHELD_TASK]
        assert recent["publicationDeadline"] == {"source": "TASK", "workingDays": 5}
        assert recent["drawnListWithheld"] is False and recent["drawnEntities"]
        assert recent["resultSummary"]["published"] >= 8
        assert withheld["drawnListWithheld"] is True and withheld["drawnEntities"] == []
        assert withheld["draw"]["seedSha256"] and withheld["draw"]["seed"] is None
        assert withheld["draw"]["platformNonce"] is None and withheld["resultSummary"] == {"published": 0}

        found = (
            await client.post("/graphql", json={"query": RESULTS, "variables": {"t": recent["id"]}})
        ).json()
        edges = [e["node"] for e in found["data"]["results"]["edges"]]
        assert len(edges) == found["data"]["results"]["totalCount"] == recent["resultSummary"]["published"]
        for node in edges:  # published in the last 60 days: within the filing window
            assert TODAY - timedelta(days=60) < date.fromisoformat(node["publishedOn"]) <= TODAY
        # The entity of a result nobody has objected to files one (its token issued directly here;
        # the activation code path from the 告知书 is tests/api/test_inspection_forms.py).
        objected = set(await session.scalars(select(Objection.result_id)))
        free = next(n for n in edges if int(from_base64(n["id"])[1]) not in objected)
        assert free["underObjection"] is False
        entity = await session.scalar(
            select(Entity).where(Entity.credit_code == free["entity"]["creditCode"])
        )
        assert entity is not None
        token = (
            await issue_token(
                session, actor="test", holder_name="新用户", entity_credit_code=entity.credit_code
            )
        ).secret
        answer = await client.post(
            "/graphql",
            json={"query": FILE, "variables": {"r": free["id"]}},
            headers={"Authorization": f"Bearer {token}"},
        )
        filed = answer.json()["data"]["fileObjection"]
        assert filed == {"__typename": "ObjectionRecord"}, filed
        assert len(objected) == 8

    states = Counter(await session.scalars(select(Objection.state)))
    assert set(states) == set(ObjectionState) and states[ObjectionState.FILED] == 2
    outcomes = list(await session.scalars(select(FollowUp).where(FollowUp.outcome.is_not(None))))
    assert len(outcomes) >= 2
    revised = await session.scalar(select(AuditEvent.id).where(AuditEvent.action == "result.revise").limit(1))
    assert revised is not None
