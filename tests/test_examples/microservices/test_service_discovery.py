"""examples/microservices/service_discovery.py: names resolve on a user network, not on bridge."""

from __future__ import annotations

import pytest

EXAMPLE = "microservices/service_discovery.py"
pytestmark = pytest.mark.docker


def test_names_resolve_only_on_a_user_defined_network(docker_client, check_output):
    out = check_output(EXAMPLE, extra=[(r"lookup failed: .*", "lookup failed: <reason>")])
    user, bridge = out.split("default bridge network")
    assert "exit 0 | GET http://catalog:8000/ -> 200" in user
    assert '"items": ["notebook", "pen"]' in user
    assert "exit 3 |" in bridge and "name lookup failed" in bridge
    assert not docker_client.containers.list(
        all=True, filters={"label": "cloudnotes.example=microservices/service_discovery"})
    assert not docker_client.networks.list(
        filters={"label": "cloudnotes.example=microservices/service_discovery"})


def test_the_engine_stopping_midway_is_one_line_naming_the_leftovers(engine_severed):
    engine_severed(EXAMPLE, "microservices/service_discovery")
