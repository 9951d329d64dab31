"""Migrations upgrade a database that already holds data (SQLite rebuilds tables in batch mode)."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from alembic import command

from schema.migrate import alembic_config, upgrade


def test_upgrade_from_the_first_revision_with_rows_in_place(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    url = f"sqlite+aiosqlite:///{path}"
    command.upgrade(alembic_config(url), "ab7fe71ef7bc")
    with sqlite3.connect(path) as db:
        db.execute(
            "INSERT INTO departments (id, code, name, short_name, level, region_code, created_at)"
            " VALUES (1, 'D1', '姚安县市场监督管理局', '县市场监管局', 'county', '532325', '2021-01-01 00:00:00')"
        )
        db.execute(
            "INSERT INTO annual_plans (id, department_id, year, title, description, status, created_at)"
            " VALUES (1, 1, 2021, '计划', '', 'published', '2021-01-01 00:00:00')"
        )
        db.execute(
            "INSERT INTO tasks (id, plan_id, initiating_department_id, name, year, level, method, region_code, scope,"
            " period_start, period_end, status, created_at) VALUES (1, 1, 1, '任务', 2021, 'county', 'on_site',"
            " '532325', '', '2021-11-01', '2021-11-30', 'drawn', '2021-01-01 00:00:00')"
        )
        db.execute(
            "INSERT INTO draws (id, task_id, algorithm, seed_sha256, candidates_sha256, candidate_count, seed,"
            " drawn_at, locked) VALUES (1, 1, 'gongshi-draw-v1', 'a', 'b', 0, 's', '2021-11-02 00:00:00', 1)"
        )
    upgrade(url)
    with sqlite3.connect(path) as db:
        assert db.execute("SELECT committed_at FROM draws").fetchone() == ("2021-11-02 00:00:00",)
        assert db.execute("SELECT name FROM tasks").fetchone() == ("任务",)
        assert db.execute("PRAGMA foreign_key_check").fetchall() == []


def _key_and_rows(db: sqlite3.Connection) -> tuple[list[str], list[tuple[int, int, str]]]:
    key = [row[1] for row in db.execute("PRAGMA table_info(search_documents)") if row[5]]
    rows = db.execute("SELECT result_id, version_id, name_key FROM search_documents ORDER BY result_id")
    return key, rows.fetchall()


def test_search_documents_are_rekeyed_by_version_with_their_rows(tmp_path: Path) -> None:
    path = tmp_path / "search.db"
    url = f"sqlite+aiosqlite:///{path}"
    command.upgrade(alembic_config(url), "b9b9b9000009")
    rows = [(1, 12, "姚安县鑫达二手车交易有限公司"), (2, 7, "姚安县某某商行"), (3, 30, "某某有限公司")]
    with sqlite3.connect(path) as db:
        db.executemany(
            "INSERT INTO search_documents (result_id, version_id, entity_id, department_id, task_id,"
            " region_code, year, entity_type, published_on, name_key)"
            " VALUES (?, ?, 1, 1, 1, '532325', 2021, 'enterprise', '2021-12-01', ?)",
            rows,
        )
        assert _key_and_rows(db) == (["result_id"], rows)

    upgrade(url)
    with sqlite3.connect(path) as db:
        assert _key_and_rows(db) == (["version_id"], rows)
        # The key is the rowid: a read by version id is one B-tree search, not an index and a table.
        plan = db.execute("EXPLAIN QUERY PLAN SELECT name_key FROM search_documents WHERE version_id = 7")
        assert "INTEGER PRIMARY KEY" in plan.fetchone()[3]
        indexes = {row[1] for row in db.execute("PRAGMA index_list(search_documents)")}
        assert {"ix_search_documents_name_key", "ix_search_documents_entity_id"} <= indexes
    command.check(alembic_config(url))

    command.downgrade(alembic_config(url), "b9b9b9000009")
    with sqlite3.connect(path) as db:
        assert _key_and_rows(db) == (["result_id"], rows)
