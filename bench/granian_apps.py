"""The cached pair of bench/cache_bench.py served by granian (``--server granian``).

granian is not a dependency of Gongshi: ``.venv/bin/pip install granian`` first. Both sides run
under the same granian settings, so the pair still compares the application with a bare Starlette
endpoint; what changes is the HTTP server's own work per request, which under uvicorn includes a
Python loop over every response header (BENCHMARKS.md, issue 13).
"""

from __future__ import annotations

import logging.config
import os
from pathlib import Path

from starlette.applications import Starlette


def gongshi() -> Starlette:
    """Gongshi as ``gongshi serve`` builds it, its log lines written as there (the access log on)."""
    from api.app import create_app
    from api.http.log_writer import log_config

    logging.config.dictConfig(log_config({"version": 1, "disable_existing_loggers": False}, access_log=True))
    return create_app()


def bare() -> Starlette:
    """bench/read_baseline.py's one-route application answering with the file BENCH_ANSWER."""
    from read_baseline import make_app

    return make_app(Path(os.environ["BENCH_ANSWER"]).read_bytes())
