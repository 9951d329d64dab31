"""Automatic persisted queries (the Apollo convention): documents by their SHA-256.

A client sends ``extensions.persistedQuery = {"version": 1, "sha256Hash": H}``, first without the
document; an unknown ``H`` answers ``PersistedQueryNotFound`` (code PERSISTED_QUERY_NOT_FOUND),
and the client sends the document with the hash once, which is checked and kept after a good
answer. The HTTP layer (api/http/caching.py) checks and resolves; the view reads the document
from this process's copy (:meth:`PersistedQueries.local`).
"""

from __future__ import annotations

from api.settings import Settings
from api.shared_cache import SharedCache


class PersistedQueries:
    """Documents by SHA-256: an LRU here, shared through Redis when set."""

    def __init__(self, settings: Settings) -> None:
        self.store = SharedCache(
            "apq",
            max_bytes=16 * 1024 * 1024,
            redis_url=settings.redis_url,
            prefix=settings.rate_limit_prefix,
            ttl_seconds=7 * 24 * 3600,
            timeout_ms=settings.rate_limit_timeout_ms,
        )

    async def find(self, sha256: str) -> str | None:
        """The document of ``sha256`` from here or Redis (kept here afterwards)."""
        raw = await self.store.get(sha256)
        return raw.decode() if raw is not None else None

    def local(self, sha256: str) -> str | None:
        """The document of ``sha256`` if this process holds it (after :meth:`find`)."""
        raw = self.store.get_local(sha256)
        return raw.decode() if raw is not None else None

    async def keep(self, sha256: str, document: str) -> None:
        """Remember a document whose hash was checked and whose answer was good."""
        await self.store.put(sha256, document.encode())
