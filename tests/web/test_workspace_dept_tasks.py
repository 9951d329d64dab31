"""A department's tasks in the browser (issue 16 point 4): the draw committed and revealed from forms,
the inspectors drawn, a member replaced; every form through the API's use case, for every role."""

from __future__ import annotations

import hashlib
import re

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession
from strawberry.relay import to_base64

from schema.models import AuditEvent, Draw, TeamMember
from tests.api.world import build_world
from tests.web.test_workspace_dept_objections import _facts
from tests.web.test_workspace_dept_work import signed_in
from tests.web.workspace import DEPARTMENT_CALLERS, browsers, csrf_of, form_matrix, main_of, refusal_code

SEED = "我们的种子-2022-0123456789abcdef"


def _links(html: str, pattern: str) -> list[tuple[str, str]]:
    return re.findall(rf'<a href="({pattern})">([^<]+)</a>', html)


async def test_a_clerk_commits_reveals_and_draws_inspectors_then_a_participant_replaces_a_member(
    session: AsyncSession, engine: AsyncEngine
) -> None:
    world = await build_world(session)
    async with browsers(session, engine) as b:
        clerk = await signed_in(b, world, "a_clerk")
        home = (await clerk.get("/dept")).text
        assert '<a href="/dept/tasks">抽查任务与抽取</a>' in home
        listed = dict(
            (name, path) for path, name in _links((await clerk.get("/dept/tasks")).text, r"/dept/tasks/\d+")
        )
        assert set(listed) == {
            "2021年度二手车市场联合抽查",
            "已提交承诺的任务",
            "尚未抽取的任务",
            "尚未抽取检查人员的任务",
        }
        task = listed["尚未抽取的任务"]
        page = (await clerk.get(task)).text
        # The commit form sends the hash only: the seed's box has no name, so no post can carry it.
        commit_form = page[page.index('<section class="box" id="commit">') : page.index("</section>")]
        assert '<input id="seed-local" type="text" autocomplete="off"' in commit_form
        assert 'name="seed"' not in commit_form and 'name="seedSha256"' in commit_form
        assert "printf '%s' '您的种子' | sha256sum" in commit_form  # the way without WebCrypto
        token = csrf_of(page)
        refused = await clerk.post(task + "/commit", data={"csrf": token, "seedSha256": SEED})
        assert refused.status_code == 400 and refusal_code(refused.text) == ["SEED_HASH_INVALID"]
        assert 'id="seedSha256-error"' in refused.text
        digest = hashlib.sha256(SEED.encode()).hexdigest()
        committed = await clerk.post(task + "/commit", data={"csrf": token, "seedSha256": digest})
        assert committed.status_code == 303
        page = (await clerk.get(committed.headers["location"])).text
        facts = _facts(page)
        assert facts["种子 SHA-256（承诺）"] == digest and facts["抽取状态"] == "已承诺，待揭示种子"
        assert 'id="commit"' not in page and 'action="' + task + '/reveal"' in page
        stored = await session.scalar(select(Draw).where(Draw.task_id == int(task.rsplit("/", 1)[1])))
        assert stored is not None and (stored.seed_sha256, stored.seed, stored.locked) == (
            digest,
            None,
            False,
        )
        wrong = await clerk.post(task + "/reveal", data={"csrf": token, "seed": SEED + "x"})
        assert wrong.status_code == 400 and refusal_code(wrong.text) == ["SEED_MISMATCH"]
        assert 'id="seed-error"' in wrong.text
        revealed = await clerk.post(task + "/reveal", data={"csrf": token, "seed": SEED})
        assert revealed.status_code == 303
        page = (await clerk.get(task)).text
        assert _facts(page)["抽取状态"].startswith("已揭示种子，名单已锁定")
        drawn = re.findall(
            r'<article class="card inspection"[^>]*>\s*<h3>\d+\. (.+?) <span class="code">(\w+)</span>', page
        )
        # The same entities, in the same order, as the public draw record anyone can verify.
        public = (await b.new().get(task.replace("/dept", ""))).text
        assert drawn and [c for _, c in drawn] == re.findall(r'<span class="code">(\w+)</span></li>', public)
        assert page.count("尚未组成检查组。") == len(drawn)
        inspectors = await clerk.post(task + "/inspectors", data={"csrf": token})
        assert inspectors.status_code == 303
        page = (await clerk.get(task)).text
        assert "尚未组成检查组。" not in page and page.count("<td>组长</td>") == len(drawn)
        again = await clerk.post(task + "/inspectors", data={"csrf": token})
        assert again.status_code == 400 and refusal_code(again.text) == ["TEAMS_DRAWN"]
        # The participating department's clerk replaces its own member, with a reason and an approver.
        b_clerk = await signed_in(b, world, "b_clerk")
        page = (await b_clerk.get(task)).text
        assert "参与部门" in _facts(page)["本部门"]
        assert 'id="commit"' not in page and "/reveal" not in page
        members = re.findall(r'name="member" value="(\d+)"', page)
        assert len(members) == len(drawn)  # one B member per team; A's members have no form here
        member = members[0]
        seat = page[page.index(f'name="member" value="{member}"') :]
        options = re.findall(r'<option value="(\d+)"', seat[: seat.index("</form>")])
        token = csrf_of(page)
        no_reason = await b_clerk.post(
            task + "/replace",
            data={"csrf": token, "member": member, "replacement": options[0], "approvedBy": "分管副局长"},
        )
        assert no_reason.status_code == 400 and refusal_code(no_reason.text) == ["CHOICE_REQUIRED"]
        assert f'id="reason-{member}-error"' in no_reason.text
        no_approver = await b_clerk.post(
            task + "/replace",
            data={"csrf": token, "member": member, "replacement": options[0], "reason": "health"},
        )
        assert no_approver.status_code == 400 and refusal_code(no_approver.text) == ["APPROVER_REQUIRED"]
        assert f'id="approvedBy-{member}-error"' in no_approver.text
        replaced = await b_clerk.post(
            task + "/replace",
            data={
                "csrf": token,
                "member": member,
                "replacement": options[0],
                "reason": "health",
                "approvedBy": "分管副局长",
            },
        )
        assert replaced.status_code == 303
        page = (await b_clerk.get(replaced.headers["location"])).text
        assert "已更换检查组成员。" in page and "已更换（健康状况，分管副局长批准）" in page
        row = await session.get(TeamMember, int(member))
        assert row is not None
        await session.refresh(row)
        assert (row.replacement_reason, row.replacement_approved_by) == ("health", "分管副局长")
        actions = list(
            await session.scalars(
                select(AuditEvent.action)
                .where(
                    AuditEvent.action.in_(("draw.commit", "draw.reveal", "draw.inspectors", "team.replace"))
                )
                .order_by(AuditEvent.id)
            )
        )
        assert actions[-4:] == ["draw.commit", "draw.reveal", "draw.inspectors", "team.replace"]


