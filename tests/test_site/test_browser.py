"""The built site in a real browser: language switch, search, copy buttons, console errors.

Playwright drives Debian's Chromium (`/usr/bin/chromium`, installed by `tools.prepare
browser`; Playwright's own browser download cannot work offline). The site is served from the
session's build on 127.0.0.1, and every request to anywhere else is blocked and reported.
"""

from __future__ import annotations

import contextlib
import functools
import http.server
import json
import re
import sys
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import unquote, urlparse

import pytest
from playwright.sync_api import TimeoutError as PlaywrightTimeout

from tests.test_site import registry, search_eval

# The build runs the notebooks: Docker and OpenStack.
pytestmark = [pytest.mark.site, pytest.mark.docker]

class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format, *args) -> None:
        pass


class _Server(http.server.ThreadingHTTPServer):
    def handle_error(self, request, client_address) -> None:
        # The browser drops connections when it leaves a page mid-download: not an error.
        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)


@contextlib.contextmanager
def serve_directory(directory: Path) -> Iterator[str]:
    """A built site, served by the standard library on a free port of 127.0.0.1."""
    server = _Server(("127.0.0.1", 0), functools.partial(_QuietHandler, directory=str(directory)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}/"
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture(scope="session")
def base_url(site: Path) -> Iterator[str]:
    with serve_directory(site) as url:
        yield url


@dataclass
class Tab:
    """A page plus everything it reported: console errors, failed and blocked requests."""

    page: object
    base: str
    errors: list[str] = field(default_factory=list)
    blocked: list[str] = field(default_factory=list)

    def goto(self, path: str) -> None:
        self.page.goto(self.base + path, wait_until="load")

    def path(self) -> str:
        return unquote(urlparse(self.page.url).path)


def open_tab(browser, base_url: str):
    """A fresh browser context and page that reports errors and blocks non-loopback requests."""
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="ko-KR")
    context.grant_permissions(["clipboard-read", "clipboard-write"], origin=base_url.rstrip("/"))
    page = context.new_page()
    page.set_default_timeout(20_000)  # the machine is shared: a page may take seconds
    tab = Tab(page, base_url)

    def route(route) -> None:
        if route.request.url.startswith(base_url):
            route.continue_()
        else:  # never leave the machine
            tab.blocked.append(route.request.url)
            route.abort()

    context.route("**/*", route)
    page.on("console", lambda msg: tab.errors.append(f"console: {msg.text}")
            if msg.type == "error" else None)
    page.on("pageerror", lambda exc: tab.errors.append(f"uncaught: {exc}"))
    page.on("response", lambda resp: tab.errors.append(f"HTTP {resp.status}: {resp.url}")
            if resp.status >= 400 else None)
    return context, tab


@pytest.fixture
def tab(browser, base_url: str) -> Iterator[Tab]:
    context, tab = open_tab(browser, base_url)
    yield tab
    context.close()


# --- (a) the language selector ------------------------------------------------------------------

SWITCH_PAGES = ["index.md", "containers/namespaces-cgroups.md", "containers/start-latency.ipynb",
                "openstack/keystone.md", "reference/docker.md"]


def switch_language(tab: Tab, lang: str) -> None:
    tab.page.hover(".md-header__option .md-select")
    tab.page.click(f'a.md-select__link[hreflang="{lang}"]')
    tab.page.wait_for_load_state("load")


@pytest.mark.parametrize("src", SWITCH_PAGES)
def test_language_selector_keeps_the_page(tab: Tab, src: str) -> None:
    tab.goto(registry.page_url(src, "ko"))
    switch_language(tab, "en")
    tab.page.wait_for_url(re.compile(re.escape(registry.page_url(src, "en")) + "$"))
    assert tab.path() == "/" + registry.page_url(src, "en")
    assert tab.page.get_attribute("html", "lang") == "en"
    switch_language(tab, "ko")
    tab.page.wait_for_url(re.compile(re.escape(tab.base + registry.page_url(src, "ko")) + "$"))
    assert tab.path() == "/" + registry.page_url(src, "ko")
    assert tab.page.get_attribute("html", "lang") == "ko"


