"""examples/docker/network_namespace.py: no network leaves only lo; the bridge adds eth0."""

from __future__ import annotations

import pytest

from tests.support import load_example

pytestmark = pytest.mark.docker
EXAMPLE = "docker/network_namespace.py"
VOLATILE = [(r"\d+ interfaces", "<n> interfaces")]


@pytest.fixture
def ex(docker_client):
    module = load_example(EXAMPLE)
    yield module
    module.cleanup(docker_client)


def test_network_none_leaves_only_loopback(docker_client, ex):
    names, addresses = ex.interfaces_in_container(docker_client, "none")
    assert names == ["lo"]
    assert addresses == ["lo 127.0.0.1/8"]


def test_default_bridge_adds_eth0_with_an_address(docker_client, ex):
    names, addresses = ex.interfaces_in_container(docker_client)
    assert names == ["eth0", "lo"]
    assert any(line.startswith("eth0 ") for line in addresses), addresses
    # The container's namespace is not the host's: it sees far fewer interfaces.
    assert len(ex.host_interfaces()) > len(names)


def test_output_matches_the_page_and_nothing_is_left(check_output, labelled):
    out = check_output(EXAMPLE, extra=VOLATILE)
    assert 'network_mode="none": interfaces lo\n' in out
    assert labelled("docker/network_namespace") == []


def test_no_engine_is_one_line_on_stderr(no_engine):
    no_engine(EXAMPLE)


def test_the_engine_stopping_midway_is_one_line_naming_the_leftovers(engine_severed):
    engine_severed(EXAMPLE, "docker/network_namespace")
