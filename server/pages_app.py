"""The progressive web app: its shell page, service worker and manifest.

``GET /app`` is the shell (any logged-in person; the page registers the
browser as a device and syncs with the device token from then on).
``GET /sw.js`` and ``GET /manifest.webmanifest`` are public and served from
the root so the service worker's scope covers ``/app``; so is
``GET /favicon.ico`` (the app's icon, which browsers ask for on any page).
The service worker is stamped with a version made from the shell's files, so
any change to them is a new worker and a new cache.
"""

from __future__ import annotations

import hashlib
import json
from functools import cache
from pathlib import Path

from starlette.requests import Request
from starlette.responses import FileResponse, Response
from starlette.routing import Route

from server.auth import ANY_ROLE, allow, csrf_token, public
from sync.movement import MAX_QTY

__all__ = ["routes", "shell_files", "shell_version", "MANIFEST"]

WEB_DIR = Path(__file__).resolve().parent.parent / "web"
STATIC = WEB_DIR / "static"
THEME = "#0037a6"

MANIFEST = {
    "name": "shelfsync floor",
    "short_name": "shelfsync",
    "description": "Pick, count, receive, take returns and look up stock, offline too.",
    "id": "/app",
    "start_url": "/app",
    "scope": "/",
    "display": "standalone",
    "orientation": "portrait",
    "background_color": "#ffffff",
    "theme_color": THEME,
    "icons": [
        {"src": "/static/icons/icon-192.png", "sizes": "192x192", "type": "image/png"},
        {"src": "/static/icons/icon-512.png", "sizes": "512x512", "type": "image/png"},
        {
            "src": "/static/icons/icon-maskable-512.png",
            "sizes": "512x512",
            "type": "image/png",
            "purpose": "maskable",
        },
    ],
}


def shell_files() -> list[str]:
    """The static URLs the service worker precaches (the app's code, styles, icons)."""
    found = [
        *sorted((STATIC / "js").rglob("*.js")),
        STATIC / "css" / "app.css",
        STATIC / "css" / "pwa.css",
        *sorted((STATIC / "icons").glob("*.png")),
    ]
    return ["/static/" + p.relative_to(STATIC).as_posix() for p in found]


@cache
def shell_version() -> str:
    """A digest of the shell: the worker's files, the page template, the manifest."""
    digest = hashlib.sha256()
    for url in shell_files():
        digest.update(url.encode() + b"\0" + (STATIC / url[len("/static/") :]).read_bytes())
    digest.update((WEB_DIR / "templates" / "app.html").read_bytes())
    digest.update((STATIC / "sw.js").read_bytes())
    digest.update(json.dumps(MANIFEST, sort_keys=True).encode())
    return digest.hexdigest()[:12]


@cache
def _worker() -> bytes:
    source = (STATIC / "sw.js").read_text()
    stamped = source.replace('"__VERSION__"', json.dumps(shell_version())).replace(
        '["__SHELL__"]', json.dumps(["/app", "/manifest.webmanifest", *shell_files()])
    )
    return stamped.encode()


@allow(*ANY_ROLE)
async def app_view(request: Request) -> Response:
    user = request.state.user
    response: Response = request.app.state.templates.TemplateResponse(
        request,
        "app.html",
        {
            "user": user,
            "csrf": csrf_token(request),
            "version": shell_version(),
            "max_qty": MAX_QTY,
            "modules": [url for url in shell_files() if url.endswith(".js")],
        },
    )
    response.headers["Cache-Control"] = "no-cache"
    return response


@public
async def worker_view(request: Request) -> Response:
    return Response(
        _worker(),
        media_type="text/javascript",
        headers={"Cache-Control": "no-cache", "Service-Worker-Allowed": "/"},
    )


@public
async def manifest_view(request: Request) -> Response:
    return Response(
        json.dumps(MANIFEST),
        media_type="application/manifest+json",
        headers={"Cache-Control": "no-cache"},
    )


@public
async def favicon_view(request: Request) -> Response:
    return FileResponse(
        STATIC / "icons" / "icon-192.png",
        media_type="image/png",
        headers={"Cache-Control": "public, max-age=86400"},
    )


routes = [
    Route("/app", app_view, methods=["GET"], name="app"),
    Route("/favicon.ico", favicon_view, methods=["GET"], name="favicon"),
    Route("/sw.js", worker_view, methods=["GET"], name="service_worker"),
    Route("/manifest.webmanifest", manifest_view, methods=["GET"], name="manifest"),
]
