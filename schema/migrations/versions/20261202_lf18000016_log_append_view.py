"""The public log on SQLite: a one-statement append (the ``log_append`` view and its trigger).

Revision ID: lf18000016
Revises: ld14a0000016
Create Date: 2026-12-02 17:20:00

Why (tlog/store.py, issue 18's ≤ 1 ms target): on SQLite every statement through the async driver
is a round trip to its thread, and an append was two or three of them (the head's conditional
UPDATE, the leaf, the nodes it completes). PostgreSQL does it in one writable CTE; SQLite has none,
so an INSERT into this view runs the same steps in its INSTEAD OF trigger: refuse a stale head
(RAISE(ABORT): only that statement is undone, and the caller falls back to the locking path), move
the head, write the leaf, write the interior nodes (levels 1..k at ``idx >> level``, their hashes
concatenated 32 bytes each). No stored data changes: existing logs stay valid as they are.
"""

from collections.abc import Sequence

from alembic import op

revision: str = "lf18000016"
down_revision: str | None = "ld14a0000016"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    if op.get_bind().dialect.name != "sqlite":
        return
    op.execute(
        "CREATE VIEW log_append AS SELECT NULL AS idx, NULL AS kind, NULL AS ref_id, NULL AS data, "
        "NULL AS hash, NULL AS logged_at, NULL AS frontier, NULL AS new_frontier, NULL AS levels, "
        "NULL AS nodes WHERE 0"
    )
    op.execute(
        "CREATE TRIGGER log_append_insert INSTEAD OF INSERT ON log_append BEGIN "
        "SELECT RAISE(ABORT, 'log_head moved') WHERE NOT EXISTS (SELECT 1 FROM log_head "
        "WHERE id = 1 AND size = NEW.idx AND frontier = NEW.frontier); "
        "UPDATE log_head SET size = NEW.idx + 1, frontier = NEW.new_frontier WHERE id = 1; "
        "INSERT INTO log_leaves (idx, kind, ref_id, data, hash, logged_at) "
        "VALUES (NEW.idx, NEW.kind, NEW.ref_id, NEW.data, NEW.hash, NEW.logged_at); "
        "INSERT INTO log_nodes (level, idx, hash) SELECT j.value, NEW.idx >> j.value, "
        "substr(NEW.nodes, 32 * (j.value - 1) + 1, 32) FROM json_each(NEW.levels) AS j; "
        "END"
    )


def downgrade() -> None:
    if op.get_bind().dialect.name != "sqlite":
        return
    op.execute("DROP TRIGGER log_append_insert")
    op.execute("DROP VIEW log_append")
