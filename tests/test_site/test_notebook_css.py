"""tools/notebook_css.py: notebook pages keep the CSS rules that can match them, and only those."""

from __future__ import annotations

import re

import pytest

from tools.notebook_css import MIN_BLOCK, prune_page, prune_rules

pytestmark = pytest.mark.site

CLASSES, IDS = {"jupyter-wrapper", "jp-Cell", "highlight"}, {"main"}


def test_rules_for_absent_classes_go_and_the_others_stay() -> None:
    css = """
    .jupyter-wrapper .jp-Cell { margin: 0 }
    .jupyter-wrapper .jp-Dialog { z-index: 10 }
    .jupyter-wrapper .jp-Menu, .jupyter-wrapper .highlight pre { color: red }
    #main > p { color: blue }
    #sidebar { color: green }
    a[href$=".png"] { border: 0 }
    .jupyter-wrapper :root { --jp-x: 1px }
    :root { --md-y: 2px }
    """
    kept = prune_rules(css, CLASSES, IDS)
    assert ".jp-Cell" in kept and ".highlight pre" in kept and "#main" in kept
    assert 'a[href$=".png"]' in kept  # the dot inside the attribute is not a class
    assert ":root { --md-y" in kept
    for gone in (".jp-Dialog", "#sidebar", "--jp-x"):
        assert gone not in kept, gone
    # a selector list stays whole when one of its selectors can match
    assert ".jupyter-wrapper .jp-Menu" in kept


def test_media_blocks_are_pruned_inside_and_other_at_rules_stay() -> None:
    css = """
    @media (max-width: 600px) { .jp-Cell { padding: 0 } .jp-Toolbar { display: none } }
    @media print { .jp-Toolbar { display: none } }
    @keyframes spin { from { transform: rotate(0) } to { transform: rotate(1turn) } }
    @font-face { font-family: x; src: url(x.woff2) }
    """
    kept = prune_rules(css, CLASSES, IDS)
    assert "@media (max-width: 600px)" in kept and ".jp-Cell" in kept
    assert ".jp-Toolbar" not in kept and "@media print" not in kept
    assert "@keyframes spin" in kept and "@font-face" in kept


def test_only_large_style_blocks_of_a_page_are_pruned() -> None:
    unused = ".jp-Unused { color: red }\n"
    big = ".jp-Cell { margin: 0 }\n" + unused * (MIN_BLOCK // len(unused) + 1)
    page = (f'<html><style>{unused}</style><style type="text/css">{big}</style>'
            '<body><div class="jupyter-wrapper"><div class="jp-Cell"></div></div></body></html>')
    pruned = prune_page(page)
    blocks = re.findall(r"<style[^>]*>(.*?)</style>", pruned, re.S)
    assert blocks[0] == unused  # small blocks (Pygments', the site's) are left alone
    assert ".jp-Cell" in blocks[1] and ".jp-Unused" not in blocks[1]


def test_the_built_notebook_pages_are_pruned(site) -> None:
    for page in ("containers/start-latency/index.html", "en/openstack/small-app/index.html"):
        html = (site / page).read_text()
        assert ".jupyter-wrapper .jp-Cell" in html or ".jp-Cell" in html, page
        assert ".jp-Dialog" not in html, f"{page}: JupyterLab's dialog styles were kept"
        assert len(html) < 400_000, f"{page}: {len(html)} bytes"
