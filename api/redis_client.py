"""The one place the Redis client is imported, and only when ``REDIS_URL`` is set.

Importing redis-py loads ~66 modules (~6 MB of one worker's memory, bench/rss_bench.py, issue 13);
a worker without Redis (the demo, SQLite, one host) never needs them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import redis

# What a failed Redis call raises, before any client exists: ``except NO_FAILURES`` catches nothing.
NO_FAILURES: tuple[type[Exception], ...] = ()


def client(url: str, timeout_ms: int) -> redis.Redis:
    """A synchronous client for ``url`` that gives up after ``timeout_ms`` (connect and read)."""
    import redis

    timeout = timeout_ms / 1000
    return redis.Redis.from_url(url, socket_timeout=timeout, socket_connect_timeout=timeout)


def failures() -> tuple[type[Exception], ...]:
    """The exceptions a Redis call raises when the server is down or hung (import on first use)."""
    from redis.exceptions import RedisError

    return (RedisError, OSError)
