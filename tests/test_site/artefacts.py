"""Rendering artefacts in built HTML: Markdown syntax or escaping that leaked into the text.

Each kind is something the source tree cannot show by itself, because it appears only after
Markdown, its extensions and the theme have run:

- `\\"` in text or a title: a backslash-escaped quote inside an admonition or code-block title
  (`!!! note "a \\"b\\""`). Python-Markdown has no escapes inside a title, so the backslash stays.
- `{ #id }` in text: an attr_list marker that was not applied (wrong position, a notebook cell).
- `--8<--` on a line of its own: a snippet include that pymdownx.snippets did not expand.
- An entity shown as text (`&amp;lt;` in the HTML, `&lt;` on the screen): text escaped twice.
- An empty code block: a fence whose include or content went missing.

Inline and block code (`<code>`, `<pre>`) may show `\\"` and `{ #id }` on purpose (a JSON string, a
Markdown lesson), so those two are looked for outside code only; a double-escaped entity or a stray
include line is an artefact wherever it is.
"""

from __future__ import annotations

import html
import re
from html.parser import HTMLParser

_DIRECTIVE = re.compile(r"^[ \t]*--8<--[ \t]*(?:([\"']).*\1)?[ \t]*$", re.M)
_ATTR_MARKER = re.compile(r"\{:?\s*#[\w-]+[^{}]*\}?")
_ENTITY_AS_TEXT = re.compile(r"&(?:[a-zA-Z]{2,8}|#[0-9]{1,6}|#[xX][0-9a-fA-F]{1,6});")
_RAW_TEXT = {"script", "style"}
_CODE = {"code", "pre", "kbd", "samp"}
_EXCERPT = 40


def unexpanded_directives(page: str) -> list[str]:
    """Include directives that pymdownx.snippets left in a page's text as they were.

    A directive is a line of its own (`--8<-- "file"`, or a bare `--8<--` opening a block);
    prose that mentions the syntax inline is fine.
    """
    text = html.unescape(re.sub(r"<[^>]+>", "", page))
    return [m.group(0).strip() for m in _DIRECTIVE.finditer(text)]


def _excerpt(text: str, start: int, end: int) -> str:
    left = max(0, start - _EXCERPT)
    snippet = text[left:end + _EXCERPT].replace("\n", " ").strip()
    return ("…" if left else "") + snippet + ("…" if end + _EXCERPT < len(text) else "")


class _Reader(HTMLParser):
    """Splits a page into visible text runs, each marked as code or not; measures <pre> blocks."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.runs: list[tuple[bool, str]] = []  # (inside code, text)
        self.empty_blocks = 0
        self._open: list[str] = []
        self._pre_text: list[str] | None = None

    def handle_starttag(self, tag, attrs) -> None:
        if tag in ("br", "img", "hr", "input", "meta", "link", "wbr"):
            return
        self._open.append(tag)
        if tag == "pre" and self._pre_text is None:
            self._pre_text = []

    def handle_endtag(self, tag) -> None:
        if tag not in self._open:
            return
        while self._open and self._open.pop() != tag:
            pass
        if tag == "pre" and "pre" not in self._open and self._pre_text is not None:
            if not "".join(self._pre_text).strip():
                self.empty_blocks += 1
            self._pre_text = None

    def handle_data(self, data) -> None:
        if _RAW_TEXT & set(self._open):
            return
        self.runs.append((bool(_CODE & set(self._open)), data))
        if self._pre_text is not None:
            self._pre_text.append(data)


def rendering_artefacts(page: str) -> list[str]:
    """Every artefact in one built page, one readable line each (empty: the page is clean)."""
    reader = _Reader()
    reader.feed(page)
    reader.close()
    found: list[str] = []
    for in_code, text in reader.runs:
        if not in_code and '\\"' in text:
            found.append(f'literal \\" in text or title: {" ".join(text.split())[:120]}')
        marker = None if in_code else _ATTR_MARKER.search(text)
        if marker:
            found.append(f"attr_list marker left in text: {marker.group(0)!r} in "
                         f"{_excerpt(text, marker.start(), marker.end())}")
        entity = _ENTITY_AS_TEXT.search(text)
        if entity:
            found.append(f"escaped entity shown as text: {entity.group(0)!r} in "
                         f"{_excerpt(text, entity.start(), entity.end())}")
    found.extend(f"unexpanded snippet directive: {line}" for line in unexpanded_directives(page))
    if reader.empty_blocks:
        found.append(f"{reader.empty_blocks} empty code block(s)")
    return found
