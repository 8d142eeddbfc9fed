"""Which translations are behind their twin, from git history (no hand-kept dates).

Korean is the source: `docs/x.md` (or `x.ipynb`) and its English twin `docs/x.en.md`. The status
of a pair comes from the history of HEAD along first parents (a merged branch counts as one
change, the way it landed), read oldest first:

- A commit that changes both pages, or only the page that was behind (a translation catching
  up), leaves the pair *in sync*.
- A commit that changes only one page of a pair in sync puts the other page *behind*, from that
  commit's date ("may be behind since"); more changes on the same side keep that date.
- A commit whose message carries the trailer `No-Translation-Needed: <reason>` (a deliberate
  one-language fix: a typo, a particle) is skipped: it neither puts the twin behind nor, on
  the lagging side, counts as catching up.

Dates are committer dates. Only committed history counts: uncommitted edits move nothing.

On a shallow clone (`git rev-parse --is-shallow-repository`; GitHub's actions/checkout fetches
one commit unless told `fetch-depth: 0`) the history is cut, so nothing can be said: there are
no banners, and the build log says so in one line. Outside a git work tree, the same.

`python -m tools.l10n` (`make l10n-status`) prints every pair that is behind, both directions,
with the commits the lagging page has not followed.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

SOURCE_LANG, TRANSLATION_LANG = "ko", "en"
PAGE_SUFFIXES = (".md", ".ipynb")
TRAILER = "No-Translation-Needed"
_FIELD, _RECORD = "\x1f", "\x1e"


class GitUnavailable(Exception):
    """No history to read: not a git work tree, git missing, or a shallow clone."""


@dataclass(frozen=True)
class Change:
    commit: str
    date: str  # committer date, YYYY-MM-DD
    subject: str


@dataclass(frozen=True)
class Behind:
    """`page` (in `lang`) has not followed `changes` (oldest first) made to its twin `twin`."""

    page: str  # docs-relative, e.g. "containers/index.en.md"
    twin: str
    lang: str
    changes: tuple[Change, ...]

    @property
    def since(self) -> str:
        return self.changes[0].date


@dataclass
class Status:
    """The translation status of a docs folder at HEAD."""

    state: str  # "ok", or why nothing could be computed ("shallow", "no-git")
    reason: str = ""
    head: str = ""
    pairs: list[tuple[str, str]] = field(default_factory=list)  # (ko page, en page)
    behind: dict[str, Behind] = field(default_factory=dict)  # by the page that is behind


def _git(repo: Path, *args: str, stdin: str | None = None) -> str:
    try:
        result = subprocess.run(["git", "-C", str(repo), *args], capture_output=True, text=True,
                                input=stdin, timeout=60)
    except FileNotFoundError:
        raise GitUnavailable("git is not installed") from None
    if result.returncode != 0:
        raise GitUnavailable(result.stderr.strip().splitlines()[-1] if result.stderr.strip()
                             else f"git {args[0]} exited {result.returncode}")
    return result.stdout


def twin_of(path: str) -> str | None:
    """`a/b.md` -> `a/b.en.md`; None for a page that is not a Korean source page."""
    stem, dot, suffix = path.rpartition(".")
    if not dot or f".{suffix}" not in PAGE_SUFFIXES or stem.endswith(f".{TRANSLATION_LANG}"):
        return None
    return f"{stem}.{TRANSLATION_LANG}.{suffix}"


def page_pairs(docs: Path) -> list[tuple[str, str]]:
    """(Korean page, English twin) for every page that exists in both languages."""
    pairs = []
    for path in sorted(docs.rglob("*")):
        rel = path.relative_to(docs).as_posix()
        twin = twin_of(rel)
        if path.is_file() and twin and (docs / twin).is_file():
            pairs.append((rel, twin))
    return pairs


def _history(repo: Path, docs: Path) -> list[tuple[Change, set[str]]]:
    """(change, docs-relative files it touched) for every first-parent commit under `docs`,
    oldest first; commits with the trailer are left out."""
    prefix = docs.relative_to(repo).as_posix()
    strip = "" if prefix == "." else prefix + "/"
    fmt = _FIELD.join(["%H", "%cs", "%s", f"%(trailers:key={TRAILER},valueonly,separator=;)"])
    out = _git(repo, "log", "--first-parent", "--diff-merges=first-parent", "--no-renames",
               "--reverse", "--name-only", f"--format={_RECORD}{fmt}", "HEAD", "--", prefix)
    history = []
    for record in out.split(_RECORD)[1:]:
        header, _, names = record.partition("\n")
        commit, date, subject, trailer = (header.split(_FIELD) + [""] * 4)[:4]
        if not trailer.strip():
            files = {name.strip().removeprefix(strip) for name in names.split("\n")}
            history.append((Change(commit, date, subject), files - {""}))
    return history


def _pair_status(history: list[tuple[Change, set[str]]], ko: str, en: str) -> Behind | None:
    """The page of the pair that is behind at the end of `history`, if any."""
    behind, twin, unseen = None, None, []
    for change, files in history:
        touched = {page for page in (ko, en) if page in files}
        if not touched:
            continue
        if len(touched) == 2 or behind in touched:
            behind, twin, unseen = None, None, []  # both changed, or the lagging one caught up
            continue
        (twin,) = touched
        behind = en if twin == ko else ko
        unseen.append(change)
    if behind is None:
        return None
    return Behind(behind, twin, TRANSLATION_LANG if behind == en else SOURCE_LANG,
                  tuple(unseen))


def head(docs: Path) -> str:
    """The commit checked out around `docs` ("" outside git): what a status is valid for."""
    try:
        return _git(docs, "rev-parse", "HEAD").strip()
    except GitUnavailable:
        return ""


def status(docs: Path) -> Status:
    """Which pages of `docs` are behind their twin at HEAD (see the module docstring)."""
    docs = docs.resolve()
    pairs = page_pairs(docs)
    try:
        top = Path(_git(docs, "rev-parse", "--show-toplevel").strip())
        if _git(top, "rev-parse", "--is-shallow-repository").strip() == "true":
            return Status("shallow", "shallow clone: the history is cut, so translation status "
                          "cannot be told (fetch the whole history: git fetch --unshallow)",
                          pairs=pairs)
        head = _git(top, "rev-parse", "--short", "HEAD").strip()
        history = _history(top, docs)
    except GitUnavailable as exc:
        return Status("no-git", f"no git history ({exc})", pairs=pairs)
    result = Status("ok", head=head, pairs=pairs)
    for ko, en in pairs:
        behind = _pair_status(history, ko, en)
        if behind is not None:
            result.behind[behind.page] = behind
    return result


def report(result: Status) -> str:
    """The text `make l10n-status` prints."""
    if result.state != "ok":
        return f"translation status: {result.reason}\n"
    lines = [f"translation status at {result.head} (Korean is the source; "
             f"{len(result.pairs)} page pairs)"]
    for page, behind in sorted(result.behind.items()):
        what = ("English translation behind the Korean page" if behind.lang == TRANSLATION_LANG
                else "Korean page behind its English twin")
        lines.append(f"  docs/{page}: {what} since {behind.since} — "
                     f"{len(behind.changes)} change(s) to docs/{behind.twin} not followed:")
        lines.extend(f"      {c.commit[:10]} {c.date} {c.subject}" for c in behind.changes)
    in_sync = sum(1 for ko, en in result.pairs if ko not in result.behind
                  and en not in result.behind)
    lines.append(f"  {in_sync} of {len(result.pairs)} pairs in sync")
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tools.l10n", description=__doc__.split(
        "\n", 1)[0])
    parser.add_argument("--docs", type=Path, default=Path(__file__).resolve().parent.parent
                        / "docs", help="the docs folder (default: the project's)")
    args = parser.parse_args(argv)
    result = status(args.docs)
    sys.stdout.write(report(result))
    return 0 if result.state == "ok" else 1


if __name__ == "__main__":
    raise SystemExit(main())
