"""The log writer (api/http/log_writer.py) writes queued lines and lines queued as values, in order."""

from __future__ import annotations

import io
import logging

from api.http import observe
from api.http.log_writer import BackgroundHandler, direct_sink


def _broken(*values: object) -> str:
    raise ValueError("cannot render")


def test_lines_queued_as_values_are_made_by_the_writer_in_order_and_a_bad_one_is_skipped() -> None:
    stream = io.StringIO()
    handler = BackgroundHandler(stream=stream)
    logger = logging.getLogger("gongshi.test_log_writer")
    logger.handlers, logger.propagate = [handler], False
    logger.setLevel(logging.INFO)
    try:
        sink = direct_sink(logger)
        assert sink is not None
        sink("first")
        sink((lambda a, b: f"{a}-{b}", ("second", 2)))
        sink((_broken, ()))
        sink("fourth")
    finally:
        handler.stop()
        logger.handlers = []
    assert stream.getvalue() == "first\nsecond-2\nfourth\n"


def test_an_access_line_made_by_the_writer_is_the_line_made_in_the_request() -> None:
    stream = io.StringIO()
    handler = BackgroundHandler(stream=stream)
    access, saved = observe.access_log, (observe.access_log.handlers, observe.access_log.propagate)
    access.handlers, access.propagate = [handler], False
    level = access.level
    access.setLevel(logging.INFO)
    scope = {"method": "POST", "path": "/graphql", "client": ("127.0.0.1", 5555)}
    try:
        observe.write_access_line(scope, "abc-1", 200, 0.00012, 3405, 2, hit=True)
        observe.write_access_line({**scope, "client": None}, "abc-2", 429, 0.001, 164, None)
    finally:
        handler.stop()
        access.handlers, access.propagate = saved
        access.setLevel(level)
    assert stream.getvalue().splitlines() == [
        '{"requestId":"abc-1","method":"POST","path":"/graphql","status":200,"ms":0.12,"bytes":3405,'
        '"client":"127.0.0.1","cost":2,"hit":true}',
        '{"requestId":"abc-2","method":"POST","path":"/graphql","status":429,"ms":1.00,"bytes":164,'
        '"client":null,"cost":null}',
    ]
