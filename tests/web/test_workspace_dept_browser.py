"""The department's new pages in a real browser (headless Chromium), and axe on each page type.

The server is the real application on a SQLite file holding the mutation tests' world (results
published Wed 2021-12-01), clock pinned to Mon 2021-12-06 10:00 in China. One objection is filed
through the use case before the server starts, as the entity of rB_pub would file it, with a PDF
and a real PNG as evidence; its review is due Tue 2022-01-04 (国办发明电〔2021〕11号: 元旦 Jan 1-3).
"""

from __future__ import annotations

import asyncio
import hashlib
import sqlite3
import struct
import threading
import time
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
import uvicorn
from playwright.sync_api import Browser, FilePayload, Page, expect, sync_playwright

from api.app import create_app
from api.settings import Settings
from inspections.principals import entity_user
from objections import workflow
from objections.storage import EvidenceFile, EvidencePolicy, LocalDirectoryStorage
from schema.db import make_engine, make_sessionmaker
from schema.migrate import upgrade
from schema.models import InspectionResult
from tests.api.world import build_world
from tests.factories import CALENDAR
from tests.serving import free_port
from tests.web.browser import FLAGS, SCREENSHOTS, require_chromium
from tests.web.test_workspace_browser import AXE, DESKTOP, NOW, PDF, PHONE, shot

SEED = "部门自己保管的种子-2022-0123456789"


