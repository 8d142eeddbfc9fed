"""The strict build, and what must be true of the HTML it writes (no browser needed)."""

from __future__ import annotations

import os
import re
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urljoin, urlparse

import pytest
import yaml

from tests.test_site import registry
from tests.test_site.conftest import SiteBuild, mkdocs_build

NAV = registry.nav_pages()
NOTEBOOK = "containers/start-latency.ipynb"
BASE = "http://site.test/"


def html_of(site: Path, src: str, lang: str) -> str:
    path = registry.page_html(site, src, lang)
    assert path.is_file(), f"{path.relative_to(site)} was not built"
    return path.read_text(encoding="utf-8")


class _Links(HTMLParser):
    """Collects the attributes of <a>, <img>, <link>, <h1..6> and the <html> tag."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str]]] = []

    def handle_starttag(self, tag, attrs) -> None:
        self.tags.append((tag, {k: v or "" for k, v in attrs}))


def tags(page: str, name: str) -> list[dict[str, str]]:
    parser = _Links()
    parser.feed(page)
    return [attrs for tag, attrs in parser.tags if tag == name]


# --- the build ------------------------------------------------------------------------------

@pytest.mark.docker
@pytest.mark.site
def test_strict_build_succeeds(strict_build: SiteBuild) -> None:
    assert strict_build.returncode == 0, (
        f"mkdocs build --strict failed after {strict_build.seconds:.0f} s:\n"
        + "\n".join(strict_build.problems()[-40:] or strict_build.log.splitlines()[-40:]))


@pytest.mark.docker
@pytest.mark.site
@pytest.mark.parametrize("lang", registry.LANGS)
@pytest.mark.parametrize("src", NAV)
def test_every_nav_page_is_built(site: Path, src: str, lang: str) -> None:
    page = html_of(site, src, lang)
    assert tags(page, "html")[0].get("lang") == lang
    assert re.search(r'<article class="md-content__inner', page), "no content area"


@pytest.mark.docker
@pytest.mark.site
@pytest.mark.parametrize("lang", registry.LANGS)
def test_notebook_is_rendered_and_executed(site: Path, lang: str) -> None:
    page = html_of(site, NOTEBOOK, lang)
    # A page, not the notebook copied as a file: cells rendered, outputs of this build.
    assert '"cell_type"' not in page
    assert "jp-Notebook" in page or "jupyter-wrapper" in page
    images = [img["src"] for img in tags(page, "img") if img.get("src", "").startswith(
        "data:image/png;base64,")]
    assert images, "the notebook page has no plot image"
    assert re.search(r"bridge: median +\d+ ms, p90 +\d+ ms", page), "no measured output"
    assert "leftover containers" in page
    source = registry.ROOT / "docs" / (NOTEBOOK if lang == "ko" else NOTEBOOK.replace(
        ".ipynb", ".en.ipynb"))
    anchors = [h.anchor for h in registry.read_page(source).headings]
    ids = [attrs["id"] for level in "123456" for attrs in tags(page, f"h{level}")
           if "id" in attrs]
    assert all(anchor in ids for anchor in anchors), (anchors, ids)
    assert "{ #" not in page, "an explicit anchor marker was left in the text"


@pytest.mark.docker
@pytest.mark.site
@pytest.mark.parametrize("lang", registry.LANGS)
@pytest.mark.parametrize("src", NAV)
def test_language_selector_points_to_the_twin(site: Path, src: str, lang: str) -> None:
    page = html_of(site, src, lang)
    here = BASE + registry.page_url(src, lang)
    links = {a["hreflang"]: urljoin(here, a["href"]) for a in tags(page, "a")
             if "md-select__link" in a.get("class", "") and a.get("hreflang")}
    assert set(links) == set(registry.LANGS), f"language selector links: {links}"
    for other in registry.LANGS:
        assert urlparse(links[other]).path == "/" + registry.page_url(src, other)
    # Per-page <link rel="alternate"> tags make Material fetch <page>/sitemap.xml (404s): the
    # hook removes them, and the hreflang pairs live in sitemap.xml instead.
    assert not [link for link in tags(page, "link") if link.get("hreflang")]


@pytest.mark.docker
@pytest.mark.site
def test_sitemap_pairs_every_page_with_its_twin(site: Path) -> None:
    sitemap = (site / "sitemap.xml").read_text(encoding="utf-8")
    prefix = urlparse(os.environ.get("SITE_URL", "http://127.0.0.1:8000/")).path.rstrip("/")
    entries = re.findall(r"<url>(.*?)</url>", sitemap, re.S)
    pairs = {}
    for entry in entries:
        loc = urlparse(re.search(r"<loc>(.*?)</loc>", entry)[1]).path.removeprefix(prefix)
        alternates = dict(re.findall(r'hreflang="([^"]+)" href="([^"]+)"', entry))
        pairs[loc] = {lang: urlparse(url).path.removeprefix(prefix)
                      for lang, url in alternates.items()}
    for src in NAV:
        ko = "/" + registry.page_url(src, "ko")
        assert pairs.get(ko) == {"ko": ko, "en": "/" + registry.page_url(src, "en")}, src


@pytest.mark.docker
@pytest.mark.site
@pytest.mark.parametrize("lang", registry.LANGS)
def test_reference_renders_every_example(site: Path, lang: str) -> None:
    missing = []
    for example in registry.examples():
        folder = example.split("/", 1)[0]
        page_src = f"reference/{folder}.md"
        html_path = registry.page_html(site, page_src, lang)
        if not html_path.is_file():
            missing.append(f"{registry.page_url(page_src, lang)} (for examples/{example})")
            continue
        page = html_path.read_text(encoding="utf-8")
        ident = registry.reference_identifier(example)
        if f'id="{ident}"' not in page or "::: " in page:
            missing.append(f"{ident} on {registry.page_url(page_src, lang)}")
    assert not missing, "not rendered by mkdocstrings: " + ", ".join(missing)


@pytest.mark.docker
@pytest.mark.site
def test_search_worker_gets_the_query_analyser(site: Path) -> None:
    from tools.search_index import ADDON_MARK

    (worker,) = (site / "assets" / "javascripts" / "workers").glob("search.*.min.js")
    assert worker.read_text(encoding="utf-8").count(ADDON_MARK) == 1


@pytest.mark.docker
@pytest.mark.site
@pytest.mark.parametrize("lang", registry.LANGS)
def test_one_search_index_per_language(site: Path, lang: str) -> None:
    """Each language's pages fetch an index of that language's pages only."""
    import json

    root = site / registry.page_url("index.md", lang)
    index = json.loads((root / "search" / "search_index.json").read_text(encoding="utf-8"))
    locations = {doc["location"].split("#")[0] for doc in index["docs"]}
    pages = {registry.page_url(src, lang).removeprefix("en/") for src in NAV}
    assert pages <= locations, f"pages missing from the {lang} index: {pages - locations}"
    assert not [loc for loc in locations if loc.startswith("en/")], "English pages in it"
    titles = {d["location"]: d["title"] for d in index["docs"] if "#" not in d["location"]}
    topic_titles = [titles[p] for p in pages if not p.startswith("reference/")]
    in_korean = [bool(re.search("[\uac00-\ud7a3]", t)) for t in topic_titles]
    assert all(in_korean) if lang == "ko" else not any(in_korean), topic_titles
    for src in NAV:  # and every page's search looks there: `base` is its language's root
        page = html_of(site, src, lang)
        config = json.loads(re.search(r'<script id="__config"[^>]*>(.*?)</script>', page, re.S)[1])
        here = BASE + registry.page_url(src, lang)
        assert urljoin(here, config["base"].rstrip("/") + "/") == BASE + (
            "en/" if lang == "en" else ""), (src, config["base"])


# --- notebooks: the hook, and a failing cell --------------------------------------------------

def notebook(code: str, title: str) -> str:
    import nbformat
    from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

    nb = new_notebook(cells=[new_markdown_cell(f"# {title} {{ #nb }}"), new_code_cell(code)],
                      metadata={"kernelspec": {"name": "python3", "language": "python",
                                               "display_name": "Python 3"}})
    return nbformat.writes(nb)


def mini_site(root: Path, code: str) -> Path:
    """A two-page bilingual site with the project's hook, i18n and mkdocs-jupyter settings."""
    config = registry.load_config()
    plugins = [p for p in config["plugins"]
               if isinstance(p, dict) and {"i18n", "mkdocs-jupyter"} & set(p)]
    assert len(plugins) == 2, "mkdocs.yml no longer configures i18n and mkdocs-jupyter"
    docs = root / "docs"
    docs.mkdir()
    (docs / "index.md").write_text("# 홈 { #home }\n", encoding="utf-8")
    (docs / "index.en.md").write_text("# Home { #home }\n", encoding="utf-8")
    (docs / "nb.ipynb").write_text(notebook(code, "노트북"), encoding="utf-8")
    (docs / "nb.en.ipynb").write_text(notebook(code, "Notebook"), encoding="utf-8")
    mini = {
        "site_name": "mini", "docs_dir": str(docs), "strict": True,
        "theme": {"name": "material", "language": "ko"},
        "hooks": [str(registry.ROOT / hook) for hook in config["hooks"]],
        "plugins": plugins,
        "markdown_extensions": ["attr_list", "toc"],
        "nav": [{"홈": "index.md"}, {"노트북": "nb.ipynb"}],
    }
    path = root / "mkdocs.yml"
    path.write_text(yaml.safe_dump(mini, allow_unicode=True), encoding="utf-8")
    return path


@pytest.mark.site
def test_notebook_builds_as_a_page_in_both_languages(tmp_path: Path) -> None:
    build = mkdocs_build(tmp_path / "site", config=mini_site(tmp_path, "print(6 * 7)"))
    assert build.returncode == 0, "\n".join(build.problems() or build.log.splitlines()[-20:])
    for lang in registry.LANGS:
        page = registry.page_html(tmp_path / "site", "nb.ipynb", lang).read_text(
            encoding="utf-8")
        assert re.search(r">\s*42\s*<", page), "the cell was not executed"
        assert 'id="nb"' in page


@pytest.mark.site
def test_failing_notebook_cell_fails_the_build(tmp_path: Path) -> None:
    code = "raise RuntimeError('cloudnotes: this cell fails on purpose')"
    build = mkdocs_build(tmp_path / "site", config=mini_site(tmp_path, code))
    assert build.returncode != 0, "a notebook cell raised and the build still passed"
    assert "cloudnotes: this cell fails on purpose" in build.log
