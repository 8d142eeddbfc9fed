"""MkDocs hook: a banner on a page whose twin in the other language has changed since it did.

tools/l10n.py reads the git history once per build (what counts as "behind" is defined there).
An English page behind the Korean source says so in English and links the Korean page; a Korean
page whose English twin is newer says so in Korean and links the English page. The banner is a
Material admonition right under the page title. On a shallow clone, or outside git, there are no
banners and the build log says why, once.
"""

from __future__ import annotations

import html
import logging
import re
import sys
from pathlib import Path

# MkDocs loads a hook by file path with only this folder on sys.path: add the project root.
_ROOT = Path(__file__).resolve().parent.parent
if str(_ROOT) not in sys.path:
    sys.path.insert(0, str(_ROOT))

from mkdocs.utils import get_relative_url  # noqa: E402

from tools import l10n  # noqa: E402

log = logging.getLogger("mkdocs.hooks.translation_banners")

BANNER_CLASS = "translation-banner"
WORDS = {
    "en": {"title": "This translation may be behind",
           "body": "The Korean page has changed since {since} ({count}) and this English "
                   "version may not include those changes yet.",
           "count": lambda n: f"{n} change" + ("s" if n != 1 else ""),
           "link": "Read the Korean page"},
    "ko": {"title": "영어판보다 오래된 내용일 수 있음",
           "body": "영어판이 {since} 이후 바뀌었고({count}), 이 한국어 페이지에는 그 내용이 아직 "
                   "반영되지 않았을 수 있음.",
           "count": lambda n: f"변경 {n}건",
           "link": "영어 페이지 보기"},
}
_FIRST_H1 = re.compile(r"</h1>", re.I)
_status: dict[tuple[str, str], l10n.Status] = {}  # by (docs folder, HEAD)
_current: l10n.Status | None = None  # this build's


def current_status(docs_dir: str) -> l10n.Status:
    """The status of `docs_dir` at HEAD, computed once however many builds ask (each language
    is a build of its own; `mkdocs serve` rebuilds), logged when computed."""
    key = (docs_dir, l10n.head(Path(docs_dir)))
    if key not in _status:
        _status[key] = result = l10n.status(Path(docs_dir))
        if result.state != "ok":
            log.info(f"translation banners: none ({result.reason})")
    return _status[key]


def on_config(config):
    global _current
    _current = current_status(config.docs_dir)
    return config


def banner_html(behind: l10n.Behind, twin_url: str) -> str:
    words = WORDS[behind.lang]
    body = words["body"].format(since=behind.since, count=words["count"](len(behind.changes)))
    other = l10n.SOURCE_LANG if behind.lang == l10n.TRANSLATION_LANG else l10n.TRANSLATION_LANG
    return (f'<div class="admonition warning {BANNER_CLASS}">\n'
            f'<p class="admonition-title">{html.escape(words["title"])}</p>\n'
            f'<p>{html.escape(body)} <a href="{html.escape(twin_url)}" hreflang="{other}">'
            f'{html.escape(words["link"])}</a></p>\n</div>')


def twin_url(page, behind: l10n.Behind) -> str:
    """The twin's URL relative to the page (mkdocs-static-i18n knows each page's alternates)."""
    other = l10n.SOURCE_LANG if behind.lang == l10n.TRANSLATION_LANG else l10n.TRANSLATION_LANG
    alternate = getattr(page.file, "alternates", {}).get(other)
    if alternate is not None:
        target = alternate.url
    elif other == l10n.TRANSLATION_LANG:  # the default language is at /, English under /en/
        target = f"{l10n.TRANSLATION_LANG}/{page.url}"
    else:
        target = page.url.removeprefix(f"{l10n.TRANSLATION_LANG}/")
    return get_relative_url(target or ".", page.url or ".")


def on_page_content(content: str, page, config, files) -> str:
    status = _current or current_status(config.docs_dir)
    behind = status.behind.get(page.file.src_uri)
    if behind is None:
        return content
    banner = banner_html(behind, twin_url(page, behind))
    if _FIRST_H1.search(content):
        return _FIRST_H1.sub(lambda m: m[0] + "\n" + banner, content, count=1)
    return banner + "\n" + content
