"""Case 7: `lab down` while an example runs.

`nova/server_lifecycle.py` runs until Nova has its server, which then boots (a QEMU guest
with a tap device); the test waits for the guest to exist, runs `lab down`, and lets the
example go on: it must exit 1 with one line naming what stopped answering and the server it
could not delete. `down` must leave nothing behind: no process of the lab (by pid and by any
command line naming the lab's folder), no socket on the lab's ports or in its folder, no
tap device, no libvirt domain or QEMU. Then `lab up` (a warm start) brings the lab back for
the rest of the session and its sweep removes the server Nova still records.
"""

from __future__ import annotations

import re
import subprocess
import time
from pathlib import Path

import pytest

import lab as lab_api
from lab import inventory
from lab.layout import PORTS
from tests.fault_injection import Paused
from tests.test_faults.conftest import one_line, short

pytestmark = pytest.mark.faults


def processes_naming(folder: Path) -> list[str]:
    """Processes whose command line names the lab's folder (what `ps` would show)."""
    found = []
    for proc in Path("/proc").iterdir():
        if proc.name.isdigit():
            try:
                cmdline = (proc / "cmdline").read_bytes().replace(b"\0", b" ").decode()
            except OSError:
                continue
            if str(folder) in cmdline:
                found.append(f"{proc.name} {cmdline[:120]}")
    return found


def lab_sockets(folder: Path) -> list[str]:
    """Sockets on the lab's ports (TCP, UDP) or under its folder (unix), as `ss` lists them,
    that listen or that a process holds: not the kernel's remnants of connections the dead
    processes had (TIME-WAIT, FIN-WAIT-2), which belong to nobody and expire by themselves."""
    ports = {str(port) for port in PORTS.values()}
    inet = [line for line in subprocess.run(["ss", "-H", "-n", "-t", "-u", "-a", "-p"],
                                            capture_output=True, text=True,
                                            check=True).stdout.splitlines()
            if line.split()[1] in ("LISTEN", "UNCONN") or "users:(" in line]
    unix = subprocess.run(["ss", "-H", "-x", "-a"], capture_output=True, text=True,
                          check=True).stdout.splitlines()
    return ([line for line in inet if line.split()[4].rsplit(":", 1)[-1] in ports]
            + [line for line in unix if str(folder) in line])


def test_lab_down_while_an_example_runs(cloud, running_lab, control, nothing_left, report):
    layout = running_lab.layout
    taps_before = inventory.tap_devices(layout)
    admin = cloud.connect(cloud.admin)
    run = Paused("openstack/nova/server_lifecycle.py", r"POST .*/servers$", control,
                 env={"OS_CLOUD": cloud.user})
    try:
        run.wait_paused()
        (server,) = [s for s in admin.compute.servers(all_projects=True)
                     if s.name.startswith("cloudnotes-server-")]
        admin.compute.wait_for_server(server, status="ACTIVE", wait=300)
        deadline = time.monotonic() + 60
        while not (inventory.domains(layout) and inventory.tap_devices(layout) - taps_before):
            assert time.monotonic() < deadline, "the guest has no domain or tap"
            time.sleep(0.5)
        began = time.monotonic()
        lab_api.down()
        down_took = time.monotonic() - began
        line = one_line(run.finish())
    finally:
        run.finish()
    assert re.match(r"error: cannot reach the \S+ service \(\w+\)", line), line
    assert f"left over: server {server.name}" in line, line

    assert [r.name for r in running_lab.pids.records()] == []
    assert processes_naming(layout.state) == []
    assert lab_sockets(layout.state) == []
    assert inventory.tap_devices(layout) - taps_before == set()  # QEMU, if any, names the folder

    began = time.monotonic()
    lab_api.up()  # a warm start; its sweep deletes the server Nova still records
    up_took = time.monotonic() - began
    assert lab_api.is_running()
    assert nothing_left() == []
    report("7 lab down during an example", short(line), down_s=round(down_took, 1),
           warm_up_s=round(up_took, 1))
