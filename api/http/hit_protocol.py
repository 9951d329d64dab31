"""The hit layer's plain hits answered inside uvicorn's HTTP protocol, before ASGI (issue 13).

A kept anonymous answer (api/http/hits.py) costs the hit layer ~0.011 ms of CPU, as much as a bare
Starlette endpoint's own work; what made a hit slower than that endpoint was the server around it:
the ASGI cycle and task uvicorn makes for every request and its writing of the headers a hit
carries (ETag, Cache-Control, Vary, the rate fields, X-Request-ID) one by one in Python
(BENCHMARKS.md, "The cached read"). :class:`HitProtocol` is uvicorn's httptools protocol with one
step added: when a request's head and body are in, it asks the layer's :meth:`CachedHits.answer_now`
and, for a plain hit, writes the answer to the socket itself, with the server's own ``server`` and
``date`` headers, and no ASGI cycle. Everything else (a miss, a refusal, a generation to read
again, Redis, a pipelined request, an upgrade, ``Expect: 100-continue``, a body of unknown length)
goes the usual way through the whole application, this layer's ASGI half first.

Built on uvicorn's internals (HttpToolsProtocol, its parser callbacks and ProxyHeadersMiddleware's
trusted hosts), so only on the release they were read on: :func:`protocol_for` gives uvicorn's own
protocol on any other release or without httptools, and the ASGI half answers the same hits then.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import itertools
import logging
import urllib.parse
from typing import TYPE_CHECKING, Any, cast

from schema.versions import tested

if TYPE_CHECKING:
    from api.http.hits import CachedHits

UVICORN_SERIES = ("0.55",)  # the release whose internals this module uses (pinned in pyproject)


def protocol_for() -> str:
    """The ``http`` setting for ``uvicorn.run`` (an import path, as its workers import it):
    :class:`HitProtocol` on the release it was written for with httptools installed, else
    ``"auto"`` (uvicorn's own choice; the ASGI half of the layer answers the same hits)."""
    if not tested("uvicorn", UVICORN_SERIES, purpose="hits answered in the HTTP protocol"):
        return "auto"
    try:
        _hit_protocol()
    except ImportError:  # no httptools: uvicorn's h11 protocol
        return "auto"
    return "api.http.hit_protocol:HitProtocol"


def __getattr__(name: str) -> Any:
    # ``HitProtocol`` is made on first use: importing this module must not need uvicorn's internals.
    if name == "HitProtocol":
        return _hit_protocol()
    raise AttributeError(name)


class _Answered:
    """Stands for the cycle of a request answered here: complete, nothing to wake."""

    response_complete = True
    keep_alive = True
    disconnected = False

    class message_event:  # uvicorn calls ``cycle.message_event.set()``
        @staticmethod
        def set() -> None:
            return None


ANSWERED = _Answered()


@functools.cache
def _hit_protocol() -> type[asyncio.Protocol]:
    import httptools
    from uvicorn.protocols.http.httptools_impl import STATUS_LINE, HttpToolsProtocol

    class HitProtocol(HttpToolsProtocol):
        """uvicorn's httptools protocol; a plain hit of the hit layer is answered at the end of its
        request (see the module docstring)."""

        held: bytearray | None = None  # the body of a request kept back from ASGI until complete
        candidate: Any = None  # what the hit layer read of the held request's head
        edge: tuple[CachedHits, Any] | None = None  # the layer and proxy it was read by
        closing = False  # shutdown came while a request was held

        def on_message_begin(self) -> None:
            super().on_message_begin()
            # A hit answered earlier in the same read armed the keep-alive timer (uvicorn arms it
            # when a response completes); it is for an idle connection, and this one is not.
            self._unset_keepalive_if_required()

        def on_headers_complete(self) -> None:
            self.held = None
            if self.cycle is ANSWERED and self.transport.is_closing():
                # Read in the same bytes as a hit answered on a shutdown, which closed the
                # connection: uvicorn starts nothing more on a closing connection either.
                return
            edge = _edge_of(self.app)
            if (
                edge is None
                # The client is not reading: the application's cycle waits for it (uvicorn's
                # write flow control) and the requests behind wait their turn, reading paused.
                or self.flow.write_paused
                or self.pipeline
                or (self.cycle is not None and not self.cycle.response_complete)
                or self.expect_100_continue
                or self.limit_concurrency is not None
                or self.parser.should_upgrade()
                or not self.parser.should_keep_alive()
                or self.parser.get_http_version() != "1.1"
            ):
                super().on_headers_complete()
                return
            layer = edge[0]
            scope = self.scope
            scope["method"] = self.parser.get_method().decode("ascii")
            parsed = httptools.parse_url(self.url)
            path = parsed.path.decode("ascii")
            if "%" in path:
                path = urllib.parse.unquote(path)
            scope["path"] = self.root_path + path
            scope["raw_path"] = self.root_path.encode("ascii") + parsed.path
            scope["query_string"] = parsed.query or b""
            try:
                self.candidate = layer.candidate(scope)  # type: ignore[arg-type]
            except Exception:
                _failed()
                self.candidate = None
            if self.candidate is None:
                super().on_headers_complete()
                return
            # Kept back until the body is in (a POST's is at most the layer's cap, checked from
            # its Content-Length): then answered here, or handed to ASGI whole.
            self.held, self.edge = bytearray(), edge

        def on_body(self, body: bytes) -> None:
            if self.held is None:
                super().on_body(body)
                return
            self.held += body
            # A GET with a body: its key is its head's, so the layer answers it through ASGI at
            # once, its body dropped as it comes, rather than kept back here until complete.
            if self.scope["method"] != "POST" or len(self.held) > HOLD_BYTES:
                held, self.held = self.held, None
                self._hand_on(held)

        def on_message_complete(self) -> None:
            held, self.held = self.held, None
            if held is None:
                super().on_message_complete()
                return
            if not self._answered(bytes(held)):
                self._hand_on(held)
                super().on_message_complete()

        def _hand_on(self, held: bytearray) -> None:
            """As if nothing had been kept back: the cycle and its ASGI task, the body so far."""
            super().on_headers_complete()
            self.cycle.body = held
            if self.closing:
                self.cycle.keep_alive = False

        def _answered(self, body: bytes) -> bool:
            # An exception here would leave the parser as httptools' callback error, which uvicorn
            # answers "400 Invalid HTTP request received." and drops: the server's fault blamed on
            # the client, its cause never logged. Nothing is written before answer_now returns, so
            # a failure hands the request to the application, where it fails as through ASGI.
            try:
                answer = self._answer_now(body)
            except Exception:
                _failed()
                return False
            if answer is None:
                return False
            status, lines, content = answer
            head = [STATUS_LINE[status]]
            for name, value in self.server_state.default_headers:
                head += [name, b": ", value, b"\r\n"]
            head.append(lines)
            if self.closing:
                head.append(b"connection: close\r\n")
            head += [b"\r\n", content]
            self.transport.write(b"".join(head))
            self.cycle = ANSWERED  # type: ignore[assignment]
            if self.closing:
                self.transport.close()
            self.on_response_complete()
            return True

        def _answer_now(self, body: bytes) -> tuple[int, bytes, bytes] | None:
            if self.edge is None or self.flow.write_paused:
                return None
            layer, proxy = self.edge
            request, scope = self.candidate, self.scope
            if proxy is not None and request.client in proxy.trusted_hosts:
                # The client ProxyHeadersMiddleware would give the request (the scheme it may
                # also set plays no part in a hit), on a copy: a request handed on to ASGI still
                # meets the middleware with the scope uvicorn made.
                forwarded = [value for name, value in self.headers if name == b"x-forwarded-for"]
                if forwarded:
                    host, port = proxy.trusted_hosts.get_trusted_client_address(
                        b", ".join(forwarded).decode("latin1")
                    )
                    if host:
                        request.client = host
                        scope = {**scope, "client": (host, port)}
            return layer.answer_now(scope, request, body)  # type: ignore[arg-type]

        def shutdown(self) -> None:
            if self.held is not None:
                self.closing = True  # answered (or handed on) first, then the connection closes
                return
            super().shutdown()

        # The keep-alive timer. uvicorn arms a timer (loop.call_later) when a response completes
        # and cancels it when the next request's bytes arrive: a timer made and cancelled for
        # every request of a kept-alive connection, ~10% of a hit's CPU in the server (py-spy;
        # BENCHMARKS.md, "The public edge in the eighth session"). Here a connection going idle
        # notes when; one timer, armed only if none is, closes it when it fires on a connection
        # idle for the whole timeout, and otherwise is armed again for what is left (idle since
        # later) or not at all (in use: armed again when the connection next goes idle).
        idle_since: float | None = None

        def _unset_keepalive_if_required(self) -> None:
            self.idle_since = None  # in use; a timer armed stays, and finds that out if it fires

        def on_response_complete(self) -> None:
            # uvicorn's on_response_complete, but for the timer (see above).
            self.server_state.total_requests += 1
            if self.transport.is_closing():
                return
            self.idle_since = None
            self.flow.resume_reading()
            if self.pipeline:
                cycle, app = self.pipeline.pop()
                self._start_asgi_task(cycle, app)
                return
            self.idle_since = self.loop.time()
            if self.timeout_keep_alive_task is None:
                self.timeout_keep_alive_task = self.loop.call_later(
                    self.timeout_keep_alive, self._keep_alive_due
                )

        def _keep_alive_due(self) -> None:
            self.timeout_keep_alive_task = None
            if self.idle_since is None or self.transport.is_closing():
                return
            left = self.idle_since + self.timeout_keep_alive - self.loop.time()
            if left > 0:
                self.timeout_keep_alive_task = self.loop.call_later(left, self._keep_alive_due)
            else:
                self.timeout_keep_alive_handler()

        def connection_lost(self, exc: Exception | None) -> None:
            super().connection_lost(exc)
            self.idle_since = None
            if self.timeout_keep_alive_task is not None:  # nothing left for it to close
                self.timeout_keep_alive_task.cancel()
                self.timeout_keep_alive_task = None

    return HitProtocol


log = logging.getLogger("gongshi.hits")
_failures = itertools.count()


def _failed() -> None:
    """A failure of the hit step (the request then goes to the application): its traceback the
    first time, a line at DEBUG after (the application's own failure, if shared, logs each)."""
    if next(_failures) == 0:
        log.exception("a hit in the HTTP protocol failed; such requests go to the application")
    else:
        log.debug("a hit in the HTTP protocol failed", exc_info=True)


HOLD_BYTES = 1 << 20  # a body kept back is a hit's POST (its Content-Length capped by the layer)


def _edge_of(app: Any) -> tuple[CachedHits, Any] | None:
    """The hit layer of the application uvicorn serves and uvicorn's ProxyHeadersMiddleware around
    it (or None), when the layer can answer in the protocol; None otherwise, and before the
    application's first call (its lifespan) builds the layer."""
    found: Any = getattr(app, "_gongshi_edge", _UNSEEN)
    if found is _UNSEEN:
        found = _find_edge(app)
        if found is _UNSEEN:
            return None  # not built yet: looked for again
        with contextlib.suppress(AttributeError):  # an application that takes no attributes
            app._gongshi_edge = found
    if found is None or not found[0].answers_in_protocol:
        return None
    return cast("tuple[CachedHits, Any]", found)


def _find_edge(app: Any) -> Any:
    from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware

    from api.http.hits import CachedHits

    proxy = None
    inner = app
    for _ in range(8):
        if isinstance(inner, ProxyHeadersMiddleware):
            proxy = inner
        stack = getattr(inner, "middleware_stack", _UNSEEN)
        if stack is None:
            return _UNSEEN  # a Starlette application not called yet
        if stack is not _UNSEEN:
            return (stack, proxy) if isinstance(stack, CachedHits) else None
        inner = getattr(inner, "app", None)
        if inner is None:
            return None
    return None


_UNSEEN = object()
