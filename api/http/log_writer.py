"""Where ``gongshi serve`` writes its own log lines: stderr, from a thread of its own.

Without this, the ``gongshi.*`` loggers had no handler under uvicorn's logging setup, so the
access log (``gongshi.access``, one JSON object per request) and the one-line refusals
(``gongshi.graphql``, INFO) were dropped. A plain stream handler would write from the event loop:
one slow write (a full pipe, a disk flushing) would then hold every request in flight. Here a
request only appends its line, or the access line's values, to a deque; a writer thread makes
the lines and writes what has gathered every FLUSH_SECONDS in one write. logging's QueueHandler
was tried first: formatting and copying each record cost a cached answer as much CPU again as the
answer itself (bench/cache_bench.py). If the writer falls QUEUE_LINES behind, the oldest lines are
dropped rather than memory growing.

uvicorn applies :func:`log_config` in every worker it starts (``gongshi serve --workers N``).
"""

from __future__ import annotations

import atexit
import collections
import logging
import sys
import threading
from collections.abc import Callable
from typing import Any, TextIO

QUEUE_LINES = 100_000
# Lines are made in the writer (direct_sink's values), so a flush holds the GIL for its batch: at
# 0.05 s a cached read's p99 rose to 1.96-1.99 ms, at 0.01 s its throughput fell 2-3%; 0.025 s
# gave 0.99-1.01x the bare endpoint at p99 1.50-1.61 ms (BENCHMARKS.md, the seventh session).
FLUSH_SECONDS = 0.025
PLAIN_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


class BackgroundHandler(logging.Handler):
    """Gather formatted lines in memory; a thread of its own writes them to ``stream`` (stderr)."""

    def __init__(self, fmt: str = "%(message)s", stream: TextIO | None = None) -> None:
        super().__init__()
        self.setFormatter(logging.Formatter(fmt))
        self.bare = fmt == "%(message)s"
        self.stream = stream if stream is not None else sys.stderr
        self.lines: collections.deque[Any] = collections.deque(maxlen=QUEUE_LINES)
        self.stopping = threading.Event()
        self.writer = threading.Thread(target=self._write_until_stopped, name="gongshi-log", daemon=True)
        self.writer.start()
        atexit.register(self.stop)

    def handle(self, record: logging.LogRecord) -> bool:
        # No handler lock: deque.append and popleft are atomic, and emit touches nothing else.
        if self.filters and not self.filter(record):
            return False
        self.emit(record)
        return True

    def emit(self, record: logging.LogRecord) -> None:
        try:
            line = record.getMessage() if self.bare and not record.exc_info else self.format(record)
        except Exception:
            self.handleError(record)
            return
        self.lines.append(line)

    def flush(self) -> None:
        """Write what has gathered (the writer thread's work; also at stop). An entry is a line,
        or (render, values): a line to make here rather than in the request (direct_sink)."""
        lines = []
        while self.lines:
            entry = self.lines.popleft()
            if type(entry) is str:
                lines.append(entry)
                continue
            try:
                render, values = entry
                lines.append(render(*values))
            except Exception:  # a line that cannot be made must not stop the writer
                continue
        if lines:
            try:
                self.stream.write("\n".join(lines) + "\n")
                self.stream.flush()
            except (OSError, ValueError):  # stderr closed or gone: nothing left to tell it to
                pass

    def _write_until_stopped(self) -> None:
        while not self.stopping.wait(FLUSH_SECONDS):
            self.flush()

    def stop(self) -> None:
        """End the writer thread and write what is left (at exit; idempotent)."""
        self.stopping.set()
        if self.writer.is_alive() and threading.current_thread() is not self.writer:
            self.writer.join(timeout=1)
        self.flush()


def direct_sink(logger: logging.Logger) -> Callable[[Any], None] | None:
    """The writer's own append when ``logger``'s lines go to one BackgroundHandler only, with
    nothing to filter or format: a cached answer then skips building a LogRecord, which cost it
    ~0.02 ms, a quarter of its CPU (bench/cache_bench.py). None otherwise (a deployer's own
    handlers, pytest's caplog): log through ``logger`` as usual. It takes a line, or (render,
    values) for the writer thread to make the line with ``render(*values)``."""
    handlers = logger.handlers
    if len(handlers) != 1 or logger.propagate or logger.filters or logger.disabled:
        return None
    handler = handlers[0]
    if not isinstance(handler, BackgroundHandler) or not handler.bare or handler.filters:
        return None
    return handler.lines.append if logger.isEnabledFor(logging.INFO) else None


def log_config(base: dict[str, Any], *, access_log: bool) -> dict[str, Any]:
    """uvicorn's logging config ``base`` plus the ``gongshi`` loggers at INFO on stderr, the
    access log's lines as bare JSON (``access_log=False``: no access lines)."""
    config = {**base}
    config["handlers"] = {
        **base.get("handlers", {}),
        "gongshi": {"()": BackgroundHandler, "fmt": PLAIN_FORMAT},
        "gongshi_access": {"()": BackgroundHandler},
    }
    config["loggers"] = {
        **base.get("loggers", {}),
        "gongshi": {"handlers": ["gongshi"], "level": "INFO", "propagate": False},
        "gongshi.access": {
            "handlers": ["gongshi_access"] if access_log else [],
            "level": "INFO" if access_log else "WARNING",
            "propagate": False,
        },
    }
    return config
