"""The conventions that tie pages, snippets, outputs and tests together (see README.md).

The checks live in registry.py. Each runs once on the real tree, and once on a small tree
written for the purpose, where it must find exactly the violations planted there: a check
that cannot fail would prove nothing.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.test_site import registry
from tools.stamps import Stamp, write_stamp

STAMP = Stamp("docker", {"engine": "27.0.1", "api": "1.46"}, "2026-01-02")

pytestmark = pytest.mark.site

CHECKS = [
    registry.check_example_tests,
    registry.check_examples_on_pages,
    registry.check_twins,
    registry.check_twin_anchors,
    registry.check_twin_includes,
    registry.check_heading_anchors,
    registry.check_duplicate_anchors,
    registry.check_include_targets,
    registry.check_outputs,
    registry.check_output_stamps,
    registry.check_reference,
]


@pytest.mark.parametrize("check", CHECKS, ids=lambda c: c.__name__.removeprefix("check_"))
def test_real_tree(check) -> None:
    problems = check(registry.ROOT)
    assert not problems, f"{len(problems)} problem(s):\n" + "\n".join(problems)


def test_nav_pages_exist_in_both_languages() -> None:
    groups = registry.page_groups()
    missing = [f"{src} ({lang})" for src in registry.nav_pages() for lang in registry.LANGS
               if lang not in groups.get(src, {})]
    assert not missing, "nav entries without a page: " + ", ".join(missing)


# --- the checks on a tree with planted violations --------------------------------------------

def write(root: Path, rel: str, text: str = "") -> Path:
    path = root / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def notebook(*markdown_cells: str) -> str:
    cells = [{"cell_type": "markdown", "metadata": {}, "source": text}
             for text in markdown_cells]
    cells.append({"cell_type": "code", "metadata": {}, "execution_count": None, "outputs": [],
                  "source": "# --8<-- and # no heading: code cells are not Markdown\nprint(1)"})
    return json.dumps({"cells": cells, "metadata": {}, "nbformat": 4, "nbformat_minor": 5})


FENCE = "```"


def good_page(title: str, anchor: str, section: str) -> str:
    return f"""# {title} {{ #{anchor} }}

## {section} {{ #first }}

{FENCE}python title="examples/a/good.py"
--8<-- "examples/a/good.py"
{FENCE}

{FENCE}text
--8<-- "docs/outputs/a/good.txt"
{FENCE}

{FENCE}python
# a comment in code is not a heading
{FENCE}

