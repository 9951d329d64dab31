"""Tokens pass through SQLite FTS5 (unicode61) and PostgreSQL (array_to_tsvector) unchanged, and match."""

import os
import sqlite3

import asyncpg
import pytest

from search.backends.postgres import tsquery_text
from search.indexing import PG_VECTOR_OF
from search.text import index_tokens, query_tokens

DOCUMENTS = [
    "姚安县鑫达二手车交易有限公司",
    "ABC科技（秦皇岛）有限公司 3C认证 2021年5月8日 二〇二一年",
    "秦皇岛市市场监督管理局：发现问题已责令改正。",
    "Ünïcödé café İstanbul STRASSE ǅ Ⅷ ½ x² 𠀀𠀁",  # accents, title case, astral Han
    "秦皇岛优E购电子商务有限公司",  # mixed scripts: 优e and e购 are tokens
]
QUERIES = [("鑫达二手车", 0), ("abc科技", 1), ("3c认证", 1), ("市场监管局", 2), ("café", 3), ("优e购", 4)]


def test_sqlite_fts5_unicode61_keeps_tokens_and_matches() -> None:
    db = sqlite3.connect(":memory:")
    db.execute("CREATE VIRTUAL TABLE doc USING fts5(tokens, tokenize='unicode61 remove_diacritics 0')")
    db.execute("CREATE VIRTUAL TABLE vocab USING fts5vocab(doc, 'instance')")
    for rowid, text in enumerate(DOCUMENTS):
        tokens = index_tokens(text)
        db.execute("INSERT INTO doc(rowid, tokens) VALUES (?, ?)", (rowid, " ".join(tokens)))
        terms = {t for (t,) in db.execute("SELECT term FROM vocab WHERE doc = ?", (rowid,))}
        assert terms == set(tokens), text
    for query, rowid in QUERIES:
        match = " AND ".join(f'"{t}"' for t in query_tokens(query))
        assert [r for (r,) in db.execute("SELECT rowid FROM doc WHERE doc MATCH ?", (match,))] == [rowid]


async def test_postgresql_tsvector_keeps_tokens_and_matches() -> None:
    url = os.environ.get("GONGSHI_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test")
    try:
        db = await asyncpg.connect(url.replace("postgresql+asyncpg://", "postgresql://"), timeout=3)
    except (OSError, asyncpg.PostgresError, TimeoutError) as exc:
        if os.environ.get("CI", "").lower() == "true":
            raise
        pytest.skip(f"PostgreSQL unreachable: {exc}")
    try:
        vectors = []
        for text in DOCUMENTS:
            joined = " ".join(index_tokens(text))
            lexemes = await db.fetch(
                f"SELECT lexeme, positions FROM unnest({PG_VECTOR_OF.format('$1')})", joined
            )
            assert {r["lexeme"] for r in lexemes} == set(index_tokens(text)), text
            # No positions: queries AND tokens and never read them.
            assert {r["positions"] for r in lexemes} == {None}, text
            vectors.append(joined)
        for query, rowid in QUERIES:
            sql = f"SELECT {PG_VECTOR_OF.format('$1')} @@ CAST($2 AS tsquery)"
            found = [await db.fetchval(sql, v, tsquery_text(query_tokens(query))) for v in vectors]
            assert [i for i, hit in enumerate(found) if hit] == [rowid], query
    finally:
        await db.close()
