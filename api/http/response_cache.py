"""What the public cache and the persisted queries read from a request, and how an answer is kept.

A request is cacheable when it is anonymous and its operation can be read without running it: a
GET with ``query`` (or a persisted hash) in its parameters, or a JSON POST. The key is the
document's SHA-256 (equal to an APQ hash), the operation name, the variables (sorted), the day in
China (answers that count days change at midnight) and the publication generation read in the
request's own transaction (schema/generation.py): a commit of anything public moves the
generation, so the next request misses in every worker, with or without Redis.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from typing import Any

import orjson
from starlette.requests import Request

from api.settings import Settings
from api.shared_cache import SharedCache

SHA256_HEX = re.compile(r"[0-9a-f]{64}")


@dataclass(frozen=True)
class Operation:
    """The parts of a GraphQL request the cache needs (None where the request does not say)."""

    query: str | None
    operation_name: str | None
    variables: Any
    persisted: Any  # extensions.persistedQuery, as sent

    @property
    def document_hash(self) -> str | None:
        """SHA-256 of the document, else the persisted hash sent in its place."""
        if isinstance(self.query, str):
            return hashlib.sha256(self.query.encode("utf-8", "surrogatepass")).hexdigest()
        if isinstance(self.persisted, dict) and isinstance(self.persisted.get("sha256Hash"), str):
            return str(self.persisted["sha256Hash"]).lower()
        return None


def _json(raw: str | bytes | None) -> Any:
    return orjson.loads(raw) if raw else None


async def read_operation(request: Request) -> Operation | None:
    """The operation of a GET or JSON POST; None if it cannot be read (the view then refuses it)."""
    try:
        if request.method == "GET":
            params = request.query_params
            data: Any = {
                "query": params.get("query"),
                "operationName": params.get("operationName"),
                "variables": _json(params.get("variables")),
                "extensions": _json(params.get("extensions")),
            }
        elif request.method == "POST":
            content_type = request.headers.get("content-type", "").split(";", 1)[0].strip().lower()
            if content_type != "application/json":
                return None
            data = orjson.loads(await request.body())
        else:
            return None
    except orjson.JSONDecodeError:
        return None
    if not isinstance(data, dict):
        return None
    extensions = data.get("extensions")
    persisted = extensions.get("persistedQuery") if isinstance(extensions, dict) else None
    name = data.get("operationName")
    return Operation(
        query=data.get("query"),
        operation_name=name if isinstance(name, str) else None,
        variables=data.get("variables"),
        persisted=persisted,
    )


def cache_key(operation: Operation, day: str) -> str | None:
    """The key of ``operation``'s answer on ``day`` (without the generation); None if not cacheable."""
    document = operation.document_hash
    if document is None or not isinstance(operation.variables, dict | None):
        return None
    variables = orjson.dumps(operation.variables, option=orjson.OPT_SORT_KEYS)
    parts = b"\0".join(
        (document.encode(), (operation.operation_name or "").encode(), variables, day.encode())
    )
    return hashlib.blake2b(parts, digest_size=20).hexdigest()


@dataclass(frozen=True)
class Answer:
    """A cached answer: its body, ETag and query cost (charged again to whoever reads it)."""

    body: bytes
    etag: str
    cost: int

    def pack(self) -> bytes:
        return f"{self.etag}\n{self.cost}\n".encode() + self.body

    @classmethod
    def unpack(cls, raw: bytes) -> Answer:
        etag, cost, body = raw.split(b"\n", 2)
        return cls(body=body, etag=etag.decode(), cost=int(cost))


class ResponseCache:
    """Anonymous answers by (key, generation), shared between workers and hosts through Redis.

    This process's own answers are kept by the hit layer (api/http/hits.py), in front of the whole
    stack; keeping them here too doubled the memory they take. So this level holds nothing
    locally: with ``REDIS_URL`` it lets a worker answer what another worker already ran; without
    it, ``get`` finds nothing and ``put`` keeps nothing. ``enabled`` (``GONGSHI_RESPONSE_CACHE_BYTES``
    > 0) still says whether anonymous answers may be kept at all: the stack then reads the
    generation the hit layer keeps its answers under.
    """

    def __init__(self, settings: Settings) -> None:
        self.store = SharedCache(
            "response",
            max_bytes=settings.response_cache_bytes,
            redis_url=settings.redis_url,
            prefix=settings.rate_limit_prefix,
            ttl_seconds=3600,
            timeout_ms=settings.rate_limit_timeout_ms,
            local=False,
        )
        self.enabled = settings.response_cache_bytes > 0

    async def get(self, key: str, generation: int) -> Answer | None:
        if self.store.redis is None:
            return None
        raw = await self.store.get(f"{generation}:{key}")
        return Answer.unpack(raw) if raw is not None else None

    async def put(self, key: str, generation: int, answer: Answer) -> None:
        if self.store.redis is not None:
            await self.store.put(f"{generation}:{key}", answer.pack())
