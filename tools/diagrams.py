"""Mermaid diagrams drawn at build time: inline SVG in the page instead of a 2.9 MB script.

A ```` ```mermaid ```` fence stays in the Markdown; pymdownx.superfences renders it as
`<pre class="mermaid"><code>text</code></pre>`, which Material would draw in the reader's
browser after loading mermaid.js. Here each such block is replaced by the SVG that mermaid
draws for it, so the diagram shows without JavaScript and the page does not load mermaid.

Palette. Mermaid is given Material's own diagram stylesheet (the `themeCSS` Material passes to
mermaid in the browser, read from the installed Material bundle), whose colours are CSS custom
properties (`--md-mermaid-node-bg-color`, ...). The SVG is inline, so those properties resolve
in the page: one drawing follows the light and the dark palette.

Cache. Drawing needs a JavaScript engine: Playwright drives Debian's Chromium with the mermaid
build kept in `tools/mermaid/`. Each drawing is stored in `tools/mermaid/rendered/<key>.svg`, the
key hashing the diagram text, the mermaid version, the renderer settings and Material's
stylesheet; a build draws only diagrams whose key is missing. The folder is committed: `make
build` and `make serve` then work without Chromium, and only a changed diagram (or a mermaid or
Material upgrade) needs the browser (`python -m tools.prepare browser`). A test checks that the
folder holds exactly the drawings of the diagrams in docs/ (none missing, none stale);
`python -m tools.diagrams` draws what is missing and removes what no page uses.
"""

from __future__ import annotations

import hashlib
import html
import json
import re
import shutil
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CACHE = ROOT / "tools" / "mermaid" / "rendered"
MERMAID = ROOT / "tools" / "mermaid" / "mermaid-11.12.3.min.js"
MERMAID_VERSION = "11.12.3"
# What Material passes to mermaid.initialize besides themeCSS (its mermaid component).
SETTINGS = {"startOnLoad": False, "sequence": {"actorFontSize": "16px",
                                               "messageFontSize": "16px",
                                               "noteFontSize": "16px"}}
# The page font: Material's system font stack (mkdocs.yml sets `font: false`).
FONT = "-apple-system, BlinkMacSystemFont, Helvetica, Arial, sans-serif"

_BLOCK = re.compile(r'<pre class="mermaid"><code>(?P<text>.*?)</code></pre>', re.DOTALL)
_FENCE = re.compile(r"^(?P<indent>[ \t]*)(?P<fence>`{3,}|~{3,})mermaid[ \t]*\n(?P<body>.*?)^"
                    r"(?P=indent)(?P=fence)[ \t]*$", re.MULTILINE | re.DOTALL)
_THEME_CSS = re.compile(r'"(\.node circle,[^"]*)"')


class DiagramError(RuntimeError):
    """A diagram cannot be drawn (one line saying why)."""


def material_css() -> str:
    """The stylesheet Material gives mermaid, from the installed Material bundle."""
    import material

    bundles = sorted((Path(material.__file__).parent / "templates" / "assets" / "javascripts")
                     .glob("bundle.*.min.js"))
    for bundle in bundles:
        match = _THEME_CSS.search(bundle.read_text(encoding="utf-8"))
        if match:
            return json.loads(f'"{match[1]}"')
    raise DiagramError("Material's mermaid stylesheet was not found in its bundle "
                       "(a Material upgrade? see tools/diagrams.py)")


def key(text: str, css: str) -> str:
    material = json.dumps({"css": css, "settings": SETTINGS, "font": FONT}, sort_keys=True)
    digest = hashlib.sha256("\0".join([MERMAID_VERSION, material, text]).encode())
    return digest.hexdigest()[:20]


