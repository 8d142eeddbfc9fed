"""examples/openstack/neutron/network_subnet_router.py: subnet behind a router to the public net."""

from __future__ import annotations

import re

import pytest

from tests.support import load_example

pytestmark = pytest.mark.openstack
EXAMPLE = "openstack/neutron/network_subnet_router.py"


def test_router_joins_the_subnet_to_the_external_network(user_conn):
    ex = load_example(EXAMPLE)
    network = ex.create_network(user_conn, "cloudnotes-net-test-router")
    try:
        subnet = ex.create_subnet(user_conn, network, "cloudnotes-subnet-test-router")
        router = ex.create_router(user_conn, "cloudnotes-router-test-router")
        try:
            external = user_conn.network.find_network(ex.EXTERNAL_NETWORK)
            assert router.external_gateway_info["network_id"] == external.id
            assert subnet.gateway_ip == "10.42.0.1"
            answer = ex.attach(user_conn, router, subnet)
            try:
                port = user_conn.network.get_port(answer["port_id"])
                assert port.device_id == router.id
                assert port.fixed_ips[0]["ip_address"] == subnet.gateway_ip
            finally:
                user_conn.network.remove_interface_from_router(router, subnet_id=subnet.id)
        finally:
            user_conn.network.delete_router(router)
    finally:
        user_conn.network.delete_network(network)  # takes its subnet along


def test_output_matches_the_page(run_as, user_conn):
    out = run_as(EXAMPLE)
    assert "subnet  cloudnotes-subnet-" in out and "10.42.0.0/24, gateway 10.42.0.1" in out
    assert re.search(r"network:router_interface +\['10\.42\.0\.1'\]", out), out
    name = re.search(r"network (cloudnotes-net-\w+)", out).group(1)
    assert user_conn.network.find_network(name) is None


def test_unusable_cloud_is_one_line_on_stderr(bad_input):
    bad_input(EXAMPLE)


def test_neutron_stopping_midway_is_one_line_naming_it_and_the_leftovers(severed):
    line = severed(EXAMPLE, r"POST .*/networks$", "neutron")
    assert "neutron) either)" in line  # the cleanup could not reach it either
