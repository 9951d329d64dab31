"""GraphQL-shaped error bodies for refusals made outside GraphQL execution (401, 413, 429)."""

from __future__ import annotations

import orjson
from starlette.responses import Response


def graphql_error(
    status: int, message: str, code: str, headers: dict[str, str] | None = None, **extra: object
) -> Response:
    """A GraphQL-shaped error body: ``{"data": null, "errors": [{message, extensions: {code, ...}}]}``."""
    body = {"data": None, "errors": [{"message": message, "extensions": {"code": code, **extra}}]}
    return Response(orjson.dumps(body), status_code=status, media_type="application/json", headers=headers)
