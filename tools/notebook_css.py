"""MkDocs hook: notebook pages keep only the CSS rules that can match them.

mkdocs-jupyter inlines JupyterLab's whole stylesheet (~600 KB: widgets, menus, dialogs,
every theme variable) into each notebook page, ~90 KB gzipped before the page's own text.
A static notebook page uses a few dozen of its classes and runs no JupyterLab code that
could add others, so a rule whose selectors all name a class or id the page does not have
is dropped, and so is one that puts `:root` below another element (mkdocs-jupyter scopes
JupyterLab's ~90 KB of `:root` variables as `.jupyter-wrapper :root`, which matches
nothing). The rules are parsed with tinycss2 (not regular expressions), `@media` and
`@supports` blocks are pruned recursively, and every other at-rule (`@font-face`,
`@keyframes`, `@charset`) is kept as it is.
"""

from __future__ import annotations

import re

import tinycss2

# Only blocks this large are pruned (the small ones are Pygments' and the site's own).
MIN_BLOCK = 8_000
_STYLE = re.compile(r"(<style[^>]*>)(.*?)(</style>)", re.S)
_CLASS_ATTR = re.compile(r'\bclass="([^"]*)"')
_ID_ATTR = re.compile(r'\bid="([^"]*)"')
_NAMES = re.compile(r"([.#])(-?[_a-zA-Z][\w-]*)")
_GROUPING = {"media", "supports"}


def names_in(html: str) -> tuple[set[str], set[str]]:
    """The class names and ids the page's markup uses."""
    classes = {name for value in _CLASS_ATTR.findall(html) for name in value.split()}
    return classes, set(_ID_ATTR.findall(html))


def _selector_can_match(selector: str, classes: set[str], ids: set[str]) -> bool:
    # attribute selectors and strings may hold dots ([href$=".png"]): ignore what is quoted
    bare = re.sub(r"\[[^\]]*\]|\"[^\"]*\"|'[^']*'", "", selector).strip()
    if ":root" in bare and not bare.startswith(":root"):
        return False  # `.jupyter-wrapper :root`: the root element is nobody's descendant
    return all(name in (classes if kind == "." else ids) for kind, name in _NAMES.findall(bare))


def _keep(rule, classes: set[str], ids: set[str]) -> str | None:
    if rule.type == "qualified-rule":
        selectors = tinycss2.serialize(rule.prelude).split(",")
        if any(_selector_can_match(s, classes, ids) for s in selectors):
            return tinycss2.serialize([rule])
        return None
    if rule.type == "at-rule" and rule.lower_at_keyword in _GROUPING and rule.content:
        inner = prune_rules(tinycss2.serialize(rule.content), classes, ids)
        if not inner.strip():
            return None
        return f"@{rule.at_keyword}{tinycss2.serialize(rule.prelude)}{{{inner}}}"
    if rule.type in ("whitespace", "comment"):
        return None
    return tinycss2.serialize([rule])  # @font-face, @keyframes, @import, @charset, errors


def prune_rules(css: str, classes: set[str], ids: set[str]) -> str:
    """The rules of `css` that can match an element with these classes and ids."""
    rules = tinycss2.parse_stylesheet(css, skip_comments=True, skip_whitespace=True)
    kept = (_keep(rule, classes, ids) for rule in rules)
    return "\n".join(text for text in kept if text)


def prune_page(html: str) -> str:
    """Prune every large inline <style> block of a page to what the page can use."""
    classes, ids = names_in(html)

    def replace(match: re.Match) -> str:
        opening, css, closing = match.groups()
        if len(css) < MIN_BLOCK:
            return match.group(0)
        return opening + prune_rules(css, classes, ids) + closing
    return _STYLE.sub(replace, html)


def on_post_page(output: str, page, config) -> str:
    if 'class="jupyter-wrapper"' not in output:
        return output
    return prune_page(output)
