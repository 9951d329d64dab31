"""The ``gongshi`` command. Each topic is a module with ``register(subparsers)``; this file lists them."""

from __future__ import annotations

import argparse
from collections.abc import Sequence

from api.cli import accounts, calendar, data, draw, log, objections, schema, search, serve
from api.settings import Settings

TOPICS = (serve, calendar, schema, search, log, objections, accounts, draw, data)


def build_parser() -> argparse.ArgumentParser:
    """The command-line grammar."""
    parser = argparse.ArgumentParser(prog="gongshi", description="Gongshi (公示) service")
    sub = parser.add_subparsers(dest="command", required=True)
    for topic in TOPICS:
        topic.register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``gongshi`` console script."""
    args = build_parser().parse_args(argv)
    return int(args.run(Settings.from_env(), args))


if __name__ == "__main__":
    raise SystemExit(main())
