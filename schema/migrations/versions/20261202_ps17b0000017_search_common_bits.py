"""Search on PostgreSQL: the 64 most common token numbers as bits beside the array (issue 17).

Revision ID: ps17b0000017
Revises: nt14a0000017
Create Date: 2026-12-02 22:00:00

Why (search/backends/postgres.py): the 64 tokens most documents hold are 59% of every
document's token numbers, and as 4-byte array elements they made most of the index (282 MB of
token arrays at a million results, 3.5x SQLite's whole full-text index with the GIN index and
the dictionary). Token numbers 1 to 64 now live in ``common_bits`` (bit n - 1 for number n);
``gongshi reindex`` gives those numbers to the most common tokens (before it, numbers 1-64 are
whichever tokens were numbered first: correct, only not smaller). The GIN index is on
``search_token_set(token_ids, common_bits)``, every number again, so it answers what it did.
"""

from collections.abc import Sequence

from alembic import op

revision: str = "ps17b0000017"
down_revision: str | None = "nt14a0000017"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Every token number a document holds: the bits' numbers, then the array's. IMMUTABLE: a GIN
# index is built on it; STRICT and PARALLEL SAFE like the array functions it calls.
SET_FUNCTION = """
CREATE OR REPLACE FUNCTION search_token_set(ids integer[], bits bigint) RETURNS integer[]
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
  SELECT CASE WHEN bits = 0 THEN ids ELSE ARRAY(
    SELECT n FROM generate_series(1, 64) AS n WHERE bits & (1::bigint << (n - 1)) <> 0
  ) || ids END
$$
"""


def upgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        return
    op.execute(SET_FUNCTION)
    op.execute("ALTER TABLE search_documents ADD COLUMN common_bits bigint NOT NULL DEFAULT 0")
    op.execute("DROP INDEX ix_search_documents_tokens")
    op.execute(
        "UPDATE search_documents SET "
        "common_bits = (SELECT coalesce(bit_or(1::bigint << (n - 1)), 0) FROM unnest(token_ids) n "
        "WHERE n <= 64), token_ids = ARRAY(SELECT n FROM unnest(token_ids) n WHERE n > 64 ORDER BY n) "
        "WHERE token_ids && ARRAY(SELECT generate_series(1, 64))"
    )
    op.execute(
        "CREATE INDEX ix_search_documents_tokens ON search_documents "
        "USING gin (search_token_set(token_ids, common_bits))"
    )


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        return
    op.execute("DROP INDEX ix_search_documents_tokens")
    op.execute(
        "UPDATE search_documents SET token_ids = search_token_set(token_ids, common_bits) "
        "WHERE common_bits <> 0"
    )
    op.execute("ALTER TABLE search_documents DROP COLUMN common_bits")
    op.execute("DROP FUNCTION search_token_set(integer[], bigint)")
    op.execute("CREATE INDEX ix_search_documents_tokens ON search_documents USING gin (token_ids)")
