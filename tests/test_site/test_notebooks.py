"""Notebook runs are cached by the notebook and the engine (tools/notebooks.py)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tools import notebooks

pytestmark = pytest.mark.site


def test_the_key_changes_with_the_notebook_and_the_engine(tmp_path: Path) -> None:
    nb = tmp_path / "n.ipynb"
    nb.write_text('{"cells": []}', encoding="utf-8")
    key = notebooks.cache_key(nb, "python3", '{"ID": "engine-a"}')
    assert key == notebooks.cache_key(nb, "python3", '{"ID": "engine-a"}')
    assert key != notebooks.cache_key(nb, "python3", '{"ID": "engine-b"}'), "another engine"
    assert key != notebooks.cache_key(nb, "python3", "none"), "no engine"
    nb.write_text('{"cells": [1]}', encoding="utf-8")
    assert key != notebooks.cache_key(nb, "python3", '{"ID": "engine-a"}'), "edited notebook"


def test_the_key_changes_with_the_files_the_notebook_reads(tmp_path: Path) -> None:
    """start-latency plots samples stored by another run: new samples run it again."""
    nb = tmp_path / "n.ipynb"
    nb.write_text('{"cells": [], "metadata": {"cloudnotes": {"inputs": ["samples.json"]}}}',
                  encoding="utf-8")
    missing = notebooks.cache_key(nb, "python3", "none", root=tmp_path)
    (tmp_path / "samples.json").write_text("[1, 2]")
    first = notebooks.cache_key(nb, "python3", "none", root=tmp_path)
    assert first != missing
    (tmp_path / "samples.json").write_text("[1, 3]")
    assert notebooks.cache_key(nb, "python3", "none", root=tmp_path) != first
    assert notebooks.inputs(nb, tmp_path) == [tmp_path / "samples.json"]


def test_the_site_notebooks_name_what_they_read() -> None:
    for name in ("start-latency.ipynb", "start-latency.en.ipynb"):
        read = notebooks.inputs(notebooks.ROOT / "docs" / "containers" / name)
        assert read and all(path.is_file() for path in read), (name, read)
