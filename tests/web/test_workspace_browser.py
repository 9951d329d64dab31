"""The workspaces in a real browser (headless Chromium): an entity's journey, and axe on every page type.

The server is the real application (uvicorn in a thread) on a SQLite file holding the mutation
tests' world (results published Wed 2021-12-01), with its clock pinned to Mon 2021-12-06 10:00 in
China, so the 60-day window is open and every date on the pages is known. The activation code is
issued in the test through the use case, as a department's clerk would at the counter.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest
import uvicorn
from playwright.sync_api import Browser, Page, ViewportSize, expect, sync_playwright

from api.app import create_app
from api.settings import Settings
from inspections import activation
from inspections.principals import Role, department_user
from schema.db import make_engine, make_sessionmaker
from schema.migrate import upgrade
from schema.models import InspectionResult
from tests.api.world import World, build_world
from tests.serving import free_port
from tests.web.browser import FLAGS, SCREENSHOTS, require_chromium

AXE = Path(__file__).with_name("assets") / "axe.min.js"
DOCS = Path(__file__).parents[2] / "docs"
PHONE = ViewportSize(width=390, height=844)
DESKTOP = ViewportSize(width=1280, height=900)
NOW = datetime(2021, 12, 6, 2, 0, tzinfo=UTC)  # Mon 2021-12-06 10:00 in China
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


@dataclass
class Site:
    """The served world: its base URL, and what the test knows to type (as a person holds it)."""

    base: str
    credit_code: str
    entity_name: str
    activation_code: str
    stranger_code: str
    stranger_credit_code: str
    tokens: dict[str, str]


async def _prepare(url: str) -> tuple[World, str, str, str, str]:
    engine = make_engine(url)
    async with make_sessionmaker(engine)() as session:
        world = await build_world(session)
        result = await session.get(InspectionResult, world.ids["rA_pub"])
        assert result is not None
        owner = next(e for e in world.entities if e.id == result.entity_id)
        other = await session.get(InspectionResult, world.ids["rA_pub2"])  # another entity's result
        assert other is not None and other.entity_id != result.entity_id
        stranger = next(e for e in world.entities if e.id == other.entity_id)
        clerk = department_user(world.b.id, Role.CLERK, "录入员")
        codes = [
            (
                await activation.issue_activation_code(
                    session, by=clerk, entity_credit_code=e.credit_code, valid_days=30, now=NOW
                )
            ).code
            for e in (owner, stranger)
        ]
        await session.commit()
    await engine.dispose()
    return world, owner.credit_code, owner.name, codes[0], codes[1] + "|" + stranger.credit_code


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    require_chromium()
    directory = tmp_path_factory.mktemp("workspace-site")
    url = f"sqlite+aiosqlite:///{directory / 'world.db'}"
    upgrade(url)
    world, code, name, activation_code, stranger = asyncio.run(_prepare(url))
    settings = Settings(database_url=url, rate_limits_enabled=False, evidence_dir=str(directory / "evidence"))
    app = create_app(settings, clock=lambda: NOW)
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    base = f"http://127.0.0.1:{port}"
    for _ in range(300):
        try:
            if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                break
        except httpx.TransportError:
            time.sleep(0.1)
    stranger_code, stranger_credit = stranger.split("|")
    yield Site(base, code, name, activation_code, stranger_code, stranger_credit, world.tokens)
    server.should_exit = True
    thread.join(timeout=20)


@pytest.fixture(scope="module")
def browser(site: Site) -> Iterator[Browser]:
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=require_chromium(), args=FLAGS)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(viewport=DESKTOP, locale="zh-CN")
    tab = context.new_page()
    tab.set_default_timeout(15000)
    yield tab
    context.close()


def shot(page: Page, name: str) -> None:
    """A screenshot for the README in build/screenshots; copied to docs/, where the README shows it,
    only when GONGSHI_UPDATE_DOCS=1 (the world's names and codes are random, so a plain test run
    leaves the committed pictures alone)."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    if os.environ.get("GONGSHI_UPDATE_DOCS") == "1":
        shutil.copyfile(path, DOCS / f"{name}.png")


