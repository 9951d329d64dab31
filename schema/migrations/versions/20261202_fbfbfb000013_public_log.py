"""The public log (公示日志, issue 18): head, leaves, interior nodes, checkpoints; back-filled.

Existing published history becomes the first leaves, in publication order (result versions by
publication time, plans by publication day, draws by commitment and reveal time, objection flags by
transition time), then one ``log.backfilled`` marker leaf saying so (tlog/README.md). The leaf
encoding is versioned (``"v": 1``) and pure, so this migration uses tlog's own functions.

Revision ID: fbfbfb000013
Revises: eaeaea000012
Create Date: 2026-12-02 15:00:00
"""

from collections.abc import Sequence
from datetime import UTC, date, datetime, time, timedelta, timezone

import sqlalchemy as sa
from alembic import op

revision: str = "fbfbfb000013"
down_revision: str | None = "eaeaea000012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

CHINA = timezone(timedelta(hours=8))
# Leaves, interior nodes and signed checkpoints are append-only in the database too, like
# result_versions; the verifier catches an operator who drops these guards (tlog/README.md).
APPEND_ONLY_TABLES = ["log_leaves", "log_nodes", "log_checkpoints"]
OPEN = {"filed", "received", "under_review", "upheld", "maintained", "corrected"}


def _at(value: datetime | date | None) -> datetime:
    if value is None:
        return datetime.max.replace(tzinfo=UTC)
    if not isinstance(value, datetime):
        return datetime.combine(value, time(), CHINA)
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def _history(bind: sa.engine.Connection) -> list[tuple[datetime, int, str, int | None, bytes]]:
    from tlog import leaves

    t = sa.table
    c = sa.column
    versions = t(
        "result_versions", c("id"), c("result_id"), c("version"), c("category_codes", sa.JSON),
        c("description"), c("published_on", sa.Date), c("published_at", sa.DateTime(timezone=True)),
        c("change_reason"),
    )
    results = t("inspection_results", c("id"), c("task_id"), c("entity_id"), c("item_id"))
    entities = t("entities", c("id"), c("credit_code"))
    items = t("inspection_items", c("id"), c("code"))
    plans = t(
        "annual_plans", c("id"), c("department_id"), c("year"), c("title"), c("description"),
        c("status"), c("published_on", sa.Date),
    )
    draws = t(
        "draws", c("id"), c("task_id"), c("algorithm"), c("seed_sha256"), c("platform_nonce_sha256"),
        c("candidates_sha256"), c("candidate_count"), c("seed"), c("platform_nonce"),
        c("committed_at", sa.DateTime(timezone=True)), c("drawn_at", sa.DateTime(timezone=True)),
        c("locked"),
    )
    entries = t("draw_entries", c("draw_id"))
    objections = t("objections", c("id"), c("result_id"))
    transitions = t(
        "objection_transitions", c("id"), c("objection_id"), c("from_state"), c("to_state"),
        c("on", sa.Date), c("at", sa.DateTime(timezone=True)),
    )
    events: list[tuple[datetime, int, str, int | None, bytes]] = []
    rows = bind.execute(
        sa.select(versions, results.c.task_id, entities.c.credit_code, items.c.code)
        .join(results, results.c.id == versions.c.result_id)
        .join(entities, entities.c.id == results.c.entity_id)
        .join(items, items.c.id == results.c.item_id)
    )
    for r in rows:
        data = leaves.result_version(
            result_id=r.result_id, version=r.version, task_id=r.task_id, credit_code=r.credit_code,
            item_code=r.code, category_codes=r.category_codes, description=r.description or "",
            published_on=r.published_on, change_reason=r.change_reason,
        )
        kind = leaves.RESULT_PUBLISHED if r.version == 1 else leaves.RESULT_CORRECTED
        events.append((_at(r.published_at), r.id, kind, r.id, data))
    for p in bind.execute(sa.select(plans).where(plans.c.status == "published")):
        data = leaves.plan_published(
            plan_id=p.id, department_id=p.department_id, year=p.year, title=p.title,
            description=p.description or "", published_on=p.published_on,
        )
        events.append((_at(p.published_on), p.id, leaves.PLAN_PUBLISHED, p.id, data))
    drawn = dict(
        bind.execute(sa.select(entries.c.draw_id, sa.func.count()).group_by(entries.c.draw_id)).all()
    )
    for d in bind.execute(sa.select(draws)):
        data = leaves.draw_committed(
            task_id=d.task_id, algorithm=d.algorithm, seed_sha256=d.seed_sha256,
            platform_nonce_sha256=d.platform_nonce_sha256, candidates_sha256=d.candidates_sha256,
            candidate_count=d.candidate_count,
        )
        events.append((_at(d.committed_at), d.id, leaves.DRAW_COMMITTED, d.id, data))
        if d.locked and d.seed is not None:
            data = leaves.draw_revealed(
                task_id=d.task_id, algorithm=d.algorithm, seed=d.seed, platform_nonce=d.platform_nonce,
                drawn_count=int(drawn.get(d.id, 0)),
            )
            events.append((_at(d.drawn_at), d.id, leaves.DRAW_REVEALED, d.id, data))
    flags = (
        sa.select(transitions, objections.c.result_id)
        .join(objections, objections.c.id == transitions.c.objection_id)
        .order_by(transitions.c.id)
    )
    for tr in bind.execute(flags):
        was, now = tr.from_state in OPEN, tr.to_state in OPEN
        if was != now:
            data = leaves.objection_state(result_id=tr.result_id, under_objection=now, on=tr.on)
            events.append((_at(tr.at), tr.id, leaves.OBJECTION_STATE, tr.result_id, data))
    events.sort(key=lambda e: (e[0], leaves.KINDS.index(e[2]), e[1]))
    return events