# --- (b) search -------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def search_tabs(browser, base_url: str) -> Iterator[dict[str, Tab]]:
    """One page per language, reused by every query (loading the index once per language)."""
    opened = {lang: open_tab(browser, base_url) for lang in registry.LANGS}
    for lang, (_, tab) in opened.items():
        tab.goto(registry.page_url("index.md", lang))
    yield {lang: tab for lang, (_, tab) in opened.items()}
    for context, _ in opened.values():
        context.close()


def _results(page) -> tuple[str, list[str]]:
    return page.evaluate("""() => [
        document.querySelector(".md-search-result__meta")?.textContent.trim() ?? "",
        [...document.querySelectorAll(".md-search-result__item > .md-search-result__link")]
            .map(a => a.href)]""")


def search(tab: Tab, query: str) -> list[str]:
    """Type a query like a reader and return the result pages' paths, best first."""
    page = tab.page
    box = page.locator("input.md-search__input")
    box.focus()
    box.fill("")
    page.keyboard.press("End")
    idle = None
    for _ in range(50):  # the "type to start searching" line of an empty query
        page.wait_for_timeout(50)
        current = _results(page)
        if current[0] and not current[1]:
            idle = current[0]
            break
    box.fill(query)
    page.keyboard.press("End")  # Material searches on keyup; filling sends none
    previous, still = None, 0
    for _ in range(100):  # until the result list has changed and holds still (<= 10 s)
        page.wait_for_timeout(100)
        current = _results(page)
        still = still + 1 if current == previous else 0
        if current[0] and current[0] != idle and still >= 2:
            break
        previous = current
    return search_eval.result_paths(previous[1] if previous else [])


QUERY_SET = search_eval.load_queries()


@pytest.mark.parametrize("lang", registry.LANGS)
def test_search_query_set(search_tabs: dict[str, Tab], lang: str, capsys) -> None:
    """Every query of the set finds something, and at least 90 % find their page first."""
    outcomes = [search_eval.Outcome(q, search(search_tabs[lang], q.text))
                for q in QUERY_SET[lang]]
    scores = search_eval.score(lang, outcomes)
    with capsys.disabled():
        print("\n" + scores.line())
    assert not scores.empty, "no result for: " + ", ".join(o.query.text for o in scores.empty)
    assert scores.hit1 >= 0.9, scores.line() + "\n" + "\n".join(search_eval.misses(outcomes))
    assert not search_tabs[lang].errors + search_tabs[lang].blocked


HIGHLIGHTS = [
    # (language, query, words the results must mark: the page's own spelling)
    ("ko", "블록스토리지", {"블록", "스토리지"}),
    ("ko", "컨테이너는", {"컨테이너"}),
    ("ko", "노바", {"Nova"}),
    ("en", "isolating", {"isolated"}),
]


@pytest.mark.parametrize(("lang", "query", "marked"), HIGHLIGHTS,
                         ids=[f"{lang}-{query}" for lang, query, _ in HIGHLIGHTS])
def test_search_results_mark_the_words_of_the_page(search_tabs: dict[str, Tab], lang: str,
                                                   query: str, marked: set[str]) -> None:
    assert search(search_tabs[lang], query)
    found = set(search_tabs[lang].page.evaluate(
        "[...document.querySelectorAll('.md-search-result mark')].map(m => m.textContent)"))
    # Material marks each matched token; parts of one word (cut by U+200B) make one mark.
    assert all(any(word in mark for mark in found) for word in marked), (
        f"{query!r}: marks {sorted(found)[:20]}")


# --- (c) copy buttons ----------------------------------------------------------------------------

_SECTION_MARKER = re.compile(r"^\s*#\s*--8<--\s*\[(start|end):[^\]]*\]\s*$")


def whole_file_includes() -> list[tuple[str, str]]:
    """(page source, example path) for every whole example file a Korean page includes."""
    found = []
    for path in registry.pages():
        if registry.page_language(path) != "ko":
            continue
        for target in registry.read_page(path).includes:
            if target.startswith("examples/") and target.endswith(".py") and ":" not in target:
                found.append((registry.twin_key(path), target))
    return sorted(set(found))


