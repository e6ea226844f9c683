"""Real-browser tests (issue 10): JupyterLab, the slide decks and the course site in Chromium via Playwright.

Not part of `make test`: nothing in this folder is collected unless HVP_BROWSER_TESTS=1 (which
`make browser-test` sets), so `pytest tests` neither imports Playwright nor looks for a browser.

The browser is Debian's Chromium (/usr/bin/chromium, or $HVP_CHROMIUM) driven by Playwright from pip
(requirements-browser.txt); `playwright install` is not used. Without Chromium or Playwright the tests skip
with the commands that install them -- except under CI=true, where that is a failure.

Pages are opened with every request that is not for localhost (or data:/blob:/file:) aborted and recorded:
the slide decks and the site must not need the network.
"""
from __future__ import annotations

import functools
import http.server
import os
import threading

import pytest

if os.environ.get("HVP_BROWSER_TESTS") != "1":
    # `pytest tests` (make test, make unit) never collects, or imports, the browser tests.
    collect_ignore_glob = ["test_*.py", "browser_support.py"]
else:
    from browser_support import BUILD, CHROMIUM_ARGS, SCREENSHOTS, find_chromium, offline_page, unavailable


@pytest.fixture(scope="session")
def chromium_path() -> str:
    path = find_chromium()
    if path is None:
        unavailable("Chromium not found")
    return path


@pytest.fixture(scope="session")
def browser(chromium_path):
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        unavailable("Playwright is not installed in this environment")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=chromium_path, args=CHROMIUM_ARGS, headless=True)
        try:
            yield b
        finally:
            b.close()


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


@pytest.fixture(scope="session")
def build_server():
    """Serve build/ on a free loopback port, as a reader would with `python -m http.server`."""
    handler = functools.partial(_QuietHandler, directory=str(BUILD))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture
def new_offline_page(browser):
    """Factory: a page in a fresh browser context with the network cut; closed at the end of the test."""
    contexts = []

    def make(viewport=None):
        ctx = browser.new_context(viewport=viewport or {"width": 1280, "height": 800})
        contexts.append(ctx)
        return offline_page(ctx)

    yield make
    for ctx in contexts:
        ctx.close()
