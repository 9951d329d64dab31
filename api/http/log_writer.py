"""Where ``gongshi serve`` writes its own log lines: stderr, from a thread of its own.

Without this, the ``gongshi.*`` loggers had no handler under uvicorn's logging setup, so the
access log (``gongshi.access``, one JSON object per request) and the one-line refusals
(``gongshi.graphql``, INFO) were dropped. A plain stream handler would write from the event loop:
one slow write (a full pipe, a disk flushing) would then hold every request in flight. Here the
request only formats its line and queues it (logging's own QueueHandler); a QueueListener thread
writes. If the writer falls more than QUEUE_LINES behind, lines are dropped and counted rather
than memory growing without bound.

uvicorn applies :func:`log_config` in every worker it starts (``gongshi serve --workers N``).
"""

from __future__ import annotations

import atexit
import logging
import logging.handlers
import queue
import sys
from typing import Any

QUEUE_LINES = 10_000
PLAIN_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


class BackgroundHandler(logging.handlers.QueueHandler):
    """Queue a formatted line for a writer thread that owns a stderr StreamHandler."""

    def __init__(self, fmt: str = "%(message)s") -> None:
        lines: queue.Queue[logging.LogRecord] = queue.Queue(QUEUE_LINES)
        super().__init__(lines)
        self.setFormatter(logging.Formatter(fmt))
        self.dropped = 0
        target = logging.StreamHandler(sys.stderr)
        # The record's message is already the formatted line (QueueHandler.prepare).
        target.setFormatter(logging.Formatter("%(message)s"))
        self.listener = logging.handlers.QueueListener(lines, target)
        self.listener.start()
        atexit.register(self.stop)

    def enqueue(self, record: logging.LogRecord) -> None:
        try:
            self.queue.put_nowait(record)
        except queue.Full:
            self.dropped += 1

    def stop(self) -> None:
        """Write what is queued and end the thread (at exit; idempotent)."""
        if self.listener._thread is not None:
            self.listener.stop()


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
