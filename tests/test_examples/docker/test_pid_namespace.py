"""examples/docker/pid_namespace.py: PID 1 inside, another PID for the same process outside."""

from __future__ import annotations

import os

import pytest

from tests.support import load_example

pytestmark = pytest.mark.docker
EXAMPLE = "docker/pid_namespace.py"
VOLATILE = [
    (r"\(State\.Pid\): \d+", "(State.Pid): <pid>"),
    (r"/proc/\d+/", "/proc/<pid>/"),
    (r"PID \d+ +ps ", "PID <pid> ps "),
]


@pytest.fixture
def ex(docker_client):
    module = load_example(EXAMPLE)
    yield module
    module.cleanup(docker_client)


def test_pid_is_1_inside_and_another_on_the_host(docker_client, ex):
    container = ex.start_container(docker_client)
    inside, outside = ex.pid_inside(container), ex.pid_on_host(container)
    assert inside == 1
    assert outside > 1 and outside != os.getpid()
    # The host PID names the very same process: the container's sleep.
    assert ex.host_cmdline(outside) == "sleep 300"
    seen = ex.processes_inside(container)
    assert (1, "sleep 300") in seen
    assert {command.split()[0] for _, command in seen} == {"sleep", "ps"}, seen


def test_a_failed_start_is_cleaned_up(docker_client, ex, labelled, monkeypatch):
    # A missing program makes start() fail after create(): the container exists, stopped.
    monkeypatch.setattr(ex, "COMMAND", ["/no/such/program"])
    assert ex.main() == 1
    assert labelled("docker/pid_namespace") == []


def test_output_matches_the_page_and_nothing_is_left(check_output, labelled):
    out = check_output(EXAMPLE, extra=VOLATILE)
    assert "PID inside the container (echo $$): 1\n" in out
    assert labelled("docker/pid_namespace") == []


def test_no_engine_is_one_line_on_stderr(no_engine):
    no_engine(EXAMPLE)


def test_the_engine_stopping_midway_is_one_line_naming_the_leftovers(engine_severed):
    engine_severed(EXAMPLE, "docker/pid_namespace")
