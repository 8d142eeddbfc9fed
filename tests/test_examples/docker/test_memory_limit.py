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


def cgroup_tree(root, files: dict[str, str]):
    for name, text in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text)
    return str(root)


def test_the_limit_is_read_from_cgroup_v2_memory_max(tmp_path):
    ex = load_example(EXAMPLE)
    root = cgroup_tree(tmp_path, {"memory.max": "67108864\n", "cpu.max": "max 100000\n"})
    assert ex.read_memory_limit(root) == ("v2", f"{root}/memory.max", 64 * 2**20)
    (tmp_path / "memory.max").write_text("max\n")
    assert ex.read_memory_limit(root) == ("v2", f"{root}/memory.max", None)


def test_the_limit_is_read_from_cgroup_v1_memory_limit_in_bytes(tmp_path):
    ex = load_example(EXAMPLE)
    root = cgroup_tree(tmp_path, {"memory/memory.limit_in_bytes": "67108864\n"})
    assert ex.read_memory_limit(root) == (
        "v1", f"{root}/memory/memory.limit_in_bytes", 64 * 2**20)


def test_no_memory_controller_is_an_error(tmp_path):
    with pytest.raises(FileNotFoundError):
        load_example(EXAMPLE).read_memory_limit(str(tmp_path))


def test_the_container_runs_the_same_reader():
    assert "def read_memory_limit(" in load_example(EXAMPLE).HOG


def test_output_matches_the_page_and_nothing_is_left(check_output, labelled):
    out = check_output(EXAMPLE, extra=VOLATILE)
    assert "State.OOMKilled: True\n" in out
    assert "exit code: 137" in out
    assert labelled("docker/memory_limit") == []


def test_no_engine_is_one_line_on_stderr(no_engine):
    no_engine(EXAMPLE)


def test_the_engine_stopping_midway_is_one_line_naming_the_leftovers(engine_severed):
    engine_severed(EXAMPLE, "docker/memory_limit")
