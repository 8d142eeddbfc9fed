"""Case 2: `lab status` names the dead processes; `lab up` on a partly dead lab starts only
those, each after what it needs, and every other process keeps its pid.

memcached and Keystone, which needs it, are killed. `up` must plan only these two (the live
processes are done steps: no database, key or seed step runs, nothing is stopped), start
memcached before Keystone, and say what it restarted. Both run as a reader runs them:
`python -m lab ...`. (Workers restarted alone wait for a heartbeat of their own: the cold
and warm starts do that for every worker, case 3 for reconnected ones.)
"""

from __future__ import annotations

import re
import subprocess
import sys
import time

import pytest

from tests.support import ROOT
from tests.test_faults.conftest import kill, pids_of

pytestmark = pytest.mark.faults
DEAD = ("memcached", "keystone")


def lab_command(*args: str, timeout: float = 300) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "lab", *args], cwd=ROOT, capture_output=True,
                          text=True, timeout=timeout)


def test_up_restarts_only_the_dead_processes(running_lab, nothing_left, report):
    before = pids_of(running_lab)
    for name in DEAD:
        kill(running_lab, name)

    status = lab_command("status")
    assert status.returncode == 1, status.stdout
    rows = {line.split()[0]: line for line in status.stdout.splitlines()[1:]
            if line.startswith("  ") and not line.strip().startswith(("memory", "hypervisor",
                                                                       "image", "clouds"))}
    for name, row in rows.items():  # the others run (with Keystone gone, who can tell more)
        dead = row.rstrip().endswith(" stopped")
        assert dead == (name in DEAD), row

    started = time.monotonic()
    up = lab_command("up")
    took = time.monotonic() - started
    assert up.returncode == 0, up.stdout + up.stderr
    out = up.stdout
    assert f"2 of {len(before)} processes are not running (memcached, keystone)" in out
    ready = re.findall(r"^\s+[\d.]+s\s+ready\s+(\S+)", out, re.M)
    assert ready == list(DEAD), out  # memcached first: Keystone's cache needs it
    assert not re.search(r"^\s+[\d.]+s\s+(init|seeded)\s", out, re.M), out  # no cold start
    assert "restarted memcached, keystone in " in out, out
    after = pids_of(running_lab)
    assert {n: p for n, p in after.items() if n not in DEAD} == \
        {n: p for n, p in before.items() if n not in DEAD}, "a live process got a new pid"
    assert all(after[name] != before[name] for name in DEAD)
    assert lab_command("status").returncode == 0
    assert nothing_left() == []
    restarted = re.search(r"restarted memcached, keystone in ([\d.]+)s", out)[1]
    report("2 partial up", "lab status: memcached, keystone stopped; lab up: "
           f"restarted memcached, keystone in {restarted}s, the other "
           f"{len(before) - len(DEAD)} processes kept their pids",
           plan_s=float(restarted), command_s=round(took, 1))
