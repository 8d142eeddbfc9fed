"""examples/openstack/nova/scheduler_host.py: the scheduler's pick, seen by the admin only."""

from __future__ import annotations

import re

import pytest

from tests.support import load_example
from tools.outputs import run_example

pytestmark = pytest.mark.openstack
EXAMPLE = "openstack/nova/scheduler_host.py"


def test_host_is_a_compute_host_of_the_cloud(run_as, cloud):
    # Nova numbers instances in a counter that only grows: instance-00000001, -00000002, ...
    out = run_as(EXAMPLE, as_=cloud.admin, extra=[(r"instance-[0-9a-f]{8}", "instance-<n>")])
    host = re.search(r"OS-EXT-SRV-ATTR:host +(\S+)", out).group(1)
    assert host in cloud.compute_hosts, (host, cloud.compute_hosts)
    if cloud.config_file and "/.lab/" in cloud.config_file:
        from lab.layout import SERVICE_HOST

        assert host == SERVICE_HOST
    assert f"compute service on host {host!r}: enabled, up" in out
    assert re.search(r"^hypervisor '\S+' \(type QEMU\)$", out, re.M), out  # libvirt + QEMU
    assert re.search(r"^its console: '\S+ login:'$", out, re.M), out  # the guest booted
    assert "deleted the server" in out


def test_a_member_does_not_see_the_host_attribute(user_conn):
    ex = load_example(EXAMPLE)
    server = ex.boot(user_conn, "cloudnotes-server-test-hidden-host")
    try:
        server = user_conn.compute.wait_for_server(server, status="ACTIVE", wait=300)
        assert ex.wait_until_booted(user_conn, server).endswith("login:")  # it really booted
        assert ex.placement(server)["OS-EXT-SRV-ATTR:host"] is None
    finally:
        user_conn.compute.delete_server(server)
        user_conn.compute.wait_for_delete(server, wait=120)


def test_refuses_to_run_as_a_non_admin(cloud):
    result = run_example(EXAMPLE, env={"OS_CLOUD": cloud.user})
    assert result.returncode == 1 and "needs an admin cloud" in result.stderr
    assert result.stderr.count("\n") == 1


def test_unusable_cloud_is_one_line_on_stderr(bad_input):
    bad_input(EXAMPLE)


def test_nova_stopping_midway_is_one_line_naming_it_and_the_leftovers(severed, cloud):
    line = severed(EXAMPLE, r"POST .*/servers$", "nova", as_=cloud.admin)
    assert "nova) either)" in line  # the cleanup could not reach it either
