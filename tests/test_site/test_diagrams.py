"""Mermaid diagrams are drawn at build time from a committed cache (tools/diagrams.py)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.test_site import registry
from tools import diagrams

pytestmark = pytest.mark.site


def test_the_cache_holds_exactly_the_diagrams_of_the_pages() -> None:
    """Committed drawings: none missing (a build would need Chromium), none stale."""
    css = diagrams.material_css()
    wanted = {diagrams.key(text.strip("\n"), css): page
              for page, text in diagrams.diagrams_in_docs()}
    cached = {p.stem for p in diagrams.CACHE.glob("*.svg")}
    missing = sorted(str(page.relative_to(registry.ROOT)) for k, page in wanted.items()
                     if k not in cached)
    assert not missing, f"diagrams without a drawing (python -m tools.diagrams): {missing}"
    stale = sorted(cached - set(wanted))
    assert not stale, f"drawings no page uses (python -m tools.diagrams removes them): {stale}"


def test_a_changed_diagram_is_a_cache_miss() -> None:
    css = diagrams.material_css()
    assert diagrams.key("graph LR\n  A --> B", css) != diagrams.key("graph LR\n  A --> C", css)
    assert diagrams.key("graph LR\n  A --> B", css) != diagrams.key("graph LR\n  A --> B",
                                                                    css + "x")


def test_blocks_are_replaced_and_pages_load_no_mermaid(tmp_path: Path) -> None:
    class Drawn:
        def svg(self, text: str) -> str:
            return f"<svg><text>{text}</text></svg>"

    html = '<p>a</p><pre class="mermaid"><code>graph LR\n  A --&gt; B</code></pre><p>b</p>'
    out = diagrams.replace_blocks(html, Drawn())
    assert out == ('<p>a</p><div class="mermaid cloudnotes-diagram"><svg><text>graph LR\n'
                   "  A --> B</text></svg></div><p>b</p>")


@pytest.mark.docker
def test_built_pages_carry_svg_and_no_mermaid_script(site: Path) -> None:
    found = 0
    for path in site.rglob("*.html"):
        page = path.read_text(encoding="utf-8")
        assert '<pre class="mermaid">' not in page, f"{path}: a diagram left as text"
        assert "mermaid.min.js" not in page and "mermaid-11" not in page, path
        found += page.count('<div class="mermaid cloudnotes-diagram"><svg')
    assert found == len(diagrams.diagrams_in_docs()), found  # every fence, both languages
