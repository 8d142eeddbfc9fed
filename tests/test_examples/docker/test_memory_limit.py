"""examples/docker/memory_limit.py: past its memory limit a container is OOM-killed (137)."""

from __future__ import annotations

import pytest

from tests.support import load_example

pytestmark = pytest.mark.docker
EXAMPLE = "docker/memory_limit.py"
VOLATILE = [(r"cgroup v[12] /sys/fs/cgroup/\S+", "cgroup <version> <path>")]


@pytest.fixture
def ex(docker_client):
    module = load_example(EXAMPLE)
    yield module
    module.cleanup(docker_client)


def test_allocating_past_the_limit_is_oom_killed(docker_client, ex):
    result = ex.run_hog(docker_client, "64m")
    assert result["exit_code"] == 137
    assert result["oom_killed"] is True
    assert result["limit_bytes"] == 64 * 2**20
    assert result["lines"][0].endswith(": 64 MiB"), result["lines"]
    steps = [int(line.split()[1]) for line in result["lines"] if line.startswith("allocated")]
    assert steps and steps[-1] < 64, "the program got past its limit"
    assert "never killed" not in result["lines"]


def test_a_higher_limit_lets_the_same_program_finish(docker_client, ex):
    result = ex.run_hog(docker_client, "512m")
    assert result["exit_code"] == 0
    assert result["oom_killed"] is False
    assert result["lines"][-1] == "never killed"


def test_output_matches_the_page_and_nothing_is_left(check_output, labelled):
    out = check_output(EXAMPLE, extra=VOLATILE)
    assert "State.OOMKilled: True\n" in out
    assert "exit code: 137" in out
    assert labelled("docker/memory_limit") == []


def test_no_engine_is_one_line_on_stderr(no_engine):
    no_engine(EXAMPLE)
