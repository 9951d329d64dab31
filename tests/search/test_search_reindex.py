"""Full rebuilds of the database index, and the commands that run them."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from api.cli import main
from inspections import results
from schema.models import SearchDocument
from search.backends.base import SearchRequest
from search.query import parse_query
from search.reindex import rebuild_database
from search.service import DATABASE
from tests import factories


async def _ids(session: AsyncSession, query: str) -> set[int]:
    parsed = parse_query(query)
    found = await DATABASE.search(session, SearchRequest(parsed.tokens, parsed.name_key))
    return {hit.result_id for hit in found.hits}


async def test_rebuild_gives_the_same_answers_and_drops_superseded_versions(session: AsyncSession) -> None:
    joint = await factories.joint_task(session, entities=3, categories=("NO_PROBLEM",))
    await results.correct_result(
        session,
        by=factories.TEST,
        result_id=joint.results[0].id,
        category_codes=["ORDERED_TO_CORRECT"],
        description="已责令改正",
        reason="经复查，原结果有误",
        approved_by="局长",
        today=date(2021, 12, 20),
    )
    before = {q: await _ids(session, q) for q in ("鑫达", "责令改正", "未发现问题", "县市场监管局")}
    assert before["责令改正"] == {joint.results[0].id}
    assert await rebuild_database(session) == len(joint.results)
    after = {q: await _ids(session, q) for q in before}
    assert after == before
    count = await session.scalar(sa.select(sa.func.count()).select_from(SearchDocument))
    assert count == len(joint.results)
    if session.get_bind().dialect.name == "sqlite":
        # The corrected result's first version is gone from the full-text table too.
        rows = await session.scalar(
            sa.text("SELECT count(*) FROM search_fts WHERE search_fts MATCH '\"鑫达\"'")
        )
        assert rows == len(joint.results)


def test_reindex_and_status_commands(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    monkeypatch.setenv("DATABASE_URL", url)
    monkeypatch.delenv("ELASTICSEARCH_URL", raising=False)
    assert main(["reindex", "--target", "database"]) == 0
    assert "数据库索引已重建：0条" in capsys.readouterr().out
    assert main(["search", "status"]) == 0
    assert "数据库索引 0" in capsys.readouterr().out
    assert main(["reindex", "--target", "elasticsearch"]) == 2
    assert main(["search", "drain-outbox"]) == 2
