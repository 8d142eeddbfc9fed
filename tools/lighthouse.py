"""Lighthouse over the built site, as a benchmark: `python -m tools.lighthouse [site/]`.

Serves the site on 127.0.0.1 with gzip (tools.gzip_server, as GitHub Pages serves it) and runs
Lighthouse 12.2 (from npm, installed on first use under the git-ignored `.cache/lighthouse/`,
never globally) with Debian's Chromium on every page, mobile profile, in both palettes: light
as Chromium starts, dark with `--force-dark-mode` (Material follows `prefers-color-scheme`
when the reader has not picked a palette). Prints a table per page (performance,
accessibility, best practices, SEO, total bytes) and a summary per language and palette, and
the audits that cost a page accessibility points. Targets (reported, not asserted): performance
>= 95, accessibility = 100. Needs node and npm; a run over the whole site takes a while.

`make lighthouse` runs it on site/ (after `make build`). Options: `--pages 'containers/*,en/*'`
(fnmatch on the page URLs), `--palette light|dark`, `--json out.json` (every result),
`--cpu-slowdown N`; CLOUDNOTES_LIGHTHOUSE_KEEP=folder keeps every full report.
"""

from __future__ import annotations

import argparse
import fnmatch
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
from dataclasses import asdict, dataclass, field
from pathlib import Path

from tools.gzip_server import serve
from tools.page_weight import CHROMIUM_ARGS, chromium, pages_of

ROOT = Path(__file__).resolve().parents[1]
PREFIX = ROOT / ".cache" / "lighthouse"
VERSION = "12.2.3"  # 13.x wants Node 22
CATEGORIES = ("performance", "accessibility", "best-practices", "seo")
PALETTES = {"light": [], "dark": ["--force-dark-mode"]}
TARGETS = {"performance": 95, "accessibility": 100}
METRICS = {"FCP": "first-contentful-paint", "LCP": "largest-contentful-paint",
           "TBT": "total-blocking-time", "CLS": "cumulative-layout-shift", "SI": "speed-index"}


@dataclass
class Result:
    page: str
    palette: str
    scores: dict[str, int] = field(default_factory=dict)
    total_kb: float = 0.0
    failing: list[str] = field(default_factory=list)  # accessibility audits below 1
    metrics: dict[str, float] = field(default_factory=dict)  # FCP, LCP, TBT (ms), CLS
    benchmark: float = 0.0  # Lighthouse's benchmarkIndex of the host during the run
    error: str = ""

    @property
    def lang(self) -> str:
        return "en" if self.page.startswith("en/") else "ko"

    def misses(self) -> list[str]:
        return [f"{c} {self.scores.get(c)}" for c, target in TARGETS.items()
                if self.scores.get(c, 0) < target]


def lighthouse_cli() -> Path:
    """The Lighthouse CLI, installed under .cache/lighthouse/ on first use."""
    cli = PREFIX / "node_modules" / "lighthouse" / "cli" / "index.js"
    if cli.is_file():
        return cli
    npm = shutil.which("npm")
    if not npm or not shutil.which("node"):
        raise SystemExit("lighthouse: node and npm are needed (Debian: apt-get install nodejs npm)")
    PREFIX.mkdir(parents=True, exist_ok=True)
    subprocess.run([npm, "install", "--prefix", str(PREFIX), "--no-audit", "--no-fund",
                    "--silent", f"lighthouse@{VERSION}"], check=True)
    return cli


def run_one(cli: Path, url: str, page: str, palette: str, slowdown: float | None = None
            ) -> Result:
    result = Result(page, palette)
    flags = ["--headless=new", "--no-sandbox", "--disable-gpu", *CHROMIUM_ARGS,
             *PALETTES[palette]]
    with tempfile.TemporaryDirectory(prefix="lighthouse-") as tmp:
        report = Path(tmp) / "report.json"
        proc = subprocess.run(
            ["node", str(cli), url, "--quiet", "--output=json", f"--output-path={report}",
             f"--only-categories={','.join(CATEGORIES)}", "--form-factor=mobile",
             f"--chrome-flags={' '.join(dict.fromkeys(flags))}",
             *([f"--throttling.cpuSlowdownMultiplier={slowdown}"] if slowdown else [])],
            capture_output=True, text=True, timeout=300,
            env={**os.environ, "CHROME_PATH": chromium()})
        keep = os.environ.get("CLOUDNOTES_LIGHTHOUSE_KEEP")  # a folder for the full reports
        if keep and report.is_file():
            slug = (page.strip("/").replace("/", "_") or "index") + f"-{palette}.json"
            shutil.copy(report, Path(keep) / slug)
        if proc.returncode != 0 or not report.is_file():
            result.error = (proc.stderr.strip().splitlines() or ["no report"])[-1]
            return result
        data = json.loads(report.read_text(encoding="utf-8"))
    for name in CATEGORIES:
        score = data["categories"][name]["score"]
        result.scores[name] = round(score * 100) if score is not None else 0
    result.total_kb = data["audits"]["total-byte-weight"]["numericValue"] / 1024
    result.benchmark = data["environment"].get("benchmarkIndex") or 0.0
    for name, audit in METRICS.items():
        result.metrics[name] = round(data["audits"][audit]["numericValue"], 3)
    for ref in data["categories"]["accessibility"]["auditRefs"]:
        audit = data["audits"][ref["id"]]
        if ref["weight"] and audit["score"] is not None and audit["score"] < 1:
            result.failing.append(ref["id"])
    return result


