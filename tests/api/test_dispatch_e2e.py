"""Seed 003's flow through HTTP with real tokens: a city bureau draws once, each drawn entity goes to
the county bureau that registered it, which matches inspectors, inspects, enters and publishes.

Seed 003 三(一)-(二), 四(一)-(四); seed 001 art.13. Dates worked out by hand from 国务院办公厅关于
2021年部分节假日安排的通知（国办发明电〔2020〕27号）: 劳动节 5月1日至5日放假，5月8日（星期六）上班;
端午节 6月12日至14日放假.

- Dispatched on Friday 2021-04-30, the 5 working days are 5/6, 5/7, 5/8 (the make-up Saturday),
  5/10 and 5/11: inspectors must be matched by **2021-05-11**; on 5/10 one working day is left,
  on 5/12 the clock is one working day past.
- Inspections ending Wednesday 2021-05-19 are published within 20 working days: 5/20-5/21 (2),
  5/24-5/28 (7), 5/31-6/4 (12), 6/7-6/11 (17), then past 端午 6/15, 6/16, 6/17: **2021-06-17**.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Callable
from datetime import date, datetime
from typing import Any

import httpx
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession
from strawberry.relay import from_base64, to_base64

from inspections import directory, dispatch
from inspections.calendar import load_calendar
from inspections.principals import Role
from inspections.tokens import issue_token
from schema.enums import DepartmentLevel, EntityKind, EntityType
from schema.models import Department, Entity, Reminder
from tests.api.conftest import app_client
from tests.conftest import table_counts
from tests.factories import TEST, unique_code
from workdays import CHINA_TZ

ERR = "... on UserError { code message }"
ITEM = (
    "mutation($code: String!, $name: String!) { createInspectionItem(code: $code, name: $name, "
    'category: "市场监管", legalBasis: "《河北省市场监督管理局随机抽查事项清单（2020年版）》", method: ON_SITE, '
    f'effectiveFrom: "2021-01-01") {{ __typename ... on InspectionItem {{ id }} {ERR} }} }}'
)
CREATE = (
    "mutation($input: CreateTaskInput!) { createTask(input: $input) { __typename ... on Task { id } "
    f"{ERR} }} }}"
)
WORK = """{ dispatchWorkList { __typename ... on DispatchWorkList { entries {
  action inspectionId taskId taskName entity { id name creditCode } departmentId
  dispatchedOn matchingDue matchingDueProvisional stepDue stepDueProvisional remainingWorkingDays overdue } }
  ... on UserError { code message } } }"""
INSPECTIONS = """query($t: ID!) { taskInspections(taskId: $t, first: 50) { __typename
  ... on TaskInspectionPage { items { id entity { creditCode } assignedDepartmentId dispatchedOn
      matchingDue matchingDueProvisional team { departmentId role } } }
  ... on UserError { code message } } }"""
RECORD = (
    'mutation($i: ID!) { recordInspection(inspectionId: $i, inspectedOn: "2021-05-18", endedOn: "2021-05-19") '
    f"{{ __typename ... on InspectionRecord {{ id inspectedOn endedOn }} {ERR} }} }}"
)
MATCH = (
    "mutation($t: ID!, $d: ID) { matchInspectors(taskId: $t, departmentId: $d) { __typename "
    f"... on TeamList {{ members {{ inspectionId role departmentId }} }} {ERR} }} }}"
)
ENTER = (
    "mutation($i: ID!, $item: ID!, $d: ID) { enterResult(inspectionId: $i, itemId: $item, departmentId: $d, "
    'categoryCodes: ["NO_PROBLEM"], description: "现场检查未发现问题") { __typename '
    f"... on DepartmentResult {{ id status departmentId publicationDue publicationDueProvisional }} {ERR} }} }}"
)
RESULT_WORK = "{ resultWorkList { ... on ResultWorkList { entries { action result { id } } } } }"
BULK = (
    "mutation($ids: [ID!]!) { %s(resultIds: $ids) { __typename ... on BulkResultReport { done refused "
    "items { outcome { __typename ... on DepartmentResult { status approvedByOwnDepartment "
    f"approvedByInitiatingDepartment }} }} }} }} {ERR} }} }}"
)


def at(day: date, hour: int = 10) -> Callable[[], datetime]:
    """A clock standing at ``hour`` o'clock China time on ``day``."""
    return lambda: datetime(day.year, day.month, day.day, hour, tzinfo=CHINA_TZ)


