"""A citizen's journeys in a real browser (headless Chromium), on the demo dataset."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Browser, Page, Route, ViewportSize, expect, sync_playwright

from tests.web.browser import FLAGS, SCREENSHOTS, Server, require_chromium, serve_demo
from web.ids import local_id

AXE = Path(__file__).with_name("assets") / "axe.min.js"
PHONE = ViewportSize(width=390, height=844)
DESKTOP = ViewportSize(width=1280, height=900)


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    require_chromium()
    yield from serve_demo(tmp_path_factory.mktemp("web-demo"))


@pytest.fixture(scope="module")
def browser(server: Server) -> Iterator[Browser]:
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=require_chromium(), args=FLAGS)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser: Browser, server: Server) -> Iterator[Page]:
    """A fresh page that records every host it asks for; the test fails if one is not the server."""
    context = browser.new_context(viewport=DESKTOP, locale="zh-CN")
    hosts: set[str] = set()
    context.on("request", lambda request: hosts.add(urlsplit(request.url).netloc))
    tab = context.new_page()
    tab.set_default_timeout(15000)
    yield tab
    context.close()
    assert hosts <= {urlsplit(server.base).netloc, ""}, hosts


def demo_entity(server: Server) -> dict:
    """The entity of the newest published result."""
    data = server.graphql("{ results(first: 1) { edges { node { entity { name creditCode } } } } }")
    return data["results"]["edges"][0]["node"]["entity"]


def test_a_partial_name_typed_on_the_home_page_reaches_the_entity(page: Page, server: Server) -> None:
    entity = demo_entity(server)
    partial = entity["name"][3:7]  # drop the county prefix: a name the citizen half remembers
    page.goto(server.base + "/")
    page.locator("#q").press_sequentially(partial, delay=30)
    suggestion = page.locator("#suggestions a", has_text=entity["name"])
    expect(suggestion).to_be_visible()
    suggestion.click()
    expect(page).to_have_url(f"{server.base}/entities/{entity['creditCode']}")
    expect(page.locator("h1")).to_have_text(entity["name"])


def test_search_works_with_javascript_off(browser: Browser, server: Server) -> None:
    entity = demo_entity(server)
    context = browser.new_context(java_script_enabled=False)
    tab = context.new_page()
    tab.goto(server.base + "/")
    tab.fill("#q", entity["name"][3:7])
    tab.click("button[type=submit]")
    expect(tab.locator("#count")).to_contain_text("找到")
    tab.locator(".results h3 a", has_text=entity["name"]).first.click()
    expect(tab.locator("h1")).to_have_text(entity["name"])
    context.close()


def test_a_code_with_a_wrong_check_character_offers_the_right_entity(page: Page, server: Server) -> None:
    entity = demo_entity(server)
    code = entity["creditCode"]
    wrong = code[:-1] + ("0" if code[-1] != "0" else "1")
    page.goto(server.base + "/")
    page.fill("#q", wrong)
    page.click("button[type=submit]")
    expect(page.locator(".notice")).to_contain_text("不是有效的统一社会信用代码")
    page.locator(".notice a", has_text=entity["name"]).click()
    expect(page).to_have_url(f"{server.base}/entities/{code}")


def test_a_facet_filter_makes_a_url_that_shows_the_same_page_to_someone_else(
    page: Page, browser: Browser, server: Server
) -> None:
    page.goto(server.base + "/search?q=" + "二手车")
    before = page.locator("#count strong").inner_text()
    facet = page.locator(".facets a", has_text="市场监督管理局").first
    facet.click()
    expect(page).to_have_url(re.compile(r"department=\d+"))
    narrowed = page.locator("#count strong").inner_text()
    assert int(narrowed) < int(before)
    shared = page.url
    other = browser.new_context().new_page()
    other.goto(shared)
    assert other.locator("#count strong").inner_text() == narrowed
    assert other.locator(".facets [aria-current]").count() == 1
    other.context.close()


def test_a_region_facet_drills_down_and_its_url_shows_the_same_page_to_someone_else(
    page: Page, browser: Browser, server: Server
) -> None:
    """Issue 15: filter by region (a province, then within it), then share the URL."""
    page.goto(server.base + "/search?q=" + "二手车")
    before = int(page.locator("#count strong").inner_text())
    province = page.locator("#region-facets a").first
    name, count = re.fullmatch(r"(.+)（(\d+)）", province.inner_text()).groups()  # type: ignore[union-attr]
    province.click()
    expect(page).to_have_url(re.compile(r"region=\d{2}(&|$)"))
    expect(page.locator("#region-trail [aria-current]")).to_have_text(name)
    assert int(page.locator("#count strong").inner_text()) == int(count) <= before
    inner = page.locator("#region-facets a").first
    inner_name, inner_count = re.fullmatch(r"(.+)（(\d+)）", inner.inner_text()).groups()  # type: ignore[union-attr]
    inner.click()
    expect(page).to_have_url(re.compile(r"region=\d{4,6}(&|$)"))
    assert int(page.locator("#count strong").inner_text()) == int(inner_count) <= int(count)
    shared = page.url
    other = browser.new_context().new_page()
    other.goto(shared)
    assert other.locator("#count strong").inner_text() == inner_count
    expect(other.locator("#region-trail")).to_contain_text(name)
    expect(other.locator("#region-trail [aria-current]")).to_have_text(inner_name)
    other.context.close()


def test_a_corrected_result_shows_every_version(page: Page, server: Server) -> None:
    found = server.graphql(
        "{ results(first: 100) { edges { node { id version history { version changeReason } } } } }"
    )
    corrected = next(e["node"] for e in found["results"]["edges"] if e["node"]["version"] > 1)
    pk = local_id(corrected["id"])
    page.goto(f"{server.base}/results/{pk}")
    versions = page.locator("li.version")
    expect(versions).to_have_count(len(corrected["history"]))
    expect(versions.nth(0)).to_contain_text("首次公示")
    expect(versions.nth(1)).to_contain_text("更正理由：" + corrected["history"][1]["changeReason"])


def test_a_result_versions_place_in_the_public_log_is_checked_in_the_browser(
    page: Page, server: Server
) -> None:
    """Issue 18: "recorded in the public log at #N", the inclusion proof and the signature checked by
    the page's own WebCrypto; a tampered proof on the page fails."""
    found = server.graphql(
        "{ results(first: 100) { edges { node { id version history { version logIndex } } } } }"
    )
    corrected = next(e["node"] for e in found["results"]["edges"] if e["node"]["version"] > 1)
    page.goto(f"{server.base}/results/{local_id(corrected['id'])}")
    for n, version in enumerate(corrected["history"]):
        box = page.locator("li.version").nth(n).locator(".log-proof")
        expect(box).to_contain_text(f"已记入公示日志第 {version['logIndex']} 条")
        box.locator("button").click()
        expect(box.locator(".log-result")).to_contain_text(
            f"核验通过：本版本已记入公示日志第 {version['logIndex']} 条"
        )
    # An audit path changed on the page (as a forged page would) no longer reaches the signed root.
    page.evaluate(
        """() => { const s = document.getElementById("proof-v1"); const p = JSON.parse(s.textContent);
        p.hashes[0] = btoa("x".repeat(32)); s.textContent = JSON.stringify(p); }"""
    )
    first = page.locator("li.version").nth(0).locator(".log-proof")
    first.locator("button").click()
    expect(first.locator(".log-result")).to_contain_text("核验未通过")


