"""The GraphQL HTTP view: orjson out, one session per request, after authentication and rate limits.

Every refusal of a client's mistake is a GraphQL-shaped body with a stable ``extensions.code``:
strawberry's own HTTP refusals (bad JSON, a missing query, a mutation by GET, an unknown content
type) keep their status, parse and validation errors answer 400 with a code, and a body that
cannot even be decoded (invalid UTF-8, JSON that is not an object, a mangled multipart map) is a
400 rather than an exception.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Any

import orjson
import strawberry
from cross_web import HTTPException
from graphql import GraphQLError, GraphQLSyntaxError
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.requests import ClientDisconnect, Request
from starlette.responses import RedirectResponse, Response
from starlette.websockets import WebSocket
from strawberry.asgi import GraphQL
from strawberry.http import GraphQLHTTPResponse
from strawberry.http.parse_content_type import parse_content_type
from strawberry.types import ExecutionResult

from api.error_codes import ApiErrorCode as Code
from api.graphql.context import Context
from api.graphql.loaders import Loaders
from api.graphql.persisted import PersistedQueries
from api.graphql.schema import MAX_QUERY_LENGTH
from api.settings import Settings
from schema.base import utcnow

log = logging.getLogger("gongshi.graphql")

ACCEPTED_TYPES = ("application/json", "multipart/form-data")
# The longest free text a variable may carry (an objection's grounds is a few pages, not 7 million
# characters); ``...Base64`` arguments (a spreadsheet import) are capped by the body cap instead.
MAX_TEXT_LENGTH = 100_000

HTTP_CODES = {
    400: Code.BAD_REQUEST,
    404: Code.NOT_FOUND,
    405: Code.METHOD_NOT_ALLOWED,
    415: Code.UNSUPPORTED_MEDIA_TYPE,
}


def _code_of(error: GraphQLError, data_is_null: bool) -> str | None:
    """The code of an error graphql-core or strawberry raised itself (parse, validation, coercion)."""
    if isinstance(error, GraphQLSyntaxError):
        return Code.TOO_MANY_TOKENS if "tokens" in error.message else Code.GRAPHQL_PARSE_FAILED
    if error.original_error is not None and not isinstance(error.original_error, GraphQLError):
        return None  # a resolver's exception: coded by CodedErrorMask or masked, never guessed here
    if "GlobalID" in error.message:
        return Code.ID_INVALID
    if error.message.startswith("Variable '$") or "cannot represent" in error.message:
        return Code.VARIABLES_INVALID
    if data_is_null and not error.path:
        return Code.GRAPHQL_VALIDATION_FAILED
    return None


def too_long(value: object, key: str = "") -> str | None:
    """The name of the first variable whose text is over :data:`MAX_TEXT_LENGTH`, if any."""
    if isinstance(value, str):
        return key if len(value) > MAX_TEXT_LENGTH and not key.endswith("Base64") else None
    if isinstance(value, dict):
        items: Any = value.items()
    elif isinstance(value, list):
        items = ((key, item) for item in value)
    else:
        return None
    for name, item in items:
        found = too_long(item, str(name))
        if found is not None:
            return found
    return None


class TextTooLong(HTTPException):
    """A variable's text is over the cap (answered with TEXT_TOO_LONG)."""


class QueryTooLong(HTTPException):
    """The query document is over the length cap (answered with QUERY_TOO_LONG)."""


