"""The new objection and follow-up lists and the evidence route against every caller (issue 14
points 4, 5 and 11), and the follow-up journey from the list to the public enforcement outcome.

The world (tests/api/world.py): A initiates, B participates, C is unrelated. Its inspections ended
Tue 2021-11-16, so a transfer was due Thu 2021-11-25 (seed 001 art.20(3), 7 working days: Nov 17-19
3, 22-25 7); on Fri 2021-12-10 that is 11 working days late (Nov 26 1, Nov 29-Dec 3 6, Dec 6-10 11).
"""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from inspections.tokens import issue_token
from objections import workflow
from objections.storage import EvidenceFile
from schema.enums import ObjectionDecision
from schema.models import AuditEvent, Entity, InspectionResult
from tests import factories
from tests.api.conftest import app_client
from tests.api.roles import Case, gid
from tests.api.world import CALLERS, World, build_world
from tests.factories import CALENDAR, TEST
from workdays import CHINA_TZ

# No new mutation here (test_mutation_roles collects every *_roles module's CASES): the queries and
# the download route get their own every-caller matrices below.
CASES: list[Case] = []
NOW = datetime(2021, 12, 10, 10, 0, tzinfo=CHINA_TZ)
PDF = b"%PDF-1.4 evidence of the world"
OBJECTION_WORK = """{ objectionWorkList { __typename ... on ObjectionWorkList { entries { action objection { id } } }
  ... on UserError { code message } } }"""
FOLLOW_UP_WORK = """{ followUpWorkList { __typename ... on FollowUpWorkList { totalCount hasNextPage entries {
  action due dueProvisional remainingWorkingDays overdue result { id status categoryCodes } followUp { id outcome } } }
  ... on UserError { code message } } }"""
PUBLIC = """query($id: ID!) { result(id: $id) { publicationDue publicationDueProvisional
  enforcementOutcome { transferredTo transferredOn outcome outcomeOn } } }"""


async def _objection(session: AsyncSession, world: World, tmp: Path, key: str, then: str) -> int:
    result = await session.get(InspectionResult, world.ids[key])
    assert result is not None
    objection = await factories.objection(
        session, result, f"roles-{key}", storage_dir=tmp, evidence=[EvidenceFile("证明.pdf", PDF)]
    )
    if then == "filed":
        return objection.id
    await workflow.receive(session, by=TEST, objection_id=objection.id, today=date(2021, 12, 6))
    decision = ObjectionDecision.UPHELD if then == "upheld" else ObjectionDecision.MAINTAINED
    await workflow.decide(
        session,
        by=TEST,
        objection_id=objection.id,
        decision=decision,
        reasons="复查结论",
        decided_on=date(2021, 12, 8),
        today=date(2021, 12, 8),
        calendar=CALENDAR,
    )
    return objection.id


async def _owner_token(session: AsyncSession, world: World, key: str) -> str:
    owner = await session.scalar(
        select(Entity)
        .join(InspectionResult, InspectionResult.entity_id == Entity.id)
        .where(InspectionResult.id == world.ids[key])
    )
    assert owner is not None
    return (
        await issue_token(session, actor="test", holder_name="企业", entity_credit_code=owner.credit_code)
    ).secret


