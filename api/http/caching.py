"""HTTP caching of /graphql answers: the public response cache, persisted queries, ETag and 304.

An anonymous query is answered from the response cache (api/http/response_cache.py) when the same
operation was answered at the same publication generation; otherwise it runs and a good answer
(200, no errors) is kept. Token holders never read or fill it. Anonymous answers carry
``Cache-Control: public, no-cache`` by default (``GONGSHI_PUBLIC_MAX_AGE`` = 0): a shared cache
must revalidate, and an unchanged answer to ``If-None-Match`` is a 304 from our cache, so no one
is served stale data; a token holder's is ``private, no-store``; a mutation's is never stored.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from datetime import datetime

import orjson
from starlette.requests import ClientDisconnect, Request
from starlette.responses import Response

from api.error_codes import ApiErrorCode as Code
from api.graphql.persisted import PersistedQueries
from api.http.auth import Endpoint
from api.http.errors import graphql_error
from api.http.observe import Metrics
from api.http.response_cache import SHA256_HEX, Answer, Operation, ResponseCache, cache_key, read_operation
from api.settings import Settings
from inspections.principals import PUBLIC
from schema.base import utcnow
from schema.generation import current_generation
from workdays import to_china_date


def etag_matches(header: str | None, etag: str) -> bool:
    """Whether ``If-None-Match`` (``header``) names ``etag`` (weak or strong) or is ``*``."""
    if not header:
        return False
    return header.strip() == "*" or etag in {tag.strip().removeprefix("W/") for tag in header.split(",")}


def public_cache_control(settings: Settings) -> str:
    """Cache-Control of an anonymous answer (see the module docstring)."""
    if settings.public_max_age <= 0:
        return "public, no-cache"
    return f"public, max-age={settings.public_max_age}"


def _persisted_refusal(operation: Operation) -> Response | None:
    """A malformed ``persistedQuery`` or a hash that is not the document's, refused with a code."""
    given = operation.persisted
    if not (
        isinstance(given, dict)
        and given.get("version") == 1
        and isinstance(given.get("sha256Hash"), str)
        and SHA256_HEX.fullmatch(given["sha256Hash"].lower())
    ):
        return graphql_error(
            400,
            "extensions.persistedQuery 应为 {version: 1, sha256Hash: 64位十六进制}",
            Code.PERSISTED_QUERY_INVALID,
        )
    if isinstance(operation.query, str) and operation.document_hash != given["sha256Hash"].lower():
        return graphql_error(400, "sha256Hash 与查询文本的 SHA-256 不符", Code.PERSISTED_QUERY_HASH_MISMATCH)
    return None


def _not_found() -> Response:
    # The message is the convention's exact text: Apollo clients look for it, then send the query.
    body = {
        "data": None,
        "errors": [
            {
                "message": "PersistedQueryNotFound",
                "extensions": {
                    "code": Code.PERSISTED_QUERY_NOT_FOUND,
                    "说明": "未找到该哈希的查询，请连同查询文本重发",
                },
            }
        ],
    }
    return Response(orjson.dumps(body), status_code=404, media_type="application/json")


def http_caching(
    endpoint: Endpoint,
    settings: Settings,
    *,
    cache: ResponseCache | None = None,
    persisted: PersistedQueries | None = None,
    metrics: Metrics | None = None,
    clock: Callable[[], datetime] = utcnow,
) -> Endpoint:
    """``endpoint`` with the response cache, persisted queries, Cache-Control, ETag and 304."""
    public = public_cache_control(settings)
    cache = cache or ResponseCache(settings)
    persisted = persisted or PersistedQueries(settings)

    def answered(request: Request, body: bytes, etag: str, response: Response | None = None) -> Response:
        headers = {"ETag": etag, "Cache-Control": public, "Vary": "Authorization, Accept-Encoding"}
        if etag_matches(request.headers.get("if-none-match"), etag):
            return Response(status_code=304, headers=headers)
        if response is None:
            return Response(body, media_type="application/json", headers=headers)
        response.headers.update(headers)
        return response

    async def call(request: Request) -> Response:
        try:
            operation = await read_operation(request)
        except ClientDisconnect:
            return Response(status_code=499)
        if operation is not None and operation.persisted is not None:
            refusal = _persisted_refusal(operation)
            if refusal is not None:
                refusal.headers["Cache-Control"] = "no-store"
                return refusal
        key = None
        generation = 0
        if getattr(request.state, "principal", None) is PUBLIC and cache.enabled and operation is not None:
            key = cache_key(operation, to_china_date(clock()).isoformat())
        if key is not None:
            generation = await current_generation(request.state.session)
            # For the hit layer (api/http/hits.py): what it keeps this answer under.
            request.state.publication_generation = generation
            hit = await cache.get(key, generation)
            if metrics is not None:
                (metrics.cache_hits if hit is not None else metrics.cache_misses).inc()
            if hit is not None:
                request.state.query_cost = hit.cost  # a cached answer costs the caller the same
                return answered(request, hit.body, hit.etag)
        hash_only = operation is not None and operation.persisted is not None and operation.query is None
        if (
            hash_only
            and operation
            and await persisted.find(operation.persisted["sha256Hash"].lower()) is None
        ):
            response = _not_found()
            response.headers["Cache-Control"] = "no-store"
            return response

        response = await endpoint(request)
        query = getattr(request.state, "operation_type", None) == "query"
        if response.status_code != 200 or not query:
            response.headers["Cache-Control"] = "no-store"
            return response
        if operation is not None and operation.persisted is not None and isinstance(operation.query, str):
            await persisted.keep(operation.persisted["sha256Hash"].lower(), operation.query)
        if getattr(request.state, "principal", None) is not PUBLIC:
            response.headers["Cache-Control"] = "private, no-store"
            return response
        body = bytes(response.body)
        etag = '"' + hashlib.blake2b(body, digest_size=16).hexdigest() + '"'
        # Errors (even beside data) are never kept; `"errors":` can only be a key in orjson's output.
        if key is not None and b'"errors":' not in body:
            cost = int(getattr(request.state, "query_cost", 1) or 1)
            await cache.put(key, generation, Answer(body=body, etag=etag, cost=cost))
        return answered(request, body, etag, response)

    return call
