"""MkDocs hooks: small fixes where plugins meet (see docs/run-the-examples.md for the why).

1. Notebooks under mkdocs-static-i18n. mkdocs-jupyter marks `.ipynb` files as pages by wrapping
   them, but the i18n plugin (its `on_files` runs later) rebuilds every file as a plain
   `File`, which MkDocs then copies as a raw download: no page, no execution, no warning
   (mkdocs-static-i18n issue #198). The hook wraps the plugin's file factory so that notebooks
   stay documentation pages, in every language (`page.ipynb`, `page.en.ipynb`).
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
4. Mermaid offline. Material loads mermaid.js from a CDN when a page has a diagram, so
   diagrams do not render offline (and the browser tests block every non-loopback request).
   The site ships mermaid (MIT, `docs/assets/javascripts/`, from the npm package); pages
   with a diagram get a script tag for it, ahead of Material's bundle, which then uses it.
5. Korean search. lunr's Korean support only trims words and drops stop words: particles and
   endings stay attached, so "서버리스는" does not find a page that says only "서버리스를",
   and "격리하다" does not find "격리된". Material searches every word as a prefix, so a
   query word cut back to its stem finds all its forms. The hook appends a small suffix
   stripper to the site's `lunr.ko` script (which Material's search worker loads) that
   stems the query words as lunr parses the query. The indexed text stays as written, so
   highlighting is unchanged. A morphological analyser (e.g. kiwipiepy) would only help at
   build time: the query is typed in the reader's browser, which needs JavaScript anyway.
"""

from __future__ import annotations

import functools
import html
import re
from pathlib import Path
from typing import Any

from mkdocs.structure.files import File
from mkdocs.structure.toc import get_toc
from mkdocs.utils import get_relative_url

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
    return config


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
    if not is_notebook(page.file):
        return content
    content = _HEADING.sub(_explicit_anchor, content)
    tokens = _toc_tokens(content)
    if tokens and tokens[0]["level"] == 1:
        page.title = tokens[0]["name"]  # without the `{ #id }` marker mkdocs-jupyter kept
    page.toc = get_toc(tokens)
    return content


_ALTERNATE_LINK = re.compile(r'[ \t]*<link rel="alternate" href="[^"]*" hreflang="[^"]*">\n?')


MERMAID = "assets/javascripts/mermaid-11.12.3.min.js"
_MATERIAL_BUNDLE = re.compile(r'<script src="[^"]*assets/javascripts/bundle\.[0-9a-f]+\.min\.js">')


def on_post_page(output: str, page, config) -> str:
    output = _ALTERNATE_LINK.sub("", output)
    if 'class="mermaid"' in output:
        src = get_relative_url(MERMAID, page.url or ".")
        output = _MATERIAL_BUNDLE.sub(lambda m: f'<script src="{src}"></script>\n    {m[0]}',
                                      output, count=1)
    return output


# --- Korean search (5) ------------------------------------------------------------------------

KO_STEMMER_MARK = "/* cloudnotes: lunr.ko.stemmer */"
# Longest first. Verbal endings go before particles; a stem keeps at least two characters.
KO_ENDINGS = (
    "하였습니다", "했습니다", "되었습니다", "됐습니다", "합니다", "됩니다", "입니다",
    "하였다", "했다", "되었다", "됐다", "한다", "된다", "하다",
    "되다", "이다", "하는", "되는", "하고", "되고", "하여",
    "해서", "되어", "하며", "하면", "되면", "할", "한",
    "된", "함", "됨",
)
KO_PARTICLES = (
    "으로부터", "에서부터", "에서는", "에서도", "에게서", "으로는", "으로도",
    "까지는", "이라는", "이라고", "에서", "에게", "으로", "부터",
    "까지", "처럼", "보다", "마다", "와는", "과는", "와도",
    "과도", "이나", "이란", "라는", "에는", "에도", "로는",
    "은", "는", "이", "가", "을", "를", "의",
    "에", "와", "과", "도", "로", "만", "나",
    "란",
)

KO_STEMMER_JS = KO_STEMMER_MARK + """
(function (lunr) {
  if (!lunr || !lunr.QueryParser || lunr.QueryParser.parseTerm.cloudnotes) return;
  var endings = %(endings)s, particles = %(particles)s;
  function strip(word, suffixes) {
    for (var i = 0; i < suffixes.length; i++) {
      var s = suffixes[i];
      if (word.length - s.length >= 2 && word.slice(-s.length) === s)
        return word.slice(0, -s.length);
    }
    return word;
  }
  function stem(word) {
    if (!/[\uac00-\ud7a3]$/.test(word)) return word;
    var shorter = strip(word, endings);
    return shorter !== word ? shorter : strip(word, particles);
  }
  // Material appends `*` to every query word (prefix search) and lunr skips its pipeline for
  // wildcard terms: the query words are stemmed here, as lunr parses the query. The stem
  // then prefix-matches every form of the word in the pages: 격리하다 -> 격리* finds 격리된.
  var parseTerm = lunr.QueryParser.parseTerm;
  lunr.QueryParser.parseTerm = function (parser) {
    var lexeme = parser.peekLexeme();
    if (lexeme && lexeme.type === lunr.QueryLexer.TERM) {
      var parts = /^(\\*?)(.*?)(\\*?)$/.exec(lexeme.str);
      lexeme.str = parts[1] + stem(parts[2]) + parts[3];
    }
    return parseTerm(parser);
  };
  lunr.QueryParser.parseTerm.cloudnotes = true;
})(typeof self !== "undefined" ? self.lunr : this.lunr);
"""


def ko_stemmer_js() -> str:
    import json

    longest = functools.partial(sorted, key=len, reverse=True)
    return KO_STEMMER_JS % {"endings": json.dumps(longest(KO_ENDINGS), ensure_ascii=False),
                            "particles": json.dumps(longest(KO_PARTICLES), ensure_ascii=False)}


def on_post_build(config) -> None:
    script = Path(config.site_dir) / "assets" / "javascripts" / "lunr" / "min" / "lunr.ko.min.js"
    if script.is_file():
        text = script.read_text(encoding="utf-8")
        if KO_STEMMER_MARK not in text:
            script.write_text(text.rstrip() + "\n" + ko_stemmer_js(), encoding="utf-8")
