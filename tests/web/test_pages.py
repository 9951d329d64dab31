"""The website's pages through the whole ASGI stack, on SQLite and PostgreSQL (no browser needed)."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import httpx
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from api.graphql.schema import MAX_ALIASES, MAX_DEPTH
from inspections import plans, results
from schema.models import Entity
from tests import factories
from tests.api.conftest import app_client
from web.site import FINGERPRINTS, static_url

SCHEMA_FILE = Path(__file__).parents[2] / "api" / "graphql" / "schema.graphql"


def links(html: str) -> list[str]:
    """Every src and href of a page."""
    return re.findall(r'(?:src|href)="([^"]*)"', html)


async def test_home_lists_the_latest_results_in_html_and_names_no_other_host(
    session: AsyncSession, client: httpx.AsyncClient
) -> None:
    joint = await factories.joint_task(session, entities=2)
    response = await client.get("/")
    assert response.status_code == 200
    html = response.text
    for entity in joint.entities:
        assert entity.name in html and f"/entities/{entity.credit_code}" in html
    for result in joint.results:
        assert f'href="/results/{result.id}"' in html
    assert '<link rel="canonical" href="/">' in html and 'lang="zh-CN"' in html
    # Every address on the page is this server's own (or an inline data: icon).
    assert all(link.startswith(("/", "#", "data:")) for link in links(html)), links(html)


async def test_a_credit_code_goes_to_the_entity_and_a_wrong_check_character_offers_it(
    session: AsyncSession, client: httpx.AsyncClient
) -> None:
    joint = await factories.joint_task(session, entities=1)
    code = joint.entities[0].credit_code
    straight = await client.get("/search", params={"q": code})
    assert (straight.status_code, straight.headers["location"]) == (303, f"/entities/{code}")
    wrong = code[:-1] + ("0" if code[-1] != "0" else "1")
    offered = await client.get("/search", params={"q": wrong})
    assert offered.status_code == 200
    assert "不是有效的统一社会信用代码" in offered.text
    assert f'<a href="/entities/{code}">{joint.entities[0].name}' in offered.text


async def test_search_facets_are_links_that_keep_the_query(
    session: AsyncSession, client: httpx.AsyncClient
) -> None:
    joint = await factories.joint_task(session, entities=2)
    page = await client.get("/search", params={"q": "鑫达"})
    assert "找到 <strong>4</strong> 条检查结果" in page.text
    department = joint.participating
    link = f"/search?q=%E9%91%AB%E8%BE%BE&amp;department={department.id}"
    assert f'<a href="{link}">{department.name}（2）</a>' in page.text
    narrowed = await client.get(link.replace("&amp;", "&"))
    assert "找到 <strong>2</strong> 条检查结果" in narrowed.text
    assert f'<link rel="canonical" href="{link}">' in narrowed.text


async def test_suggestions_name_entities_and_their_codes(
    session: AsyncSession, client: httpx.AsyncClient
) -> None:
    joint = await factories.joint_task(session, entities=2)
    fragment = (await client.get("/search/suggest", params={"q": "鑫达1号"})).text
    first = joint.entities[1]
    assert f'<a href="/entities/{first.credit_code}">{first.name} <span class="code">' in fragment
    assert "<html" not in fragment
    assert (await client.get("/search/suggest", params={"q": "鑫"})).text.strip() == ""


async def test_entity_page_shows_corrections_and_a_running_objection(
    session: AsyncSession, client: httpx.AsyncClient, tmp_path: Path
) -> None:
    joint = await factories.joint_task(session, entities=1)
    corrected, objected = joint.results
    await results.correct_result(
        session,
        by=factories.TEST,
        result_id=corrected.id,
        category_codes=["UNREACHABLE"],
        description="住所无法联系",
        reason="经复核，原录入有误",
        today=date(2021, 12, 10),
        approved_by="局长",
    )
    await factories.objection(session, objected, "web-objection-1", storage_dir=tmp_path)
    html = (await client.get(f"/entities/{joint.entities[0].credit_code}")).text
    assert "已公示的检查结果（2）" in html
    assert "更正记录（共 1 次更正）" in html
    assert "更正理由：经复核，原录入有误" in html and "2021-12-10" in html
    assert html.count("异议处理中") == 1
    assert "通过登记的住所（经营场所）无法联系" in html  # the category's label
    assert "按登记的住所或经营场所找不到该主体" in html  # and its plain explanation
    result_page = (await client.get(f"/results/{corrected.id}")).text
    assert result_page.count('class="version"') == 2
    assert "第1版" in result_page and "第2版" in result_page


async def test_unknown_pages_and_entities_are_chinese_404s(client: httpx.AsyncClient) -> None:
    for path in ("/no/such/page", "/entities/91530000MA6K0L2X5T", "/results/999999", "/tasks/999999"):
        response = await client.get(path)
        assert response.status_code == 404, path
        assert "<h1>页面不存在</h1>" in response.text and "Traceback" not in response.text
    invalid = await client.get("/entities/123")
    assert invalid.status_code == 404 and "不是有效的统一社会信用代码" in invalid.text


async def test_the_rate_limit_answers_with_a_chinese_429_page(
    session: AsyncSession, engine: AsyncEngine
) -> None:
    async with app_client(session, engine, anonymous_rate_limit="2/minute") as http:
        assert [(await http.get("/how-to-object")).status_code for _ in range(2)] == [200, 200]
        refused = await http.get("/how-to-object")
    assert refused.status_code == 429
    assert refused.headers["content-type"].startswith("text/html")
    assert "<h1>请求过于频繁</h1>" in refused.text
    assert int(refused.headers["retry-after"]) >= 1


async def test_static_files_are_fingerprinted_and_immutable(client: httpx.AsyncClient) -> None:
    css = await client.get(static_url("site.css"))
    assert css.status_code == 200 and "immutable" in css.headers["cache-control"]
    assert css.headers["content-type"] == "text/css; charset=utf-8"
    stale = await client.get("/static/000000000000/site.css")
    assert stale.status_code == 404
    assert {"vendor/htmx.min.js", "vendor/graphiql.min.js", "vendor/htmx.LICENSE"} <= set(FINGERPRINTS)


async def test_api_page_shows_the_schema_and_the_limits_in_force(client: httpx.AsyncClient) -> None:
    html = (await client.get("/api")).text
    for name in re.findall(r"^type (\w+)", SCHEMA_FILE.read_text(), flags=re.M):
        assert f"type {name}" in html, name
    # The page states the limits the schema applies; a change there must change the page.
    assert (MAX_DEPTH, MAX_ALIASES) == (10, 30)
    assert f"查询深度不超过 {MAX_DEPTH} 层，别名不超过 {MAX_ALIASES} 个" in html
    assert "每个网络地址 120 次/分钟" in html
    graphiql = await client.get("/api/graphiql")
    assert static_url("vendor/graphiql.min.js") in graphiql.text
    assert all(link.startswith(("/", "#", "data:")) for link in links(graphiql.text))


async def test_elder_mode_is_a_cookie_set_by_a_plain_link(client: httpx.AsyncClient) -> None:
    on = await client.get("/settings/elder", params={"on": "1", "next": "/downloads"})
    assert (on.status_code, on.headers["location"]) == (303, "/downloads")
    assert '<html lang="zh-CN" class="elder">' in (await client.get("/downloads")).text
    away = await client.get("/settings/elder", params={"on": "0", "next": "//evil.example/"})
    assert away.headers["location"] == "/"
    assert 'class="elder"' not in (await client.get("/downloads")).text


async def test_a_plan_published_after_its_deadline_is_marked_late(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    """seed 002 art.6: 云南's plans are due by the end of March; one published on 3 April is late."""
    department = await factories.department(session, "楚雄市市场监督管理局", "532301")
    for title, published in (("2025年度按时计划", date(2025, 3, 31)), ("2025年度逾期计划", date(2025, 4, 3))):
        plan = await plans.create_plan(
            session, by=factories.TEST, department_id=department.id, year=2025, title=title
        )
        await plans.publish_plan(
            session, by=factories.TEST, plan_id=plan.id, today=published, deadline=date(2025, 3, 31)
        )
    html = (await client.get("/plans", params={"year": "2025"})).text
    articles = [a.split("</article>")[0] for a in html.split('<article class="card">')[1:]]
    cards = {a.split("<h2>")[1].split("</h2>")[0]: a for a in articles}
    on_time, late = cards["2025年度按时计划"], cards["2025年度逾期计划"]
    assert "逾期公布" not in on_time and "截止日期 2025-03-31" in on_time
    assert "<strong>逾期公布</strong>：晚于本辖区规定的截止日期 2025-03-31" in late
    api = await client.post(
        "/graphql",
        json={
            "query": "{ plans(year: 2025) { edges { node { title publishedLate publicationDeadline } } } }"
        },
    )
    assert sorted(
        (e["node"]["title"], e["node"]["publishedLate"], e["node"]["publicationDeadline"])
        for e in api.json()["data"]["plans"]["edges"]
    ) == [
        ("2025年度按时计划", False, "2025-03-31"),
        ("2025年度逾期计划", True, "2025-03-31"),
    ]


