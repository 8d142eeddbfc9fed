"""The term list and style rules of docs/contributing/terms.yml hold on every page.

Korean pages may not use a rejected term or break a style rule (register, particle spacing,
calques) in their prose; no reader page, in either language, may talk about the machine that
built it. Each check also runs on a temporary page with planted violations, where it must find
exactly those.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.test_site import registry
from tools import terms

pytestmark = pytest.mark.site

TERMS = terms.load()
CONTRIBUTING = "contributing/"


def reader_pages() -> list[Path]:
    docs = registry.ROOT / "docs"
    return [p for p in registry.pages() if not p.relative_to(docs).as_posix().startswith(
        CONTRIBUTING)]


def korean_pages() -> list[Path]:
    return [p for p in registry.pages() if registry.page_language(p) == "ko"]


def page_id(path: Path) -> str:
    return path.relative_to(registry.ROOT / "docs").as_posix()


@pytest.mark.parametrize("path", korean_pages(), ids=page_id)
def test_korean_page_follows_the_term_list(path: Path) -> None:
    problems = terms.check_korean(registry.markdown_text(path), TERMS)
    assert not problems, f"{page_id(path)}:\n" + "\n".join(map(str, problems))


@pytest.mark.parametrize("path", reader_pages(), ids=page_id)
def test_reader_page_has_no_builders_context(path: Path) -> None:
    problems = terms.check_reader_page(registry.markdown_text(path), TERMS)
    assert not problems, f"{page_id(path)}:\n" + "\n".join(map(str, problems))


# --- planted violations -------------------------------------------------------------------------

PLANTED = """# 심은 위반 { #planted }

컨테이너의 라벨을 읽는다. 레이블은 괜찮다.
파일시스템을 만든다.
이 페이지는 합쇼체로 끝납니다.
**풀(pool)** 로 모은다. `kubectl` 을 쓴다.
Pod 세 개를 띄운다. 파드(Pod)는 괜찮고, 도커는 Docker Engine 29를 쓴다.
Docker는 안 된다.
이 사이트의 약속을 적는다.

```python
label = "라벨은 코드 안이라 괜찮다 Pod Docker 습니다."
```

[라벨 없는 링크](https://example.com/라벨/파일시스템) 와 `라벨` 은 코드다.
제품 이름 Docker
Hub는 줄이 바뀌어도 괜찮지만, 메타
데이터는 안 된다.
"""

EXPECTED = {
    (3, "라벨"), (4, "파일시스템"), (5, "납니다"), (6, "** 로"), (6, "` 을"),
    (7, "Pod"), (8, "Docker"), (9, "이 사이트의 약속"), (15, "라벨"), (15, "` 은"),
    (17, "메타\n데이터"),
}


def test_planted_korean_violations_are_found(tmp_path: Path) -> None:
    page = tmp_path / "planted.md"
    page.write_text(PLANTED, encoding="utf-8")
    found = {(v.line, v.found) for v in terms.check_korean(page.read_text(encoding="utf-8"),
                                                           TERMS)}
    assert found == EXPECTED


def test_planted_builders_context_is_found(tmp_path: Path) -> None:
    page = tmp_path / "planted.en.md"
    page.write_text("# Planted { #planted }\n\nOn this machine the kernel is 6.18.44-fc-v1.\n"
                    "Set `CLOUDNOTES_LAB=0` first.\nA neutral line.\n", encoding="utf-8")
    found = {(v.line, v.found) for v in terms.check_reader_page(
        page.read_text(encoding="utf-8"), TERMS)}
    assert found == {(3, "this machine"), (3, "6.18.44-fc"), (4, "CLOUDNOTES_")}


def test_notebook_markdown_cells_are_checked(tmp_path: Path) -> None:
    import nbformat
    from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

    path = tmp_path / "planted.ipynb"
    nbformat.write(new_notebook(cells=[new_markdown_cell("# 노트북 { #nb }\n\n라벨을 단다."),
                                       new_code_cell("print('라벨')")]), path)
    found = [v.found for v in terms.check_korean(registry.markdown_text(path), TERMS)]
    assert found == ["라벨"]


def test_the_style_guide_table_lists_every_term() -> None:
    table = terms.markdown_table(TERMS, "ko")
    rows = [line for line in table.splitlines()[2:] if line.startswith("| **")]
    assert len(rows) == len(TERMS.terms)
    assert "| **레이블** | label | `라벨` |" in table
    assert terms.markdown_table(TERMS, "en").startswith("| preferred | English | rejected |")