def sign_in_entity(page: Page, site: Site, code: str, credit_code: str) -> None:
    page.goto(site.base + "/my")  # a signed-out visitor is sent to the sign-in form
    expect(page.locator("h1")).to_have_text("被检查对象登录")
    page.fill("#creditCode", credit_code)
    page.fill("#code", code)
    page.fill("#holderName", "王经办")


def test_an_entity_from_activation_code_to_a_filed_objection_and_reading_its_state(
    page: Page, site: Site, tmp_path: Path
) -> None:
    sign_in_entity(page, site, site.activation_code, site.credit_code)
    shot(page, "workspace-entity-sign-in")
    page.click("button[type=submit]")
    expect(page.locator("h1")).to_have_text("登录成功")
    assert page.input_value("#token").startswith("gs_")
    page.click("text=继续")
    expect(page.locator("h1")).to_have_text("我的检查结果")
    expect(page.locator(".account")).to_contain_text("经办人 王经办")
    shot(page, "workspace-entity-results")
    page.locator("article.card h2 a").first.click()
    expect(page.locator("dl.facts")).to_contain_text("2022-01-30")
    page.click("text=对这条结果提出异议")
    expect(page.locator("h1")).to_have_text("提出异议")
    expect(page.locator("#evidence-hint")).to_contain_text("最多 10 个，每个不超过 10MB")
    page.fill("#grounds", "检查当日店铺正常营业，住所可以联系，附营业执照和门店照片。")
    (tmp_path / "营业执照.pdf").write_bytes(PDF)
    (tmp_path / "门店照片.png").write_bytes(PNG)
    page.set_input_files("#evidence", [str(tmp_path / "营业执照.pdf"), str(tmp_path / "门店照片.png")])
    shot(page, "workspace-entity-objection-form")
    page.dblclick("text=确认提交异议")  # an impatient double click files once
    expect(page.locator("h1")).to_have_text("异议详情")
    expect(page.locator(".notice.ok")).to_contain_text("异议已提交（2021-12-06）")
    expect(page.locator("#state")).to_have_text("已提交")
    expect(page.locator("dl.facts")).to_contain_text("剩余 20 个工作日")
    expect(page.locator("dl.facts")).to_contain_text("2022-01-04")
    shot(page, "workspace-entity-objection")
    # Reading its state later: from the list of my objections.
    page.click("text=我的异议")
    rows = page.locator("tbody tr")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("已提交")
    expect(rows.first).to_contain_text("复查期限 2022-01-04")
    rows.first.locator("a").click()
    links = page.locator("a[href*='/evidence/']")
    expect(links).to_have_count(2)
    expect(links.nth(0)).to_have_text("营业执照.pdf")
    expect(links.nth(1)).to_have_text("门店照片.png")
    with page.expect_download() as download:
        links.nth(0).click()
    assert Path(download.value.path()).read_bytes() == PDF
    page.click("text=退出登录")
    page.goto(site.base + "/my/objections")
    expect(page.locator("h1")).to_have_text("被检查对象登录")


def sign_in_department(browser: Browser, site: Site, who: str) -> Page:
    """A department user pastes its token once, in a browser of its own."""
    tab = browser.new_context(viewport=DESKTOP, locale="zh-CN").new_page()
    tab.set_default_timeout(15000)
    tab.goto(site.base + "/dept")
    expect(tab.locator("h1")).to_have_text("部门登录")
    tab.fill("#token", site.tokens[who])
    tab.click("form.form button[type=submit]")
    expect(tab.locator("h1")).to_have_text("部门工作台")
    return tab


