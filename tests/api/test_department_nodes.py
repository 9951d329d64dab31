"""Inspections and team members are Relay nodes for the departments of their task (issue 14 point 4).

A department takes an ID from its task's inspection list and reads the object again with
``node(id)``; the initiating department sees the whole team and every result, a participating one
its own part (谁检查、谁录入), and any other caller gets exactly what an invented ID gets: null.
"""

from __future__ import annotations

import httpx
from sqlalchemy.ext.asyncio import AsyncSession
from strawberry.relay import to_base64

from tests.api.roles import gid
from tests.api.world import build_world, graphql_data

INSPECTIONS = """query($t: ID!) { taskInspections(taskId: $t) { ... on TaskInspectionPage { items {
  id taskId inspectedOn endedOn entity { name creditCode } team { id badgeNumber } results { id status } } } } }"""
NODE = """query($id: ID!) { node(id: $id) { __typename id
  ... on Inspection { taskId inspectedOn endedOn entity { name creditCode } team { id badgeNumber } results { id status }
    recordFormUrl }
  ... on TeamMember { inspectorName badgeNumber role replaced } } }"""


async def test_inspection_and_team_member_nodes(client: httpx.AsyncClient, session: AsyncSession) -> None:
    world = await build_world(session)
    task = gid("Task", world.task.id)
    listed = (await graphql_data(client, world, "a_clerk", INSPECTIONS, t=task))["taskInspections"]["items"]
    assert len(listed) == 5
    for entry in listed:
        node = (await graphql_data(client, world, "a_reviewer", NODE, id=entry["id"]))["node"]
        assert node["__typename"] == "Inspection" and node["id"] == entry["id"]
        assert node["taskId"] == task == entry["taskId"]
        for key in ("inspectedOn", "endedOn", "entity", "team", "results"):
            assert node[key] == entry[key], key
        assert node["recordFormUrl"].endswith("/record-form.pdf")
    first = listed[0]
    assert len(first["team"]) == 2 and len(first["results"]) == 2

    # A team member by its ID.
    seat = first["team"][0]
    member = (await graphql_data(client, world, "a_clerk", NODE, id=seat["id"]))["node"]
    assert member["__typename"] == "TeamMember" and member["id"] == seat["id"]
    assert member["badgeNumber"] == seat["badgeNumber"] and member["role"] in ("LEADER", "MEMBER")
    assert member["replaced"] is False and member["inspectorName"]

    # The participating department: its own members and results only.
    b_node = (await graphql_data(client, world, "b_clerk", NODE, id=first["id"]))["node"]
    assert [m["badgeNumber"][:2] for m in b_node["team"]] == ["B-"]
    assert [r["id"] for r in b_node["results"]] == [gid("DepartmentResult", world.ids["rB_draft"])]
    a_seat = next(m for m in first["team"] if m["badgeNumber"].startswith("A-"))
    b_seat = next(m for m in first["team"] if m["badgeNumber"].startswith("B-"))
    assert (await graphql_data(client, world, "b_clerk", NODE, id=b_seat["id"]))["node"][
        "badgeNumber"
    ] == b_seat["badgeNumber"]

    # Everyone else, and another department's member: what an invented ID gets.
    invented_inspection, invented_member = gid("Inspection", 10**8), gid("TeamMember", 10**8)
    for who in ("a_clerk", "public", "entity", "c_clerk", "c_admin"):
        assert (await graphql_data(client, world, who, NODE, id=invented_inspection))["node"] is None
        assert (await graphql_data(client, world, who, NODE, id=invented_member))["node"] is None
    for who in ("public", "entity", "c_clerk", "c_reviewer", "c_head", "c_admin"):
        assert (await graphql_data(client, world, who, NODE, id=first["id"]))["node"] is None, who
        assert (await graphql_data(client, world, who, NODE, id=seat["id"]))["node"] is None, who
    assert (await graphql_data(client, world, "b_reviewer", NODE, id=a_seat["id"]))["node"] is None
    assert (await graphql_data(client, world, "a_clerk", NODE, id=to_base64("Inspection", "x")))[
        "node"
    ] is None
