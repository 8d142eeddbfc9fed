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


def test_output_matches_the_page_and_nothing_is_left(check_output, labelled):
    check_output(EXAMPLE, extra=VOLATILE)
    assert labelled("docker/cpu_quota") == []


def test_no_engine_is_one_line_on_stderr(no_engine):
    no_engine(EXAMPLE)
