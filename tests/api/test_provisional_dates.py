"""Provisional due dates as the public and the entity see them, before and after `gongshi calendar
load` (issue 14 point 5; DOMAIN.md "Counting days").

The app trusts the packaged holiday data only up to 2025, so 2026 is a year whose schedule is not
loaded until the test loads the State Council's notice (国办发明电〔2025〕7号, workdays/examples/2026.json):
元旦 Jan 1-3 off, Sun Jan 4 worked; 春节 Feb 15-23 off.
"""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path
from typing import Any

from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession
from strawberry.relay import to_base64

from inspections import deadlines as result_deadlines
from inspections.calendar import load_calendar, store_schedule
from inspections.tokens import issue_token
from objections.deadlines import recompute_provisional
from tests import factories
from tests.api.conftest import app_client
from tests.factories import TEST
from workdays import CHINA_TZ, WorkCalendar, load_schedule_file

BEFORE_2026 = frozenset(range(2004, 2026))
NOTICE_2026 = Path(__file__).parents[2] / "workdays" / "examples" / "2026.json"
PUBLIC = "query($id: ID!) { result(id: $id) { publicationDue publicationDueProvisional } }"
MINE = "{ myObjections { ... on ObjectionList { objections { windowEnds windowProvisional reviewDue reviewDueProvisional } } } }"


async def test_public_and_entity_dates_lose_their_provisional_flag_when_the_notice_is_loaded(
    session: AsyncSession, engine: AsyncEngine, tmp_path: Path
) -> None:
    joint = await factories.joint_task(
        session,
        entities=1,
        categories=("UNREACHABLE",),
        ended_on=date(2025, 12, 10),
        published_on=date(2025, 12, 18),
        calendar=WorkCalendar(builtin_years=BEFORE_2026),
    )
    result = next(r for r in joint.results if r.department_id == joint.participating.id)
    code = joint.entities[0].credit_code
    token = (await issue_token(session, actor="test", holder_name="经办人", entity_credit_code=code)).secret
    await session.flush()
    rid = to_base64("InspectionResult", result.id)

    def now() -> datetime:
        return datetime(2026, 1, 5, 10, tzinfo=CHINA_TZ)

    async with app_client(
        session, engine, clock=now, calendar_builtin_years=BEFORE_2026, evidence_dir=str(tmp_path)
    ) as client:

        async def call(query: str, auth: bool = False, **variables: Any) -> dict[str, Any]:
            headers = {"Authorization": f"Bearer {token}"} if auth else {}
            response = await client.post(
                "/graphql", json={"query": query, "variables": variables}, headers=headers
            )
            body: dict[str, Any] = response.json()
            assert "errors" not in body, body
            return body["data"]

        # Ended Wed 2025-12-10; 20 working days on weekdays once 2026 is unknown: Dec 11-12 2,
        # 15-19 7, 22-26 12, 29-31 15, Jan 1-2 17, 5-7 20 -> Wed 2026-01-07, provisional.
        assert (await call(PUBLIC, id=rid))["result"] == {
            "publicationDue": "2026-01-07",
            "publicationDueProvisional": True,
        }
        page = await client.get(f"/results/{result.id}")
        assert "2026-01-07（暂定：该年度放假安排公布后重新计算）" in page.text
        filed = await call(
            'mutation($r: ID!) { fileObjection(resultId: $r, grounds: "住所可以联系", idempotencyKey: "provisional-01") { __typename } }',
            auth=True,
            r=rid,
        )
        assert filed["fileObjection"]["__typename"] == "ObjectionRecord"
        # Published Thu 2025-12-18: + 60 days = Mon 2026-02-16 (a weekday while 2026 is unknown).
        # Review from Mon Jan 5: Jan 6-9 4, 12-16 9, 19-23 14, 26-30 19, Feb 2 20.
        assert (await call(MINE, auth=True))["myObjections"]["objections"] == [
            {
                "windowEnds": "2026-02-16",
                "windowProvisional": True,
                "reviewDue": "2026-02-02",
                "reviewDueProvisional": True,
            }
        ]

        # `gongshi calendar load workdays/examples/2026.json`: store, then recompute (api/cli/calendar.py).
        await store_schedule(session, by=TEST, schedule=load_schedule_file(NOTICE_2026))
        await result_deadlines.recompute_provisional(
            session, publication_working_days=20, builtin_years=BEFORE_2026
        )
        await recompute_provisional(session, await load_calendar(session, builtin_years=BEFORE_2026))
        await session.flush()

        # Jan 1-2 off, Sun Jan 4 worked: Dec 29-31 15, Jan 4-8 20 -> Thu 2026-01-08, exact.
        assert (await call(PUBLIC, id=rid))["result"] == {
            "publicationDue": "2026-01-08",
            "publicationDueProvisional": False,
        }
        page = await client.get(f"/results/{result.id}")
        assert "2026-01-08" in page.text and "暂定" not in page.text
        # Feb 16 falls in 春节 (Feb 15-23): the window ends on Tue 2026-02-24; the review stays Feb 2.
        assert (await call(MINE, auth=True))["myObjections"]["objections"] == [
            {
                "windowEnds": "2026-02-24",
                "windowProvisional": False,
                "reviewDue": "2026-02-02",
                "reviewDueProvisional": False,
            }
        ]
