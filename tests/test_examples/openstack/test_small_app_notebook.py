"""docs/openstack/small-app*.ipynb: the notebook pages show a run against the lab; re-run them.

The site does not execute these notebooks at build time (every build would need a cloud).
They are stored with the outputs of their last run; this test executes them afresh against
the session's cloud and compares the normalised text outputs cell by cell, like
`check_output` does for the examples, after checking the stored run's stamp
(`small-app*.stamp.json`, tools/stamps.py) against this run's. `--update-outputs` stores the
fresh run and its stamp instead. With CLOUDNOTES_COMPARE_OUTPUTS=0 (DevStack) the notebook still
runs and must draw its picture, but is not compared.
"""

from __future__ import annotations

import copy
import os

import nbformat
import pytest
from nbclient import NotebookClient

from tests.openstack_cloud import VOLATILE
from tests.support import ROOT
from tools.outputs import normalise
from tools.stamps import StampError, check_stamp, write_stamp

pytestmark = pytest.mark.openstack

NOTEBOOKS = ["docs/openstack/small-app.ipynb", "docs/openstack/small-app.en.ipynb"]
# Values the notebook prints that change from run to run on top of the shared ones.
EXTRA = [
    (r"AUTH_[0-9a-f]+\.\.\.", "AUTH_<project>..."),  # the project id, shortened by the notebook
    (r"[0-9a-f]{16}\.\.\.", "<hash>..."),
    (r"cloudnotes-app-[0-9a-f]+", "cloudnotes-app-<id>"),
]


def cell_outputs(notebook) -> list[str]:
    """Each code cell's output as normalised text (a figure counts as `<image/png>`)."""
    cells = []
    for cell in notebook.cells:
        if cell.cell_type != "code":
            continue
        parts = []
        for out in cell.get("outputs", []):
            if out.output_type == "stream":
                parts.append(out.text)
            elif out.output_type == "error":
                parts.append(f"error: {out.ename}: {out.evalue}")
            elif "image/png" in out.get("data", {}):
                parts.append("<image/png>\n")
            elif "text/plain" in out.get("data", {}):
                parts.append(out.data["text/plain"] + "\n")
        cells.append(normalise("".join(parts), [*EXTRA, *VOLATILE]))
    return cells


@pytest.mark.parametrize("relpath", NOTEBOOKS)
def test_notebook_runs_against_the_cloud_and_matches_its_page(relpath, cloud, openstack_stamp,
                                                              note_stamp, request):
    path = ROOT / relpath
    stored = nbformat.read(path, as_version=4)
    fresh = copy.deepcopy(stored)
    # Raises CellExecutionError (with the cell and its traceback) if any cell fails.
    NotebookClient(fresh, timeout=600, kernel_name="python3",
                   resources={"metadata": {"path": str(path.parent)}}).execute()
    assert "<image/png>\n" in cell_outputs(fresh), "the notebook no longer draws its picture"
    if request.config.getoption("--update-outputs"):
        nbformat.write(fresh, path)
        write_stamp(path, openstack_stamp)
        return
    if os.environ.get("CLOUDNOTES_COMPARE_OUTPUTS", "1") == "0":
        return
    assert all(cell_outputs(stored)), f"{relpath} is stored without outputs: run `make outputs`"
    try:
        differences = check_stamp(path, openstack_stamp)
    except StampError as exc:
        pytest.fail(f"{relpath}: {exc}", pytrace=False)
    assert cell_outputs(fresh) == cell_outputs(stored), (
        f"{relpath} no longer shows what a fresh run prints; run `make outputs` if intended")
    note_stamp(relpath, differences)
