"""Pages for refusals: a read error shown in Chinese, and the 429 page around a rate limit."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from starlette.requests import Request
from starlette.responses import Response

from inspections.principals import PUBLIC
from web.site import page

Endpoint = Callable[[Request], Awaitable[Response]]


def limited_page(endpoint: Endpoint, limit: Callable[[Endpoint], Endpoint] | None) -> Endpoint:
    """``endpoint`` as an anonymous caller within the API's budget; a refusal is the Chinese 429 page.

    The limit is the API's (one budget per IP for pages, /graphql and downloads alike); it answers
    429 with a JSON body, which a browser would show raw, so the page replaces the body and keeps
    the status and the Retry-After and rate-limit headers.
    """
    limited = limit(endpoint) if limit is not None else endpoint

    async def call(request: Request) -> Response:
        request.state.principal = PUBLIC
        response = await limited(request)
        if response.status_code != 429:
            return response
        retry = response.headers.get("retry-after", "60")
        kept = {
            k: v for k, v in response.headers.items() if k.lower().startswith(("retry-after", "x-ratelimit"))
        }
        title = "请求过于频繁"
        return page(request, "429.html", http_status=429, title=title, retry_after=retry, headers=kept)

    call.__name__ = getattr(endpoint, "__name__", "page")
    return call