class Api:
    """Real tokens talking to the application as it would be on a given day."""

    def __init__(self, session: AsyncSession, engine: AsyncEngine, tokens: dict[str, str]) -> None:
        self.session, self.engine, self.tokens = session, engine, tokens
        self.day = date(2021, 4, 30)

    async def __call__(self, who: str, query: str, **variables: Any) -> dict[str, Any]:
        headers = {"Authorization": f"Bearer {self.tokens[who]}"} if who != "public" else {}
        async with app_client(self.session, self.engine, clock=at(self.day)) as client:
            response = await client.post(
                "/graphql", json={"query": query, "variables": variables}, headers=headers
            )
        assert response.status_code == 200, response.text
        body = response.json()
        assert "errors" not in body, body
        data: dict[str, Any] = body["data"]
        return data

    async def get(self, path: str) -> httpx.Response:
        async with app_client(self.session, self.engine, clock=at(self.day)) as client:
            return await client.get(path)


def ok(payload: dict[str, Any], typename: str) -> dict[str, Any]:
    assert payload["__typename"] == typename, payload
    return payload


def invented(type_name: str) -> str:
    return to_base64(type_name, 10**8)


async def _directory(session: AsyncSession) -> tuple[Department, Department, Department, dict[str, Entity]]:
    """秦皇岛's city bureau, two district bureaus, and the entities each registered (登记机关)."""
    city = await directory.create_department(
        session,
        by=TEST,
        code="1303-SJ",
        name="秦皇岛市市场监督管理局",
        short_name="秦皇岛市监局",
        level=DepartmentLevel.CITY,
        region_code="130300",
    )
    counties = []
    for code, name, region in (
        ("130302-SJ", "秦皇岛市海港区市场监督管理局", "130302"),
        ("130303-SJ", "秦皇岛市山海关区市场监督管理局", "130303"),
    ):
        counties.append(
            await directory.create_department(
                session,
                by=TEST,
                code=code,
                name=name,
                short_name=name[3:9],
                level=DepartmentLevel.COUNTY,
                region_code=region,
                parent_id=city.id,
            )
        )
    haigang, shanhaiguan = counties
    entities: dict[str, Entity] = {}

    async def add(
        key: str,
        county: Department,
        industry: str,
        registered: date | None,
        kind: EntityKind | None = None,
    ) -> None:
        entities[key] = await directory.register_entity(
            session,
            by=TEST,
            code=unique_code(county.region_code),
            name=f"秦皇岛{key}有限公司",
            entity_type=EntityType.ENTERPRISE,
            region_code=county.region_code,
            industry=industry,
            registration_date=registered,
            kind=kind,
            registration_authority_code=county.code,
        )

    for n in range(2):
        await add(f"海港电商{n}", haigang, "电子商务平台", date(2019, 6, 1))
    await add("山海关电商", shanhaiguan, "电子商务平台", date(2020, 12, 31))  # the cut-off day counts (含)
    for n in range(4):
        await add(f"海港商贸{n}", haigang, "其他", date(2018, 3, 1))
    for n in range(3):
        await add(f"山海关商贸{n}", shanhaiguan, "其他", date(2017, 8, 8))
    # Out of seed 003's scope: registered in 2021, a group, a representative office, no date known.
    await add("海港新设", haigang, "其他", date(2021, 2, 1))
    await add("海港集团", haigang, "其他", date(2015, 1, 5), EntityKind.ENTERPRISE_GROUP)
    await add("山海关代表处", shanhaiguan, "其他", date(2016, 4, 1), EntityKind.FOREIGN_REPRESENTATIVE_OFFICE)
    await add("山海关日期不明", shanhaiguan, "其他", None)
    return city, haigang, shanhaiguan, entities


