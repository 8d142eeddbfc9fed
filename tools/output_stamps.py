"""MkDocs hook: under every output a page shows, the stamp of the run that produced it.

Pages include outputs as a fenced block holding one snippet line,
`--8<-- "docs/outputs/<example>.txt"`; the stamp written beside that file by the same run
(tools/stamps.py) becomes a line right under the block, in the page's language, so page sources
need no edits. A stored notebook (openstack/small-app) gets its stamp under its title. A missing
stamp, or one that does not belong to the output next to it, is a warning: the strict build fails.
"""

from __future__ import annotations

import html
import logging
import re
import sys
from pathlib import Path

# MkDocs loads a hook by file path with only this folder on sys.path: add the project root so
# the hook uses tools.stamps exactly as the tests do.
_ROOT = Path(__file__).resolve().parent.parent
if str(_ROOT) not in sys.path:
    sys.path.insert(0, str(_ROOT))

from tools.stamps import StampError, has_stored_outputs, read_stamp  # noqa: E402

log = logging.getLogger("mkdocs.hooks.output_stamps")

STAMP_CLASS = "output-stamp"
_OUTPUT_BLOCK = re.compile(
    r"^(?P<indent>[ \t]*)(?P<fence>`{3,}|~{3,})[^\n]*\n"
    r"[ \t]*--8<--[ \t]+(?P<quote>[\"'])(?P<target>docs/outputs/[^\"'\n]+)(?P=quote)[ \t]*\n"
    r"(?P=indent)(?P=fence)[ \t]*$",
    re.M,
)
_FIRST_H1 = re.compile(r"</h1>", re.I)


def page_language(page) -> str:
    """ko or en: mkdocs-static-i18n's locale of the page's file, else its `.en.` suffix."""
    locale = getattr(page.file, "locale", None)
    if locale:
        return locale
    return "en" if ".en." in Path(page.file.src_uri).name else "ko"


_MARKDOWN_SPECIAL = re.compile(r"([\\`*_\[\]{}<>#|])")


def stamp_html(line: str) -> str:
    """The stamp as HTML (for notebook pages, which are already HTML)."""
    return f'<p class="{STAMP_CLASS}"><small>{html.escape(line)}</small></p>'


def stamp_markdown(line: str, indent: str) -> str:
    """The stamp as a Markdown paragraph with a class (attr_list). Raw block HTML would not do:
    Python-Markdown wraps it in another <p> inside admonitions and details."""
    text = _MARKDOWN_SPECIAL.sub(r"\\\1", line)
    return f"{indent}<small>{text}</small>\n{indent}{{: .{STAMP_CLASS} }}"


def _stamp_line(output: Path, lang: str, where: str, root: Path) -> str | None:
    try:
        return read_stamp(output).line(lang)
    except StampError as exc:
        log.warning(f"{where}: {output.relative_to(root).as_posix()}: {exc}")
        return None


def on_page_markdown(markdown: str, page, config, files) -> str:
    root = Path(config.config_file_path).parent
    lang = page_language(page)

    def add_stamp(match: re.Match) -> str:
        line = _stamp_line(root / match["target"], lang, page.file.src_uri, root)
        if line is None:
            return match[0]
        return f"{match[0]}\n\n{stamp_markdown(line, match['indent'])}\n"

    return _OUTPUT_BLOCK.sub(add_stamp, markdown)


def on_page_content(content: str, page, config, files) -> str:
    source = Path(page.file.abs_src_path or "")
    if source.suffix != ".ipynb" or not source.is_relative_to(Path(config.docs_dir)) \
            or not has_stored_outputs(source):
        # a notebook run at build time (its executed copy lives in tools/notebooks.py's cache,
        # outside docs/) prints its own stamp
        return content
    line = _stamp_line(source, page_language(page), page.file.src_uri, Path(config.docs_dir))
    if line is None:
        return content
    stamp = stamp_html(line)
    if _FIRST_H1.search(content):
        return _FIRST_H1.sub(lambda m: m[0] + "\n" + stamp, content, count=1)
    return stamp + "\n" + content