async def _post(client: Any, world: World, who: str, query: str, **variables: Any) -> dict[str, Any]:
    response = await client.post(
        "/graphql", json={"query": query, "variables": variables}, headers=world.auth(who)
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert "errors" not in body, body
    data: dict[str, Any] = body["data"]
    return data


async def test_objection_work_list_for_every_caller(
    session: AsyncSession, engine: AsyncEngine, tmp_path: Path
) -> None:
    world = await build_world(session)
    o1 = gid("Objection", await _objection(session, world, tmp_path, "rB_pub", "upheld"))  # B's result
    o2 = gid("Objection", await _objection(session, world, tmp_path, "rA_pub2", "filed"))
    o3 = gid("Objection", await _objection(session, world, tmp_path, "rA_pub", "maintained"))
    await session.flush()
    expected: dict[str, Any] = {
        "a_clerk": [("RECEIVE", o2)],
        "a_admin": [("RECEIVE", o2)],
        "a_reviewer": sorted([("RECEIVE", o2), ("ANSWER", o3)]),
        "a_head": [("ANSWER", o3)],
        "b_head": [("CORRECT", o1)],  # the owning department's head corrects (001 art.22)
        **{
            who: []
            for who in ("b_clerk", "b_reviewer", "b_admin", "c_clerk", "c_reviewer", "c_head", "c_admin")
        },
    }
    async with app_client(session, engine, clock=lambda: NOW, evidence_dir=str(tmp_path)) as client:
        for who in CALLERS:
            payload = (await _post(client, world, who, OBJECTION_WORK))["objectionWorkList"]
            if who in ("public", "entity"):
                assert payload == {
                    "__typename": "PermissionDeniedError",
                    "code": "DEPARTMENT_ONLY",
                    "message": "此操作仅限部门用户",
                }, who
                continue
            assert payload["__typename"] == "ObjectionWorkList", who
            got = sorted((e["action"], e["objection"]["id"]) for e in payload["entries"])
            assert got == sorted(expected[who]), who


async def test_evidence_route_for_every_caller(
    session: AsyncSession, engine: AsyncEngine, tmp_path: Path
) -> None:
    world = await build_world(session)
    # The objection is to B's result of A's task: A initiates, B owns; the entity of inspection 2 filed it.
    await _objection(session, world, tmp_path, "rB_pub", "filed")
    world.tokens["entity"] = await _owner_token(session, world, "rB_pub")
    owner = await session.get(InspectionResult, world.ids["rB_pub"])
    assert owner is not None
    other = next(e for e in world.entities if e.id != owner.entity_id)  # an entity, not a party
    world.tokens["stranger"] = (
        await issue_token(session, actor="test", holder_name="他人", entity_credit_code=other.credit_code)
    ).secret
    await session.flush()
    async with app_client(session, engine, clock=lambda: NOW, evidence_dir=str(tmp_path)) as client:
        listed = await _post(
            client,
            world,
            "entity",
            "{ myObjections { ... on ObjectionList { objections { evidence { downloadUrl sha256 } } } } }",
        )
        [[evidence]] = [o["evidence"] for o in listed["myObjections"]["objections"]]
        url = evidence["downloadUrl"]
        invented = await client.get("/objections/evidence/99999999", headers=world.auth("a_clerk"))
        assert invented.status_code == 404
        parties = ("entity", *(f"{d}_{r}" for d in "ab" for r in ("clerk", "reviewer", "head", "admin")))
        for who in (*CALLERS, "stranger"):
            response = await client.get(url, headers=world.auth(who))
            if who in parties:
                assert (response.status_code, response.content) == (200, PDF), who
            else:
                assert (response.status_code, response.content) == (404, invented.content), who
        # A token nobody issued is an authentication failure, as on every other route.
        bogus = await client.get(url, headers={"Authorization": "Bearer gs_nobody"})
        assert bogus.status_code == 401
    downloads = await session.scalar(
        select(func.count()).select_from(AuditEvent).where(AuditEvent.action == "objection.evidence.download")
    )
    assert downloads == len(parties)


async def test_follow_ups_worked_from_the_list_and_the_outcome_made_public(
    session: AsyncSession, engine: AsyncEngine
) -> None:
    world = await build_world(session)
    await session.flush()
    ids = {k: gid("InspectionResult", v) for k, v in world.ids.items() if k.startswith("r")}
    # The work list shows the department view of each result (DepartmentResult), the public the other.
    views = {k: gid("DepartmentResult", v) for k, v in world.ids.items() if k.startswith("r")}
    async with app_client(session, engine, clock=lambda: NOW) as client:
        for who in CALLERS:
            payload = (await _post(client, world, who, FOLLOW_UP_WORK))["followUpWorkList"]
            if who in ("public", "entity"):
                assert (payload["__typename"], payload["code"]) == (
                    "PermissionDeniedError",
                    "DEPARTMENT_ONLY",
                ), who
            elif who.startswith("c_"):
                assert (payload["totalCount"], payload["entries"]) == (0, []), who
        # B: every result with a problem category and no transfer, whatever its status.
        b = (await _post(client, world, "b_reviewer", FOLLOW_UP_WORK))["followUpWorkList"]
        assert sorted(
            (e["action"], e["result"]["id"], e["result"]["status"]) for e in b["entries"]
        ) == sorted(
            [
                ("TRANSFER", views["rB_review"], "UNDER_REVIEW"),
                ("TRANSFER", views["rB_pub"], "PUBLISHED"),
                ("TRANSFER", views["rB_returned"], "RETURNED"),
            ]
        )
        # A's clerk: rA_pub2 to transfer (late), rA_pub's transfer awaiting its outcome.
        a = (await _post(client, world, "a_clerk", FOLLOW_UP_WORK))["followUpWorkList"]
        assert (a["totalCount"], a["hasNextPage"]) == (2, False)
        transfer, outcome = a["entries"]
        assert transfer == {
            "action": "TRANSFER",
            "due": "2021-11-25",
            "dueProvisional": False,
            "remainingWorkingDays": -11,
            "overdue": True,
            "result": {"id": views["rA_pub2"], "status": "PUBLISHED", "categoryCodes": ["UNDISCLOSED_INFO"]},
            "followUp": None,
        }
        assert outcome == {
            "action": "OUTCOME",
            "due": None,
            "dueProvisional": False,
            "remainingWorkingDays": None,
            "overdue": False,
            "result": {"id": views["rA_pub"], "status": "PUBLISHED", "categoryCodes": ["PENDING_FOLLOW_UP"]},
            "followUp": {"id": gid("FollowUp", world.ids["follow_up"]), "outcome": None},
        }
        # Transfer from the list; the entry turns into an outcome to record, with its follow-up ID.
        done = await _post(
            client,
            world,
            "a_clerk",
            """mutation($r: ID!) { recordTransfer(resultId: $r, authority: "姚安县市场监督管理局", transferredOn: "2021-12-09")
              { __typename ... on FollowUpRecord { late } } }""",
            r=transfer["result"]["id"],
        )
        assert done["recordTransfer"] == {"__typename": "FollowUpRecord", "late": True}
        a = (await _post(client, world, "a_clerk", FOLLOW_UP_WORK))["followUpWorkList"]
        assert [(e["action"], e["result"]["id"]) for e in a["entries"]] == [
            ("OUTCOME", views["rA_pub"]),
            ("OUTCOME", views["rA_pub2"]),
        ]
        before = await _post(client, world, "public", PUBLIC, id=ids["rA_pub2"])
        assert before["result"] == {
            "publicationDue": "2021-12-14",
            "publicationDueProvisional": False,
            "enforcementOutcome": None,
        }
        record = """mutation($f: ID!) { recordFollowUpOutcome(followUpId: $f, outcome: "已责令限期公示并处警告", on: "2021-12-10")
          { __typename } }"""
        follow_up_id = a["entries"][1]["followUp"]["id"]
        assert (await _post(client, world, "a_clerk", record, f=follow_up_id))["recordFollowUpOutcome"] == {
            "__typename": "FollowUpRecord"
        }
        a = (await _post(client, world, "a_clerk", FOLLOW_UP_WORK))["followUpWorkList"]
        assert [(e["action"], e["result"]["id"]) for e in a["entries"]] == [("OUTCOME", views["rA_pub"])]
        after = await _post(client, world, "public", PUBLIC, id=ids["rA_pub2"])
        assert after["result"] == {
            "publicationDue": "2021-12-14",
            "publicationDueProvisional": False,
            "enforcementOutcome": {
                "transferredTo": "姚安县市场监督管理局",
                "transferredOn": "2021-12-09",
                "outcome": "已责令限期公示并处警告",
                "outcomeOn": "2021-12-10",
            },
        }
        # Transferred but no outcome yet: nothing public.
        pending = await _post(client, world, "public", PUBLIC, id=ids["rA_pub"])
        assert pending["result"]["enforcementOutcome"] is None
        # The website shows it on the result and the entity pages.
        page = await client.get(f"/results/{world.ids['rA_pub2']}")
        assert page.status_code == 200
        assert "已责令限期公示并处警告" in page.text and "姚安县市场监督管理局" in page.text
