"""Translation status from git (tools/l10n.py) and its banners (tools/translation_banners.py):
computed in temporary repositories for each case (in sync, Korean newer, English newer, a
one-language fix with the trailer, parallel branches, a shallow clone, no git), rendered by a
small bilingual build, and checked on the real site."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path
from urllib.parse import urljoin

import pytest
import yaml

from tests.test_site import registry
from tests.test_site.conftest import mkdocs_build
from tools import l10n

pytestmark = pytest.mark.site


class Repo:
    """A throwaway git repository with a docs/ folder; each commit gets the date it is given."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.docs = root / "docs"
        self.docs.mkdir(parents=True)
        self.git("init", "-q", "-b", "main")

    def git(self, *args: str, date: str = "2026-01-01") -> str:
        stamp = f"{date}T12:00:00+00:00"
        env = {**os.environ, "GIT_AUTHOR_DATE": stamp, "GIT_COMMITTER_DATE": stamp,
               "GIT_CONFIG_GLOBAL": os.devnull, "GIT_CONFIG_NOSYSTEM": "1"}
        return subprocess.run(
            ["git", "-c", "user.name=t", "-c", "user.email=t@example.org",
             "-c", "commit.gpgsign=false", *args],
            cwd=self.root, env=env, check=True, capture_output=True, text=True).stdout

    def commit(self, date: str, message: str, **files: str) -> str:
        for name, text in files.items():
            path = self.docs / name.replace("__", ".")
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
        self.git("add", "-A", date=date)
        self.git("commit", "-q", "-m", message, date=date)
        return self.git("rev-parse", "HEAD").strip()


def pages(name: str, ko: str = "# 제목\n", en: str = "# Title\n") -> dict[str, str]:
    return {f"{name}__md": ko, f"{name}__en__md": en}


@pytest.fixture
def repo(tmp_path: Path) -> Repo:
    repo = Repo(tmp_path / "repo")
    repo.commit("2026-01-01", "both languages", **pages("a"), **pages("b"), **pages("c"))
    return repo


def test_a_commit_touching_both_keeps_them_in_sync(repo: Repo) -> None:
    repo.commit("2026-01-05", "edit both", **pages("a", "# 제목 2\n", "# Title 2\n"))
    result = l10n.status(repo.docs)
    assert result.state == "ok" and result.pairs == [
        ("a.md", "a.en.md"), ("b.md", "b.en.md"), ("c.md", "c.en.md")]
    assert result.behind == {}


def test_korean_newer_puts_english_behind_until_translated(repo: Repo) -> None:
    first = repo.commit("2026-02-01", "ko: first edit", **{"b.md": "# 제목\n\n하나\n"})
    second = repo.commit("2026-02-03", "ko: second edit", **{"b.md": "# 제목\n\n둘\n"})
    behind = l10n.status(repo.docs).behind
    assert list(behind) == ["b.en.md"]
    assert behind["b.en.md"].lang == "en" and behind["b.en.md"].twin == "b.md"
    assert [c.commit for c in behind["b.en.md"].changes] == [first, second]
    assert behind["b.en.md"].since == "2026-02-01"
    repo.commit("2026-02-04", "en: translate", **{"b.en.md": "# Title\n\nTwo\n"})
    assert l10n.status(repo.docs).behind == {}


def test_english_newer_puts_korean_behind(repo: Repo) -> None:
    repo.commit("2026-03-02", "en: clarify", **{"c.en.md": "# Title\n\nClearer.\n"})
    behind = l10n.status(repo.docs).behind
    assert list(behind) == ["c.md"]
    assert (behind["c.md"].lang, behind["c.md"].since) == ("ko", "2026-03-02")


def test_trailer_marks_a_one_language_fix(repo: Repo) -> None:
    repo.commit("2026-04-01", f"ko: particle\n\n{l10n.TRAILER}: spacing only",
                **{"a.md": "# 제목 \n"})
    assert l10n.status(repo.docs).behind == {}
    # A trailer commit on the lagging side does not count as catching up either.
    repo.commit("2026-04-02", "ko: real change", **{"a.md": "# 새 제목\n"})
    repo.commit("2026-04-03", f"en: typo\n\n{l10n.TRAILER}: typo", **{"a.en.md": "# Titel\n"})
    assert l10n.status(repo.docs).behind["a.en.md"].since == "2026-04-02"


