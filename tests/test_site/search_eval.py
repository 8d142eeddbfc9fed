"""The search query set (search_queries.yml) typed into the built site's search box: hit@1,
hit@3 and MRR per language.

The browser test (test_browser.py) runs it against the session's build; to measure any other
build (e.g. before a change), `python -m tests.test_site.search_eval SITE_DIR` serves that
directory on 127.0.0.1 and prints the same figures and the misses.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote, urlparse

import yaml

from tests.test_site import registry

QUERIES = Path(__file__).with_name("search_queries.yml")
RANKED = 10  # MRR counts a hit among the first ten result pages


@dataclass(frozen=True)
class Query:
    lang: str
    text: str
    page: str  # the source of the page the reader wants, e.g. openstack/nova.md
    kind: str

    @property
    def expected(self) -> str:
        return "/" + registry.page_url(self.page, self.lang)


@dataclass
class Outcome:
    query: Query
    results: list[str]  # result page paths, best first

    @property
    def rank(self) -> int | None:
        top = self.results[:RANKED]
        return top.index(self.query.expected) + 1 if self.query.expected in top else None


@dataclass
class Scores:
    lang: str
    count: int
    hit1: float
    hit3: float
    mrr: float
    empty: list[Outcome]

    def line(self) -> str:
        return (f"search [{self.lang}] {self.count} queries: hit@1 {self.hit1:.1%}  "
                f"hit@3 {self.hit3:.1%}  MRR {self.mrr:.3f}  no result: {len(self.empty)}")


def load_queries(path: Path = QUERIES) -> dict[str, list[Query]]:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    return {lang: [Query(lang, str(item["q"]), item["page"], item["kind"]) for item in items]
            for lang, items in data.items()}


def score(lang: str, outcomes: list[Outcome]) -> Scores:
    ranks = [o.rank for o in outcomes]
    n = len(outcomes) or 1
    return Scores(lang, len(outcomes),
                  hit1=sum(r == 1 for r in ranks) / n,
                  hit3=sum(r is not None and r <= 3 for r in ranks) / n,
                  mrr=sum(1 / r for r in ranks if r) / n,
                  empty=[o for o in outcomes if not o.results])


def misses(outcomes: list[Outcome]) -> list[str]:
    """One line per query whose page is not the first result."""
    return [f"  {o.query.text!r} ({o.query.kind}) wants {o.query.expected}: rank {o.rank}, "
            f"got {o.results[:3]}" for o in outcomes if o.rank != 1]


def result_paths(hrefs: list[str]) -> list[str]:
    paths: list[str] = []
    for href in hrefs:
        path = unquote(urlparse(href).path)
        if path not in paths:
            paths.append(path)
    return paths


def main(argv: list[str]) -> int:
    """Serve a built site and run the query set against it."""
    from playwright.sync_api import sync_playwright

    from tests import browser as tb

    if len(argv) != 1 or not Path(argv[0], "index.html").is_file():
        print("usage: python -m tests.test_site.search_eval SITE_DIR", file=sys.stderr)
        return 2
    site = Path(argv[0])
    with tb.serve_directory(site) as base, sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=tb.chromium_path(), headless=True,
                                             args=tb.CHROMIUM_ARGS)
        for lang, queries in load_queries().items():
            context, tab = tb.open_tab(browser, base)
            tab.goto(registry.page_url("index.md", lang))
            outcomes = [Outcome(q, tb.search(tab, q.text)) for q in queries]
            print(score(lang, outcomes).line())
            print("\n".join(misses(outcomes)))
            context.close()
        browser.close()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
