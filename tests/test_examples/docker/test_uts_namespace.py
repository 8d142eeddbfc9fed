"""examples/docker/uts_namespace.py: a container's hostname is its own; the host's is unchanged."""

from __future__ import annotations

import socket

import pytest

from tests.support import load_example

pytestmark = pytest.mark.docker
EXAMPLE = "docker/uts_namespace.py"


@pytest.fixture
def ex(docker_client):
    module = load_example(EXAMPLE)
    yield module
    module.cleanup(docker_client)


def test_hostname_is_set_per_container_and_host_keeps_its_own(docker_client, ex):
    host = socket.gethostname()
    _, chosen = ex.hostname_in_container(docker_client, "cloudnotes-test-uts")
    short_id, default = ex.hostname_in_container(docker_client)
    assert chosen == "cloudnotes-test-uts"
    assert default == short_id != host
    assert socket.gethostname() == host


def test_output_matches_the_page_and_nothing_is_left(check_output, labelled):
    out = check_output(EXAMPLE)
    assert "hostname is cloudnotes-uts\n" in out
    assert "host hostname: the same before and after, and neither container's: yes" in out
    assert socket.gethostname() not in out  # the page shows no machine's name
    assert labelled("docker/uts_namespace") == []


def test_no_engine_is_one_line_on_stderr(no_engine):
    no_engine(EXAMPLE)


def test_the_engine_stopping_midway_is_one_line_naming_the_leftovers(engine_severed):
    engine_severed(EXAMPLE, "docker/uts_namespace")
