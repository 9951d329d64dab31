"""`make run` for real: a served process with the demo data answers the README's queries."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.serving import free_port, serving

README = Path(__file__).resolve().parents[2] / "README.md"
LOGS: dict[str, Path] = {}  # the served process's stdout and stderr, by its address


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
    LOGS[base] = directory / "serve.log"
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


def _logged(served: str, wanted: int, predicate: object) -> list[dict[str, object]]:
    """The access log's JSON lines that match ``predicate``, once ``wanted`` are written (the
    writer thread may trail the answer a little)."""
    deadline = time.monotonic() + 10
    while True:
        lines = [json.loads(ln) for ln in LOGS[served].read_text().splitlines() if ln.startswith("{")]
        found = [line for line in lines if predicate(line)]  # type: ignore[operator]
        if len(found) >= wanted or time.monotonic() > deadline:
            return found
        time.sleep(0.1)


def test_the_served_process_writes_an_access_line_per_request_and_refusals_as_one_line(served: str) -> None:
    """A deployer running `gongshi serve` sees one JSON line per request on stderr, a hit too, with
    the request id the caller got back; an expected refusal is one line, not a traceback."""
    marker = uuid.uuid4().hex[:12]
    query = {"query": readme_queries()[0]}
    sent = []
    for number in range(3):  # the first runs, the repeats are answered by the hit layer
        answer = httpx.post(
            f"{served}/graphql", json=query, headers={"X-Request-ID": f"{marker}-{number}"}, timeout=30
        )
        assert answer.status_code == 200 and answer.headers["X-Request-ID"] == f"{marker}-{number}"
        sent.append(answer)
    refused = httpx.post(
        f"{served}/graphql",
        json={"query": "{ nothingHere }"},
        headers={"X-Request-ID": f"{marker}-refused"},
        timeout=30,
    )
    assert refused.status_code == 400
    lines = _logged(served, 4, lambda line: str(line.get("requestId", "")).startswith(marker))
    by_id = {str(line["requestId"]): line for line in lines}
    assert sorted(by_id) == sorted([f"{marker}-{n}" for n in range(3)] + [f"{marker}-refused"])
    for number, answer in enumerate(sent):
        line = by_id[f"{marker}-{number}"]
        assert line["method"] == "POST" and line["path"] == "/graphql" and line["status"] == 200
        assert line["bytes"] == answer.num_bytes_downloaded and int(str(line["cost"])) >= 1
        assert isinstance(line["ms"], float | int) and line["ms"] >= 0
        assert line["client"] == "127.0.0.1"
    assert any(by_id[f"{marker}-{n}"].get("hit") is True for n in (1, 2))
    assert by_id[f"{marker}-refused"]["status"] == 400
    # The refusal's line has a writer thread of its own (the gongshi logger's), which may trail
    # the access log's: wait for it as for the access lines.
    deadline = time.monotonic() + 10
    while True:
        text = LOGS[served].read_text()
        refusals = [ln for ln in text.splitlines() if "nothingHere" in ln and not ln.startswith("{")]
        if refusals or time.monotonic() > deadline:
            break
        time.sleep(0.1)
    assert len(refusals) == 1 and "INFO gongshi.graphql: refused GRAPHQL" in refusals[0]
    assert "Traceback" not in text
