"""pytest plugin (`-p tests.test_workflows.marker_dump`): write each collected test's markers.

Used by workflow_checks.collect_items in a `pytest --collect-only` subprocess; the JSON goes to
the file named by CLOUDNOTES_MARKER_DUMP.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest


@pytest.hookimpl(trylast=True)  # after any conftest that adds markers during collection
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    target = os.environ.get("CLOUDNOTES_MARKER_DUMP")
    if not target:
        return
    rows = [{"nodeid": item.nodeid, "path": str(item.path),
             "markers": sorted({mark.name for mark in item.iter_markers()})}
            for item in items]
    Path(target).write_text(json.dumps(rows))
