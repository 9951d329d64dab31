"""Role matrix of the publication deadline mutations (issue 14 point 11)."""

from __future__ import annotations

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from tests.api.roles import Case, check_case, gid, mutation, task_scoped
from tests.api.world import build_world

CASES = [
    Case(
        "setTaskPublicationDeadline",
        mutation("$id: ID!", "setTaskPublicationDeadline(taskId: $id, workingDays: 5)"),
        lambda w: {"id": gid("Task", w.task.id)},
        "Task",
        ("a_clerk", "a_admin"),
        others=task_scoped(("a_clerk", "a_admin")),
        id_variable="id",
    ),
    Case(
        "setDepartmentPublicationDeadline",
        mutation("", "setDepartmentPublicationDeadline(workingDays: 5)"),
        lambda w: {},
        "Department",
        ("a_admin", "b_admin", "c_admin"),
    ),
]


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.name)
async def test_mutation_for_every_caller(
    client: httpx.AsyncClient, session: AsyncSession, case: Case
) -> None:
    await check_case(client, session, await build_world(session), case)
