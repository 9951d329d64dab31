"""The public log (公示日志): a Merkle tree of every public event (seed 002 art.17, 001 art.22).

What an append at a million leaves needs without recomputing anything: the head row (size and the
frontier of complete subtree roots, so the root is a fold of at most ~20 hashes), the leaves, and
every complete interior node (tiles and proofs read them). See tlog/README.md for the formats.
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from schema.base import Base, utcnow


class LogHead(Base):
    """The one row saying how big the log is; appenders queue on its row lock, so indexes never gap."""

    __tablename__ = "log_head"

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    size: Mapped[int] = mapped_column(sa.BigInteger)
    # The roots of the complete subtrees of the tree, largest first, 32 bytes each.
    frontier: Mapped[bytes] = mapped_column(sa.LargeBinary)


class LogLeaf(Base):
    """One leaf: its canonical bytes, its RFC 9162 leaf hash and the row it records."""

    __tablename__ = "log_leaves"

    idx: Mapped[int] = mapped_column(sa.BigInteger, primary_key=True, autoincrement=False)
    kind: Mapped[str] = mapped_column(sa.String(32))
    # result_versions.id, annual_plans.id, draws.id or inspection_results.id, by kind.
    ref_id: Mapped[int | None]
    data: Mapped[bytes] = mapped_column(sa.LargeBinary)
    hash: Mapped[bytes] = mapped_column(sa.LargeBinary(32))
    logged_at: Mapped[datetime] = mapped_column(default=utcnow)

    __table_args__ = (sa.Index("ix_log_leaves_kind_ref", "kind", "ref_id"),)


class LogNode(Base):
    """A complete interior node: level >= 1, index at its level (level 0 is the leaves' hash)."""

    __tablename__ = "log_nodes"

    level: Mapped[int] = mapped_column(sa.SmallInteger, primary_key=True, autoincrement=False)
    idx: Mapped[int] = mapped_column(sa.BigInteger, primary_key=True, autoincrement=False)
    hash: Mapped[bytes] = mapped_column(sa.LargeBinary(32))


class LogCheckpoint(Base):
    """A signed checkpoint, as served; kept so a second party can ask for any earlier one."""

    __tablename__ = "log_checkpoints"

    id: Mapped[int] = mapped_column(primary_key=True)
    size: Mapped[int] = mapped_column(sa.BigInteger, index=True)
    root: Mapped[bytes] = mapped_column(sa.LargeBinary(32))
    note: Mapped[str] = mapped_column(sa.Text)
    signed_at: Mapped[datetime] = mapped_column(default=utcnow)
