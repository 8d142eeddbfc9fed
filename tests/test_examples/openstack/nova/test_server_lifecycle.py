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
    addresses = re.findall(r"addresses ([\d.]+)", out)
    assert len(addresses) == 3 and len(set(addresses)) == 1, out
    assert ipaddress.ip_address(addresses[0]) in ipaddress.ip_network(cidr)
    name = re.search(r"booting (cloudnotes-server-\w+)", out).group(1)
    assert user_conn.compute.find_server(name) is None


def test_unusable_cloud_is_one_line_on_stderr(bad_input):
    bad_input(EXAMPLE)
