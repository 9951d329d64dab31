"""Tokens pass through SQLite FTS5 (unicode61) unchanged, and match.

PostgreSQL stores the tokens' numbers rather than parsing them (tests/search/test_search_postgres.py).
"""

import sqlite3

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
