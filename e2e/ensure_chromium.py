"""Find a Chromium for the browser tests, installing one if there is none.

Prints the path of the browser executable on standard output (everything
else goes to standard error), so a Makefile can do
``CHROMIUM_PATH=$(python e2e/ensure_chromium.py)``.

Where it looks, in order:

1. ``$CHROMIUM_PATH``, if set (an error if it names no executable);
2. Debian's package: ``/usr/lib/chromium/chromium`` (the real binary), then
   ``/usr/bin/chromium`` (a wrapper script);
3. a browser Playwright has downloaded itself.

When none is there it installs one: ``apt-get install -y chromium`` when
running as root with apt-get available, otherwise ``playwright install
chromium`` (which needs access to Playwright's download servers).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

__all__ = ["DEBIAN_PATHS", "find_chromium", "main"]

DEBIAN_PATHS = ("/usr/lib/chromium/chromium", "/usr/bin/chromium")


def _executable(path: str | Path) -> bool:
    return Path(path).is_file() and os.access(path, os.X_OK)


def _playwright_chromium() -> str | None:
    """The browser ``playwright install chromium`` downloaded, if it did."""
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        return None
    with sync_playwright() as p:
        path = p.chromium.executable_path
    return path if _executable(path) else None


def find_chromium(*, include_playwright: bool = True) -> str | None:
    configured = os.environ.get("CHROMIUM_PATH")
    if configured:
        if not _executable(configured):
            raise SystemExit(f"CHROMIUM_PATH={configured} is not an executable file")
        return configured
    for candidate in DEBIAN_PATHS:
        if _executable(candidate):
            return candidate
    return _playwright_chromium() if include_playwright else None


def _install() -> None:
    def run(*command: str) -> None:
        print("+ " + " ".join(command), file=sys.stderr, flush=True)
        subprocess.run(command, check=True, stdout=sys.stderr)

    if os.name == "posix" and os.geteuid() == 0 and shutil.which("apt-get"):
        run("apt-get", "update")
        run("apt-get", "install", "-y", "--no-install-recommends", "chromium")
    else:
        run(sys.executable, "-m", "playwright", "install", "chromium")


def main() -> int:
    path = find_chromium()
    if path is None:
        print("no Chromium found; installing one", file=sys.stderr)
        try:
            _install()
        except (OSError, subprocess.CalledProcessError) as exc:
            print(f"could not install Chromium: {exc}", file=sys.stderr)
            return 1
        path = find_chromium()
    if path is None:
        print("still no Chromium; set CHROMIUM_PATH to a Chromium executable", file=sys.stderr)
        return 1
    print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
