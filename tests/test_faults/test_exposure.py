"""Secrets and sockets of the running lab (after the fault cases have restarted half of it).

No file in the lab's state folder that holds a password, the Swift hash prefix/suffix, a key
or a database may be readable by group or others, and the folder itself is 0700; every TCP or
UDP socket a lab process holds is on loopback (lab/audit.py, whose checks are shown to fail
on planted violations in tests/test_lab/test_audit.py).
"""

from __future__ import annotations

import pytest

from lab import audit
from tools.outputs import run_example

pytestmark = pytest.mark.faults


def test_no_secret_or_database_is_readable_by_others(running_lab, report):
    layout = running_lab.layout
    secrets = audit.known_secrets(layout)
    assert len(secrets) >= 13, "the audit did not find the lab's secrets to look for"
    assert audit.exposed_files(layout, secrets) == []
    report("secrets", f"{len(audit.state_files(layout))} files read, {len(secrets)} secret "
           "values looked for, 0 readable by group or others")


def test_every_socket_of_the_lab_is_on_loopback(running_lab, cloud, report):
    # Swift logs a line per request: have it log, as that is when its UDP socket was bound
    run = run_example("openstack/swift/object_urls.py", env={"OS_CLOUD": cloud.user},
                      timeout=300)
    assert run.returncode == 0, run.stderr
    pids = running_lab.all_pids()
    lines = [line for line in audit.socket_lines().splitlines()
             if any(f"pid={pid}," in line for pid in pids)]
    assert len(lines) > 20, "found none of the lab's sockets to check"
    assert audit.off_loopback("\n".join(lines), pids) == []
    report("sockets", f"{len(lines)} TCP/UDP sockets of {len(pids)} lab processes, "
           "0 off loopback")
