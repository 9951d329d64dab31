"""The search index's own tables: one document per published result, and the Elasticsearch outbox.

The full-text part lives outside the metadata because it differs per database: an FTS5 virtual
table ``search_fts`` on SQLite; on PostgreSQL a ``token_ids`` integer array with a GIN index and
the ``search_tokens`` table that numbers the tokens and counts their documents (migrations
c0ffee000004, cecece000015 and ps1700000016, search/backends/postgres.py; env.py keeps
``alembic check`` away from them).
"""

from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from schema.base import Base, utcnow


class SearchDocument(Base):
    """The searchable form of a published result (公示结果): filter columns and the indexed version.

    Only published results have a row: the public never searches anything else. ``version_id``
    is the ResultVersion indexed; on SQLite it is the FTS5 rowid, so a correction indexes a new
    rowid and the superseded one is no longer joined (the FTS5 table is contentless and SQLite
    3.40 cannot delete from it without the old text).
    """

    __tablename__ = "search_documents"

    # No foreign keys: this is derived data, written only from the rows it copies and rebuilt
    # from them at will, and checking five of them per row took 2/3 of the table's write time
    # in a rebuild (measured on 30,000 results).
    result_id: Mapped[int] = mapped_column(unique=True)
    # The key: every search reaches its documents by version id (the FTS5 rowid, the posting
    # bitmaps' candidates), and on SQLite the key is the rowid, one B-tree descent per read.
    version_id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    # A 统一社会信用代码 query lists one entity's documents: indexed.
    entity_id: Mapped[int] = mapped_column(index=True)
    # Filter columns sit on the row the full-text match joins, so a filter costs no extra lookup.
    # No B-tree index on them: every search starts from the full-text match and reaches these
    # rows by key, and each index would add ~15 MB per million documents.
    department_id: Mapped[int]
    task_id: Mapped[int]
    region_code: Mapped[str] = mapped_column(sa.String(6))
    year: Mapped[int] = mapped_column()
    entity_type: Mapped[str] = mapped_column(sa.String(32))
    published_on: Mapped[date]
    # The entity's name normalised without spaces: an exact-name query ranks first.
    name_key: Mapped[str] = mapped_column(sa.String(200), index=True)


class SearchOutbox(Base):
    """A result whose Elasticsearch document must be (re)written; deleted once the cluster has it."""

    __tablename__ = "search_outbox"

    id: Mapped[int] = mapped_column(primary_key=True)
    result_id: Mapped[int] = mapped_column(sa.ForeignKey("inspection_results.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    attempts: Mapped[int] = mapped_column(default=0)
    last_error: Mapped[str | None] = mapped_column(sa.String(200))
