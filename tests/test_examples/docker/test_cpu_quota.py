"""examples/docker/cpu_quota.py: a CPU quota caps the share a busy container gets."""

from __future__ import annotations

import pytest

from tests.support import load_example

pytestmark = pytest.mark.docker
EXAMPLE = "docker/cpu_quota.py"
VOLATILE = [
    (r"inside: cgroup .*", "inside: <cgroup quota files>"),
    (r" +", " "),  # column padding depends on the numbers
]


@pytest.fixture(scope="module")
def shares(docker_client):
    """Measure the three cases once (about 10 s) for all the assertions below."""
    ex = load_example(EXAMPLE)
    try:
        return {name: ex.measure(docker_client, 3.0, **limits) for name, limits in [
            ("unlimited", {}),
            ("half", {"nano_cpus": 500_000_000}),
            ("fifth", {"cpu_quota": 20000}),
        ]}
    finally:
        ex.cleanup(docker_client)


def test_the_quota_is_written_into_the_cgroup(shares):
    assert "50000" in shares["half"]["quota"]
    assert "20000" in shares["fifth"]["quota"]
    assert "max" in shares["unlimited"]["quota"] or "= -1" in shares["unlimited"]["quota"]


def test_cpu_share_stays_under_the_quota(shares):
    # Generous: a 2-core machine shared with other work; the cap is the lesson, not the floor.
    assert 0.15 < shares["half"]["share"] <= 0.5 * 1.2 + 0.05
    assert 0.05 < shares["fifth"]["share"] <= 0.2 * 1.2 + 0.05
    assert shares["unlimited"]["share"] <= 1.1  # one thread, at most one CPU


def test_an_unlimited_loop_gets_more_than_the_small_quota(shares):
    assert shares["unlimited"]["share"] > shares["fifth"]["share"]


def cgroup_tree(root, files: dict[str, str]) -> str:
    for name, text in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text)
    return str(root)


def test_cgroup_v2_quota_and_usage_are_read_from_cpu_max_and_cpu_stat(tmp_path):
    ex = load_example(EXAMPLE)
    root = cgroup_tree(tmp_path, {
        "cpu.max": "50000 100000\n",
        "cpu.stat": "usage_usec 2500000\nuser_usec 2000000\nsystem_usec 500000\n",
    })
    assert ex.read_quota(root) == "cgroup v2 cpu.max = 50000 100000"
    assert ex.read_cpu_seconds(root) == 2.5
    (tmp_path / "cpu.max").write_text("max 100000\n")
    assert ex.read_quota(root) == "cgroup v2 cpu.max = max 100000"


def test_cgroup_v1_quota_and_usage_are_read_from_cfs_files_and_cpuacct(tmp_path):
    ex = load_example(EXAMPLE)
    root = cgroup_tree(tmp_path, {
        "cpu/cpu.cfs_quota_us": "20000\n",
        "cpu/cpu.cfs_period_us": "100000\n",
        "cpu/cpu.stat": "nr_periods 3\nnr_throttled 1\nthrottled_time 5\n",
        "cpuacct/cpuacct.usage": "1500000000\n",
    })
    assert ex.read_quota(root) == "cgroup v1 cpu.cfs_quota_us = 20000, cpu.cfs_period_us = 100000"
    assert ex.read_cpu_seconds(root) == 1.5


def test_the_container_runs_the_same_readers():
    loop = load_example(EXAMPLE).BUSY_LOOP
    assert "def read_quota(" in loop and "def read_cpu_seconds(" in loop


def test_output_matches_the_page_and_nothing_is_left(check_output, labelled):
    check_output(EXAMPLE, extra=VOLATILE)
    assert labelled("docker/cpu_quota") == []


def test_no_engine_is_one_line_on_stderr(no_engine):
    no_engine(EXAMPLE)


def test_the_engine_stopping_midway_is_one_line_naming_the_leftovers(engine_severed):
    engine_severed(EXAMPLE, "docker/cpu_quota")
