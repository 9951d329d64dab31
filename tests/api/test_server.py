"""`make run` for real: a served process with the demo data answers the README's queries."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.serving import free_port, serving

README = Path(__file__).resolve().parents[2] / "README.md"


def readme_queries() -> list[str]:
    """The GraphQL blocks of the README's "Three queries a citizen's page sends" section."""
    text = README.read_text(encoding="utf-8")
    section = text.split("## Three queries a citizen's page sends", 1)[1].split("\n## ", 1)[0]
    return re.findall(r"```graphql\n(.*?)```", section, flags=re.DOTALL)


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """`gongshi demo` then `gongshi serve` on a fresh SQLite file, as `make run` does."""
    directory = tmp_path_factory.mktemp("served")
    port = free_port()
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{directory / 'gongshi.db'}",
        "GONGSHI_PORT": str(port),
    }
    cli = [sys.executable, "-m", "api.cli"]
    subprocess.run([*cli, "demo"], env=env, cwd=directory, check=True, capture_output=True, timeout=300)
    base = f"http://127.0.0.1:{port}"
    with serving(env, directory, base):
        yield base


def test_readme_has_three_queries() -> None:
    assert len(readme_queries()) == 3


@pytest.mark.parametrize("number", [0, 1, 2])
def test_readme_query_answers_with_demo_data(served: str, number: int) -> None:
    response = httpx.post(f"{served}/graphql", json={"query": readme_queries()[number]}, timeout=30)
    assert response.status_code == 200
    body = response.json()
    assert "errors" not in body, body
    data = body["data"]
    if number == 0:
        assert data["results"]["totalCount"] > 0
        assert all(e["node"]["entity"]["creditCode"].startswith("9") for e in data["results"]["edges"])
    elif number == 1:
        assert data["entity"]["name"] == "姚安县瑞福汽车信息咨询服务部"
        histories = [e["node"]["history"] for e in data["entity"]["results"]["edges"]]
        assert any(len(h) == 2 and h[1]["changeReason"] for h in histories)
    else:
        names = {e["node"]["name"] for e in data["tasks"]["edges"]}
        assert "2021年度二手车市场监管“双随机、一公开”联合抽查" in names
        assert all(e["node"]["resultSummary"]["published"] > 0 for e in data["tasks"]["edges"])


def test_served_page_is_graphiql(served: str) -> None:
    page = httpx.get(f"{served}/graphql", headers={"accept": "text/html"}, timeout=10, follow_redirects=True)
    assert page.status_code == 200 and "graphiql" in page.text.lower()