async def test_another_department_gets_the_missing_task_page(
    session: AsyncSession, engine: AsyncEngine
) -> None:
    world = await build_world(session)
    async with browsers(session, engine) as b:
        stranger = await signed_in(b, world, "c_clerk")
        missing = await stranger.get("/dept/tasks/100000000")
        assert missing.status_code == 404
        got = await stranger.get(f"/dept/tasks/{world.task.id}")
        assert got.status_code == 404 and main_of(got.text) == main_of(missing.text)
        assert _links((await stranger.get("/dept/tasks")).text, r"/dept/tasks/\d+") == []


async def test_each_task_form_answers_every_caller_as_the_api_does(
    session: AsyncSession, engine: AsyncEngine
) -> None:
    world = await build_world(session)
    async with browsers(session, engine) as b:
        cases = [
            (
                f"/dept/tasks/{world.ids['task_fresh']}/commit",
                {"seedSha256": "ab" * 32},
                'r: commitDraw(taskId: $id, seedSha256: "' + "ab" * 32 + '")',
                {"id": to_base64("Task", world.ids["task_fresh"])},
                "/dept/tasks/100000000/commit",
                ["a_clerk", "a_admin"],
            ),
            (
                f"/dept/tasks/{world.ids['task_committed']}/reveal",
                {"seed": "committed-seed-0123456789"},
                'r: revealDraw(taskId: $id, seed: "committed-seed-0123456789")',
                {"id": to_base64("Task", world.ids["task_committed"])},
                "/dept/tasks/100000000/reveal",
                ["a_clerk", "a_admin"],
            ),
            (
                f"/dept/tasks/{world.ids['task_teamless']}/inspectors",
                {},
                "r: drawInspectors(taskId: $id)",
                {"id": to_base64("Task", world.ids["task_teamless"])},
                "/dept/tasks/100000000/inspectors",
                ["a_clerk", "a_admin"],
            ),
            (
                f"/dept/tasks/{world.task.id}/replace",
                {
                    "member": str(world.ids["member_b"]),
                    "replacement": str(world.ids["spare_b"]),
                    "reason": "health",
                    "approvedBy": "分管副局长",
                },
                'r: replaceInspector(teamMemberId: $id, replacementInspectorId: $by, reason: HEALTH, approvedBy: "分管副局长")',
                {
                    "id": to_base64("TeamMember", world.ids["member_b"]),
                    "by": to_base64("Inspector", world.ids["spare_b"]),
                },
                "/dept/tasks/100000000/replace",
                ["b_clerk", "b_admin"],
            ),
        ]
        for path, fields, mutation, variables, missing, allowed in cases:
            outcomes = await form_matrix(
                session,
                b,
                world.tokens,
                DEPARTMENT_CALLERS,
                path=path,
                fields=fields,
                mutation=mutation,
                variables=variables,
                missing_path=missing,
            )
            assert [w for w, o in outcomes.items() if o == ("ok", "")] == allowed, path
