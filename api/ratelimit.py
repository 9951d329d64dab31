"""Rate limits (slowapi): per IP for anonymous callers, per token holder for the rest.

slowapi's middleware cannot see inside strawberry's ASGI app (every request fails behind a
``Route``, a ``Mount`` is silently unlimited), so the limit decorates a plain endpoint function
that then hands the request to strawberry; the principal is known before the limit is checked.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable

import orjson
from slowapi import Limiter
from slowapi.errors import RateLimitExceeded
from starlette.requests import Request
from starlette.responses import Response

from api.settings import Settings
from inspections.principals import Principal

Endpoint = Callable[[Request], Awaitable[Response]]


def graphql_error(
    status: int, message: str, code: str, headers: dict[str, str] | None = None, **extra: object
) -> Response:
    """A GraphQL-shaped error body for failures outside GraphQL execution (401, 429)."""
    body = {"data": None, "errors": [{"message": message, "extensions": {"code": code, **extra}}]}
    return Response(orjson.dumps(body), status_code=status, media_type="application/json", headers=headers)


def _key(request: Request) -> str:
    principal: Principal = request.state.principal
    if principal.token_id is not None:
        return principal.rate_key
    return f"ip:{request.client.host if request.client else 'unknown'}"


def rate_limiter(settings: Settings) -> Callable[[Endpoint], Endpoint]:
    """A decorator giving endpoints one shared budget per caller; a 429 carries ``Retry-After``.

    Every endpoint wrapped by the same decorator draws on the same budget (one slowapi scope), so
    a refused token, a GraphQL request and a file download all count against the same caller.
    """
    limiter = Limiter(
        key_func=_key,
        storage_uri=settings.redis_url or "memory://",
        headers_enabled=True,
        key_prefix=settings.rate_limit_prefix,
        enabled=settings.rate_limits_enabled,
    )

    def limit_for(key: str) -> str:
        return settings.token_rate_limit if key.startswith("token:") else settings.anonymous_rate_limit

    def wrap(endpoint: Endpoint) -> Endpoint:
        async def call(request: Request) -> Response:
            return await endpoint(request)

        # slowapi registers limits by function name: one name per wrapped endpoint.
        call.__name__ = f"limited_{getattr(endpoint, '__name__', 'endpoint')}"
        limited = limiter.shared_limit(limit_for, scope="gongshi")(call)

        async def guarded(request: Request) -> Response:
            try:
                response: Response = await limited(request)
            except RateLimitExceeded:
                current = request.state.view_rate_limit
                reset_at, _remaining = limiter.limiter.get_window_stats(current[0], *current[1])
                retry_after = max(1, int(reset_at - time.time()) + 1)
                refused = graphql_error(
                    429,
                    f"请求过于频繁，请在{retry_after}秒后重试（限额：{current[0]}）",
                    "RATE_LIMITED",
                    retryAfter=retry_after,
                )
                result: Response = limiter._inject_headers(refused, current)
                return result
            return response

        return guarded

    return wrap
