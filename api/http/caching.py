"""HTTP caching of /graphql answers: ETag and 304, Cache-Control by caller, for queries only.

An anonymous query's answer is public for a few seconds (``public_max_age``) and may be served
stale while a cache revalidates; a token holder's is ``private, no-store``; a mutation's is never
stored. The ETag is a hash of the body, so an unchanged answer to ``If-None-Match`` is a 304.
"""

from __future__ import annotations

import hashlib

from starlette.requests import Request
from starlette.responses import Response

from api.http.auth import Endpoint
from api.settings import Settings


def etag_matches(header: str | None, etag: str) -> bool:
    """Whether ``If-None-Match`` (``header``) names ``etag`` (weak or strong) or is ``*``."""
    if not header:
        return False
    return header.strip() == "*" or etag in {tag.strip().removeprefix("W/") for tag in header.split(",")}


def http_caching(endpoint: Endpoint, settings: Settings) -> Endpoint:
    """``endpoint`` with Cache-Control, ETag and 304 on successful GraphQL queries."""
    public = (
        f"public, max-age={settings.public_max_age}, stale-while-revalidate={settings.public_max_age * 6}"
    )

    async def call(request: Request) -> Response:
        response = await endpoint(request)
        principal = getattr(request.state, "principal", None)
        query = getattr(request.state, "operation_type", None) == "query"
        if response.status_code != 200 or not query:
            response.headers["Cache-Control"] = "no-store"
            return response
        if principal is not None and principal.token_id is not None:
            response.headers["Cache-Control"] = "private, no-store"
            return response
        etag = '"' + hashlib.blake2b(bytes(response.body), digest_size=16).hexdigest() + '"'
        headers = {"ETag": etag, "Cache-Control": public, "Vary": "Authorization, Accept-Encoding"}
        if etag_matches(request.headers.get("if-none-match"), etag):
            kept = {
                k: v
                for k, v in response.headers.items()
                if k.lower().startswith(("ratelimit", "x-ratelimit"))
            }
            return Response(status_code=304, headers={**headers, **kept})
        response.headers.update(headers)
        return response

    return call
