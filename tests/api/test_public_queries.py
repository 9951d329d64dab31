"""Every public query end to end through HTTP, on SQLite and PostgreSQL."""

from __future__ import annotations

import base64
import json
from datetime import date

import httpx
from sqlalchemy.ext.asyncio import AsyncSession
from strawberry.relay import to_base64

from inspections import items, results
from schema.enums import EntityType, InspectionMethod
from tests import factories
from tests.api.conftest import error_codes, graphql
from tests.factories import TEST

RESULTS = """
query Results($first: Int, $after: String, $taskId: ID, $departmentId: ID, $regionCode: String,
              $year: Int, $categoryCode: String, $entityType: EntityType) {
  results(first: $first, after: $after, taskId: $taskId, departmentId: $departmentId,
          regionCode: $regionCode, year: $year, categoryCode: $categoryCode, entityType: $entityType) {
    totalCount
    pageInfo { hasNextPage endCursor }
    edges { cursor node { id publishedOn publicationDue version year
      entity { creditCode name } department { name } item { name }
      categories { code label } } }
  }
}"""


def gid(type_name: str, pk: int) -> str:
    return to_base64(type_name, pk)


async def test_results_show_only_published(client: httpx.AsyncClient, session: AsyncSession) -> None:
    shown = await factories.joint_task(session, entities=2, publish=True)
    hidden = await factories.joint_task(session, entities=2, publish=False)
    body = await graphql(client, RESULTS, taskId=gid("Task", shown.task.id))
    assert body["data"]["results"]["totalCount"] == 4  # 2 entities x 2 departments' items
    body = await graphql(client, RESULTS, taskId=gid("Task", hidden.task.id))
    assert body["data"]["results"]["totalCount"] == 0
    draft = hidden.results[0].id
    body = await graphql(
        client, "query($id: ID!) { result(id: $id) { id } }", id=gid("InspectionResult", draft)
    )
    assert body["data"]["result"] is None
    body = await graphql(
        client, "query($id: ID!) { node(id: $id) { id } }", id=gid("InspectionResult", draft)
    )
    assert body["data"]["node"] is None


async def test_result_fields_and_publication_due(client: httpx.AsyncClient, session: AsyncSession) -> None:
    joint = await factories.joint_task(session, entities=1)
    body = await graphql(client, RESULTS, taskId=gid("Task", joint.task.id))
    nodes = [edge["node"] for edge in body["data"]["results"]["edges"]]
    assert {n["department"]["name"] for n in nodes} == {
        "姚安县工业信息化商务科技局",
        "姚安县市场监督管理局",
    }
    assert {n["item"]["name"] for n in nodes} == {"二手车经营备案检查", "二手车销售合同行为检查"}
    # Inspection ended Tue 2021-11-16; 20 working days, no holiday in between (国办发明电〔2020〕27号):
    # Nov 17,18,19,22,23,24,25,26,29,30 (10), Dec 1,2,3,6,7,8,9,10,13 (19), Dec 14 (20).
    assert {n["publicationDue"] for n in nodes} == {"2021-12-14"}
    assert {n["publishedOn"] for n in nodes} == {"2021-12-01"}
    assert nodes[0]["categories"] == [{"code": "NO_PROBLEM", "label": "未发现问题"}]
    assert nodes[0]["entity"]["creditCode"] == joint.entities[0].credit_code


async def test_result_filters(client: httpx.AsyncClient, session: AsyncSession) -> None:
    yaoan = await factories.joint_task(session, entities=2, categories=("NO_PROBLEM",))
    haigang = await factories.joint_task(session, entities=1, region="130302", categories=("UNREACHABLE",))
    task_ids = [gid("Task", yaoan.task.id), gid("Task", haigang.task.id)]

    async def count(**filters: object) -> int:
        total = 0
        for task_id in task_ids:
            body = await graphql(client, RESULTS, taskId=task_id, **filters)
            total += body["data"]["results"]["totalCount"]
        return total

    assert await count() == 6
    assert await count(regionCode="1303") == 2
    assert await count(regionCode="532325") == 4
    assert await count(categoryCode="UNREACHABLE") == 2
    assert await count(categoryCode="NO_PROBLEM") == 4
    assert await count(departmentId=gid("Department", yaoan.participating.id)) == 2
    assert await count(year=2021) == 6
    assert await count(year=2022) == 0
    assert await count(entityType="ENTERPRISE") == 6
    assert await count(entityType="INDIVIDUAL_BUSINESS") == 0


