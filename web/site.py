"""What every page shares: the Jinja environment, fingerprinted static files, the page response."""

from __future__ import annotations

import hashlib
import mimetypes
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import jinja2
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response

HERE = Path(__file__).parent
STATIC = HERE / "static"
ELDER_COOKIE = "gongshi_elder"
# Fingerprinted URLs never change content, so a browser keeps them for a year without asking again.
IMMUTABLE = "public, max-age=31536000, immutable"


def _fingerprints() -> dict[str, str]:
    """Path under static/ -> first 12 hex digits of its SHA-256 (read once at start-up)."""
    return {
        str(path.relative_to(STATIC)): hashlib.sha256(path.read_bytes()).hexdigest()[:12]
        for path in sorted(STATIC.rglob("*"))
        if path.is_file()
    }


FINGERPRINTS = _fingerprints()


def static_url(name: str) -> str:
    """The immutable URL of a static file: ``/static/<digest>/<name>``."""
    return f"/static/{FINGERPRINTS[name]}/{name}"


async def static_file(request: Request) -> Response:
    """Serve a static file only under its current digest (an old digest is a 404, not stale bytes)."""
    name, digest = request.path_params["name"], request.path_params["digest"]
    if FINGERPRINTS.get(name) != digest:
        return Response("未找到\n", status_code=404, media_type="text/plain; charset=utf-8")
    media_type = mimetypes.guess_type(name)[0] or "application/octet-stream"
    if media_type.startswith("text/") or media_type.endswith("javascript"):
        media_type += "; charset=utf-8"
    return Response((STATIC / name).read_bytes(), media_type=media_type, headers={"Cache-Control": IMMUTABLE})


def query_url(path: str, **params: Any) -> str:
    """``path`` with the non-empty ``params`` as its query string (the canonical form of a page)."""
    kept = [(k, v) for k, v in params.items() if v not in (None, "")]
    return f"{path}?{urlencode(kept)}" if kept else path


ENV = jinja2.Environment(
    loader=jinja2.FileSystemLoader(HERE / "templates"),
    autoescape=True,
    trim_blocks=True,
    lstrip_blocks=True,
    undefined=jinja2.StrictUndefined,
)
ENV.globals.update(static=static_url, url=query_url)


def page(
    request: Request,
    template: str,
    *,
    http_status: int = 200,
    canonical: str | None = None,
    headers: dict[str, str] | None = None,
    **values: Any,
) -> HTMLResponse:
    """Render a page; ``canonical`` is its shareable path with the filters it shows."""
    html = ENV.get_template(template).render(
        request=request,
        path=request.url.path,
        canonical=canonical if canonical is not None else request.url.path,
        elder=request.cookies.get(ELDER_COOKIE) == "1",
        **values,
    )
    return HTMLResponse(html, status_code=http_status, headers=headers)


def not_found(request: Request, what: str = "您要找的页面不存在") -> HTMLResponse:
    """The Chinese 404 page."""
    return page(request, "404.html", http_status=404, title="页面不存在", what=what)
