"""The two form routes against every kind of caller (issue 14 point 11; the role matrix of the forms).

The 记录表 is for any role of a department of the task, the 告知书 for its clerks and admins (it
issues an activation code); the task's other roles get 403, and everyone else the very 404 an
invented inspection gets. A refused notice issues no code.
"""

from __future__ import annotations

import httpx
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from schema.models import ActivationCode
from tests.api.world import CALLERS, build_world

TASK_DEPARTMENTS = tuple(f"{d}_{r}" for d in "ab" for r in ("clerk", "reviewer", "head", "admin"))
ISSUERS = ("a_clerk", "a_admin", "b_clerk", "b_admin")


async def test_forms_for_every_caller(client: httpx.AsyncClient, session: AsyncSession) -> None:
    world = await build_world(session)
    inspection = world.ids["inspection_0"]
    invented = 10**8
    for route, method, allowed in (
        ("record-form.pdf", "GET", TASK_DEPARTMENTS),
        ("notice.pdf", "POST", ISSUERS),
    ):
        missing = await client.request(
            method, f"/inspections/{invented}/{route}", headers=world.auth("a_clerk")
        )
        assert missing.status_code == 404
        for caller in CALLERS:
            response = await client.request(
                method, f"/inspections/{inspection}/{route}", headers=world.auth(caller)
            )
            if caller in allowed:
                assert response.status_code == 200, (route, caller, response.text)
                assert response.content.startswith(b"%PDF-")
            elif caller in TASK_DEPARTMENTS:
                assert (response.status_code, response.json()["code"]) == (403, "ROLE_REQUIRED"), (
                    route,
                    caller,
                )
            else:
                assert (response.status_code, response.json()) == (404, missing.json()), (route, caller)
    codes = await session.scalar(select(func.count()).select_from(ActivationCode))
    assert codes == len(ISSUERS)