def png() -> bytes:
    """A real 2x2 PNG, so the browser decodes it (its pixels are a grey square)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    raw = b"".join(b"\x00" + b"\x80\x80\x80" * 2 for _ in range(2))
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", struct.pack(">IIBBBBB", 2, 2, 8, 2, 0, 0, 0))
        + chunk(b"IDAT", zlib.compress(raw))
        + chunk(b"IEND", b"")
    )


@dataclass
class Site:
    base: str
    database: Path
    tokens: dict[str, str]
    objection_id: int
    free_code: str  # the drawn entity without a result yet: a results import may enter one
    ids: dict[str, int]


async def _prepare(url: str, evidence: Path) -> tuple[dict[str, str], int, str, dict[str, int]]:
    engine = make_engine(url)
    async with make_sessionmaker(engine)() as session:
        world = await build_world(session)
        result = await session.get(InspectionResult, world.ids["rB_pub"])
        assert result is not None
        filed = await workflow.file_objection(
            session,
            by=entity_user(result.entity_id, "王经办"),
            result_id=result.id,
            grounds="检查当日店铺正常营业，并非无法联系，附营业执照和门店照片。",
            evidence=[EvidenceFile("营业执照.pdf", PDF), EvidenceFile("门店照片.png", png())],
            idempotency_key="browser-objection",
            now=NOW,
            calendar=CALENDAR,
            storage=LocalDirectoryStorage(str(evidence)),
            policy=EvidencePolicy(("application/pdf", "image/png"), 1024 * 1024, 3),
        )
        free = next(e.credit_code for e in world.entities if e.id == world.inspections[4].entity_id)
        await session.commit()
    await engine.dispose()
    return world.tokens, filed.id, free, {**world.ids, "task": world.task.id}


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    require_chromium()
    directory = tmp_path_factory.mktemp("dept-site")
    database = directory / "world.db"
    url = f"sqlite+aiosqlite:///{database}"
    upgrade(url)
    tokens, objection_id, free, ids = asyncio.run(_prepare(url, directory / "evidence"))
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
    yield Site(base, database, tokens, objection_id, free, ids)
    server.should_exit = True
    thread.join(timeout=20)


@pytest.fixture(scope="module")
def browser(site: Site) -> Iterator[Browser]:
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=require_chromium(), args=FLAGS)
        yield chromium
        chromium.close()


def signed_in(browser: Browser, site: Site, who: str) -> Page:
    """A department user pastes its token once, in a browser of its own."""
    tab = browser.new_context(viewport=DESKTOP, locale="zh-CN").new_page()
    tab.set_default_timeout(15000)
    tab.goto(site.base + "/dept")
    tab.fill("#token", site.tokens[who])
    tab.click("form.form button[type=submit]")
    expect(tab.locator("h1")).to_have_text("部门工作台")
    return tab


def audited(site: Site, action: str) -> list[tuple[str, str]]:
    with sqlite3.connect(site.database) as db:
        return list(
            db.execute("SELECT actor, object_id FROM audit_events WHERE action = ? ORDER BY id", (action,))
        )


def test_a_reviewer_decides_an_objection_after_opening_its_evidence(browser: Browser, site: Site) -> None:
    reviewer = signed_in(browser, site, "a_reviewer")
    row = reviewer.locator("#objection-work tbody tr").first
    expect(row).to_contain_text("签收")
    expect(row).to_contain_text("2022-01-04")
    shot(reviewer, "workspace-department-dashboard")
    row.locator("a").click()
    expect(reviewer.locator("h1")).to_contain_text("异议办理")
    # The picture is shown in the page: the browser fetched and decoded it.
    image = reviewer.locator("img.evidence-view")
    expect(image).to_have_attribute("alt", "证明材料：门店照片.png")
    reviewer.wait_for_function("() => document.querySelector('img.evidence-view').naturalWidth === 2")
    shot(reviewer, "workspace-department-objection")
    # The PDF opens in the browser (inline), from the audited route.
    link = reviewer.get_by_role("link", name="营业执照.pdf", exact=True)
    href = link.get_attribute("href")
    assert href
    with reviewer.expect_response(site.base + href) as opened:
        link.click()
    assert opened.value.status == 200  # shown in the browser's viewer (its headers: the HTTP tests)
    # The viewer wraps what it shows; the bytes behind the same link, with the same cookie:
    behind = reviewer.context.request.get(site.base + href)
    assert behind.body() == PDF and behind.headers["content-disposition"].startswith("inline;")
    reviewer.go_back()
    views = audited(site, "objection.evidence.download")
    assert {actor for actor, _ in views} == {views[0][0]} and "Areviewer" in views[0][0]
    assert len({file for _, file in views}) == 2  # both files were shown to the reviewer
    reviewer.click("text=签收异议")
    expect(reviewer.locator(".notice.ok")).to_contain_text("已签收")
    reviewer.click("text=开始复查")
    expect(reviewer.locator("#state")).to_have_text("复查中")
    reviewer.check("#decision-maintained")
    reviewer.click("text=作出复查结论")
    expect(reviewer.locator("#reasons-error")).to_contain_text("复查结论须说明理由")
    expect(reviewer.locator("#decision-maintained")).to_be_checked()
    reviewer.fill("#reasons", "营业执照与照片可证当日正常营业，但住所与登记不一致，维持原结果。")
    reviewer.click("text=作出复查结论")
    expect(reviewer.locator("#state")).to_have_text("维持原结果")
    expect(reviewer.locator("dl.facts")).to_contain_text("反馈期限")
    expect(reviewer.locator("dl.facts")).to_contain_text("2021-12-27")  # 15 working days from Dec 6
    reviewer.fill("#text", "经复查，维持原检查结果。")
    reviewer.click("text=发送反馈")
    expect(reviewer.locator("#state")).to_have_text("已反馈")
    expect(reviewer.locator("#answer")).to_contain_text("可以依法申请行政复议或者提起行政诉讼")
    reviewer.goto(site.base + "/dept")
    expect(reviewer.locator("#objection-work")).to_have_count(0)
    reviewer.context.close()


def test_an_import_with_a_bad_row_then_fixed(browser: Browser, site: Site, tmp_path: Path) -> None:
    clerk = signed_in(browser, site, "a_clerk")
    clerk.click("text=表格导入与导出")
    expect(clerk.locator("h1")).to_have_text("表格导入与导出")
    header = "任务ID,统一社会信用代码,抽查事项编码,检查结果,结果说明"
    bad = tmp_path / "结果.csv"
    bad.write_text(
        f"{header}\n{site.ids['task']},{site.free_code},W-A,没有问题,现场检查未发现问题\n", encoding="utf-8"
    )
    clerk.check("#kind-results")
    clerk.set_input_files("#file", str(bad))
    clerk.click("text=校验并导入")
    expect(clerk.locator("#import-refused")).to_contain_text("发现 1 处错误，整个文件未导入任何数据")
    cells = clerk.locator("#import-report tbody tr").first.locator("td")
    expect(cells.nth(0)).to_have_text("2")
    expect(cells.nth(1)).to_have_text("检查结果")
    shot(clerk, "workspace-department-import-report")
    fixed = tmp_path / "结果（改正）.csv"
    fixed.write_text(
        f"{header}\n{site.ids['task']},{site.free_code},W-A,未发现问题,现场检查未发现问题\n", encoding="utf-8"
    )
    clerk.check("#kind-results")
    clerk.set_input_files("#file", str(fixed))
    clerk.click("text=校验并导入")
    expect(clerk.locator(".notice.ok")).to_have_text("检查结果已全部导入，共 1 行。")
    clerk.goto(site.base + "/dept")
    expect(clerk.locator("#result-work")).to_contain_text("上报审核")
    clerk.context.close()


def test_without_javascript_the_commit_form_explains_how_to_compute_the_hash(
    browser: Browser, site: Site
) -> None:
    context = browser.new_context(viewport=DESKTOP, locale="zh-CN", java_script_enabled=False)
    tab = context.new_page()
    tab.goto(site.base + "/dept/sign-in")
    tab.fill("#token", site.tokens["a_admin"])
    tab.click("form.form button[type=submit]")
    tab.goto(site.base + "/dept/tasks")
    tab.click("text=尚未抽取的任务")
    expect(tab.locator("#seed-tools")).to_be_hidden()
    expect(tab.locator("#seed-manual")).to_be_visible()
    expect(tab.locator("#seed-manual")).to_contain_text("printf '%s' '您的种子' | sha256sum")
    expect(tab.locator("#seedSha256")).to_be_visible()
    context.close()


def test_a_draw_is_committed_with_a_hash_computed_in_the_browser_then_revealed(
    browser: Browser, site: Site
) -> None:
    clerk = signed_in(browser, site, "a_clerk")
    posted: list[str] = []
    clerk.on("request", lambda r: posted.append(r.post_data or "") if r.method == "POST" else None)
    clerk.click("text=抽查任务与抽取")
    clerk.click("text=尚未抽取的任务")
    expect(clerk.locator("#seed-tools")).to_be_visible()
    expect(clerk.locator("#seed-manual")).to_be_hidden()
    clerk.fill("#seed-local", SEED)
    digest = hashlib.sha256(SEED.encode()).hexdigest()
    expect(clerk.locator("#seedSha256")).to_have_value(digest)
    shot(clerk, "workspace-department-draw-commit")
    clerk.click("text=提交哈希承诺")
    expect(clerk.locator("#seed-hash")).to_have_text(digest)
    assert posted and all(SEED not in body and "seed-local" not in body for body in posted)
    assert any(digest in body for body in posted)
    clerk.fill("#seed", SEED)
    clerk.click("text=揭示种子并抽取")
    expect(clerk.locator("#draw-state")).to_contain_text("名单已锁定")
    expect(clerk.locator("article.inspection").first).to_be_visible()
    clerk.get_by_role("button", name="抽取执法检查人员").click()
    expect(clerk.locator(".notice.ok")).to_contain_text("已随机抽取执法检查人员")
    shot(clerk, "workspace-department-task")
    clerk.context.close()


def _import_refused(tab: Page, site: Site) -> None:
    tab.goto(site.base + "/dept/import")
    tab.check("#kind-entities")
    bad = "统一社会信用代码,名称\n1,2\n".encode()
    payload: FilePayload = {"name": "坏.csv", "mimeType": "text/csv", "buffer": bad}
    tab.set_input_files("#file", files=[payload])
    tab.click("text=校验并导入")
    expect(tab.locator("#import-report")).to_be_visible()


def _recognition_record(tab: Page, site: Site) -> None:
    tab.goto(site.base + "/dept/recognition")
    with sqlite3.connect(site.database) as db:
        (code,) = db.execute(
            "SELECT e.credit_code FROM entities e JOIN inspection_results r ON r.entity_id = e.id WHERE r.id = ?",
            (site.ids["rA_pub"],),
        ).fetchone()
    tab.fill("#creditCode", code)
    tab.click("form.form button[type=submit]")
    expect(tab.locator("#record")).to_be_visible()


@pytest.fixture(scope="module")
def dept_pages(browser: Browser, site: Site) -> list[tuple[str, Page, str]]:
    """One URL (or a form to post) of each new department page type, in a browser that sees it."""
    return [
        ("department-dashboard", signed_in(browser, site, "a_reviewer"), "/dept"),
        ("department-objection", signed_in(browser, site, "b_head"), f"/dept/objections/{site.objection_id}"),
        (
            "department-follow-up",
            signed_in(browser, site, "b_clerk"),
            f"/dept/results/{site.ids['rB_review']}",
        ),
        ("department-tasks", signed_in(browser, site, "a_admin"), "/dept/tasks"),
        ("department-task", signed_in(browser, site, "b_clerk"), f"/dept/tasks/{site.ids['task']}"),
        (
            "department-draw-commit",
            signed_in(browser, site, "a_clerk"),
            f"/dept/tasks/{site.ids['task_fresh']}",
        ),
        ("department-import-report", signed_in(browser, site, "a_clerk"), "import"),
        ("department-recognition", signed_in(browser, site, "c_reviewer"), "recognition"),
    ]


@pytest.mark.parametrize("width", ["desktop", "phone"])
def test_every_new_department_page_type_has_no_axe_violations(
    dept_pages: list[tuple[str, Page, str]], site: Site, width: str
) -> None:
    problems: dict[str, list[str]] = {}
    for name, tab, path in dept_pages:
        tab.set_viewport_size(DESKTOP if width == "desktop" else PHONE)
        if path == "import":
            _import_refused(tab, site)  # the page with the report answers the post
        elif path == "recognition":
            _recognition_record(tab, site)
        else:
            tab.goto(site.base + path)
        assert tab.locator("h1").count() == 1 and "/sign-in" not in tab.url, (name, tab.url)
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
