"""actionlint on every workflow in .github/workflows (and proof that it catches a broken one)."""

from __future__ import annotations

import subprocess
import textwrap

import pytest

from tests.test_workflows.workflow_checks import WORKFLOWS, run_actionlint, shellcheck_binary

pytestmark = pytest.mark.workflows

EXPECTED = {"docs", "examples-docker", "examples-devstack", "examples-kubernetes"}


def test_the_four_workflows_exist():
    assert {p.stem for p in WORKFLOWS.glob("*.yml")} >= EXPECTED


def test_actionlint_passes_on_every_workflow():
    files = sorted(WORKFLOWS.glob("*.y*ml"))
    result = run_actionlint(files)
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.strip() == ""


def test_actionlint_rejects_a_broken_workflow(tmp_path):
    broken = tmp_path / ".github" / "workflows" / "broken.yml"
    broken.parent.mkdir(parents=True)
    broken.write_text(textwrap.dedent("""\
        name: broken
        on: pussh
        jobs:
          test:
            runs-on: ubuntu-24.04
            steps:
              - run: echo "${{ matrix.missing }}"
              - uses: actions/checkout@v7
                with:
                  no-such-input: 1
        """))
    result = run_actionlint([broken])
    assert result.returncode != 0
    assert "pussh" in result.stdout  # unknown event
    assert "matrix" in result.stdout  # undefined context property


def test_actionlint_runs_shellcheck_on_scripts(tmp_path):
    broken = tmp_path / "quoting.yml"
    broken.write_text(textwrap.dedent("""\
        name: quoting
        on: push
        jobs:
          test:
            runs-on: ubuntu-24.04
            timeout-minutes: 5
            steps:
              - run: for f in $(ls *.txt); do cat $f; done
        """))
    result = run_actionlint([broken])
    assert result.returncode != 0
    assert "shellcheck" in result.stdout


def test_helper_scripts_parse_as_bash():
    scripts = sorted(WORKFLOWS.parent.rglob("*.sh"))
    assert scripts, "expected .github/devstack/prepare-runner.sh"
    for script in scripts:
        result = subprocess.run(["bash", "-n", str(script)], capture_output=True, text=True)
        assert result.returncode == 0, f"{script.name}: {result.stderr}"


def test_helper_scripts_pass_shellcheck():
    scripts = sorted(WORKFLOWS.parent.rglob("*.sh"))
    result = subprocess.run([shellcheck_binary(), *map(str, scripts)], capture_output=True,
                            text=True)
    assert result.returncode == 0, result.stdout
