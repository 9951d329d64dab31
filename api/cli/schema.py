"""``gongshi schema export``: the GraphQL contract as a file, checked in CI."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from api.settings import Settings

SDL_PATH = Path(__file__).resolve().parents[1] / "graphql" / "schema.graphql"


def _schema_export(settings: Settings, args: argparse.Namespace) -> int:
    from api.graphql.schema import build_schema

    sdl = build_schema().as_str() + "\n"
    if args.check:
        if not SDL_PATH.exists() or SDL_PATH.read_text(encoding="utf-8") != sdl:
            print(f"{SDL_PATH} 与代码不一致：运行 gongshi schema export", file=sys.stderr)
            return 1
        return 0
    SDL_PATH.write_text(sdl, encoding="utf-8")
    print(f"wrote {SDL_PATH}")
    return 0


def register(sub: Any) -> None:
    """Add ``gongshi schema export``."""
    schema_cmd = sub.add_parser("schema", help="the GraphQL contract").add_subparsers(
        dest="action", required=True
    )
    export = schema_cmd.add_parser("export", help="write api/graphql/schema.graphql")
    export.add_argument("--check", action="store_true", help="fail if the file differs from the code")
    export.set_defaults(run=_schema_export)
