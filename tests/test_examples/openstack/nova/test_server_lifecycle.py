"""examples/openstack/nova/server_lifecycle.py: a real VM boots, stops, starts and goes away."""

from __future__ import annotations

import ipaddress
import os
import re
import signal
import subprocess
import sys
import time

import pytest

from tools.outputs import EXAMPLES

pytestmark = pytest.mark.openstack
EXAMPLE = "openstack/nova/server_lifecycle.py"


def test_output_matches_the_page_and_the_guest_really_booted(run_as, user_conn, cloud):
    out = run_as(EXAMPLE)
    steps = re.findall(r"^  (\S.*?\S) +[\d.]+ s(?:  power state (\d+))?", out, re.M)
    # Nova's power states: 1 running, 4 shutdown.
    assert steps == [("BUILD -> ACTIVE", "1"), ("ACTIVE -> login prompt", ""),
                     ("ACTIVE -> SHUTOFF", "4"), ("SHUTOFF -> ACTIVE", "1"), ("deleted", "")]
    assert "status right after the request: BUILD" in out
    console = re.findall(r"^    \| (.*)$", out, re.M)
    assert console and re.search(r"login: *$", console[-1]), out  # the OS inside booted
    if cloud.is_lab:  # the lab's guest describes itself; CirrOS (DevStack) does not
        assert "guest: booted by OpenStack Foundation OpenStack Nova" in console[0]
        mac = re.search(r"guest: eth0 MAC (\S+)", out).group(1)
        assert f"the console shows the port's MAC address {mac}: yes" in out
    # The port Nova asked Neutron for got an address from the private subnet.
    network = user_conn.network.find_network("private")
    cidr = next(user_conn.network.subnets(network_id=network.id, ip_version=4)).cidr
    # DevStack's private network adds an IPv6 address after the IPv4 one.
    lines = re.findall(r"addresses (.+)$", out, re.M)
    ipv4 = [next(a for a in line.split(", ") if "." in a) for line in lines]
    assert len(ipv4) == 3 and len(set(ipv4)) == 1, out
    assert ipaddress.ip_address(ipv4[0]) in ipaddress.ip_network(cidr)
    name = re.search(r"booting (cloudnotes-server-\w+)", out).group(1)
    assert user_conn.compute.find_server(name) is None


def qemu_pid(instance_name: str) -> int | None:
    """The pid of the lab's QEMU running `instance_name`, from libvirt's pid file."""
    from lab import libvirt
    from lab.layout import default_layout

    pid_file = libvirt.root(default_layout()) / "run" / "qemu" / f"{instance_name}.pid"
    try:
        return int(pid_file.read_text().strip())
    except (OSError, ValueError):
        return None


def test_a_guest_killed_behind_novas_back_is_reported_in_one_line(cloud, admin_conn):
    """Kill the guest's QEMU while it boots: Nova notices (power state), the example says so."""
    if not cloud.is_lab:
        pytest.skip("kills a QEMU process of the local lab")
    script = EXAMPLES / EXAMPLE
    example = subprocess.Popen(
        [sys.executable, script.name], cwd=script.parent, text=True, stdout=subprocess.PIPE,
        stderr=subprocess.PIPE, env={**os.environ, "OS_CLOUD": cloud.user})
    killed = None
    try:
        deadline = time.monotonic() + 180
        while killed is None and time.monotonic() < deadline and example.poll() is None:
            for server in admin_conn.compute.servers(all_projects=True,
                                                     name="cloudnotes-server-"):
                if server.status == "ACTIVE":  # started, not yet booted (that takes seconds)
                    pid = qemu_pid(server.instance_name)
                    if pid:
                        os.kill(pid, signal.SIGKILL)
                        killed = server
                        break
            time.sleep(0.1)
        out, err = example.communicate(timeout=240)
    finally:
        if example.poll() is None:
            example.kill()
            example.communicate()
    assert killed is not None, "the example's server never became ACTIVE"
    assert example.returncode == 1, (out, err)
    lines = err.splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith("error: the virtual machine stopped before its OS booted")
    assert "status SHUTOFF, power state 4" in lines[0]  # Nova's own view of the dead guest
    assert admin_conn.compute.find_server(killed.id, all_projects=True) is None  # cleaned up


def test_unusable_cloud_is_one_line_on_stderr(bad_input):
    bad_input(EXAMPLE)


def test_nova_stopping_midway_is_one_line_naming_it_and_the_leftovers(severed):
    line = severed(EXAMPLE, r"POST .*/servers$", "nova")
    assert "nova) either)" in line  # the cleanup could not reach it either