async def test_seed_003_task_drawn_by_the_city_and_dispatched_to_two_districts(
    session: AsyncSession, engine: AsyncEngine
) -> None:
    city, haigang, shanhaiguan, entities = await _directory(session)
    tokens = {}
    for key, department in (("city", city), ("hg", haigang), ("shg", shanhaiguan)):
        for role in (Role.CLERK, Role.REVIEWER, Role.ADMIN):
            issued = await issue_token(
                session,
                actor="test",
                holder_name=f"{key}-{role.value}",
                department_code=department.code,
                role=role,
            )
            tokens[f"{key}_{role.value}"] = issued.secret
    await session.flush()
    api = Api(session, engine, tokens)
    gid_of = {d.id: to_base64("Department", d.id) for d in (city, haigang, shanhaiguan)}
    county_of = {e.credit_code: e.registration_authority_id for e in entities.values()}

    # Each district bureau's admin registers its own inspectors (the pool its teams are drawn from).
    for key in ("hg", "shg"):
        for n in range(3):
            data = await api(
                f"{key}_admin",
                f'mutation {{ registerInspector(badgeNumber: "{key}-{n}", name: "{key}检查员{n}") {{ __typename {ERR} }} }}',
            )
            ok(data["registerInspector"], "InspectorRecord")

    # The city bureau's items (seed 003 二) and the task: scope and strata of seed 003 三(一)-(二).
    items = {}
    for code, name in (("DJ", "登记事项检查"), ("GS", "公示信息检查"), ("GG", "广告行为检查")):
        items[code] = ok(
            (await api("city_clerk", ITEM, code=f"QHD-{code}", name=name))["createInspectionItem"],
            "InspectionItem",
        )["id"]
    task_input: dict[str, Any] = {
        "name": "秦皇岛市市场监管系统2021年内部联合抽查",
        "participatingDepartmentIds": [],
        "items": [{"itemId": items[c], "departmentId": gid_of[city.id]} for c in ("DJ", "GS", "GG")],
        "strata": [
            {"name": "电子商务平台经营者", "ratioPercent": "100", "industry": "电子商务平台"},
            {
                "name": "其它类型企业（只检查登记事项和公示信息）",
                "ratioPercent": "3",
                "entityType": "ENTERPRISE",
                "itemIds": [items["DJ"], items["GS"]],
            },
        ],
        "periodStart": "2021-05-08",
        "periodEnd": "2021-07-31",
        "level": "CITY",
        "method": "ON_SITE",
        "regionCode": "130300",
        "registeredBy": "2020-12-31",
        "excludedEntityKinds": ["ENTERPRISE_GROUP", "FOREIGN_REPRESENTATIVE_OFFICE"],
        "dispatched": True,
    }
    # A stratum may only name the task's own items: refused with a code, nothing written.
    bad = {**task_input, "strata": [{**task_input["strata"][1], "itemIds": [invented("InspectionItem")]}]}
    before = await table_counts(session)
    refused = (await api("city_clerk", CREATE, input=bad))["createTask"]
    assert refused["__typename"] == "InvalidInputError" and refused["code"] == "STRATUM_ITEM_NOT_IN_TASK"
    assert await table_counts(session) == before
    task = ok((await api("city_clerk", CREATE, input=task_input))["createTask"], "Task")["id"]

    # The public reads the scope rules with the task.
    shown = await api(
        "public",
        """query($id: ID!) { node(id: $id) { ... on Task { referenceNumber registeredBy excludedEntityKinds
          dispatched scopeRules strata { name ratioPercent restrictedItems { name } } dispatchedDepartments { name } } } }""",
        id=task,
    )
    assert shown["node"] == {
        "referenceNumber": int(from_base64(task)[1]),
        "registeredBy": "2020-12-31",
        "excludedEntityKinds": ["ENTERPRISE_GROUP", "FOREIGN_REPRESENTATIVE_OFFICE"],
        "dispatched": True,
        "scopeRules": "2020年12月31日（含）前登记注册；不包括企业集团、外国企业常驻代表机构和办事处；"
        "由发起部门一次性抽取，按登记机关派发至承办部门实施",
        "strata": [
            {"name": "电子商务平台经营者", "ratioPercent": 100.0, "restrictedItems": None},
            {
                "name": "其它类型企业（只检查登记事项和公示信息）",
                "ratioPercent": 3.0,
                "restrictedItems": [{"name": "登记事项检查"}, {"name": "公示信息检查"}],
            },
        ],
        "dispatchedDepartments": [],
    }

    # The preview, before any commitment, counts what the scope rules leave out as the draw will:
    # by hand from _directory, one each (海港新设 2021-02-01, 山海关日期不明 no date, 海港集团,
    # 山海关代表处); 3 e-commerce platforms (100 %: 3) and 7 other enterprises (ceil(7 x 3 %) = 1).
    preview = ok(
        (
            await api(
                "city_clerk",
                "query($t: ID!) { drawPreview(taskId: $t) { __typename ... on DrawPreviewRecord { candidateCount "
                "strata { position candidates sampleSize } excluded { creditCode } flagged { creditCode } "
                f"scopeExclusions {{ reason count }} }} {ERR} }} }}",
                t=task,
            )
        )["drawPreview"],
        "DrawPreviewRecord",
    )
    hand_counted = [
        {"reason": "2020-12-31之后登记注册，不在本次抽查范围", "count": 1},
        {"reason": "名录库中无成立日期，无法确认在2020-12-31（含）前登记注册", "count": 1},
        {"reason": "企业集团，不在本次抽查范围", "count": 1},
        {"reason": "外国企业常驻代表机构和办事处，不在本次抽查范围", "count": 1},
    ]
    assert preview == {
        "__typename": "DrawPreviewRecord",
        "candidateCount": 10,
        "strata": [
            {"position": 1, "candidates": 3, "sampleSize": 3},
            {"position": 2, "candidates": 7, "sampleSize": 1},
        ],
        "excluded": [],
        "flagged": [],
        "scopeExclusions": hand_counted,
    }

    # The draw: the frozen candidates leave out the four out-of-scope entities, and say why.
    seed = "秦皇岛市局2021内部联合抽查-种子"
    commitment = ok(
        (
            await api(
                "city_clerk",
                "mutation($t: ID!, $h: String!) { commitDraw(taskId: $t, seedSha256: $h) { __typename "
                f"... on DrawCommitment {{ candidatesSha256 candidateCount }} {ERR} }} }}",
                t=task,
                h=hashlib.sha256(seed.encode()).hexdigest(),
            )
        )["commitDraw"],
        "DrawCommitment",
    )
    listing = await api.get(f"/tasks/{shown['node']['referenceNumber']}/draw/candidates.txt")
    assert hashlib.sha256(listing.content).hexdigest() == commitment["candidatesSha256"]
    lines = [line.split("\t") for line in listing.text.split("\n")]
    out_of_scope = {
        entities[k].credit_code for k in ("海港新设", "海港集团", "山海关代表处", "山海关日期不明")
    }
    assert commitment["candidateCount"] == len(lines) == 10
    assert not out_of_scope & {code for _, code in lines}
    revealed = ok(
        (
            await api(
                "city_clerk",
                "mutation($t: ID!, $s: String!) { revealDraw(taskId: $t, seed: $s) { __typename ... on Task { "
                "drawnEntities { creditCode } draw { platformNonce scopeExclusions { reason count } } "
                f"dispatchedDepartments {{ name }} }} {ERR} }} }}",
                t=task,
                s=seed,
            )
        )["revealDraw"],
        "Task",
    )
    assert revealed["draw"]["scopeExclusions"] == preview["scopeExclusions"] == hand_counted
    # Anyone re-runs gongshi-draw-v2 from the published list: 100 % of 3, and ceil(7 x 3 %) = 1.
    combined = hashlib.sha256(f"{seed}\n{revealed['draw']['platformNonce']}".encode()).hexdigest()
    expected = []
    for stratum, ratio_bp in (("1", 10000), ("2", 300)):
        members = [line for line in lines if line[0] == stratum]
        k = max(1, math.ceil(len(members) * ratio_bp / 10000))
        expected += sorted(
            members, key=lambda line: hashlib.sha256(f"{combined}\n{line[0]}\n{line[1]}".encode()).hexdigest()
        )[:k]
    expected.sort(key=lambda line: hashlib.sha256(f"{combined}\n{line[0]}\n{line[1]}".encode()).hexdigest())
    drawn = [e["creditCode"] for e in revealed["drawnEntities"]]
    assert sorted(drawn) == sorted(code for _, code in expected) and len(drawn) == 4
    stratum_of = {code: stratum for stratum, code in expected}
    assert revealed["dispatchedDepartments"] == [{"name": haigang.name}, {"name": shanhaiguan.name}]
    # The public task page says the same (what was excluded, and why).
    page = await api.get(f"/tasks/{shown['node']['referenceNumber']}")
    assert page.status_code == 200
    assert (
        "<dt>范围规则</dt><dd>2020年12月31日（含）前登记注册；不包括企业集团、外国企业常驻代表机构和办事处；"
        "由发起部门一次性抽取，按登记机关派发至承办部门实施（冻结候选名单前排除：2020-12-31之后登记注册，"
        "不在本次抽查范围（1户）；名录库中无成立日期，无法确认在2020-12-31（含）前登记注册（1户）；"
        "企业集团，不在本次抽查范围（1户）；外国企业常驻代表机构和办事处，不在本次抽查范围（1户））</dd>"
    ) in page.text

    # Each district finds exactly what was dispatched to it, with the clock counted by hand above.
    def mine(department: Department) -> list[str]:
        return sorted(code for code in drawn if county_of[code] == department.id)

    work: dict[str, list[dict[str, Any]]] = {}
    for key, department in (("hg", haigang), ("shg", shanhaiguan)):
        entries = ok((await api(f"{key}_clerk", WORK))["dispatchWorkList"], "DispatchWorkList")["entries"]
        assert sorted(e["entity"]["creditCode"] for e in entries) == mine(department)
        for entry in entries:
            assert entry == {
                "action": "MATCH",
                "inspectionId": entry["inspectionId"],
                "taskId": task,
                "taskName": "秦皇岛市市场监管系统2021年内部联合抽查",
                "entity": {
                    "id": to_base64(
                        "Entity",
                        next(
                            e.id for e in entities.values() if e.credit_code == entry["entity"]["creditCode"]
                        ),
                    ),
                    "name": next(
                        e.name for e in entities.values() if e.credit_code == entry["entity"]["creditCode"]
                    ),
                    "creditCode": entry["entity"]["creditCode"],
                },
                "departmentId": gid_of[department.id],
                "dispatchedOn": "2021-04-30",
                "matchingDue": "2021-05-11",
                "matchingDueProvisional": False,
                "stepDue": "2021-05-11",
                "stepDueProvisional": False,
                "remainingWorkingDays": 5,
                "overdue": False,
            }
        work[key] = entries
    everything = ok((await api("city_clerk", WORK))["dispatchWorkList"], "DispatchWorkList")["entries"]
    assert sorted(e["entity"]["creditCode"] for e in everything) == sorted(drawn)
    page = ok((await api("hg_clerk", INSPECTIONS, t=task))["taskInspections"], "TaskInspectionPage")["items"]
    assert sorted(i["entity"]["creditCode"] for i in page) == mine(haigang)
    assert {
        (
            i["assignedDepartmentId"],
            i["dispatchedOn"],
            i["matchingDue"],
            i["matchingDueProvisional"],
            len(i["team"]),
        )
        for i in page
    } == {(gid_of[haigang.id], "2021-04-30", "2021-05-11", False, 0)}

    # Another district's inspection answers exactly as an invented one; the city cannot draw teams itself.
    foreign = work["shg"][0]["inspectionId"]
    assert (
        (await api("hg_clerk", RECORD, i=foreign))["recordInspection"]
        == (await api("hg_clerk", RECORD, i=invented("Inspection")))["recordInspection"]
        == {"__typename": "NotFoundError", "code": "INSPECTION_NOT_FOUND", "message": "未找到该检查"}
    )
    refused = (
        await api(
            "city_clerk", f"mutation($t: ID!) {{ drawInspectors(taskId: $t) {{ __typename {ERR} }} }}", t=task
        )
    )["drawInspectors"]
    assert refused["__typename"] == "ConflictError" and refused["code"] == "TASK_DISPATCHED"

    # Monday 5/10: 海港 matches its inspectors, one working day before the due date.
    api.day = date(2021, 5, 10)
    assert {
        e["remainingWorkingDays"]
        for e in ok((await api("hg_clerk", WORK))["dispatchWorkList"], "DispatchWorkList")["entries"]
    } == {1}
    team = ok((await api("hg_clerk", MATCH, t=task, d=None))["matchInspectors"], "TeamList")["members"]
    assert sorted((m["inspectionId"], m["role"], m["departmentId"]) for m in team) == sorted(
        (e["inspectionId"], role, gid_of[haigang.id]) for e in work["hg"] for role in ("LEADER", "MEMBER")
    )
    # A district acts only for itself.
    refused = (await api("hg_clerk", MATCH, t=task, d=gid_of[shanhaiguan.id]))["matchInspectors"]
    assert refused["__typename"] == "PermissionDeniedError" and refused["code"] == "OTHER_DEPARTMENT"

    # Wednesday 5/12: 山海关 has not matched; its list says overdue and the sweep reminds it once.
    api.day = date(2021, 5, 12)
    late = ok((await api("shg_clerk", WORK))["dispatchWorkList"], "DispatchWorkList")["entries"]
    assert {(e["action"], e["remainingWorkingDays"], e["overdue"]) for e in late} == {("MATCH", -1, True)}
    # 海港's next step, the inspection, has the task period's last day (Saturday 2021-07-31) as its
    # clock, not the matching due date: working days after 5/12 to 7/31, by hand from the 2021
    # notice (端午 6/14 off, no make-up day in the range): May 13-31 13, June 21, July 22 = 56.
    assert {
        (e["action"], e["stepDue"], e["stepDueProvisional"], e["remainingWorkingDays"], e["overdue"])
        for e in ok((await api("hg_clerk", WORK))["dispatchWorkList"], "DispatchWorkList")["entries"]
    } == {("RECORD", "2021-07-31", False, 56, False)}
    calendar = await load_calendar(session)
    swept = await dispatch.sweep_matching(session, today=api.day, calendar=calendar, remind_before=3)
    assert (swept.examined, swept.reminders) == (len(late), len(late))
    reminders = list(await session.scalars(select(Reminder).where(Reminder.inspection_id.is_not(None))))
    assert sorted((r.kind, r.department_id, r.payload["due"]) for r in reminders) == [
        ("dispatch_matching_overdue", shanhaiguan.id, "2021-05-11")
    ] * len(late)
    assert (
        await dispatch.sweep_matching(session, today=api.day, calendar=calendar, remind_before=3)
    ).reminders == 0
    # The city bureau, the superior, matches for its subordinate (seed 001 art.13).
    team = ok(
        (await api("city_clerk", MATCH, t=task, d=gid_of[shanhaiguan.id]))["matchInspectors"], "TeamList"
    )
    assert {(m["role"], m["departmentId"]) for m in team["members"]} == {
        ("LEADER", gid_of[shanhaiguan.id]),
        ("MEMBER", gid_of[shanhaiguan.id]),
    }
    again = (await api("shg_clerk", MATCH, t=task, d=None))["matchInspectors"]
    assert again["__typename"] == "ConflictError" and again["code"] == "INSPECTORS_MATCHED"

    # Thursday 5/20: each district records its inspections and enters its results (谁检查、谁录入);
    # 山海关's are entered by the city bureau on its behalf (seed 001 art.13: the superior acts for
    # its subordinate), naming 山海关 as the department, and are 山海关's results all the same.
    api.day = date(2021, 5, 20)
    results: dict[str, list[str]] = {"hg": [], "shg": []}
    for key in ("hg", "shg"):
        for entry in ok((await api(f"{key}_clerk", WORK))["dispatchWorkList"], "DispatchWorkList")["entries"]:
            assert entry["action"] == "RECORD"
            recorded = ok(
                (await api(f"{key}_clerk", RECORD, i=entry["inspectionId"]))["recordInspection"],
                "InspectionRecord",
            )
            assert (recorded["inspectedOn"], recorded["endedOn"]) == ("2021-05-18", "2021-05-19")
            # Next: enter the results, by the publication due date counted from the end (5/19) by
            # the server's 20 working days: 6/17 (端午 6/14 off); from 5/20 that is 19 working days.
            after = ok((await api(f"{key}_clerk", WORK))["dispatchWorkList"], "DispatchWorkList")["entries"]
            assert [
                (e["action"], e["stepDue"], e["stepDueProvisional"], e["remainingWorkingDays"], e["overdue"])
                for e in after
                if e["inspectionId"] == entry["inspectionId"]
            ] == [("ENTER", "2021-06-17", False, 19, False)]
            checked = ("DJ", "GS", "GG") if stratum_of[entry["entity"]["creditCode"]] == "1" else ("DJ", "GS")
            if len(checked) == 2:
                # The 3 % stratum checks only 登记事项和公示信息 (seed 003 三(二)).
                refused = (
                    await api(f"{key}_clerk", ENTER, i=entry["inspectionId"], item=items["GG"], d=None)
                )["enterResult"]
                assert refused == {
                    "__typename": "InvalidInputError",
                    "code": "ITEM_NOT_IN_STRATUM",
                    "message": "该检查对象抽自“其它类型企业（只检查登记事项和公示信息）”分层，该分层不检查此事项",
                }
            for code in checked:
                department = haigang if key == "hg" else shanhaiguan
                who, named = ("hg_clerk", None) if key == "hg" else ("city_clerk", gid_of[shanhaiguan.id])
                entered = ok(
                    (await api(who, ENTER, i=entry["inspectionId"], item=items[code], d=named))[
                        "enterResult"
                    ],
                    "DepartmentResult",
                )
                assert {
                    k: entered[k]
                    for k in ("status", "departmentId", "publicationDue", "publicationDueProvisional")
                } == {
                    "status": "DRAFT",
                    "departmentId": gid_of[department.id],
                    "publicationDue": "2021-06-17",
                    "publicationDueProvisional": False,
                }
                results[key].append(entered["id"])
        assert ok((await api(f"{key}_clerk", WORK))["dispatchWorkList"], "DispatchWorkList")["entries"] == []

    # Submit from the clerk's list; the district reviews its own part, the city the whole.
    for key in ("hg", "shg"):
        listed = (await api(f"{key}_clerk", RESULT_WORK))["resultWorkList"]["entries"]
        # 山海关's clerk finds the results the city entered for it, to submit as its own.
        assert sorted(e["result"]["id"] for e in listed) == sorted(results[key])
        assert {e["action"] for e in listed} == {"SUBMIT"}
        report = (await api(f"{key}_clerk", BULK % "submitResults", ids=results[key]))["submitResults"]
        assert (report["done"], report["refused"]) == (len(results[key]), 0)
    # Another district's result answers as an invented one.
    approve = f"mutation($r: ID!) {{ approveResult(resultId: $r) {{ __typename {ERR} }} }}"
    assert (await api("hg_reviewer", approve, r=results["shg"][0]))["approveResult"] == (
        await api("hg_reviewer", approve, r=invented("InspectionResult"))
    )["approveResult"]
    for key in ("hg", "shg"):
        report = (await api(f"{key}_reviewer", BULK % "approveResults", ids=results[key]))["approveResults"]
        assert {
            (
                i["outcome"]["status"],
                i["outcome"]["approvedByOwnDepartment"],
                i["outcome"]["approvedByInitiatingDepartment"],
            )
            for i in report["items"]
        } == {("UNDER_REVIEW", f"{key}-reviewer", None)}
    everything = results["hg"] + results["shg"]
    listed = (await api("city_reviewer", RESULT_WORK))["resultWorkList"]["entries"]
    assert sorted(e["result"]["id"] for e in listed) == sorted(everything)
    report = (await api("city_reviewer", BULK % "approveResults", ids=everything))["approveResults"]
    assert (report["done"], report["refused"]) == (len(everything), 0)
    assert {i["outcome"]["status"] for i in report["items"]} == {"PUBLISHED"}

    # Published under each district's name (谁检查、谁录入、谁公开).
    public = await api(
        "public",
        "query($t: ID) { results(taskId: $t, first: 50) { totalCount edges { node { publishedOn entity { creditCode } department { name } item { name } } } } }",
        t=task,
    )
    assert public["results"]["totalCount"] == len(everything)
    names = {haigang.id: haigang.name, shanhaiguan.id: shanhaiguan.name}
    assert sorted(
        (
            n["node"]["entity"]["creditCode"],
            n["node"]["department"]["name"],
            n["node"]["item"]["name"],
            n["node"]["publishedOn"],
        )
        for n in public["results"]["edges"]
    ) == sorted(
        (code, names[county_of[code] or 0], name, "2021-05-20")
        for code in drawn
        for c, name in (("DJ", "登记事项检查"), ("GS", "公示信息检查"), ("GG", "广告行为检查"))
        if c != "GG" or stratum_of[code] == "1"
    )
