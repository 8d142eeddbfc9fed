"""examples/docker/start_speed.py: create -> start -> exit takes a fraction of a second."""

from __future__ import annotations

import pytest

from tests.support import load_example

pytestmark = pytest.mark.docker
EXAMPLE = "docker/start_speed.py"
VOLATILE = [(r" +", " ")]  # column padding depends on the numbers


@pytest.fixture
def ex(docker_client):
    module = load_example(EXAMPLE)
    yield module
    module.cleanup(docker_client)


def test_latencies_are_positive_and_plausible(docker_client, ex):
    stats = ex.measure(docker_client, runs=3)
    assert set(stats) == {*ex.PHASES, "host"}
    for phase, s in stats.items():
        assert 0 < s["min"] <= s["median"] <= s["max"], (phase, s)
    # A container's whole life takes well under 10 s: no operating system boots.
    assert stats["total"]["median"] < 10_000
    # ...but it costs more than running the same program on the host without isolation.
    assert stats["host"]["median"] < stats["total"]["median"]
    assert stats["total"]["max"] >= max(stats[p]["min"] for p in ("create", "start", "exit"))


def test_runs_must_be_positive(ex):
    with pytest.raises(SystemExit):
        ex.main(["--runs", "0"])


def test_output_matches_the_page_and_nothing_is_left(check_output, labelled):
    out = check_output(EXAMPLE, extra=VOLATILE)
    assert out.startswith("5 runs of `busybox true`")
    assert labelled("docker/start_speed") == []


def test_no_engine_is_one_line_on_stderr(no_engine):
    no_engine(EXAMPLE)


def test_the_engine_stopping_midway_is_one_line_naming_the_leftovers(engine_severed):
    engine_severed(EXAMPLE, "docker/start_speed")