async def test_result_pages_of_two_tasks_walked_in_turn(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    # The statement of a filter combination is built once and reused with each request's values
    # (paginate's params): two lists of the same shape walked in turn, cursor by cursor, must each
    # give their own results, counts and ends.
    first = await factories.joint_task(session, entities=4)
    second = await factories.joint_task(session, entities=2, region="130302")
    expected = {
        gid("Task", joint.task.id): {gid("InspectionResult", r.id) for r in joint.results}
        for joint in (first, second)
    }
    assert [len(ids) for ids in expected.values()] == [8, 4]
    seen: dict[str, list[str]] = {task: [] for task in expected}
    after: dict[str, str | None] = dict.fromkeys(expected)
    done: set[str] = set()
    while len(done) < len(expected):
        for task, ids in expected.items():
            if task in done:
                continue
            body = await graphql(client, RESULTS, taskId=task, first=3, after=after[task])
            page = body["data"]["results"]
            assert page["totalCount"] == len(ids)
            assert len(page["edges"]) == min(3, len(ids) - len(seen[task]))
            assert [edge["cursor"] for edge in page["edges"]][-1:] == (
                [page["pageInfo"]["endCursor"]] if page["edges"] else []
            )
            seen[task] += [edge["node"]["id"] for edge in page["edges"]]
            if not page["pageInfo"]["hasNextPage"]:
                done.add(task)
            after[task] = page["pageInfo"]["endCursor"]
    for task, ids in expected.items():
        assert len(seen[task]) == len(ids) and set(seen[task]) == ids


async def test_results_pagination_is_stable_and_capped(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    joint = await factories.joint_task(session, entities=4)
    task = gid("Task", joint.task.id)
    seen: list[str] = []
    after = None
    while True:
        body = await graphql(client, RESULTS, taskId=task, first=3, after=after)
        page = body["data"]["results"]
        seen += [edge["node"]["id"] for edge in page["edges"]]
        # The count is of the whole list whatever the page (it is read with the page's rows).
        assert page["totalCount"] == 8
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]
    assert len(seen) == 8 == len(set(seen))
    # Past the last result: no row to read the count with, still the whole list's count.
    body = await graphql(client, RESULTS, taskId=task, first=3, after=page["pageInfo"]["endCursor"])
    assert body["data"]["results"]["edges"] == []
    assert body["data"]["results"]["totalCount"] == 8
    assert body["data"]["results"]["pageInfo"]["hasNextPage"] is False
    body = await graphql(client, RESULTS, taskId=task, first=0)
    assert body["data"]["results"]["edges"] == []
    assert body["data"]["results"]["totalCount"] == 8
    assert body["data"]["results"]["pageInfo"]["hasNextPage"] is True
    body = await graphql(client, RESULTS, taskId=task, first=101)
    assert error_codes(body) == ["FIRST_OUT_OF_RANGE"]
    assert "100" in body["errors"][0]["message"]
    body = await graphql(client, RESULTS, taskId=task, after="not-a-cursor")
    assert error_codes(body) == ["CURSOR_INVALID"]
    # Cursors edited by hand: well-formed, but a value of the wrong type or out of the column's
    # range; refused as such (the page statement goes to the driver, which would fail on them).
    assert after is not None
    good = json.loads(base64.urlsafe_b64decode(after.encode()))
    for values in ([good[0], "x"], [good[0], 2**40], ["x", good[1]], [None, good[1]], [good[0], True]):
        edited = base64.urlsafe_b64encode(json.dumps(values).encode()).decode()
        for task_filter in ({"taskId": task}, {}):
            body = await graphql(client, RESULTS, first=3, after=edited, **task_filter)
            assert error_codes(body) == ["CURSOR_INVALID"], (values, body)


async def test_bad_filters_get_clear_errors(client: httpx.AsyncClient) -> None:
    body = await graphql(client, RESULTS, categoryCode="NOT_A_CATEGORY")
    assert error_codes(body) == ["CATEGORY_UNKNOWN"]
    assert "未知的检查结果类型" in body["errors"][0]["message"]
    body = await graphql(client, RESULTS, regionCode="53232")
    assert error_codes(body) == ["REGION_CODE_INVALID"]
    body = await graphql(client, RESULTS, taskId=gid("Department", 1))
    assert error_codes(body) == ["ID_INVALID"]
    body = await graphql(client, RESULTS, year=1800)
    assert error_codes(body) == ["YEAR_INVALID"]


ENTITY = """
query($code: String!) { entity(creditCode: $code) {
  creditCode name entityType entityTypeLabel regionCode legalRepresentative registrationDate
  results(first: 10) { totalCount edges { node { item { name } } } }
} }"""


async def test_entity_by_credit_code(client: httpx.AsyncClient, session: AsyncSession) -> None:
    joint = await factories.joint_task(session, entities=1)
    code = joint.entities[0].credit_code
    body = await graphql(client, ENTITY, code=code)
    entity = body["data"]["entity"]
    assert entity["name"] == joint.entities[0].name
    assert entity["entityType"] == "ENTERPRISE" and entity["entityTypeLabel"] == "企业"
    assert entity["registrationDate"] == "2015-03-02"
    assert entity["results"]["totalCount"] == 2
    # Full-width and lower-case input is the same code.
    spaced = " " + code.lower().translate({ord(c): ord(c) + 0xFEE0 for c in "0123456789"}) + " "
    assert (await graphql(client, ENTITY, code=spaced))["data"]["entity"]["creditCode"] == code


async def test_entity_bad_or_unknown_code(client: httpx.AsyncClient) -> None:
    valid_unknown = factories.unique_code()
    body = await graphql(client, ENTITY, code=valid_unknown)
    assert body["data"]["entity"] is None and "errors" not in body
    wrong_check = valid_unknown[:17] + ("0" if valid_unknown[17] != "0" else "1")
    body = await graphql(client, ENTITY, code=wrong_check)
    assert error_codes(body) == ["CREDIT_CODE_CHECK"]
    assert "校验" in body["errors"][0]["message"]
    body = await graphql(client, ENTITY, code="91530000")
    assert error_codes(body) == ["CREDIT_CODE_LENGTH"]


HISTORY = """
query($id: ID!) { result(id: $id) { version description categories { code }
  history { version publishedOn changeReason description categories { code label } } } }"""


async def test_corrected_result_shows_every_version(client: httpx.AsyncClient, session: AsyncSession) -> None:
    joint = await factories.joint_task(session, entities=1, categories=("UNREACHABLE",))
    target = joint.results[0]
    await results.correct_result(
        session,
        by=TEST,
        result_id=target.id,
        category_codes=["NO_PROBLEM"],
        description="经复查，该主体在登记住所正常经营",
        reason="经复查，原结果录入有误",
        approved_by="局长",
        today=date(2021, 12, 20),
    )
    body = await graphql(client, HISTORY, id=gid("InspectionResult", target.id))
    result = body["data"]["result"]
    assert result["version"] == 2
    assert result["categories"] == [{"code": "NO_PROBLEM"}]
    assert result["description"] == "经复查，该主体在登记住所正常经营"
    assert result["history"] == [
        {
            "version": 1,
            "publishedOn": "2021-12-01",
            "changeReason": None,
            "description": "现场检查情况",
            "categories": [{"code": "UNREACHABLE", "label": "通过登记的住所（经营场所）无法联系"}],
        },
        {
            "version": 2,
            "publishedOn": "2021-12-20",
            "changeReason": "经复查，原结果录入有误",
            "description": "经复查，该主体在登记住所正常经营",
            "categories": [{"code": "NO_PROBLEM", "label": "未发现问题"}],
        },
    ]


PAGE_WITH_HISTORY = """
edges { node { publishedOn version description entity { name } department { name } item { name }
  categories { code label } history { version changeReason categories { label } } } }"""


async def test_two_result_pages_in_one_query_answer_as_each_alone(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    """Two aliased pages run side by side on the request's one connection (their rows, versions
    and labels are read straight from the driver on PostgreSQL): each as when asked alone."""
    joint = await factories.joint_task(session, entities=3)
    await results.correct_result(
        session,
        by=TEST,
        result_id=joint.results[0].id,
        category_codes=["NO_PROBLEM"],
        description="经复查，该主体在登记住所正常经营",
        reason="经复查，原结果录入有误",
        approved_by="局长",
        today=date(2021, 12, 20),
    )
    both = await client.post(
        "/graphql",
        json={
            "query": f"{{ a: results(first: 6) {{ totalCount {PAGE_WITH_HISTORY} }} "
            f"b: results(first: 2) {{ totalCount {PAGE_WITH_HISTORY} }} }}"
        },
    )
    assert both.status_code == 200 and "errors" not in both.json(), both.text
    alone_a = await client.post(
        "/graphql", json={"query": f"{{ results(first: 6) {{ totalCount {PAGE_WITH_HISTORY} }} }}"}
    )
    alone_b = await client.post(
        "/graphql", json={"query": f"{{ results(first: 2) {{ totalCount {PAGE_WITH_HISTORY} }} }}"}
    )
    assert both.json()["data"]["a"] == alone_a.json()["data"]["results"]
    assert both.json()["data"]["b"] == alone_b.json()["data"]["results"]
    page = both.json()["data"]["a"]
    assert page["totalCount"] == 6 and len(page["edges"]) == 6
    corrected = [edge["node"] for edge in page["edges"] if edge["node"]["version"] == 2]
    assert corrected == [
        {
            "publishedOn": corrected[0]["publishedOn"],
            "version": 2,
            "description": "经复查，该主体在登记住所正常经营",
            "entity": corrected[0]["entity"],
            "department": corrected[0]["department"],
            "item": corrected[0]["item"],
            "categories": [{"code": "NO_PROBLEM", "label": "未发现问题"}],
            "history": [
                {"version": 1, "changeReason": None, "categories": corrected[0]["history"][0]["categories"]},
                {
                    "version": 2,
                    "changeReason": "经复查，原结果录入有误",
                    "categories": [{"label": "未发现问题"}],
                },
            ],
        }
    ]


TASKS = """
query($departmentId: ID, $year: Int, $status: TaskStatus, $regionCode: String) {
  tasks(departmentId: $departmentId, year: $year, status: $status, regionCode: $regionCode) {
    totalCount
    edges { node { name periodStart periodEnd level status
      initiatingDepartment { name } participatingDepartments { name }
      items { item { name } department { name } }
      strata { name ratioPercent }
      draw { algorithm seedSha256 candidatesSha256 candidateCount seed }
      drawnEntities { creditCode }
      resultSummary { published byCategory { category { code } count } } } }
  }
}"""


async def test_tasks_with_everything(client: httpx.AsyncClient, session: AsyncSession) -> None:
    joint = await factories.joint_task(session, entities=3, categories=("NO_PROBLEM", "UNREACHABLE"))
    body = await graphql(client, TASKS, departmentId=gid("Department", joint.participating.id))
    assert body["data"]["tasks"]["totalCount"] == 1
    task = body["data"]["tasks"]["edges"][0]["node"]
    assert task["periodStart"] == "2021-11-01" and task["periodEnd"] == "2021-11-30"
    assert task["initiatingDepartment"]["name"] == "姚安县工业信息化商务科技局"
    assert [d["name"] for d in task["participatingDepartments"]] == ["姚安县市场监督管理局"]
    assert [i["department"]["name"] for i in task["items"]] == [
        "姚安县工业信息化商务科技局",
        "姚安县市场监督管理局",
    ]
    assert task["strata"] == [{"name": "二手车经营主体", "ratioPercent": 100.0}]
    assert task["draw"]["candidateCount"] == 3 and task["draw"]["seed"] == "test-seed-0123456789abcdef"
    assert sorted(e["creditCode"] for e in task["drawnEntities"]) == sorted(
        e.credit_code for e in joint.entities
    )
    summary = task["resultSummary"]
    assert summary["published"] == 6
    # Entities 0 and 2 got NO_PROBLEM, entity 1 UNREACHABLE; each on two items.
    assert {c["category"]["code"]: c["count"] for c in summary["byCategory"]} == {
        "NO_PROBLEM": 4,
        "UNREACHABLE": 2,
    }
    body = await graphql(client, TASKS, departmentId=gid("Department", joint.initiating.id), year=2022)
    assert body["data"]["tasks"]["totalCount"] == 0
    # Every result is published: the task is completed (issue 14 point 9), no longer drawn.
    body = await graphql(client, TASKS, departmentId=gid("Department", joint.initiating.id), status="DRAWN")
    assert body["data"]["tasks"]["totalCount"] == 0
    body = await graphql(
        client, TASKS, departmentId=gid("Department", joint.initiating.id), status="COMPLETED"
    )
    assert body["data"]["tasks"]["totalCount"] == 1


async def test_plans_departments_and_items(client: httpx.AsyncClient, session: AsyncSession) -> None:
    joint = await factories.joint_task(session, entities=1)
    department = gid("Department", joint.initiating.id)
    body = await graphql(
        client,
        "query($d: ID) { plans(departmentId: $d, year: 2021) { totalCount edges { node { year publishedOn"
        " department { name } tasks { name } } } } }",
        d=department,
    )
    plan = body["data"]["plans"]["edges"][0]["node"]
    assert plan["publishedOn"] == "2021-02-26" and [t["name"] for t in plan["tasks"]] == [joint.task.name]
    code = joint.items[0].code
    await items.create_item_version(
        session,
        by=TEST,
        department_id=joint.initiating.id,
        code=code,
        name="二手车经营备案检查（2022版）",
        category="二手车流通",
        legal_basis="《二手车流通管理办法》（2022修订）",
        method=InspectionMethod.WRITTEN,
        effective_from=date(2022, 1, 1),
    )
    query = (
        "query($d: ID, $on: Date) { inspectionItems(departmentId: $d, activeOn: $on) { totalCount"
        " edges { node { name version effectiveFrom effectiveTo method methodLabel } } } }"
    )
    old = (await graphql(client, query, d=department, on="2021-06-01"))["data"]["inspectionItems"]["edges"]
    new = (await graphql(client, query, d=department, on="2022-06-01"))["data"]["inspectionItems"]["edges"]
    assert [(e["node"]["version"], e["node"]["effectiveTo"]) for e in old] == [(1, "2021-12-31")]
    assert [(e["node"]["version"], e["node"]["methodLabel"]) for e in new] == [(2, "书面检查")]
    body = await graphql(
        client,
        '{ departments(regionCode: "532325", first: 100) { edges { node { name levelLabel } } } }',
    )
    names = {e["node"]["name"] for e in body["data"]["departments"]["edges"]}
    assert {"姚安县工业信息化商务科技局", "姚安县市场监督管理局"} <= names


async def test_result_categories_dictionary(client: httpx.AsyncClient) -> None:
    body = await graphql(client, "{ resultCategories { code label isProblem withoutInspection } }")
    labels = {c["code"]: c["label"] for c in body["data"]["resultCategories"]}
    # Every category of seed 001 art.20(4) and seed 002 art.15.
    assert set(labels.values()) == {
        "未发现问题",
        "未按规定公示应当公示的信息",
        "公示信息隐瞒真实情况弄虚作假",
        "通过登记的住所（经营场所）无法联系",
        "发现问题已责令改正",
        "不配合检查情节严重",
        "未发现开展本次抽查涉及的经营活动",
        "发现问题待后续处理",
        "合格",
        "不合格",
        "已注销",
        "被撤销设立登记",
        "被吊销营业执照或相关许可证",
        "登记机关跨区域迁移",
    }


async def test_node_refetches_every_public_type(client: httpx.AsyncClient, session: AsyncSession) -> None:
    joint = await factories.joint_task(session, entities=1)
    ids = {
        "Department": joint.initiating.id,
        "Entity": joint.entities[0].id,
        "Task": joint.task.id,
        "InspectionItem": joint.items[0].id,
        "InspectionResult": joint.results[0].id,
        "AnnualPlan": joint.task.plan_id,
    }
    for type_name, pk in ids.items():
        assert pk is not None
        body = await graphql(
            client, "query($id: ID!) { node(id: $id) { __typename id } }", id=gid(type_name, pk)
        )
        assert body["data"]["node"] == {"__typename": type_name, "id": gid(type_name, pk)}
    body = await graphql(client, "query($id: ID!) { node(id: $id) { id } }", id=gid("Entity", 10**9))
    assert body["data"]["node"] is None


async def test_chinese_is_not_escaped(client: httpx.AsyncClient, session: AsyncSession) -> None:
    await factories.joint_task(session, entities=1)
    response = await client.post("/graphql", json={"query": "{ resultCategories { label } }"})
    assert "未发现问题".encode() in response.content
    assert b"\\u" not in response.content


async def test_entity_type_filter_counts_individuals(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    joint = await factories.joint_task(session, entities=1)
    shop = await factories.entity(session, "姚安县老王五金商店", entity_type=EntityType.INDIVIDUAL_BUSINESS)
    body = await graphql(client, ENTITY, code=shop.credit_code)
    assert body["data"]["entity"]["entityTypeLabel"] == "个体工商户"
    assert body["data"]["entity"]["results"]["totalCount"] == 0
    body = await graphql(client, RESULTS, taskId=gid("Task", joint.task.id), entityType="INDIVIDUAL_BUSINESS")
    assert body["data"]["results"]["totalCount"] == 0


async def test_tasks_of_a_draft_plan_are_not_public(client: httpx.AsyncClient, session: AsyncSession) -> None:
    from inspections import plans
    from schema.enums import DepartmentLevel

    joint = await factories.joint_task(session, entities=1)
    draft = await plans.create_plan(
        session, by=TEST, department_id=joint.initiating.id, year=2022, title="2022年度计划（草稿）"
    )
    hidden = await plans.create_task(
        session,
        by=TEST,
        name="草稿计划中的任务",
        initiating_department_id=joint.initiating.id,
        participating_department_ids=[],
        items=[plans.TaskItemSpec(joint.items[0].id, joint.initiating.id)],
        strata=[plans.StratumSpec("全部", 1000)],
        period_start=date(2022, 5, 1),
        period_end=date(2022, 5, 31),
        level=DepartmentLevel.COUNTY,
        method=InspectionMethod.ON_SITE,
        region_code="532325",
        plan_id=draft.id,
    )
    listed = await graphql(
        client,
        "query($d: ID) { tasks(departmentId: $d) { edges { node { name } } } }",
        d=gid("Department", joint.initiating.id),
    )
    assert [e["node"]["name"] for e in listed["data"]["tasks"]["edges"]] == [joint.task.name]
    body = await graphql(client, "query($id: ID!) { node(id: $id) { id } }", id=gid("Task", hidden.id))
    assert body["data"]["node"] is None
    shown = await graphql(client, "query($id: ID!) { node(id: $id) { id } }", id=gid("Task", joint.task.id))
    assert shown["data"]["node"] == {"id": gid("Task", joint.task.id)}
