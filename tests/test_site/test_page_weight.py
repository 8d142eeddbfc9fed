"""Every page of the built site under 500 KB as a reader's browser downloads it (gzip), by
tools/page_weight.py: a size budget on deterministic bytes, not a timing."""

from __future__ import annotations

import base64
import os
from pathlib import Path

import pytest

from tests.test_site import registry
from tools import page_weight

pytestmark = pytest.mark.site


@pytest.mark.docker  # the session's build runs the notebooks
def test_every_page_is_under_the_budget(site: Path, capsys) -> None:
    weights = page_weight.measure(site)
    with capsys.disabled():
        print("\n" + page_weight.table(weights).splitlines()[-1])
    measured = {w.page for w in weights}
    expected = {registry.page_url(src, lang) for src in registry.nav_pages()
                for lang in registry.LANGS}
    assert expected <= measured, f"pages not measured: {sorted(expected - measured)}"
    assert not [w for w in weights if w.outside], "requests left the machine"
    over = page_weight.over_budget(weights)
    assert not over, "\n" + page_weight.table(over)


def test_an_overweight_page_is_reported(tmp_path: Path) -> None:
    """Planted: a page whose script is 900 KB of random base64 (still ~680 KB gzipped), and a
    light page of compressible text."""
    (tmp_path / "index.html").write_text(
        '<!doctype html><title>heavy</title><script src="noise.js"></script>', encoding="utf-8")
    noise = base64.b64encode(os.urandom(675 * 1024)).decode()
    (tmp_path / "noise.js").write_text(f"/* {noise} */", encoding="utf-8")
    (tmp_path / "light").mkdir()
    (tmp_path / "light" / "index.html").write_text("<!doctype html><title>light</title>" +
                                                    "compressible " * 20_000, encoding="utf-8")
    weights = {w.page: w for w in page_weight.measure(tmp_path)}
    assert set(weights) == {"", "light/"}
    assert weights[""].bytes["js"] > 600 * 1024
    assert weights["light/"].total < 20 * 1024, "the HTML was not measured compressed"
    assert [w.page for w in page_weight.over_budget(list(weights.values()))] == [""]
    assert "over budget" in page_weight.table(list(weights.values()))