def expected_copy(example: str) -> str:
    text = (registry.ROOT / example).read_text(encoding="utf-8")
    return "\n".join(line for line in text.splitlines() if not _SECTION_MARKER.match(line))


INCLUDES: dict[str, list[str]] = {}
for _src, _example in whole_file_includes():
    INCLUDES.setdefault(_src, []).append(_example)

# Open the collapsible blocks (`??? example`) and select the content tabs that hide an element.
REVEAL = """element => {
    for (let node = element; node; node = node.parentElement) {
        if (node.tagName === "DETAILS") node.open = true;
        if (node.classList.contains("tabbed-block")) {
            const index = [...node.parentElement.children].indexOf(node);
            const set = node.closest(".tabbed-set");
            set.querySelectorAll(":scope > input")[index].click();
        }
    }
}"""


@pytest.mark.parametrize("src", sorted(INCLUDES))
def test_copy_buttons_copy_the_example_files(tab: Tab, src: str) -> None:
    tab.goto(registry.page_url(src, "ko"))
    wrong = []
    for example in INCLUDES[src]:
        block = tab.page.locator(".highlight", has=tab.page.locator(
            f'span.filename:text-is("{example}")')).first
        if block.count() == 0:
            wrong.append(f"no code block titled {example!r} (README: the title is the path)")
            continue
        block.evaluate(REVEAL)
        block.hover()
        block.locator('button[data-md-type="copy"]').click()
        copied = tab.page.evaluate("navigator.clipboard.readText()")
        if copied.rstrip("\n") != expected_copy(example).rstrip("\n"):
            wrong.append(f"the copy button of {example} copies something else")
    assert not wrong, "\n".join(wrong)


# --- (d) console errors, everywhere --------------------------------------------------------------

@pytest.mark.parametrize("lang", registry.LANGS)
def test_no_page_logs_an_error(tab: Tab, site: Path, lang: str) -> None:
    # Every page load makes Material's search worker fetch the index of the whole site and
    # build it (seconds of CPU). The search tests use the real index; here an empty index with
    # the same configuration stands in, so that visiting every page stays fast.
    config = json.loads((site / "search" / "search_index.json").read_text(encoding="utf-8"))
    tab.page.route("**/search/search_index.json", lambda route: route.fulfill(
        json={"config": config["config"], "docs": []}))
    problems = {}
    for src in registry.nav_pages():
        tab.errors.clear()
        tab.blocked.clear()
        tab.goto(registry.page_url(src, lang))
        # Material has set up the page (search box wired, diagrams drawn), then a moment for
        # anything that would still fail. (networkidle would wait 0.5 s more on every page.)
        try:
            tab.page.wait_for_function("""() => document.querySelector(".md-search__output")
                && !document.querySelector("pre.mermaid")""", timeout=5_000)
        except PlaywrightTimeout:
            tab.errors.append("the page did not finish setting up (a mermaid block left as text?)")
        tab.page.wait_for_timeout(250)
        diagrams = tab.page.locator("div.mermaid")
        for i in range(diagrams.count()):  # rendered (Material draws into a closed shadow root)
            box = diagrams.nth(i).bounding_box()
            if not box or box["height"] < 40:
                tab.errors.append(f"mermaid diagram {i + 1} was not rendered")
        found = tab.errors + [f"blocked request to {url}" for url in tab.blocked]
        if found:
            problems[registry.page_url(src, lang) or "/"] = found
    assert not problems, "\n".join(f"{page}: {found}" for page, found in problems.items())


def test_the_tab_reports_what_the_sweep_looks_for(tab: Tab) -> None:
    """The error sweep above can fail: each kind of problem is recorded."""
    tab.goto("no-such-page/")
    tab.page.evaluate("console.error('cloudnotes: logged on purpose')")
    tab.page.evaluate("setTimeout(() => { throw new Error('cloudnotes: uncaught') }, 0)")
    tab.page.evaluate("fetch('https://example.org/').catch(() => null)")
    tab.page.wait_for_timeout(300)
    assert any(e.startswith("HTTP 404") for e in tab.errors)
    assert any("logged on purpose" in e for e in tab.errors)
    assert any("uncaught" in e for e in tab.errors)
    assert tab.blocked == ["https://example.org/"]