def table(results: list[Result]) -> str:
    head = (f"{'page':<40} {'palette':<7} {'perf':>4} {'a11y':>4} {'best':>4} {'seo':>4} "
            f"{'KB':>6}  misses")
    lines = [head, "-" * len(head)]
    for r in results:
        if r.error:
            lines.append(f"{'/' + r.page:<40} {r.palette:<7} error: {r.error}")
            continue
        s = r.scores
        lines.append(f"{'/' + r.page:<40} {r.palette:<7} {s['performance']:>4} "
                     f"{s['accessibility']:>4} {s['best-practices']:>4} {s['seo']:>4} "
                     f"{r.total_kb:>6.0f}  {', '.join(r.misses() + r.failing)}")
    return "\n".join(lines)


def summary(results: list[Result]) -> str:
    lines = ["", f"{'language/palette':<18} {'pages':>5}  " + "  ".join(
        f"{c + ' min/median':>24}" for c in CATEGORIES)]
    groups: dict[tuple[str, str], list[Result]] = {}
    for r in results:
        if not r.error:
            groups.setdefault((r.lang, r.palette), []).append(r)
    for (lang, palette), rs in sorted(groups.items()):
        cells = []
        for c in CATEGORIES:
            values = [r.scores[c] for r in rs]
            cells.append(f"{min(values):>14}/{statistics.median(values):<9g}")
        lines.append(f"{lang + ' ' + palette:<18} {len(rs):>5}  " + "  ".join(cells))
    marks = sorted(r.benchmark for r in results if r.benchmark)
    if marks:
        lines.append(f"\nhost benchmarkIndex during the runs: {marks[0]:.0f}..{marks[-1]:.0f} "
                     "(Lighthouse's 4x CPU slowdown assumes a host of about 1300 or more; a "
                     "busy host scores lower: see --cpu-slowdown)")
    missed = [r for r in results if r.error or r.misses()]
    lines.append(f"\npages missing a target (perf >= 95, a11y = 100): {len(missed)} of "
                 f"{len(results)}")
    lines += [f"  /{r.page} ({r.palette}): {r.error or ', '.join(r.misses() + r.failing)}"
              for r in missed]
    return "\n".join(lines)


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("site", type=Path, nargs="?", default=ROOT / "site")
    parser.add_argument("--pages", default="*", help="fnmatch patterns on page URLs, a,b,...")
    parser.add_argument("--palette", choices=sorted(PALETTES), action="append")
    parser.add_argument("--json", type=Path, help="write every result here")
    parser.add_argument("--cpu-slowdown", type=float,
                        help="Lighthouse's CPU slowdown multiplier (default 4, for a fast host)")
    args = parser.parse_args(argv)
    if not (args.site / "index.html").is_file():
        print(f"lighthouse: {args.site} holds no built site (make build)", file=sys.stderr)
        return 1
    cli = lighthouse_cli()
    patterns = args.pages.split(",")
    pages = [p for p in pages_of(args.site) if p != "404.html"
             and any(fnmatch.fnmatch(p or "index", pattern) for pattern in patterns)]
    results = []
    with serve(args.site) as base:
        for page in pages:
            for palette in args.palette or list(PALETTES):
                result = run_one(cli, base + page, page, palette, args.cpu_slowdown)
                results.append(result)
                print(table([result]).splitlines()[-1], flush=True)
    print("\n" + table(results) + "\n" + summary(results))
    if args.json:
        args.json.write_text(json.dumps([asdict(r) for r in results], indent=1),
                             encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
