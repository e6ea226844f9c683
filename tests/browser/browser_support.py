"""Helpers shared by the browser tests (conftest.py and the test modules import them)."""
from __future__ import annotations

import importlib.util
import os
import shutil
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlparse

import pytest

ROOT = Path(__file__).resolve().parents[2]
BUILD = ROOT / "build"
SCREENSHOTS = BUILD / "screenshots"

IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}

CHROMIUM_ARGS = [
    "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-dev-shm-usage",
]
INSTALL_HINT = (
    "install Chromium and Playwright:  sudo apt-get install -y chromium  &&  "
    ".venv/bin/pip install -r requirements-browser.txt  (or set HVP_CHROMIUM=/path/to/chromium)"
)

# Page errors that are known, harmless and not ours to fix (matched exactly):
KNOWN_PAGE_ERRORS = {
    # sphinx-thebe 0.3.1 declares its configuration constant twice on every jupyter-book page; the launch
    # buttons are off and thebe itself is never loaded.
    "Identifier 'THEBE_JS_URL' has already been declared",
}


def chapters() -> list[Path]:
    """The chapter notebooks that exist now; the tests iterate over these."""
    return sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))


def exercises() -> list[Path]:
    """The student versions of the exercises."""
    return sorted((ROOT / "exercises" / "release").glob("*/*.ipynb"))


def load_module(path: Path, name: str):
    spec = importlib.util.spec_from_file_location(name, path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def unavailable(reason: str):
    """Skip with how to install what is missing -- or fail, under CI=true."""
    if IN_CI:
        pytest.fail(f"{reason} (CI=true: the browser tests must run in CI); {INSTALL_HINT}", pytrace=False)
    pytest.skip(f"{reason}; {INSTALL_HINT}")


def find_chromium() -> str | None:
    """$HVP_CHROMIUM if set (only that), else Debian's /usr/bin/chromium or a chromium on the PATH."""
    if os.environ.get("HVP_CHROMIUM"):
        candidates = [os.environ["HVP_CHROMIUM"]]
    else:
        candidates = ["/usr/bin/chromium", "/usr/bin/chromium-browser", shutil.which("chromium"),
                      shutil.which("chromium-browser")]
    for candidate in candidates:
        if candidate and os.path.isfile(candidate) and os.access(candidate, os.X_OK):
            return candidate
    return None


def is_local(url: str) -> bool:
    u = urlparse(url)
    if u.scheme in {"data", "blob", "file", "about"}:
        return True
    return u.scheme in {"http", "https", "ws", "wss"} and u.hostname in {"127.0.0.1", "localhost", "::1"}


@dataclass
class Watch:
    """What a page did on the network and in its console."""
    blocked: list = field(default_factory=list)       # non-local requests (aborted)
    failed: list = field(default_factory=list)        # local requests that failed or got HTTP >= 400
    page_errors: list = field(default_factory=list)   # uncaught exceptions in the page

    def unexpected_page_errors(self):
        return [e for e in self.page_errors if e not in KNOWN_PAGE_ERRORS]

    def problems(self) -> list[str]:
        out = []
        if self.blocked:
            out.append(f"requests that tried to leave localhost (blocked): {sorted(set(self.blocked))}")
        if self.failed:
            out.append(f"failed local requests: {self.failed}")
        if self.unexpected_page_errors():
            out.append(f"uncaught page errors: {self.unexpected_page_errors()}")
        return out

    def assert_clean(self, what: str):
        problems = self.problems()
        assert not problems, f"{what}: " + "; ".join(problems)


def offline_page(context):
    """A new page in `context` that aborts and records every non-local request."""
    page = context.new_page()
    watch = Watch()

    def route(r):
        url = r.request.url
        if is_local(url):
            r.continue_()
        else:
            watch.blocked.append(url)
            r.abort("internetdisconnected")

    page.route("**/*", route)
    page.on("requestfailed",
            lambda req: watch.failed.append(f"{req.url} ({req.failure})") if is_local(req.url) else None)
    page.on("response",
            lambda resp: watch.failed.append(f"{resp.url} (HTTP {resp.status})")
            if resp.status >= 400 and is_local(resp.url) else None)
    page.on("pageerror", lambda exc: watch.page_errors.append(str(exc).splitlines()[0] if str(exc) else repr(exc)))
    return page, watch


def require_built(path: Path, target: str):
    if not path.exists():
        pytest.fail(f"{path.relative_to(ROOT)} is missing: run `make {target}` first "
                    f"(make browser-test does)", pytrace=False)
