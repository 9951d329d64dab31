"""A two-level byte cache: an LRU in this process, shared through Redis when ``REDIS_URL`` is set.

Used by the public response cache (api/http/response_cache.py) and the automatic persisted
queries (api/graphql/persisted.py). Keys are content- or generation-addressed, so an entry never
changes meaning: the local level needs no invalidation and Redis only shares fills between
workers. Redis failing (down, hung past ``rate_limit_timeout_ms``) is a miss and a skipped
write, logged at most once a minute: the cache fails open like the rate limits.
"""

from __future__ import annotations

import asyncio
import logging
import time
from typing import TYPE_CHECKING

import cachetools

from api import redis_client

if TYPE_CHECKING:
    import redis

log = logging.getLogger("gongshi.cache")
# After Redis fails, it is not asked again for this long. The clients are synchronous and called in
# worker threads (never on the event loop): a hung Redis holds each caller up to
# GONGSHI_RATE_LIMIT_TIMEOUT_MS per call, so without a pause every request would wait that long.
# With it, one call a pause pays the timeout. Used by api/http/ratelimit.py and api/http/hits.py too.
STORE_PAUSE_SECONDS = 5.0


class SharedCache:
    """``get``/``put`` bytes by string key; ``max_bytes`` bounds the local level (and one entry to
    an eighth of it); ``local=False`` keeps no local level, only Redis's."""

    def __init__(
        self,
        name: str,
        *,
        max_bytes: int,
        redis_url: str | None,
        prefix: str,
        ttl_seconds: int,
        timeout_ms: int,
        local: bool = True,
    ) -> None:
        self.name = name
        self.local: cachetools.LRUCache[str, bytes] | None = None
        if local:
            self.local = cachetools.LRUCache(maxsize=max_bytes, getsizeof=lambda value: len(value) + 100)
        self.max_entry = max_bytes // 8  # one huge answer must not flush everything else
        self.prefix = f"{prefix}:{name}:"
        self.ttl = ttl_seconds
        self.logged_at = 0.0
        self.failed_at: float | None = None
        # The synchronous client, called in a worker thread: its connections belong to no event
        # loop (an app outlives a test's loop) and it gives up after ``timeout_ms``.
        self.redis: redis.Redis | None = None
        self.failures = redis_client.NO_FAILURES
        if redis_url:
            self.redis = redis_client.client(redis_url, timeout_ms)
            self.failures = redis_client.failures()

    def _available(self) -> bool:
        return self.failed_at is None or time.monotonic() - self.failed_at >= STORE_PAUSE_SECONDS

    def _failed(self, exc: Exception) -> None:
        now = time.monotonic()
        self.failed_at = now
        if now - self.logged_at >= 60:
            self.logged_at = now
            log.warning(
                "%s cache: Redis unavailable, serving without it (%s: %s)", self.name, type(exc).__name__, exc
            )

    def get_local(self, key: str) -> bytes | None:
        """The entry if this process holds it (no I/O)."""
        return self.local.get(key) if self.local is not None else None

    async def get(self, key: str) -> bytes | None:
        """The entry from this process, else from Redis (then kept here too)."""
        value = self.get_local(key)
        if value is not None or self.redis is None or not self._available():
            return value
        try:
            raw = await asyncio.to_thread(self.redis.get, self.prefix + key)
        except self.failures as exc:
            self._failed(exc)
            return None
        value = raw if isinstance(raw, bytes) else None
        if value is not None:
            self._keep(key, value)
        return value

    async def put(self, key: str, value: bytes) -> None:
        """Store ``value`` here and in Redis (best effort)."""
        self._keep(key, value)
        if self.redis is None or len(value) > self.max_entry or not self._available():
            return
        try:
            await asyncio.to_thread(self.redis.set, self.prefix + key, value, ex=self.ttl)
        except self.failures as exc:
            self._failed(exc)

    def _keep(self, key: str, value: bytes) -> None:
        if self.local is not None and len(value) <= self.max_entry:
            # A copy of exactly its size (orjson's output keeps a buffer of 4 KB at least).
            self.local[key] = bytes(memoryview(value))

    async def close(self) -> None:
        """Close the Redis connections (the app's lifespan ends)."""
        if self.redis is not None:
            await asyncio.to_thread(self.redis.close)