class Renderer:
    """Draws diagrams in one Chromium page, started on the first cache miss."""

    def __init__(self, cache: Path = CACHE) -> None:
        self.cache = cache
        self.css = material_css()
        self.used: set[str] = set()
        self._playwright = self._browser = self._page = None

    def svg(self, text: str) -> str:
        text = text.strip("\n")
        name = key(text, self.css)
        self.used.add(name)
        path = self.cache / f"{name}.svg"
        if not path.is_file():
            self.cache.mkdir(parents=True, exist_ok=True)
            path.write_text(self._draw(name, text), encoding="utf-8")
        return path.read_text(encoding="utf-8")

    def _draw(self, name: str, text: str) -> str:
        page = self._open()
        try:
            return page.evaluate("""async ([id, text]) => {
                const { svg } = await mermaid.render(id, text);
                return svg;
            }""", [f"d{name[:12]}", text])
        except Exception as exc:
            first = str(exc).strip().splitlines()[0] if str(exc).strip() else repr(exc)
            raise DiagramError(f"mermaid could not draw a diagram: {first}") from None

    def _open(self):
        if self._page is not None:
            return self._page
        chromium = shutil.which("chromium")
        if not chromium:
            raise DiagramError("a diagram changed and needs drawing, which needs chromium: "
                               "python -m tools.prepare browser")
        from playwright.sync_api import sync_playwright

        from tools.page_weight import CHROMIUM_ARGS

        self._playwright = sync_playwright().start()
        self._browser = self._playwright.chromium.launch(executable_path=chromium,
                                                         headless=True, args=CHROMIUM_ARGS)
        page = self._browser.new_page()
        page.set_content(f'<!doctype html><html><body style="font-family: {FONT}"></body>'
                         "</html>")
        page.add_script_tag(content=MERMAID.read_text(encoding="utf-8"))
        page.evaluate("([settings, css, font]) => mermaid.initialize({...settings, "
                      "themeCSS: css, fontFamily: font})", [SETTINGS, self.css, FONT])
        self._page = page
        return page

    def close(self) -> None:
        if self._browser is not None:
            self._browser.close()
            self._playwright.stop()
        self._playwright = self._browser = self._page = None


def replace_blocks(content: str, renderer: Renderer) -> str:
    """Page HTML with every mermaid block replaced by its drawing."""
    def draw(match: re.Match) -> str:
        text = html.unescape(match["text"])
        return f'<div class="mermaid cloudnotes-diagram">{renderer.svg(text)}</div>'

    return _BLOCK.sub(draw, content)


def diagrams_in_docs(docs: Path = ROOT / "docs") -> list[tuple[Path, str]]:
    """(page, diagram text) for every mermaid fence of the Markdown pages."""
    found = []
    for page in sorted(docs.rglob("*.md")):
        for match in _FENCE.finditer(page.read_text(encoding="utf-8")):
            lines = match["body"].splitlines(keepends=True)
            indent = len(match["indent"])
            found.append((page, "".join(line[indent:] for line in lines).rstrip("\n")))
    return found


# --- the MkDocs events (called from tools/mkdocs_hooks.py) ---------------------------------

class SiteDiagrams:
    def __init__(self) -> None:
        self.renderer: Renderer | None = None

    def page_content(self, content: str) -> str:
        if 'class="mermaid"' not in content:
            return content
        if self.renderer is None:
            self.renderer = Renderer()
        try:
            return replace_blocks(content, self.renderer)
        except DiagramError as exc:
            from mkdocs.exceptions import PluginError

            raise PluginError(f"diagrams: {exc}") from None

    def post_build(self) -> None:
        if self.renderer is not None:
            self.renderer.close()


DIAGRAMS = SiteDiagrams()


def main(argv: list[str]) -> int:
    """Draw every diagram of docs/ that has no drawing yet; remove drawings no page uses."""
    renderer = Renderer()
    try:
        for _, text in diagrams_in_docs():
            renderer.svg(text)
    except DiagramError as exc:
        print(f"diagrams: {exc}", file=sys.stderr)
        return 1
    finally:
        renderer.close()
    stale = [p for p in CACHE.glob("*.svg") if p.stem not in renderer.used]
    for path in stale:
        path.unlink()
    print(f"diagrams: {len(renderer.used)} drawn or cached, {len(stale)} stale removed")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
