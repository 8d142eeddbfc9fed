"""examples/serverless/burst.py: N parallel calls, N sandboxes, all succeed, none left."""

from __future__ import annotations

import re
from datetime import datetime

import pytest

from tests.support import load_example

EXAMPLE = "serverless/burst.py"
pytestmark = pytest.mark.docker


def test_a_burst_scales_out_and_back_to_zero(docker_client, check_output):
    burst = load_example(EXAMPLE).BURST
    out = check_output(EXAMPLE, extra=[(r"(same moment): \d+", r"\1: <n>")])
    assert f"invocations: {burst}, succeeded: {burst}" in out
    assert f"results: {[n * n for n in range(burst)]}" in out
    assert f"different sandboxes: {burst}" in out
    assert int(re.search(r"same moment: (\d+)", out)[1]) >= 2, "the calls did not overlap"
    busy, wall = map(float, re.search(r"run times: ([\d.]+) s, wall .*: ([\d.]+) s", out).groups())
    assert busy > wall, "parallel sandboxes: more run time than wall time"
    assert "sandboxes left after the burst: 0" in out
    assert not docker_client.containers.list(
        all=True, filters={"label": "cloudnotes.example=serverless/burst"})


def test_peak_concurrency_counts_overlapping_windows():
    peak = load_example(EXAMPLE).peak_concurrency
    t = [datetime(2026, 1, 1, 0, 0, s) for s in range(6)]
    assert peak([(t[0], t[2]), (t[1], t[3]), (t[4], t[5])]) == 2
    assert peak([(t[0], t[1]), (t[2], t[3])]) == 1


def test_the_engine_stopping_midway_is_one_line_naming_the_leftovers(engine_severed):
    engine_severed(EXAMPLE, "serverless/burst")