def test_a_merged_branch_counts_as_one_change(repo: Repo) -> None:
    repo.git("checkout", "-q", "-b", "both")
    repo.commit("2026-05-01", "ko on a branch", **{"a.md": "# 제목 (가지)\n"})
    repo.commit("2026-05-02", "en on the same branch", **{"a.en.md": "# Title (branch)\n"})
    repo.git("checkout", "-q", "-b", "ko-only", "main")
    repo.commit("2026-05-03", "ko only on another branch", **{"b.md": "# 비 (가지)\n"})
    repo.git("checkout", "-q", "main")
    repo.git("merge", "-q", "--no-ff", "--no-edit", "both", date="2026-05-10")
    repo.git("merge", "-q", "--no-ff", "--no-edit", "ko-only", date="2026-05-11")
    behind = l10n.status(repo.docs).behind
    assert list(behind) == ["b.en.md"]
    assert behind["b.en.md"].since == "2026-05-11"  # the day it landed on main


def test_a_page_new_to_git_has_no_status(repo: Repo) -> None:
    (repo.docs / "d.md").write_text("# 새\n")
    (repo.docs / "d.en.md").write_text("# New\n")
    result = l10n.status(repo.docs)
    assert ("d.md", "d.en.md") in result.pairs and result.behind == {}


def test_shallow_clone_tells_nothing(repo: Repo, tmp_path: Path) -> None:
    repo.commit("2026-06-01", "ko only", **{"b.md": "# 바뀜\n"})
    assert "b.en.md" in l10n.status(repo.docs).behind
    clone = tmp_path / "clone"
    subprocess.run(["git", "clone", "-q", "--depth", "1", f"file://{repo.root}", str(clone)],
                   check=True, capture_output=True)
    result = l10n.status(clone / "docs")
    assert result.state == "shallow" and result.behind == {}
    assert "shallow clone" in result.reason
    assert "shallow clone" in l10n.report(result)


def test_outside_git_tells_nothing(tmp_path: Path) -> None:
    (tmp_path / "docs").mkdir()
    result = l10n.status(tmp_path / "docs")
    assert result.state == "no-git" and result.behind == {}


