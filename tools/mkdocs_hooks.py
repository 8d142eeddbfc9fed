"""MkDocs hooks: small fixes where plugins meet (see docs/contributing/index.md for the why).

1. Notebooks under mkdocs-static-i18n. mkdocs-jupyter marks `.ipynb` files as pages by wrapping
   them, but the i18n plugin (its `on_files` runs later) rebuilds every file as a plain
   `File`, which MkDocs then copies as a raw download: no page, no execution, no warning
   (mkdocs-static-i18n issue #198). The hook wraps the plugin's file factory so that notebooks
   stay documentation pages, in every language (`page.ipynb`, `page.en.ipynb`).
   Notebooks are executed by tools/notebooks.py, cached by their content and the Docker engine.
2. Explicit heading anchors in notebooks. Markdown pages write `## 제목 { #id }` (attr_list);
   notebook cells are rendered by nbconvert, which knows no attr_list and would show the
   `{ #id }` literally and derive the id from the Korean text. The hook turns the marker
   into the heading's id after rendering and rebuilds the page's table of contents from the
   headings, so a notebook and its twin share anchors exactly like Markdown pages do.
3. Per-page `<link rel="alternate" hreflang>` tags. mkdocs-static-i18n points them at the same
   page in each language, but Material's JavaScript treats every such link as a language root
   and fetches `<link>/sitemap.xml` on each page load: two 404s (console errors) per page. The
   hook drops the tags; the same hreflang pairs are in sitemap.xml (which search engines
   accept as equivalent), and the language selector keeps its per-page links.
4. Mermaid diagrams (tools/diagrams.py): drawn as inline SVG at build time, from a committed
   cache, so readers load no mermaid.js and the diagrams follow the palette.
5. Search (tools/search_index.py): one index per language, Korean words analysed by Kiwi at
   build time, and the query analyser appended to Material's search worker.
6. `make serve` rebuilds only the edited pages (`mkdocs serve --dirty`): MkDocs's warning about
   dirty builds would abort the strict serve, so it is filtered while serving. Each rebuild
   makes a new Jinja environment, which compiled Material's ~80 templates again (seconds per
   edit): compiled templates are kept in `.cache/jinja/` (keyed by the template's source).
"""

from __future__ import annotations

import functools
import html
import logging
import re
import sys
from pathlib import Path
from typing import Any

from mkdocs.plugins import event_priority
from mkdocs.structure.files import File
from mkdocs.structure.toc import get_toc

# The hooks run inside mkdocs; the project's own modules live beside this file in `tools`.
_ROOT = str(Path(__file__).resolve().parents[1])
if _ROOT not in sys.path:
    sys.path.insert(0, _ROOT)

from tools.diagrams import DIAGRAMS  # noqa: E402
from tools.notebooks import NOTEBOOKS  # noqa: E402
from tools.search_index import SEARCH  # noqa: E402

NOTEBOOK_SUFFIX = ".ipynb"


class NotebookPageFile(File):
    """A notebook file that MkDocs treats as a documentation page (rendered by mkdocs-jupyter)."""

    def is_documentation_page(self) -> bool:
        return True


def is_notebook(file: File) -> bool:
    return file.src_uri.endswith(NOTEBOOK_SUFFIX)


def _keep_notebooks_as_pages(create_i18n_file):
    @functools.wraps(create_i18n_file)
    def create(file: File, *args: Any, **kwargs: Any) -> File:
        i18n_file = create_i18n_file(file, *args, **kwargs)
        if is_notebook(i18n_file) and not i18n_file.is_documentation_page():
            i18n_file.__class__ = NotebookPageFile
        return i18n_file

    create.cloudnotes_notebooks = True
    return create


def on_config(config):
    """Patch mkdocs-static-i18n's file factories (idempotent: `mkdocs serve` reloads hooks)."""
    from mkdocs_static_i18n import folder, suffix

    for module in (suffix, folder):
        if not getattr(module.create_i18n_file, "cloudnotes_notebooks", False):
            module.create_i18n_file = _keep_notebooks_as_pages(module.create_i18n_file)
    NOTEBOOKS.config(config)
    return config


@event_priority(10)  # before mkdocs-jupyter reads the notebook
def on_pre_page(page, config, files):
    NOTEBOOKS.pre_page(page)
    return page