class GongshiGraphQL(GraphQL[Context, None]):
    """strawberry's view, run by :func:`graphql_endpoint` after authentication and rate limiting."""

    def __init__(
        self,
        schema: strawberry.Schema,
        settings: Settings,
        clock: Callable[[], datetime],
        persisted: PersistedQueries | None = None,
    ) -> None:
        super().__init__(
            schema, graphql_ide="graphiql" if settings.graphiql else None, multipart_uploads_enabled=True
        )
        self.settings = settings
        self.clock = clock
        self.persisted = persisted

    async def get_context(self, request: Request | WebSocket, response: Response | WebSocket) -> Context:
        assert isinstance(request, Request) and isinstance(response, Response)
        session: AsyncSession = request.state.session
        return Context(
            request=request,
            response=response,
            session=session,
            loaders=Loaders(session),
            settings=self.settings,
            principal=request.state.principal,
            clock=self.clock,
        )

    async def parse_http_body(self, request: Any) -> Any:
        if request.method == "POST":
            content_type, _ = parse_content_type(request.content_type or "")
            if content_type not in ACCEPTED_TYPES:
                raise HTTPException(415, "请求内容类型应为 application/json 或 multipart/form-data")
        try:
            data = await super().parse_http_body(request)
        except HTTPException:
            raise
        except (ValueError, TypeError, AttributeError, KeyError) as exc:
            # Invalid UTF-8, JSON that is not an object, a multipart map that is not one.
            raise HTTPException(400, f"请求内容无法解析（{type(exc).__name__}）") from exc
        if isinstance(data, list):
            raise HTTPException(400, "不支持批量请求，请逐个发送")
        if data.query is None and self.persisted is not None:
            # An automatic persisted query: the HTTP layer checked the hash and found the document.
            given = (data.extensions or {}).get("persistedQuery")
            if isinstance(given, dict) and isinstance(given.get("sha256Hash"), str):
                data.query = self.persisted.local(given["sha256Hash"].lower())
        if isinstance(data.query, str) and len(data.query) > MAX_QUERY_LENGTH:
            raise QueryTooLong(
                400, f"查询文本过长（{len(data.query)}个字符），不能超过{MAX_QUERY_LENGTH}个字符"
            )
        name = too_long(data.variables)
        if name is not None:
            raise TextTooLong(400, f"{name} 过长，不能超过{MAX_TEXT_LENGTH}个字符")
        return data

    def decode_json(self, data: str | bytes) -> object:
        # orjson refuses lone surrogates (which no database can store) as a JSON error: a 400.
        return orjson.loads(data)

    async def process_result(self, request: Request, result: ExecutionResult) -> GraphQLHTTPResponse:
        body = await super().process_result(request, result)
        errors = result.errors or []
        pre_execution = bool(errors) and result.data is None and all(not e.path for e in errors)
        formatted_errors: list[dict[str, Any]] = body.get("errors") or []  # type: ignore[assignment]
        for error, formatted in zip(errors, formatted_errors, strict=False):
            extensions = formatted.setdefault("extensions", {})
            if "code" not in extensions:
                code = _code_of(error, result.data is None)
                if code is not None:
                    extensions["code"] = str(code)
        if pre_execution:
            # Logged once already, as every refusal is (api/graphql/client_errors.py, QuietSchema).
            request.state.graphql_status = 400
        return body

    def should_render_graphql_ide(self, request: Any) -> bool:
        # A GET that names a persisted query by its hash alone (no ``query``) is a query, not a
        # browser asking for the IDE; it used to work only while the answer was in a cache.
        return super().should_render_graphql_ide(request) and request.query_params.get("extensions") is None

    async def render_graphql_ide(self, request: Request) -> Response:
        # The website's GraphiQL page loads its scripts from the package (web/static/vendor); the
        # one strawberry renders loads them from a public CDN, blank on an intranet.
        return RedirectResponse("/api/graphiql", status_code=307)

    def encode_json(self, data: object) -> bytes:
        # orjson writes Chinese as UTF-8, not \\uXXXX escapes (37% fewer bytes on real pages).
        return orjson.dumps(data)


def graphql_error(status: int, message: str, code: str, headers: dict[str, str] | None = None) -> Response:
    """A GraphQL-shaped refusal (api.http.errors has the same; GraphQL may not import api.http)."""
    body = {"data": None, "errors": [{"message": message, "extensions": {"code": code}}]}
    return Response(orjson.dumps(body), status_code=status, media_type="application/json", headers=headers)


def refused(exc: HTTPException) -> Response:
    """strawberry's HTTP refusal as a GraphQL-shaped body with a code."""
    status, reason = exc.status_code, exc.reason
    if isinstance(exc, TextTooLong):
        return graphql_error(400, reason, Code.TEXT_TOO_LONG)
    if isinstance(exc, QueryTooLong):
        return graphql_error(400, reason, Code.QUERY_TOO_LONG)
    if status == 400 and "GET" in reason:  # a mutation sent by GET (GraphQL over HTTP: 405)
        return graphql_error(
            405, "变更操作只能用 POST 发送", Code.METHOD_NOT_ALLOWED, headers={"Allow": "POST"}
        )
    if status == 404:  # a browser's GET with GraphiQL switched off: a request without a query
        return graphql_error(400, "缺少 query 参数（本服务未开启 GraphiQL）", Code.BAD_REQUEST)
    code = HTTP_CODES.get(status, Code.BAD_REQUEST)
    headers = {"Allow": "GET, POST"} if status == 405 else None
    return graphql_error(status, reason, code, headers=headers)


def graphql_endpoint(
    schema: strawberry.Schema,
    settings: Settings,
    clock: Callable[[], datetime] = utcnow,
    persisted: PersistedQueries | None = None,
) -> Callable[[Request], Awaitable[Response]]:
    """``/graphql``, run after the HTTP layer has authenticated the caller and checked its budget."""
    view = GongshiGraphQL(schema, settings, clock, persisted)

    async def graphql(request: Request) -> Response:
        # The session holds a connection before resolvers run (concurrent resolvers must not both
        # check one out), and only once the caller is within its budget.
        await request.state.session.connection()
        try:
            response = await view.run(request)
        except HTTPException as exc:
            log.info("refused %s %s: %s", request.method, request.url.path, exc.reason)
            return refused(exc)
        except ClientDisconnect:
            # The client went away mid-body: no one to answer, nothing to log as an error.
            log.info("client disconnected %s %s", request.method, request.url.path)
            return Response(status_code=499)
        finally:
            # Uploaded parts are spooled to temporary files: close them however the request ended.
            await request.close()
        status = getattr(request.state, "graphql_status", None)
        if status is not None and response.status_code == 200:
            response.status_code = status
        return response

    return graphql