def test_l10n_status_command_lists_both_directions(repo: Repo) -> None:
    ko_change = repo.commit("2026-07-01", "ko: new section", **{"b.md": "# 제목\n\n## 새 절\n"})
    en_change = repo.commit("2026-07-02", "en: fix", **{"c.en.md": "# Title, fixed\n"})
    result = subprocess.run([sys.executable, "-m", "tools.l10n", "--docs", str(repo.docs)],
                            cwd=registry.ROOT, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[1:] == [
        "  docs/b.en.md: English translation behind the Korean page since 2026-07-01 — "
        "1 change(s) to docs/b.md not followed:",
        f"      {ko_change[:10]} 2026-07-01 ko: new section",
        "  docs/c.md: Korean page behind its English twin since 2026-07-02 — "
        "1 change(s) to docs/c.en.md not followed:",
        f"      {en_change[:10]} 2026-07-02 en: fix",
        "  1 of 3 pairs in sync",
    ]


# --- the banners in a build ----------------------------------------------------------------

def mini_config(repo: Repo) -> Path:
    """A bilingual site in `repo` with the project's i18n settings and the banner hook."""
    config = registry.load_config()
    i18n = [p for p in config["plugins"] if isinstance(p, dict) and "i18n" in p]
    (repo.docs / "index.md").write_text("# 홈\n", encoding="utf-8")  # i18n wants a home page;
    (repo.docs / "index.en.md").write_text("# Home\n", encoding="utf-8")  # not committed
    mini = {"site_name": "mini", "docs_dir": str(repo.docs), "strict": True,
            "theme": {"name": "material", "language": "ko"}, "plugins": i18n,
            "hooks": [str(registry.ROOT / "tools/translation_banners.py")],
            "markdown_extensions": ["admonition", "attr_list", "toc"],
            "nav": [{"홈": "index.md"}, {"에이": "a.md"}, {"비": "b.md"}, {"씨": "c.md"}]}
    path = repo.root / "mkdocs.yml"
    path.write_text(yaml.safe_dump(mini, allow_unicode=True), encoding="utf-8")
    return path


def banner(page: str) -> tuple[str, str] | None:
    """(text, link) of a page's translation banner, or None."""
    match = re.search(r'<div class="admonition warning translation-banner">(.*?)</div>', page,
                      re.S)
    if not match:
        return None
    link = re.search(r'<a href="([^"]+)" hreflang="(ko|en)">', match[1])
    return re.sub(r"<[^>]+>", "", match[1]).strip(), link[1]


def test_banners_in_a_build_both_ways(repo: Repo, tmp_path: Path) -> None:
    repo.commit("2026-08-01", "ko: b changed", **{"b.md": "# 비\n\n바뀐 문단.\n"})
    repo.commit("2026-08-02", "en: c changed", **{"c.en.md": "# C\n\nA changed paragraph.\n"})
    site = tmp_path / "site"
    build = mkdocs_build(site, config=mini_config(repo))
    assert build.returncode == 0, "\n".join(build.problems() or build.log.splitlines()[-20:])
    html = {(name, lang): (site / registry.page_url(f"{name}.md", lang) / "index.html")
            .read_text(encoding="utf-8") for name in "abc" for lang in ("ko", "en")}
    assert banner(html["a", "ko"]) is None and banner(html["a", "en"]) is None
    assert banner(html["b", "ko"]) is None and banner(html["c", "en"]) is None
    text, link = banner(html["b", "en"])
    assert text.startswith("This translation may be behind") and "since 2026-08-01" in text
    assert urljoin("http://x/en/b/", link) == "http://x/b/"
    text, link = banner(html["c", "ko"])
    assert text.startswith("영어판보다 오래된 내용일 수 있음") and "2026-08-02 이후" in text
    assert urljoin("http://x/c/", link) == "http://x/en/c/"
    # Right under the title.
    assert re.search(r"</h1>\s*<div class=\"admonition warning translation-banner\">",
                     html["b", "en"])


def test_build_of_a_shallow_clone_says_why_there_are_no_banners(repo: Repo,
                                                                tmp_path: Path) -> None:
    repo.commit("2026-09-01", "ko: b changed", **{"b.md": "# 비\n\n바뀜.\n"})
    clone = tmp_path / "clone"
    subprocess.run(["git", "clone", "-q", "--depth", "1", f"file://{repo.root}", str(clone)],
                   check=True, capture_output=True)
    shallow = Repo.__new__(Repo)
    shallow.root, shallow.docs = clone, clone / "docs"
    build = mkdocs_build(tmp_path / "site", config=mini_config(shallow))
    assert build.returncode == 0, "\n".join(build.problems() or build.log.splitlines()[-20:])
    assert build.log.count("translation banners: none (shallow clone") == 1, build.log
    page = (tmp_path / "site/en/b/index.html").read_text(encoding="utf-8")
    assert banner(page) is None


# --- the real site ---------------------------------------------------------------------------

@pytest.mark.docker
def test_real_site_shows_a_banner_exactly_where_a_page_is_behind(site: Path) -> None:
    result = l10n.status(registry.ROOT / "docs")
    wrong = []
    for ko, en in result.pairs:
        for page, lang in ((ko, "ko"), (en, "en")):
            key = registry.twin_key(registry.ROOT / "docs" / page)
            built = registry.page_html(site, key, lang)
            if not built.is_file():
                continue  # a page outside the nav is not built
            shown = banner(built.read_text(encoding="utf-8")) is not None
            if shown != (page in result.behind):
                wrong.append(f"{page}: banner {'shown' if shown else 'missing'}")
    assert not wrong, f"translation banners ({result.state}): " + ", ".join(wrong)
