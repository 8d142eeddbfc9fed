"""The fault-injection suite: what happens when something dies while an example or the lab works.

Every case runs against the session's lab (tests/openstack_cloud.py, which brings it up and
holds its lock) or, for the Docker engine, against an engine the test starts itself; it kills
only processes the lab recorded (by pid, lab/procs.py) or the test started, brings them back
the way the project does (`lab up`, tools/engine.py), and ends with the leftover checks of the
whole suite finding nothing. Each case notes its one-line explanation and its timings; the
terminal summary lists them (the README's reliability section quotes them), and so does
`.cache/faults.json`.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from lab import procs
from tests.openstack_cloud import Cloud, _host_objects, _inventories, _leftovers
from tests.support import ROOT, unavailable

REPORT = pytest.StashKey[dict[str, dict]]()
REPORT_FILE = ROOT / ".cache" / "faults.json"


def pytest_configure(config: pytest.Config) -> None:
    config.stash[REPORT] = {}


@pytest.fixture
def report(request: pytest.FixtureRequest) -> Callable[..., None]:
    """Note a case's one-line explanation and figures for the summary."""
    def note(case: str, line: str, **figures) -> None:
        request.config.stash[REPORT][case] = {"line": line, **figures}
    return note


def pytest_terminal_summary(terminalreporter, exitstatus: int, config: pytest.Config) -> None:
    cases = config.stash.get(REPORT, {})
    if not cases:
        return
    terminalreporter.section(f"fault cases: {len(cases)}")
    for case, facts in sorted(cases.items()):
        figures = ", ".join(f"{k} {v}" for k, v in facts.items() if k != "line")
        terminalreporter.write_line(f"{case}: {facts['line']}" + (f" [{figures}]" if figures
                                                                  else ""))
    REPORT_FILE.parent.mkdir(parents=True, exist_ok=True)
    REPORT_FILE.write_text(json.dumps(cases, indent=1, ensure_ascii=False) + "\n")


@pytest.fixture(scope="session")
def running_lab(cloud: Cloud):
    """The session's lab (the cases need processes of their own to kill: never DevStack)."""
    if not cloud.is_lab:
        unavailable("the fault cases kill processes of the local lab (CLOUDNOTES_LAB=1)")
    from lab.core import Lab

    return Lab()


@pytest.fixture(autouse=True)
def whole_lab_afterwards(running_lab) -> Iterator[None]:
    """A case that failed halfway may leave a process dead: bring the lab back (`up` starts
    only what is dead) so that the next case and the session's leftover check find it whole."""
    yield
    if not running_lab.is_running():
        import lab as lab_api

        lab_api.up()


def kill(lab, name: str) -> list[int]:
    """Kill a lab process as a crash would: SIGKILL to its process group and everything below
    it (RabbitMQ's Erlang helpers run in sessions of their own), found from the pid `up`
    recorded and only while that pid is still the lab's. Returns the pids killed."""
    record = lab.pids.get(name)
    assert record is not None and procs.is_same_process(record), f"{name} is not running"
    members = procs.descendants(set(procs.group_members(record.pid) or [record.pid]))
    for pid in members:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
    deadline = time.monotonic() + 15
    while any(Path(f"/proc/{pid}").exists() and not procs.is_zombie(pid) for pid in members):
        assert time.monotonic() < deadline, f"{name} survived SIGKILL"
        time.sleep(0.05)
    return sorted(members)


def pids_of(lab) -> dict[str, int]:
    """{process name: pid} of every live lab process."""
    return {r.name: r.pid for r in lab.pids.records() if procs.is_same_process(r)}


@pytest.fixture(scope="session")
def baseline(cloud: Cloud) -> dict:
    """What the clouds and the host held before the first case (the state every case must
    leave behind): the session's own leftover check, taken here once for the suite."""
    return {"apis": _inventories(cloud), "host": _host_objects()}


@pytest.fixture
def nothing_left(cloud: Cloud, baseline: dict) -> Callable[[], list[str]]:
    """The leftover check of the session (APIs as user, other project and admin; the lab
    host's domains, taps, loop devices and files) against the suite's baseline."""
    def check() -> list[str]:
        left = _leftovers(baseline["apis"], _inventories(cloud))
        left += [f"lab host: {kind}: {', '.join(sorted(names - baseline['host'][kind]))}"
                 for kind, names in _host_objects().items() if names - baseline["host"][kind]]
        return left
    return check


@pytest.fixture
def control(tmp_path: Path) -> Iterator[Path]:
    """The folder a paused example and its test talk through."""
    folder = tmp_path / "control"
    folder.mkdir()
    yield folder


def one_line(result) -> str:
    """The example's single stderr line (asserting there is exactly one, and no traceback)."""
    lines = result.stderr.splitlines()
    assert result.returncode == 1, f"exit {result.returncode}\n{result.stdout}\n{result.stderr}"
    assert len(lines) == 1 and lines[0].startswith("error: "), \
        f"{len(lines)} stderr lines:\n{result.stderr}"
    return lines[0]


def short(line: str, limit: int = 240) -> str:
    """The line as the report shows it: urllib3's long error texts cut in the middle."""
    return line if len(line) <= limit else line[:limit - 60] + " … " + line[-57:]
