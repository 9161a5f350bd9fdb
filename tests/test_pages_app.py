"""The floor app's shell: the page, its service worker and its manifest."""

from __future__ import annotations

import json
import re
from collections.abc import Callable

from starlette.testclient import TestClient

from server.users import User


def test_the_worker_is_stamped_and_everything_it_precaches_is_served(
    client: TestClient, logged_in: Callable[..., User]
) -> None:
    worker = client.get("/sw.js")
    assert worker.status_code == 200
    assert worker.headers["content-type"].startswith("text/javascript")
    assert worker.headers["service-worker-allowed"] == "/"
    assert worker.headers["cache-control"] == "no-cache"
    version = re.search(r'const VERSION = "([0-9a-f]{12})";', worker.text)
    assert version is not None
    listed = re.search(r"const SHELL = (\[.*?\]);", worker.text)
    assert listed is not None
    shell = json.loads(listed.group(1))
    assert {"/app", "/static/js/db.js", "/static/js/screens/picker.js"} <= set(shell)
    assert not any(url.startswith("/api/") for url in shell)
    logged_in("picker")
    for url in shell:
        assert client.get(url, follow_redirects=False).status_code == 200, url


def test_the_shell_page_names_the_user_and_links_the_manifest(
    client: TestClient, logged_in: Callable[..., User]
) -> None:
    user = logged_in("counter")
    page = client.get("/app")
    assert page.status_code == 200
    assert f'data-user="{user.username}"' in page.text
    assert 'rel="manifest" href="/manifest.webmanifest"' in page.text
    manifest = client.get("/manifest.webmanifest")
    assert manifest.headers["content-type"].startswith("application/manifest+json")
    body = manifest.json()
    assert body["start_url"] == "/app" and body["display"] == "standalone"
    assert any(i.get("purpose") == "maskable" for i in body["icons"])


def test_the_favicon_is_the_apps_icon_without_logging_in(client: TestClient) -> None:
    icon = client.get("/favicon.ico")
    assert icon.status_code == 200
    assert icon.headers["content-type"] == "image/png"
    assert icon.content.startswith(b"\x89PNG\r\n\x1a\n")
    assert "max-age" in icon.headers["cache-control"]
    login = client.get("/login")  # staff pages name it, so no browser guesses
    assert 'rel="icon" href="/favicon.ico"' in login.text
