"""The screenshots the pages show exist, come from the examples as they are, in the right language.

The check (tools/screenshots.py) runs on the real tree, and on a small tree where each kind of
violation is planted and must be found.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from PIL import Image

from tools import screenshots

pytestmark = pytest.mark.site


def test_real_tree() -> None:
    problems = screenshots.check()
    assert not problems, "\n".join(problems)


def test_the_pages_show_screenshots() -> None:
    assert {ref.lang for ref in screenshots.references()} == {"ko", "en"}


def write(root: Path, rel: str, text: str) -> Path:
    path = root / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def shot(root: Path, rel: str, lang: str, example: Path) -> None:
    png = root / "shot.png"
    Image.new("RGB", (40, 20), "white").save(png)
    screenshots.save(png, root / rel, lang=lang, ran="a test", software={"x": "1"},
                     example=example, root=root)


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    """Two twin pages showing two screenshots each, all correct."""
    example = write(tmp_path, "examples/x/take.py", "print('hello')\n")
    for lang, page, suffix in (("ko", "docs/x/page.md", ""), ("en", "docs/x/page.en.md", ".en")):
        write(tmp_path, page, "# Page\n\n![login](../assets/screenshots/x/login.webp)\n"
                              '![list](../assets/screenshots/x/list.webp "title")\n')
        for name in ("login", "list"):
            shot(tmp_path, f"docs/assets/screenshots/x/{name}{suffix}.webp", lang, example)
    return tmp_path


def test_a_correct_tree_passes(tree: Path) -> None:
    assert screenshots.check(tree) == []
    assert len(screenshots.references(tree)) == 4
    stamp = json.loads((tree / "docs/assets/screenshots/x/login.stamp.json").read_text())
    assert stamp["example"] == "examples/x/take.py" and stamp["size"] == [40, 20]
    assert stamp["lang"] == "ko" and stamp["date"].endswith("+00:00")


def test_each_planted_violation_is_found(tree: Path) -> None:
    shots = tree / "docs/assets/screenshots/x"
    (shots / "login.webp").unlink()                          # missing picture (ko)
    (shots / "list.stamp.json").unlink()                     # missing stamp
    stamp = shots / "login.en.stamp.json"                    # wrong language
    stamp.write_text(stamp.read_text().replace('"lang": "en"', '"lang": "ko"'))
    Image.new("RGB", (4, 4)).save(shots / "orphan.en.webp")  # shown by no page
    problems = screenshots.check(tree)
    assert len(problems) == 4, problems
    assert any("x/login.webp, which does not exist" in p for p in problems)
    assert any("x/list.webp has no stamp" in p for p in problems)
    assert any("x/login.en.webp shows a page in 'ko'" in p for p in problems)
    assert any("orphan.en.webp is shown by no page" in p for p in problems)


def test_a_changed_example_makes_its_screenshots_stale(tree: Path) -> None:
    (tree / "examples/x/take.py").write_text("print('changed')\n")
    problems = screenshots.check(tree)
    assert len(problems) == 4 and all("older than examples/x/take.py" in p for p in problems)