async def test_a_query_only_partly_matched_says_which_words_were_found(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    """Issue 15/17: "鑫达 乾坤" finds no result with both words; the page names the word it found."""
    await factories.joint_task(session, entities=2)
    partial = (await client.get("/search", params={"q": "鑫达 乾坤"})).text
    assert "只匹配了：<mark>鑫达</mark>。其余的词没有找到。" in partial
    whole = (await client.get("/search", params={"q": "鑫达 二手车"})).text
    assert "只匹配了" not in whole and "鑫达" in whole
    api = await client.post(
        "/graphql",
        json={
            "query": '{ a: search(query: "鑫达 乾坤") { matchedTerms allTermsMatched totalCount } '
            'b: search(query: "鑫达 二手车") { matchedTerms allTermsMatched } }'
        },
    )
    data = api.json()["data"]
    assert data["a"]["matchedTerms"] == ["鑫达"] and data["a"]["allTermsMatched"] is False
    assert data["a"]["totalCount"] > 0
    assert sorted(data["b"]["matchedTerms"]) == ["二手车", "鑫达"] and data["b"]["allTermsMatched"] is True
    # Nothing found: no word matched. A credit code has no words: vacuously all of them.
    code = await session.scalar(sa.select(Entity.credit_code).limit(1))
    api = await client.post(
        "/graphql",
        json={
            "query": "query ($code: String!) { "
            'c: search(query: "甄嬛 乾坤") { matchedTerms allTermsMatched totalCount } '
            "d: search(query: $code) { matchedTerms allTermsMatched totalCount entity { creditCode } } }",
            "variables": {"code": code},
        },
    )
    data = api.json()["data"]
    assert data["c"] == {"matchedTerms": [], "allTermsMatched": False, "totalCount": 0}
    assert data["d"]["matchedTerms"] == [] and data["d"]["allTermsMatched"] is True
    assert data["d"]["totalCount"] > 0 and data["d"]["entity"] == {"creditCode": code}


async def test_the_region_facet_drills_down_by_links_and_the_url_carries_the_region(
    session: AsyncSession, client: httpx.AsyncClient
) -> None:
    """Issue 15: region facets as links (province, then prefecture, then county), shareable by URL."""
    for region, count in (("532325", 2), ("532301", 1), ("370102", 1)):
        names = [f"琥珀港{region}测{n}号商行" for n in range(count)]
        await factories.joint_task(session, region=region, names=names)
    q = "%E7%90%A5%E7%8F%80%E6%B8%AF"  # 琥珀港
    page = (await client.get("/search", params={"q": "琥珀港"})).text
    assert "找到 <strong>8</strong> 条检查结果" in page
    assert f'<a href="/search?q={q}&amp;region=53">云南省（6）</a>' in page
    assert f'<a href="/search?q={q}&amp;region=37">山东省（2）</a>' in page
    province = (await client.get(f"/search?q={q}&region=53")).text
    assert "找到 <strong>6</strong> 条检查结果" in province
    assert f'<link rel="canonical" href="/search?q={q}&amp;region=53">' in province
    assert '<strong aria-current="true">云南省</strong>' in province
    assert f'<a href="/search?q={q}&amp;region=5323">楚雄彝族自治州（6）</a>' in province
    assert "山东省（" not in province
    prefecture = (await client.get(f"/search?q={q}&region=5323")).text
    assert (
        f'<a href="/search?q={q}&amp;region=53">云南省</a> › <strong aria-current="true">楚雄彝族自治州</strong>'
        in prefecture
    )
    assert f'<a href="/search?q={q}&amp;region=532325">姚安县（4）</a>' in prefecture
    assert f'<a href="/search?q={q}&amp;region=532301">楚雄市（2）</a>' in prefecture
    county = (await client.get(f"/search?q={q}&region=532301")).text
    assert "找到 <strong>2</strong> 条检查结果" in county
    assert '<strong aria-current="true">楚雄市</strong>' in county
    assert f'<a href="/search?q={q}">取消<span class="sr">楚雄市</span></a>' in county
    # A region code that is not 2, 4 or 6 digits: a Chinese refusal, not a 500.
    wrong = await client.get(f"/search?q={q}&region=5")
    assert wrong.status_code == 400 and "行政区划" in wrong.text
