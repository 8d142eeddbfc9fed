"""examples/openstack/neutron/security_group.py: ingress is opened rule by rule."""

from __future__ import annotations

import re

import pytest

from tests.support import load_example

pytestmark = pytest.mark.openstack
EXAMPLE = "openstack/neutron/security_group.py"


def test_rules_land_in_the_group(user_conn):
    ex = load_example(EXAMPLE)
    group = ex.create_group(user_conn, "cloudnotes-sg-test-rules")
    try:
        ex.add_rules(user_conn, group)
        rules = list(user_conn.network.security_group_rules(security_group_id=group.id))
        ingress = {(r.protocol, r.port_range_min, r.remote_ip_prefix, r.remote_group_id)
                   for r in rules if r.direction == "ingress"}
        assert ingress == {("tcp", 22, "0.0.0.0/0", None), ("tcp", 80, "0.0.0.0/0", None),
                           ("icmp", None, "192.168.0.0/16", None), (None, None, None, group.id)}
    finally:
        user_conn.network.delete_security_group(group)
    assert not list(user_conn.network.security_group_rules(security_group_id=group.id))


def test_output_matches_the_page(run_as, user_conn):
    out = run_as(EXAMPLE)
    assert "ingress IPv4 tcp  22-22     from 0.0.0.0/0" in out
    assert "from members of this group" in out
    name = re.search(r"deleted (cloudnotes-sg-\w+)", out).group(1)
    assert user_conn.network.find_security_group(name) is None


def test_unusable_cloud_is_one_line_on_stderr(bad_input):
    bad_input(EXAMPLE)


def test_neutron_stopping_midway_is_one_line_naming_it_and_the_leftovers(severed):
    line = severed(EXAMPLE, r"POST .*/security-groups$", "neutron")
    assert "neutron) either)" in line  # the cleanup could not reach it either