def _guards(create: bool) -> None:
    sqlite = op.get_bind().dialect.name == "sqlite"
    for table in APPEND_ONLY_TABLES:
        if sqlite and create:
            for verb in ("UPDATE", "DELETE"):
                op.execute(
                    f"CREATE TRIGGER {table}_no_{verb.lower()} BEFORE {verb} ON {table} "
                    f"BEGIN SELECT RAISE(ABORT, '{table} is append-only'); END"
                )
        elif sqlite:
            for verb in ("update", "delete"):
                op.execute(f"DROP TRIGGER IF EXISTS {table}_no_{verb}")
        elif create:
            op.execute(
                f"CREATE FUNCTION {table}_append_only() RETURNS trigger LANGUAGE plpgsql AS $$ "
                f"BEGIN RAISE EXCEPTION '{table} is append-only'; END $$"
            )
            op.execute(
                f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
                f"FOR EACH ROW EXECUTE FUNCTION {table}_append_only()"
            )
        else:
            op.execute(f"DROP TRIGGER IF EXISTS {table}_append_only ON {table}")
            op.execute(f"DROP FUNCTION IF EXISTS {table}_append_only()")


def upgrade() -> None:
    op.create_table(
        "log_head",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("frontier", sa.LargeBinary(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_log_head")),
    )
    leaves_table = op.create_table(
        "log_leaves",
        sa.Column("idx", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("ref_id", sa.Integer(), nullable=True),
        sa.Column("data", sa.LargeBinary(), nullable=False),
        sa.Column("hash", sa.LargeBinary(length=32), nullable=False),
        sa.Column("logged_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("idx", name=op.f("pk_log_leaves")),
    )
    op.create_index("ix_log_leaves_kind_ref", "log_leaves", ["kind", "ref_id"], unique=False)
    nodes_table = op.create_table(
        "log_nodes",
        sa.Column("level", sa.SmallInteger(), autoincrement=False, nullable=False),
        sa.Column("idx", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("hash", sa.LargeBinary(length=32), nullable=False),
        sa.PrimaryKeyConstraint("level", "idx", name=op.f("pk_log_nodes")),
    )
    op.create_table(
        "log_checkpoints",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("root", sa.LargeBinary(length=32), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("signed_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_log_checkpoints")),
    )
    op.create_index(op.f("ix_log_checkpoints_size"), "log_checkpoints", ["size"], unique=False)

    from tlog import leaves
    from tlog.backfill import Builder, batches

    bind = op.get_bind()
    now = datetime.now(UTC)
    history = _history(bind)
    marker = leaves.backfill_marker(backfilled=len(history), on=now.astimezone(CHINA).date())
    items = [(kind, ref, data) for _, _, kind, ref, data in history] + [(leaves.BACKFILL_MARKER, None, marker)]
    builder = Builder()
    for leaf_rows, node_rows in batches(builder, items):
        bind.execute(leaves_table.insert(), [{**row, "logged_at": now} for row in leaf_rows])
        if node_rows:
            bind.execute(nodes_table.insert(), node_rows)
    head = sa.table("log_head", sa.column("id"), sa.column("size"), sa.column("frontier", sa.LargeBinary))
    bind.execute(head.insert(), [builder.head()])
    _guards(create=True)


def downgrade() -> None:
    _guards(create=False)
    op.drop_index(op.f("ix_log_checkpoints_size"), table_name="log_checkpoints")
    op.drop_table("log_checkpoints")
    op.drop_table("log_nodes")
    op.drop_index("ix_log_leaves_kind_ref", table_name="log_leaves")
    op.drop_table("log_leaves")
    op.drop_table("log_head")
