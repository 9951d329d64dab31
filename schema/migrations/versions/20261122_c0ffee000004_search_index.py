"""Search index: documents of published results, full-text per database, Elasticsearch outbox.

Revision ID: c0ffee000004
Revises: ab7fe71ef7bc
Create Date: 2026-11-22 03:00:00

Existing published results are not indexed here (a migration should not import the segmenter):
run ``gongshi reindex`` once after upgrading a database that already holds published results.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import schema.base

revision: str = "c0ffee000004"
down_revision: str | None = "ab7fe71ef7bc"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Contentless (content=''): the index only, no copy of the token text. detail=none: which
# documents hold a token, no positions and no columns; query tokens are ANDed bigrams and never
# need them. Measured on 30,000 generated results, per million: 76 MB with detail=none, 220 MB
# with detail=column (name and body columns), 238 MB with detail=full. columnsize=0: no document
# lengths (10 MB per million), which only bm25() reads; ranking is by name coverage (ranking.py).
# unicode61 splits at spaces only, since every token is letters and digits (search/text/tokens.py).
SQLITE_FTS = (
    "CREATE VIRTUAL TABLE search_fts USING fts5(tokens, content='', detail=none, columnsize=0, "
    "tokenize='unicode61 remove_diacritics 0')"
)


def upgrade() -> None:
    op.create_table(
        "search_outbox",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("result_id", sa.Integer(), nullable=False),
        sa.Column("created_at", schema.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("last_error", sa.String(length=200), nullable=True),
        sa.ForeignKeyConstraint(
            ["result_id"],
            ["inspection_results.id"],
            name=op.f("fk_search_outbox_result_id_inspection_results"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_search_outbox")),
    )
    op.create_index(op.f("ix_search_outbox_result_id"), "search_outbox", ["result_id"], unique=False)
    op.create_table(
        "search_documents",
        sa.Column("result_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("version_id", sa.Integer(), nullable=False),
        sa.Column("entity_id", sa.Integer(), nullable=False),
        sa.Column("department_id", sa.Integer(), nullable=False),
        sa.Column("task_id", sa.Integer(), nullable=False),
        sa.Column("region_code", sa.String(length=6), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("entity_type", sa.String(length=32), nullable=False),
        sa.Column("published_on", sa.Date(), nullable=False),
        sa.Column("name_key", sa.String(length=200), nullable=False),
        sa.PrimaryKeyConstraint("result_id", name=op.f("pk_search_documents")),
        sa.UniqueConstraint("version_id", name=op.f("uq_search_documents_version_id")),
    )
    op.create_index(op.f("ix_search_documents_entity_id"), "search_documents", ["entity_id"], unique=False)
    op.create_index(op.f("ix_search_documents_name_key"), "search_documents", ["name_key"], unique=False)
    if op.get_bind().dialect.name == "sqlite":
        op.execute(SQLITE_FTS)
    else:
        # 'simple' keeps the tokens as they are (search/text/tokens.py).
        op.execute("ALTER TABLE search_documents ADD COLUMN search_vector tsvector NOT NULL")
        op.execute("CREATE INDEX ix_search_documents_vector ON search_documents USING gin (search_vector)")


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        op.execute("DROP TABLE IF EXISTS search_fts")
    op.drop_index(op.f("ix_search_documents_name_key"), table_name="search_documents")
    op.drop_index(op.f("ix_search_documents_entity_id"), table_name="search_documents")
    op.drop_table("search_documents")
    op.drop_index(op.f("ix_search_outbox_result_id"), table_name="search_outbox")
    op.drop_table("search_outbox")
