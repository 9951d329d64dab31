"""The baseline for bench/read_api.py: a bare Starlette endpoint answering with fixed bytes.

Run by read_api.py as: python bench/read_baseline.py --port P --response FILE
It reads the request body (as the GraphQL view must) and returns the pre-serialised answer the
real endpoint gave, under the same uvicorn settings as ``gongshi serve``.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route


def make_app(body: bytes) -> Starlette:
    """A one-route application that answers every POST /graphql with ``body``."""

    async def graphql(request: Request) -> Response:
        await request.body()
        return Response(body, media_type="application/json")

    return Starlette(routes=[Route("/graphql", graphql, methods=["POST"])])


def main() -> None:
    """Serve the fixed answer on 127.0.0.1."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--response", type=Path, required=True, help="file holding the answer's bytes")
    args = parser.parse_args()
    # The same server settings as api/cli/serve.py's _serve (access log off).
    uvicorn.run(
        make_app(args.response.read_bytes()),
        host="127.0.0.1",
        port=args.port,
        log_level="info",
        access_log=False,
    )


if __name__ == "__main__":
    main()
