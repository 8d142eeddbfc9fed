"""examples/serverless/time_limit.py: a call past its time limit is killed, its result lost."""

from __future__ import annotations

import re

import pytest

from tests.support import load_example

EXAMPLE = "serverless/time_limit.py"
pytestmark = pytest.mark.docker


def test_long_work_is_killed_at_the_limit(docker_client, check_output):
    limit = load_example(EXAMPLE).TIME_LIMIT
    out = check_output(EXAMPLE, extra=[(r"\d+ of 20 steps", "<n> of 20 steps")])
    short, long_ = out.splitlines()
    assert 'finished (exit 0), result {"steps": 2}' in short
    assert "KILLED" in long_ and "(exit 137)" in long_ and "result lost" in long_
    elapsed = float(re.search(r"after ([\d.]+) s", long_)[1])
    assert limit <= elapsed < limit + 3
    done = int(re.search(r"(\d+) of 20 steps", long_)[1])
    assert done < 20, "the long job must not have completed"
    assert not docker_client.containers.list(
        all=True, filters={"label": "cloudnotes.example=serverless/time_limit"})


def test_the_engine_stopping_midway_is_one_line_naming_the_leftovers(engine_severed):
    engine_severed(EXAMPLE, "serverless/time_limit")
