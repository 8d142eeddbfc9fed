"""What each page of the built site costs a reader: `python -m tools.page_weight site/`.

Every HTML page is opened in Chromium (Debian's /usr/bin/chromium, through Playwright) with an
empty cache from a gzip-serving local server (tools.gzip_server, as GitHub Pages serves it),
and everything the browser fetches until the network is idle, plus what a first use of the
search box fetches (the index loads then), is added up as transferred: HTML, CSS, JavaScript
(also what the search worker loads), fonts, images, the search index.
Prints one row per page, heaviest first, and exits 1 when a page exceeds the budget.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
from dataclasses import dataclass, field
from pathlib import Path

from tools.gzip_server import serve

BUDGET_KB = 500
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--disable-default-apps", "--disable-extensions", "--no-first-run", "--no-pings",
    "--disable-domain-reliability", "--disable-client-side-phishing-detection",
    "--disable-breakpad", "--metrics-recording-only",
    "--disable-features=Translate,OptimizationHints,MediaRouter,AutofillServerCommunication",
]
KINDS = ("html", "css", "js", "font", "image", "index", "other")


def chromium() -> str:
    path = os.environ.get("CLOUDNOTES_CHROMIUM") or shutil.which("chromium")
    if not path:
        raise SystemExit("page_weight: chromium is not installed "
                         "(python -m tools.prepare browser installs it)")
    return path


def kind_of(url: str, resource_type: str) -> str:
    path = url.split("?")[0]
    if path.endswith("search_index.json"):
        return "index"
    if resource_type == "document" or path.endswith((".html", "/")):
        return "html"
    if resource_type == "stylesheet" or path.endswith(".css"):
        return "css"
    if resource_type == "script" or path.endswith(".js"):
        return "js"
    if resource_type == "font" or path.endswith((".woff", ".woff2", ".ttf")):
        return "font"
    if resource_type == "image" or path.endswith((".png", ".svg", ".jpg", ".gif", ".webp")):
        return "image"
    return "other"


@dataclass
class Weight:
    page: str
    bytes: dict[str, int] = field(default_factory=lambda: dict.fromkeys(KINDS, 0))
    requests: int = 0
    outside: list[str] = field(default_factory=list)  # requests that were not to the site

    @property
    def total(self) -> int:
        return sum(self.bytes.values())


def pages_of(site: Path) -> list[str]:
    """Site-relative URLs of every HTML page (directory URLs for index.html)."""
    urls = []
    for path in sorted(site.rglob("*.html")):
        rel = path.relative_to(site).as_posix()
        urls.append(rel.removesuffix("index.html"))
    return urls


def measure(site: Path, pages: list[str] | None = None, parallel: int = 4) -> list[Weight]:
    """Open every page (a few at a time, each in a fresh context: a first visit)."""
    import asyncio
    from concurrent.futures import ThreadPoolExecutor

    job = _measure(site, pages if pages is not None else pages_of(site), parallel)
    # A thread of its own: the caller's thread may run an event loop (Playwright's sync API).
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, job).result()


async def _measure(site: Path, pages: list[str], parallel: int) -> list[Weight]:
    import asyncio

    from playwright.async_api import async_playwright

    with serve(site) as base:
        async with async_playwright() as playwright:
            browser = await playwright.chromium.launch(executable_path=chromium(), headless=True,
                                                       args=CHROMIUM_ARGS)
            slots = asyncio.Semaphore(parallel)

            async def one(page_url: str) -> Weight:
                async with slots:
                    return await _weigh(browser, base, page_url)

            weights = await asyncio.gather(*(one(p) for p in pages))
            await browser.close()
    return list(weights)


async def _weigh(browser, base: str, page_url: str) -> Weight:
    weight = Weight(page_url)
    done = []
    context = await browser.new_context(viewport={"width": 1280, "height": 900})

    async def route(route) -> None:
        if route.request.url.startswith(base):
            await route.continue_()
        else:  # never leave the machine
            weight.outside.append(route.request.url)
            await route.abort()

    await context.route("**/*", route)
    page = await context.new_page()
    page.on("requestfinished", lambda request: done.append(request))
    await page.goto(base + page_url, wait_until="load")
    await page.wait_for_load_state("networkidle")
    # The search index loads on first use of the search box (tools/theme/main.html): the page
    # is measured with that first search, so the budget covers a reader who searches.
    if await page.evaluate("""() => { const box = document.querySelector(
            "[data-md-component=search-query]"); if (box) box.focus(); return !!box }"""):
        await page.wait_for_function("""() => performance.getEntriesByType("resource")
            .some(e => e.name.endsWith("search/search_index.json") && e.responseEnd > 0)""",
                                     timeout=30_000)
        await page.wait_for_timeout(200)
        await page.wait_for_load_state("networkidle")
    for request in done:
        if request.url.startswith(base):
            sizes = await request.sizes()
            body = sizes["responseBodySize"]
            if not body:  # Chromium reports 0 for a worker's own script: the header says
                response = await request.response()
                length = response and await response.header_value("content-length")
                body = int(length or 0)
            weight.requests += 1
            weight.bytes[kind_of(request.url, request.resource_type)] += (
                body + sizes["responseHeadersSize"])
    await context.close()
    return weight


def table(weights: list[Weight], budget_kb: int = BUDGET_KB) -> str:
    head = f"{'page':<44} {'req':>4} " + " ".join(f"{k:>6}" for k in KINDS) + f" {'KB':>7}"
    lines = [head, "-" * len(head)]
    for w in sorted(weights, key=lambda w: -w.total):
        flag = "  over budget" if w.total > budget_kb * 1024 else ""
        lines.append(f"{'/' + w.page:<44} {w.requests:>4} "
                     + " ".join(f"{w.bytes[k] / 1024:>6.1f}" for k in KINDS)
                     + f" {w.total / 1024:>7.1f}{flag}")
    totals = sorted(w.total for w in weights)
    if totals:
        lines.append(f"{len(weights)} pages: max {totals[-1] / 1024:.1f} KB, median "
                     f"{totals[len(totals) // 2] / 1024:.1f} KB (KB as transferred, gzip; "
                     f"budget {budget_kb} KB)")
    return "\n".join(lines)


def over_budget(weights: list[Weight], budget_kb: int = BUDGET_KB) -> list[Weight]:
    return [w for w in weights if w.total > budget_kb * 1024]


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("site", type=Path, nargs="?", default=Path("site"))
    parser.add_argument("--budget", type=int, default=BUDGET_KB, help="KB per page")
    args = parser.parse_args(argv)
    if not (args.site / "index.html").is_file():
        print(f"page_weight: {args.site} holds no built site (make build)", file=sys.stderr)
        return 1
    weights = measure(args.site)
    print(table(weights, args.budget))
    return 1 if over_budget(weights, args.budget) else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
