"""A cap on request bodies, enforced while they arrive, before any of them is parsed or stored.

Multipart bodies (objection evidence) may be as large as the evidence settings allow in all; a
request that carries a token (a spreadsheet import in base64, in JSON) up to ``max_body_bytes``;
anything else, an anonymous query, up to ``max_anonymous_bytes`` (about 1 MB: a query fits, and a
document meant to exhaust the parser does not).
A declared Content-Length over the cap is refused at once; a body that is streamed without one
is counted and refused as soon as it passes the cap, so a client cannot make the server read or
hold an unbounded body. The answer is a 413 with a GraphQL-shaped body (code REQUEST_TOO_LARGE),
and since nothing downstream has seen a complete body, nothing has been written.
"""

from __future__ import annotations

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.error_codes import ApiErrorCode
from api.http.errors import graphql_error


class BodyTooLarge(Exception):
    """The body passed the cap while it was being read."""


def _size(size: int) -> str:
    return f"{size / 1024 / 1024:.4g}MB" if size >= 1024 * 1024 else f"{size / 1024:.4g}KB"


class BodySizeLimit:
    """ASGI middleware: refuse request bodies over ``max_bytes`` (``max_multipart_bytes`` for uploads)."""

    def __init__(
        self, app: ASGIApp, *, max_bytes: int, max_multipart_bytes: int, max_anonymous_bytes: int
    ) -> None:
        self.app = app
        self.max_bytes = max_bytes
        self.max_anonymous_bytes = max_anonymous_bytes
        self.max_multipart_bytes = max_multipart_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = dict(scope["headers"])
        multipart = headers.get(b"content-type", b"").startswith(b"multipart/")
        if multipart:
            cap = self.max_multipart_bytes
        elif b"authorization" in headers:
            cap = self.max_bytes
        else:
            cap = min(self.max_bytes, self.max_anonymous_bytes)
        declared = headers.get(b"content-length")
        if declared is not None and (not declared.isdigit() or int(declared) > cap):
            await self._refuse(scope, receive, send, cap)
            return
        seen = 0
        started = False

        async def counted_receive() -> Message:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > cap:
                    raise BodyTooLarge
            return message

        async def watched_send(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, counted_receive, watched_send)
        except BodyTooLarge:
            if started:  # cannot happen for our endpoints, which read the body before answering
                raise
            await self._refuse(scope, receive, send, cap)

    async def _refuse(self, scope: Scope, receive: Receive, send: Send, cap: int) -> None:
        response = graphql_error(
            413,
            f"请求内容过大，不能超过{_size(cap)}",
            ApiErrorCode.REQUEST_TOO_LARGE,
            headers={"Connection": "close"},
        )
        await response(scope, receive, send)