def test_verifying_a_draw_in_the_browser_and_a_tampered_list_failing(page: Page, server: Server) -> None:
    page.goto(server.base + "/tasks/1")
    page.click("#verify-button")
    expect(page.locator("#verify-result")).to_contain_text("复核通过")
    drawn = page.locator("#drawn li").count()
    expect(page.locator("#verify-result")).to_contain_text(f"{drawn} 个检查对象")

    def tamper(route: Route) -> None:
        original = route.fetch().text()
        lines = original.split("\n")
        route.fulfill(body="\n".join(lines[1:]), content_type="text/plain; charset=utf-8")

    page.route("**/draw/candidates.txt", tamper)
    page.reload()
    page.click("#verify-button")
    expect(page.locator("#verify-result")).to_contain_text("复核未通过")
    expect(page.locator("#verify-result")).to_contain_text("哈希值不一致")


def test_statistics_charts_and_tables_agree_with_the_api(page: Page, server: Server) -> None:
    api = server.graphql(
        "{ statistics { summary { departmentName results problemRatePercent } total { results }"
        " timeliness { departmentName onTime late } } }"
    )["statistics"]
    page.goto(server.base + "/statistics")
    for row in api["summary"]:
        line = page.locator(f'#summary tr[data-department="{row["departmentName"]}"]')
        assert line.locator('[data-col="results"]').inner_text() == str(row["results"])
        assert line.locator('[data-col="rate"]').inner_text() == f"{row['problemRatePercent']}%"
        bar = page.locator(f'#chart-results g[data-label="{row["departmentName"]}"]')
        assert bar.get_attribute("data-value") == str(row["results"])
    for row in api["timeliness"]:
        line = page.locator(f'#timeliness tr[data-department="{row["departmentName"]}"]')
        assert line.locator('[data-col="onTime"]').inner_text() == str(row["onTime"])
        assert line.locator('[data-col="late"]').inner_text() == str(row["late"])
        bar = page.locator(f'#chart-late g[data-label="{row["departmentName"]}"]')
        assert bar.get_attribute("data-value") == str(row["late"])
    assert page.locator("#summary tr.total [data-col=results]").inner_text() == str(api["total"]["results"])


