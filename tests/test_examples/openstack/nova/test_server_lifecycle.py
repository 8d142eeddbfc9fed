"""examples/openstack/nova/server_lifecycle.py: BUILD -> ACTIVE -> SHUTOFF -> ACTIVE -> gone."""

from __future__ import annotations

import ipaddress
import re

import pytest

pytestmark = pytest.mark.openstack
EXAMPLE = "openstack/nova/server_lifecycle.py"


def test_output_matches_the_page_and_the_server_is_gone(run_as, user_conn):
    out = run_as(EXAMPLE)
    statuses = re.findall(r"status (\w+), power state (\d+)", out)
    # Nova's power states: 1 running, 4 shutdown.
    assert statuses == [("ACTIVE", "1"), ("SHUTOFF", "4"), ("ACTIVE", "1")], out
    assert "status right after the request: BUILD" in out
    # The port Nova asked Neutron for got an address from the private subnet.
    network = user_conn.network.find_network("private")
    cidr = next(user_conn.network.subnets(network_id=network.id, ip_version=4)).cidr
    # One line per state; DevStack's private network adds an IPv6 address after the IPv4 one.
    lines = re.findall(r"addresses (.+)$", out, re.M)
    ipv4 = [next(a for a in line.split(", ") if "." in a) for line in lines]
    assert len(ipv4) == 3 and len(set(ipv4)) == 1, out
    assert ipaddress.ip_address(ipv4[0]) in ipaddress.ip_network(cidr)
    name = re.search(r"booting (cloudnotes-server-\w+)", out).group(1)
    assert user_conn.compute.find_server(name) is None


def test_unusable_cloud_is_one_line_on_stderr(bad_input):
    bad_input(EXAMPLE)
