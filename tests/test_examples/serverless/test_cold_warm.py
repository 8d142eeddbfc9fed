"""examples/serverless/cold_warm.py: a kept-warm sandbox answers faster than a fresh one."""

from __future__ import annotations

import re

import pytest

EXAMPLE = "serverless/cold_warm.py"
pytestmark = pytest.mark.docker


def test_warm_calls_are_faster_than_cold_ones(docker_client, check_output):
    out = check_output(EXAMPLE, extra=[(r"\d+%", "<n>%")])
    assert "cold: 'hello, cold 4'" in out and "warm: 'hello, warm 4'" in out
    cold = float(re.search(r"median cold start: (\d+) ms", out)[1])
    warm = float(re.search(r"median warm start: (\d+) ms", out)[1])
    # Only the ordering, with a margin: a warm call skips creating and starting a container.
    assert warm < 0.9 * cold, f"warm {warm} ms vs cold {cold} ms"
    assert not docker_client.containers.list(
        all=True, filters={"label": "cloudnotes.example=serverless/cold_warm"})


def test_the_engine_stopping_midway_is_one_line_naming_the_leftovers(engine_severed):
    engine_severed(EXAMPLE, "serverless/cold_warm")
