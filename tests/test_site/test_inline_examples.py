"""Inline ```python blocks written directly in the pages: linted and run with pytest-examples.

Most code on the site is included from `examples/` (`--8<--`) and tested there; this covers
the short blocks typed into a page. A block opts out with attributes on its fence
(attr_list syntax, see docs-toolchain notes): ```` ```python {test="skip"} ```` is linted but
not run (e.g. it needs a cloud), ```` ```python {lint="skip"} ```` is run but not linted.
`print(...)` followed by `#> output` comments is checked against what the block prints.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from pytest_examples import CodeExample, EvalExample, find_examples

from tests.test_site.registry import ROOT

pytestmark = pytest.mark.site


def is_include_only(example: CodeExample) -> bool:
    """A block whose only content is snippet includes: tested as examples/ files instead."""
    lines = [line.strip() for line in example.source.splitlines() if line.strip()]
    return bool(lines) and all(line.startswith("--8<--") or line.startswith(("examples/",
                                                                            "docs/outputs/"))
                               for line in lines) and any("--8<--" in line for line in lines)


def inline_examples(docs: Path = ROOT / "docs") -> list[CodeExample]:
    # pytest-examples yields lazily; current pytest needs a list to parametrize.
    return [ex for ex in list(find_examples(docs)) if not is_include_only(ex)]


def example_id(example: CodeExample) -> str:
    return f"{example.path.relative_to(ROOT)}:{example.start_line}"


def check_example(example: CodeExample, eval_example: EvalExample) -> None:
    settings = example.prefix_settings()
    eval_example.set_config(line_length=100, target_version="py311", quotes="either",
                            ruff_select=["E", "F", "W", "I", "B", "UP", "SIM"])
    if settings.get("lint") != "skip":
        eval_example.lint(example)
    if settings.get("test") == "skip":
        return
    # An exception raised inside an example carries a traceback that points into the .md file;
    # pytest 9 on Python 3.11 crashes (INTERNALERROR) while formatting it. Report it as a plain
    # failure instead, raised outside the `except` so the exception is not chained.
    failure = None
    try:
        if "#>" in example.source:
            eval_example.run_print_check(example)
        else:
            eval_example.run(example)
    except Exception as exc:
        tb, where = exc.__traceback__, "?"
        while tb is not None:
            where = f"{Path(tb.tb_frame.f_code.co_filename).name}:{tb.tb_lineno}"
            tb = tb.tb_next
        failure = f"{example_id(example)} raised {type(exc).__name__}: {exc} (at {where})"
    if failure:
        pytest.fail(failure, pytrace=False)


@pytest.mark.parametrize("example", inline_examples(), ids=example_id)
def test_inline_example(example: CodeExample, eval_example: EvalExample) -> None:
    check_example(example, eval_example)


# --- the checker itself ---------------------------------------------------------------------

def make(source: str, prefix: str = "python") -> CodeExample:
    return CodeExample.create(source, path=ROOT / "docs" / "x.md", prefix=prefix)


def test_include_blocks_are_left_to_the_example_tests() -> None:
    assert is_include_only(make('--8<-- "examples/docker/pid_namespace.py"\n'))
    assert is_include_only(make("--8<--\nexamples/docker/a.py\nexamples/docker/b.py\n--8<--\n"))
    assert not is_include_only(make('print("--8<--")\n'))
    assert not is_include_only(make("x = 1\n"))


def test_a_raising_block_fails_cleanly(eval_example: EvalExample) -> None:
    with pytest.raises(pytest.fail.Exception, match="raised ValueError: boom"):
        check_example(make('raise ValueError("boom")\n'), eval_example)


def test_a_wrong_print_comment_fails(eval_example: EvalExample) -> None:
    with pytest.raises(pytest.fail.Exception):
        check_example(make("print(1 + 1)\n#> 3\n"), eval_example)


def test_lint_failures_and_opt_outs(eval_example: EvalExample) -> None:
    with pytest.raises(pytest.fail.Exception):
        check_example(make("import os\nx=1\n"), eval_example)  # unused import, formatting
    check_example(make("import os\nx=1\n", prefix='python {lint="skip"}'), eval_example)
    check_example(make('raise SystemExit("not run")\n', prefix='python {test="skip"}'),
                  eval_example)
    check_example(make("print(1 + 1)\n#> 2\n"), eval_example)
