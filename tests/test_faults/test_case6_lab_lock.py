"""Case 6: two test runs at once on one machine never run two labs on the same ports.

A session holds the lab's machine-wide lock, keyed by the port offset (lab.files.session_lock),
for as long as it uses the lab; this session holds it now. A second `pytest` session for the
same ports, even with a lab folder of its own, waits (here 3 s) and then fails with one line
naming the holder, having started nothing. A lab on other ports takes another lock at once,
and a waiting session gets the lock as soon as the holder lets go.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import textwrap
import time

import pytest

from lab.files import session_lock
from lab.layout import PORT_OFFSET
from tests.support import ROOT
from tests.test_faults.conftest import pids_of

pytestmark = pytest.mark.faults
OTHER_OFFSET = PORT_OFFSET + 1000  # a lab whose ports meet none of this one's


def test_a_second_session_on_the_same_ports_fails_in_one_line(cloud, running_lab, tmp_path,
                                                              report):
    before = pids_of(running_lab)
    other_state = tmp_path / "second-lab"
    env = {**os.environ, "CI": "true", "CLOUDNOTES_LAB_WAIT": "3",
           "CLOUDNOTES_LAB_DIR": str(other_state)}
    started = time.monotonic()
    second = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-x",
         "tests/test_examples/openstack/keystone/test_catalog.py"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
    took = time.monotonic() - started
    assert second.returncode != 0, second.stdout
    found = sorted(set(re.findall(r"the lab on ports [^\n]*? is used by another test session "
                                  r"[^\n]*?waiting 3s", second.stdout)))
    assert len(found) == 1, second.stdout[-3000:]
    assert f"pid {os.getpid()} " in found[0], found[0]
    assert not (other_state / "pids").exists() or not any((other_state / "pids").iterdir())
    assert pids_of(running_lab) == before
    report("6 a second session", found[0], failed_after_s=round(took, 1))


def test_another_offset_is_another_lock_and_a_waiter_gets_the_lock(capsys):
    hold = textwrap.dedent(f"""
        import sys, time
        from lab.files import session_lock
        with session_lock(0, offset={OTHER_OFFSET}):
            print("held", flush=True)
            time.sleep(float(sys.argv[1]))
    """)
    # this session holds its own lock: a lab on other ports is not blocked by it
    quick = subprocess.run([sys.executable, "-c", hold, "0"], cwd=ROOT, capture_output=True,
                           text=True, timeout=60)
    assert quick.returncode == 0 and quick.stdout == "held\n", quick.stderr
    holder = subprocess.Popen([sys.executable, "-c", hold, "2"], cwd=ROOT,
                              stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline() == "held\n"
        with session_lock(60, offset=OTHER_OFFSET):  # waits for the holder, then has it
            pass
    finally:
        assert holder.wait(timeout=60) == 0
    said = capsys.readouterr().out
    assert said.count("lab: waiting up to 60s for the lab, used by pid ") == 1, said