# nbconvert (as patched by mkdocs-jupyter) renders `## Title { #id }` as
# <h2 id="slug">Title { #id }<a class="anchor-link" href="#slug">¶</a></h2>
_HEADING = re.compile(
    r'<h(?P<level>[1-6])(?P<before>[^>]*?)\sid="(?P<old>[^"]*)"(?P<after>[^>]*)>'
    r"(?P<text>.*?)\s*\{\s*#(?P<id>[\w-]+)\s*\}\s*"
    r'(?P<link><a class="anchor-link" href="#[^"]*">)?',
    re.DOTALL,
)
_ANY_HEADING = re.compile(r'<h([1-6])[^>]*\sid="([^"]*)"[^>]*>(.*?)</h\1>', re.DOTALL)
_TAGS = re.compile(r"<[^>]+>")


def _explicit_anchor(match: re.Match) -> str:
    link = f'<a class="anchor-link" href="#{match["id"]}">' if match["link"] else ""
    return (f'<h{match["level"]}{match["before"]} id="{match["id"]}"{match["after"]}>'
            f'{match["text"].rstrip()}{link}')


def _toc_tokens(content: str) -> list[dict]:
    """Nested toc tokens (the shape python-markdown's toc extension produces) from headings."""
    roots: list[dict] = []
    stack: list[dict] = []
    for level, anchor, inner in _ANY_HEADING.findall(content):
        inner = re.sub(r'<a class="anchor-link".*?</a>', "", inner, flags=re.DOTALL)
        name = html.unescape(_TAGS.sub("", inner)).strip()
        token = {"level": int(level), "id": anchor, "name": name, "html": html.escape(name),
                 "data-toc-label": "", "children": []}
        while stack and stack[-1]["level"] >= token["level"]:
            stack.pop()
        (stack[-1]["children"] if stack else roots).append(token)
        stack.append(token)
    return roots


def on_page_content(content: str, page, config, files) -> str:
    content = DIAGRAMS.page_content(content)
    if not is_notebook(page.file):
        return content
    content = _HEADING.sub(_explicit_anchor, content)
    tokens = _toc_tokens(content)
    if tokens and tokens[0]["level"] == 1:
        page.title = tokens[0]["name"]  # without the `{ #id }` marker mkdocs-jupyter kept
    page.toc = get_toc(tokens)
    return content


_ALTERNATE_LINK = re.compile(r'[ \t]*<link rel="alternate" href="[^"]*" hreflang="[^"]*">\n?')


class _QuietDirtyServe(logging.Filter):
    """`make serve` rebuilds only edited pages (`--dirty`); MkDocs warns about that on every
    rebuild, which `strict: true` turns into an abort. Serving only, never for builds."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not record.getMessage().startswith("A 'dirty' build is being performed")


JINJA_CACHE = Path(_ROOT) / ".cache" / "jinja"


def on_env(env, config, files):
    import jinja2

    JINJA_CACHE.mkdir(parents=True, exist_ok=True)
    env.bytecode_cache = jinja2.FileSystemBytecodeCache(str(JINJA_CACHE))
    return env


def on_startup(command, dirty) -> None:
    SEARCH.startup(dirty)
    build_log = logging.getLogger("mkdocs.commands.build")
    if command == "serve" and dirty and not any(
            isinstance(f, _QuietDirtyServe) for f in build_log.filters):
        build_log.addFilter(_QuietDirtyServe())


def on_pre_build(config) -> None:
    SEARCH.pre_build(config)


@event_priority(-10)  # after Material's search plugin has indexed the page
def on_page_context(context, page, config, nav):
    SEARCH.page_context(page, config)
    return context


def on_post_page(output: str, page, config) -> str:
    return SEARCH.post_page(_ALTERNATE_LINK.sub("", output), page, config)


@event_priority(-200)  # after mkdocs-static-i18n (-100) has built every language
def on_post_build(config) -> None:
    DIAGRAMS.post_build()
    i18n = config.plugins.get("i18n")
    if i18n is not None and i18n.building:
        return  # a nested language build: the outer build finishes for every language
    SEARCH.post_build(config)
    NOTEBOOKS.post_build()
