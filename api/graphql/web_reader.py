"""The website's reader: GraphQL documents executed in-process on the API's schema, as the public."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from datetime import datetime
from typing import Any

import orjson
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from starlette.requests import Request
from starlette.responses import Response

from api.graphql.context import Context
from api.graphql.loaders import Loaders
from api.graphql.schema import build_schema
from api.settings import Settings
from api.shared_cache import SharedCache
from inspections.principals import PUBLIC
from schema.generation import current_generation
from web.reader import ReadError
from workdays import to_china_date


class SchemaReader:
    """A :class:`web.reader.PublicReader`: one session per document, the caller always anonymous."""

    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        settings: Settings,
        clock: Callable[[], datetime],
        cache: SharedCache | None = None,
    ) -> None:
        self.schema = build_schema()
        self.sessions = sessions
        self.settings = settings
        self.clock = clock
        self.cache = cache

    async def query(self, request: Request, document: str, variables: dict[str, Any]) -> dict[str, Any]:
        """Run ``document`` as /graphql would for a caller without a token."""
        async with self.sessions() as session:
            # The public response cache, as for /graphql: the same key parts, the same generation.
            key = None
            if self.cache is not None:
                day = to_china_date(self.clock()).isoformat()
                parts = orjson.dumps([document, variables, day], option=orjson.OPT_SORT_KEYS)
                digest = hashlib.blake2b(parts, digest_size=20).hexdigest()
                generation = await current_generation(session)
                key = f"{generation}:web:{digest}"
                # The page's first read: what the hit layer keeps the rendered page under.
                if getattr(request.state, "publication_generation", None) is None:
                    request.state.publication_generation = generation
                cached = await self.cache.get(key)
                if cached is not None:
                    found: dict[str, Any] = orjson.loads(cached)
                    return found
            # As the /graphql endpoint: hold a connection before concurrent resolvers start.
            await session.connection()
            context = Context(
                request=request,
                response=Response(),
                session=session,
                loaders=Loaders(session),
                settings=self.settings,
                principal=PUBLIC,
                clock=self.clock,
            )
            result = await self.schema.execute(document, variable_values=variables, context_value=context)
        if result.errors:
            error = result.errors[0]
            extensions = error.extensions or {}
            original = getattr(error.original_error, "code", None)
            code = str(extensions.get("code") or original or "READ_FAILED")
            raise ReadError(code, error.message, extensions.get("field"))
        data = dict(result.data or {})
        if key is not None and self.cache is not None:
            await self.cache.put(key, orjson.dumps(data))
        return data