def page_types(server: Server) -> dict[str, str]:
    """One URL of each page type."""
    entity = demo_entity(server)
    result = server.graphql("{ results(first: 1) { edges { node { id } } } }")["results"]["edges"][0]["node"]
    pk = local_id(result["id"])
    return {
        "home": "/",
        "search": "/search?q=" + entity["name"][3:7],
        "entity": f"/entities/{entity['creditCode']}",
        "result": f"/results/{pk}",
        "plans": "/plans",
        "tasks": "/tasks",
        "task": "/tasks/1",
        "statistics": "/statistics",
        "downloads": "/downloads",
        "api": "/api",
        "object": "/how-to-object",
        "not-found": "/no-such-page",
    }


@pytest.mark.parametrize("width", ["desktop", "phone"])
def test_every_page_type_has_no_axe_violations(page: Page, server: Server, width: str) -> None:
    page.set_viewport_size(DESKTOP if width == "desktop" else PHONE)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    problems: dict[str, list[str]] = {}
    for name, path in page_types(server).items():
        page.goto(server.base + path)
        page.screenshot(path=str(SCREENSHOTS / f"{name}-{width}.png"), full_page=True)
        page.add_script_tag(path=str(AXE))
        violations = page.evaluate(
            "async () => (await axe.run(document, {runOnly: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']}))"
            ".violations.map(v => v.id + ': ' + v.nodes.map(n => n.target.join(' ')).join(', '))"
        )
        if violations:
            problems[name] = violations
    assert problems == {}


def test_elder_mode_is_larger_and_passes_axe(page: Page, server: Server) -> None:
    page.goto(server.base + "/how-to-object")
    normal = page.evaluate("parseFloat(getComputedStyle(document.body).fontSize)")
    page.click(".elder-toggle")
    expect(page.locator("html")).to_have_class("elder")
    assert page.evaluate("parseFloat(getComputedStyle(document.body).fontSize)") >= normal * 1.2
    page.add_script_tag(path=str(AXE))
    assert page.evaluate("async () => (await axe.run()).violations.length") == 0
    page.screenshot(path=str(SCREENSHOTS / "elder-desktop.png"))
