"""The publication generation: one counter row bumped with every change the public can see."""

from __future__ import annotations

from sqlalchemy.orm import Mapped, mapped_column

from schema.base import Base


class PublicationGeneration(Base):
    """The single row (``id`` 1) whose ``n`` is bumped in the transaction of any public change.

    The public response cache keys every answer on ``n`` (api/http/response_cache.py), so an
    answer computed before a commit is never served after it (schema/generation.py bumps it).
    """

    __tablename__ = "publication_generation"

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    n: Mapped[int] = mapped_column(default=0)