::: good
"""


@pytest.fixture
def good_tree(tmp_path: Path) -> Path:
    """A tree that follows every convention."""
    write(tmp_path, "examples/a/good.py", '"""Good."""\n')
    write(tmp_path, "tests/test_examples/a/test_good.py")
    write_stamp(write(tmp_path, "docs/outputs/a/good.txt", "ok\n"), STAMP)
    write(tmp_path, "docs/page.md", good_page("제목", "title", "첫 절"))
    write(tmp_path, "docs/page.en.md", good_page("Title", "title", "First part"))
    write(tmp_path, "docs/reference/a.md", "# 레퍼런스 { #ref }\n\n::: good\n")
    write(tmp_path, "docs/reference/a.en.md", "# Reference { #ref }\n\n::: good\n")
    write(tmp_path, "docs/nb.ipynb", notebook("# 노트북 { #nb }", "## 측정 { #measure }"))
    write(tmp_path, "docs/nb.en.ipynb", notebook("# Notebook { #nb }", "## Measuring { #measure }"))
    write(tmp_path, "mkdocs.yml",
          "site_url: !ENV [SITE_URL, 'http://x/']\nnav:\n  - 홈: page.md\n"
          "  - 노트북: nb.ipynb\n  - Ext: https://example.org/\n")
    return tmp_path


@pytest.mark.parametrize("check", CHECKS, ids=lambda c: c.__name__.removeprefix("check_"))
def test_good_tree_passes(good_tree: Path, check) -> None:
    assert check(good_tree) == []


def test_reads_headings_anchors_and_includes(good_tree: Path) -> None:
    info = registry.read_page(good_tree / "docs/page.md")
    assert [(h.level, h.text, h.anchor) for h in info.headings] == [
        (1, "제목", "title"), (2, "첫 절", "first")]
    assert info.includes == ["examples/a/good.py", "docs/outputs/a/good.txt"]
    nb = registry.read_page(good_tree / "docs/nb.en.ipynb")
    assert [h.anchor for h in nb.headings] == ["nb", "measure"]
    assert registry.nav_pages(good_tree) == ["page.md", "nb.ipynb"]
    assert registry.page_url("nb.ipynb", "en") == "en/nb/"
    assert registry.page_url("a/index.md", "ko") == "a/"
    assert registry.page_url("index.md", "en") == "en/"
    assert registry.reference_identifier("openstack/glance/image_list.py") == "glance.image_list"


def test_config_reads_env_tags(good_tree: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write(good_tree, "mkdocs.yml", "a: !ENV [CLOUDNOTES_T1, CLOUDNOTES_T2, true]\n"
          "b: !ENV CLOUDNOTES_T1\nc: !!python/name:os.getcwd\n")
    monkeypatch.delenv("CLOUDNOTES_T1", raising=False)
    monkeypatch.delenv("CLOUDNOTES_T2", raising=False)
    assert registry.load_config(good_tree) == {"a": True, "b": None, "c": None}
    monkeypatch.setenv("CLOUDNOTES_T2", "false")
    assert registry.load_config(good_tree)["a"] is False


def test_example_without_test_is_reported(good_tree: Path) -> None:
    write(good_tree, "examples/a/lonely.py")
    assert registry.check_example_tests(good_tree) == [
        "examples/a/lonely.py has no test tests/test_examples/a/test_lonely.py"]


def test_example_on_one_language_only_is_reported(good_tree: Path) -> None:
    write(good_tree, "examples/b/half.py")
    write(good_tree, "docs/half.md",
          '# 반 { #half }\n\n```python\n--8<-- "examples/b/half.py"\n```\n')
    assert registry.check_examples_on_pages(good_tree) == [
        "examples/b/half.py is not included by any en page"]
    assert registry.check_twins(good_tree) == ["docs/half.md has no en twin"]


def test_section_include_counts_for_its_file(good_tree: Path) -> None:
    write(good_tree, "examples/b/part.py")
    for name in ("part.md", "part.en.md"):
        write(good_tree, f"docs/{name}",
              '# P { #p }\n\n```python\n--8<--\nexamples/b/part.py:main\n--8<--\n```\n')
    assert registry.check_examples_on_pages(good_tree) == []
    assert registry.read_page(good_tree / "docs/part.md").includes == ["examples/b/part.py:main"]


def test_missing_twins_are_reported(good_tree: Path) -> None:
    (good_tree / "docs/nb.en.ipynb").unlink()
    write(good_tree, "docs/only.en.md", "# Only { #only }\n")
    assert registry.check_twins(good_tree) == [
        "docs/nb.ipynb has no en twin", "docs/only.en.md has no ko twin"]


def test_anchor_order_and_set_must_match(good_tree: Path) -> None:
    write(good_tree, "docs/page.en.md",
          good_page("Title", "title", "First part").replace("{ #first }", "{ #other }"))
    write(good_tree, "docs/nb.en.ipynb",
          notebook("## Measuring { #measure }", "# Notebook { #nb }"))
    problems = registry.check_twin_anchors(good_tree)
    assert len(problems) == 2
    assert problems[0].startswith("docs/nb.ipynb: heading anchors differ")
    assert "'other'" in problems[1]


def test_includes_must_match(good_tree: Path) -> None:
    write(good_tree, "docs/page.en.md",
          good_page("Title", "title", "First").replace('--8<-- "docs/outputs/a/good.txt"', "ok"))
    assert registry.check_twin_includes(good_tree) == [
        "docs/page.md: includes differ: only in ko ['docs/outputs/a/good.txt'], only in en []"]


def test_heading_without_anchor_is_reported(good_tree: Path) -> None:
    write(good_tree, "docs/page.md",
          good_page("제목", "title", "첫 절") + "\n### 앵커 없음\n\n#### 속성만 { .big }\n")
    assert registry.check_heading_anchors(good_tree) == [
        "docs/page.md:19: heading '앵커 없음' has no explicit { #anchor }",
        "docs/page.md:21: heading '속성만' has no explicit { #anchor }",
    ]


def test_duplicate_anchor_is_reported(good_tree: Path) -> None:
    write(good_tree, "docs/page.md", good_page("제목", "title", "첫 절") + "\n## 또 { #first }\n")
    assert registry.check_duplicate_anchors(good_tree) == [
        "docs/page.md:19: anchor #first is used twice"]


def test_missing_include_target_is_reported(good_tree: Path) -> None:
    (good_tree / "examples/a/good.py").unlink()
    assert registry.check_include_targets(good_tree) == [
        "docs/page.md includes examples/a/good.py, which does not exist",
        "docs/page.en.md includes examples/a/good.py, which does not exist",
    ]


def test_orphan_outputs_are_reported(good_tree: Path) -> None:
    write(good_tree, "docs/outputs/a/unused.txt")
    write(good_tree, "docs/outputs/gone/old.txt")
    write(good_tree, "docs/old.md", '```text\n--8<-- "docs/outputs/gone/old.txt"\n```\n')
    assert registry.check_outputs(good_tree) == [
        "docs/outputs/a/unused.txt belongs to no example (examples/a/unused.py does not exist)",
        "docs/outputs/a/unused.txt is not shown by any page",
        "docs/outputs/gone/old.txt belongs to no example (examples/gone/old.py does not exist)",
    ]


def test_reference_must_document_every_example(good_tree: Path) -> None:
    write(good_tree, "examples/a/undocumented.py")
    write(good_tree, "examples/c/new.py")
    assert registry.check_reference(good_tree) == [
        "examples/c/ has no reference page docs/reference/c.md",
        "examples/a/undocumented.py is missing from docs/reference/a.md (`::: undocumented`)",
    ]


def test_output_stamps_are_required_and_checked(good_tree: Path) -> None:
    output = good_tree / "docs/outputs/a/good.txt"
    stamp = output.with_suffix(".stamp.json")
    output.write_text("ok, edited by hand\n", encoding="utf-8")
    assert registry.check_output_stamps(good_tree) == [
        "docs/outputs/a/good.txt: good.stamp.json was written for another version of good.txt "
        "(edited by hand, or only one of them regenerated): run `make outputs`"]
    write_stamp(output, STAMP)
    stamp.write_text(stamp.read_text().replace("27.0.1", "20.10.24"), encoding="utf-8")
    assert registry.check_output_stamps(good_tree) == [
        "docs/outputs/a/good.txt: the seal does not match: the stamp was edited by hand"]
    stamp.unlink()
    assert registry.check_output_stamps(good_tree) == [
        "docs/outputs/a/good.txt: good.txt has no stamp (good.stamp.json): run `make outputs`"]


def test_a_notebook_stored_with_outputs_needs_a_stamp(good_tree: Path) -> None:
    nb = json.loads((good_tree / "docs/nb.ipynb").read_text(encoding="utf-8"))
    nb["cells"][-1]["outputs"] = [{"output_type": "stream", "name": "stdout", "text": "1\n"}]
    write(good_tree, "docs/nb.ipynb", json.dumps(nb))
    assert registry.check_output_stamps(good_tree) == [
        "docs/nb.ipynb: nb.ipynb has no stamp (nb.stamp.json): run `make outputs`"]
    write_stamp(good_tree / "docs/nb.ipynb", STAMP)
    assert registry.check_output_stamps(good_tree) == []
