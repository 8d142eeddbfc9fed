"""Debian's Chromium under Playwright, for every test that drives a browser.

Playwright's own browser download cannot work offline: the tests use `/usr/bin/chromium`
(installed by `tools.prepare browser`), started with Chromium's own background traffic off.
`Watch` records what a page reports (console errors, uncaught exceptions, HTTP errors) and
blocks, and records, every request that would leave the allowed origins.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from tools.page_weight import CHROMIUM_ARGS  # Chromium's own traffic off: one list for all


@contextlib.contextmanager
def launched_chromium() -> Iterator:
    """Debian's Chromium through Playwright's sync API, or the test skips (fails under CI)."""
    from tests.support import unavailable

    executable = chromium_path()
    if executable is None:
        unavailable("chromium is not installed (python -m tools.prepare browser installs it)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=executable, headless=True,
                                              args=CHROMIUM_ARGS)
        try:
            yield chromium
        finally:
            chromium.close()


def chromium_path() -> str | None:
    return os.environ.get("CLOUDNOTES_CHROMIUM") or shutil.which("chromium") or (
        "/usr/bin/chromium" if Path("/usr/bin/chromium").exists() else None)


def origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


@dataclass
class Watch:
    """What the pages of one browser context reported, and what was kept from leaving.

    `ignore(text)` is true for a problem known and accepted (each caller names its own).
    """

    allowed: tuple[str, ...]
    ignore: Callable[[str], bool] = lambda _text: False
    errors: list[str] = field(default_factory=list)
    blocked: list[str] = field(default_factory=list)

    def note(self, text: str) -> None:
        if not self.ignore(text):
            self.errors.append(text)

    def attach(self, context) -> None:
        """Block every request outside `allowed` and listen to every page of `context`."""
        def route(route) -> None:  # never leave the machine
            self.blocked.append(route.request.url)
            route.abort()

        def watch(page) -> None:
            def on_console(msg) -> None:
                if msg.type == "error":
                    where = (msg.location or {}).get("url", "")
                    self.note(f"console: {msg.text} [{where}] on {page.url}")

            page.on("console", on_console)
            page.on("pageerror", lambda exc: self.note(f"uncaught: {exc} on {page.url}"))
            page.on("response", lambda resp: self.note(
                f"HTTP {resp.status}: {resp.url} on {page.url}") if resp.status >= 400 else None)

        # Only what goes elsewhere reaches Python (routing every asset through it is slow).
        elsewhere = "|".join(re.escape(o + "/") for o in self.allowed)
        context.route(re.compile(rf"^(?!(?:{elsewhere}))"), route)
        context.on("page", watch)
        for page in context.pages:
            watch(page)

    def problems(self) -> list[str]:
        return self.errors + [f"blocked request to {url}" for url in self.blocked]

    def clear(self) -> None:
        self.errors.clear()
        self.blocked.clear()


def allowed_origins(urls: Iterable[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(origin(u) for u in urls))
