"""examples/openstack/neutron/floating_ip.py: allocate, associate, disassociate, release."""

from __future__ import annotations

import re

import pytest

from tests.support import load_example

pytestmark = pytest.mark.openstack
EXAMPLE = "openstack/neutron/floating_ip.py"


def test_association_maps_the_public_address_to_the_fixed_one(user_conn):
    ex = load_example(EXAMPLE)
    external = user_conn.network.find_network(ex.EXTERNAL_NETWORK)
    network = user_conn.network.find_network(ex.NETWORK)
    port = user_conn.network.create_port(name="cloudnotes-port-test-fip", network_id=network.id)
    try:
        fip = ex.allocate(user_conn, external)
        try:
            assert fip.floating_network_id == external.id and fip.port_id is None
            fip = ex.associate(user_conn, fip, port)
            assert fip.port_id == port.id
            # Floating IPs are IPv4: NAT goes to the port's IPv4 address (DevStack adds IPv6 too).
            ipv4 = [ip["ip_address"] for ip in port.fixed_ips if "." in ip["ip_address"]]
            assert fip.fixed_ip_address == ipv4[0]
            assert fip.router_id  # the router that will NAT, found by Neutron
            fip = ex.disassociate(user_conn, fip)
            assert fip.port_id is None and fip.fixed_ip_address is None
            assert user_conn.network.get_ip(fip).floating_ip_address == fip.floating_ip_address
        finally:
            user_conn.network.delete_ip(fip)
    finally:
        user_conn.network.delete_port(port)


def test_output_matches_the_page(run_as, user_conn):
    out = run_as(EXAMPLE)
    shown = re.findall(r"^  (\S+) -> (\S+)", out, re.M)
    assert len(shown) == 3 and len({public for public, _ in shown}) == 1, out
    fixed = re.search(r"fixed ip (\S+)", out).group(1)
    assert [target for _, target in shown] == ["nothing", fixed, "nothing"]
    assert not [f for f in user_conn.network.ips() if f.floating_ip_address == shown[0][0]]


def test_unusable_cloud_is_one_line_on_stderr(bad_input):
    bad_input(EXAMPLE)


def test_neutron_stopping_midway_is_one_line_naming_it_and_the_leftovers(severed):
    line = severed(EXAMPLE, r"POST .*/ports$", "neutron")
    assert "neutron) either)" in line  # the cleanup could not reach it either