def test_a_clerk_and_two_reviewers_take_a_result_through_return_revision_and_approval(
    browser: Browser, site: Site
) -> None:
    clerk = sign_in_department(browser, site, "b_clerk")
    shot(clerk, "workspace-department-work-list")
    clerk.locator("tbody tr", has_text="上报审核").first.locator("a").click()
    target = clerk.url.removeprefix(site.base)
    clerk.click("form[action$='/submit'] button")
    expect(clerk.locator("#status")).to_have_text("审核中")
    lead = sign_in_department(browser, site, "a_reviewer")
    lead.locator(f"tbody a[href='{target}']").click()
    shot(lead, "workspace-department-review")
    lead.fill("#reason", "缺少现场照片")
    lead.click("text=退回检查小组")
    expect(lead.locator("#status")).to_have_text("已退回")
    clerk.goto(site.base + "/dept")
    row = clerk.locator("tbody tr", has=clerk.locator(f"a[href='{target}']"))
    expect(row).to_contain_text("修改后重新上报")
    row.locator("a").click()
    expect(clerk.locator("#note")).to_have_text("缺少现场照片")
    clerk.fill("#description-input", "补充现场照片后复核：未发现问题")
    clerk.click("text=保存修改")
    expect(clerk.locator(".notice.ok")).to_contain_text("已保存修改")
    clerk.click("form[action$='/submit'] button")
    expect(clerk.locator("#status")).to_have_text("审核中")
    own = sign_in_department(browser, site, "b_reviewer")
    own.locator(f"tbody a[href='{target}']").click()
    own.click("text=审核通过")
    expect(own.locator(".notice.ok")).to_contain_text("等待另一部门审核")
    lead.goto(site.base + "/dept")
    lead.locator(f"tbody a[href='{target}']").click()
    lead.click("text=审核通过")
    expect(lead.locator("#status")).to_have_text("已公示")
    expect(lead.locator("#description")).to_have_text("补充现场照片后复核：未发现问题")
    shot(lead, "workspace-department-published")
    for tab in (clerk, lead, own):
        tab.context.close()


@pytest.fixture(scope="module")
def workspace_pages(browser: Browser, site: Site) -> list[tuple[str, Page, str]]:
    """One URL of each workspace page type, each in a browser of the principal that sees it."""
    entity = browser.new_context(locale="zh-CN").new_page()
    sign_in_entity(entity, site, site.stranger_code, site.stranger_credit_code)
    entity.click("button[type=submit]")
    expect(entity.locator("h1")).to_have_text("登录成功")
    entity.goto(site.base + "/my")
    result = entity.locator("article.card h2 a").first.get_attribute("href")
    assert result
    entity.goto(site.base + result + "/objection")
    entity.fill("#grounds", "理由")
    entity.click("text=确认提交异议")
    expect(entity.locator("h1")).to_have_text("异议详情")
    objection = entity.url.split("?")[0].removeprefix(site.base)
    signed_out = browser.new_context(locale="zh-CN").new_page()
    department = sign_in_department(browser, site, "a_reviewer")
    to_review = department.locator("#result-work tbody tr a").first.get_attribute("href")
    clerk = sign_in_department(browser, site, "b_clerk")
    to_revise = clerk.locator("tbody tr", has_text="修改后重新上报").first.locator("a").get_attribute("href")
    assert to_review and to_revise
    return [
        ("entity-sign-in", signed_out, "/my/sign-in"),
        ("department-sign-in", signed_out, "/dept/sign-in"),
        ("my-results", entity, "/my"),
        ("my-result", entity, result),
        ("my-objection-form", entity, result + "/objection"),
        ("my-objections", entity, "/my/objections"),
        ("my-objection", entity, objection),
        ("sessions", entity, "/account/sessions"),
        ("department-home", department, "/dept"),
        ("department-review", department, to_review),
        ("department-revise", clerk, to_revise),
    ]


@pytest.mark.parametrize("width", ["desktop", "phone"])
def test_every_workspace_page_type_has_no_axe_violations(
    workspace_pages: list[tuple[str, Page, str]], site: Site, width: str
) -> None:
    problems: dict[str, list[str]] = {}
    for name, tab, path in workspace_pages:
        tab.set_viewport_size(DESKTOP if width == "desktop" else PHONE)
        tab.goto(site.base + path)
        assert "/sign-in" not in tab.url or "sign-in" in name, (name, tab.url)
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        tab.screenshot(path=str(SCREENSHOTS / f"workspace-{name}-{width}.png"), full_page=True)
        tab.add_script_tag(path=str(AXE))
        violations = tab.evaluate(
            "async () => (await axe.run(document, {runOnly: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']}))"
            ".violations.map(v => v.id + ': ' + v.nodes.map(n => n.target.join(' ')).join(', '))"
        )
        if violations:
            problems[name] = violations
    assert problems == {}
