"""examples/openstack/neutron/port.py: a port gets a MAC and an address from the subnet."""

from __future__ import annotations

import ipaddress
import re

import pytest

from tests.support import load_example

pytestmark = pytest.mark.openstack
EXAMPLE = "openstack/neutron/port.py"


def test_port_address_comes_from_the_subnet(user_conn):
    ex = load_example(EXAMPLE)
    network = user_conn.network.find_network(ex.NETWORK)
    port = ex.create_port(user_conn, network, "cloudnotes-port-test-address")
    try:
        subnet = user_conn.network.get_subnet(port.fixed_ips[0]["subnet_id"])
        address = ipaddress.ip_address(port.fixed_ips[0]["ip_address"])
        assert address in ipaddress.ip_network(subnet.cidr)
        assert str(address) != subnet.gateway_ip
        assert re.fullmatch(r"([0-9a-f]{2}:){5}[0-9a-f]{2}", port.mac_address)
        assert port.device_owner in ("", None)
    finally:
        user_conn.network.delete_port(port)


def test_output_matches_the_page(run_as, user_conn):
    out = run_as(EXAMPLE)
    assert "(none: nothing plugged in yet)" in out and "security groups  ['default']" in out
    name = re.search(r"deleted (cloudnotes-port-\w+)", out).group(1)
    assert user_conn.network.find_port(name) is None


def test_unusable_cloud_is_one_line_on_stderr(bad_input):
    bad_input(EXAMPLE)


def test_neutron_stopping_midway_is_one_line_naming_it_and_the_leftovers(severed):
    line = severed(EXAMPLE, r"POST .*/ports$", "neutron")
    assert "neutron) either)" in line  # the cleanup could not reach it either
