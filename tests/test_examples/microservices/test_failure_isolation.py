"""examples/microservices/failure_isolation.py: the gateway degrades instead of failing."""

from __future__ import annotations

import re

import pytest

EXAMPLE = "microservices/failure_isolation.py"
pytestmark = pytest.mark.docker


def test_stopping_pricing_degrades_the_answer_without_crashing(docker_client, check_output):
    out = check_output(EXAMPLE)
    lines = dict(re.findall(r"^(\w[\w ]*?)\s*: (.*)$", out, flags=re.M))
    assert lines["all services up"].startswith("notebook=4500, pen=1200 | degraded=[]")
    # pricing is gone: items still listed, prices unknown, and the answer says why
    assert lines["pricing stopped"].startswith(
        "notebook=None, pen=None | degraded=['pricing']")
    assert lines["gateway container"] == "running, restarts=0"
    assert lines["pricing restarted"].startswith("notebook=4500, pen=1200 | degraded=[]")
    label = "cloudnotes.example=microservices/failure_isolation"
    assert not docker_client.containers.list(all=True, filters={"label": label})
    assert not docker_client.networks.list(filters={"label": label})


def test_the_engine_stopping_midway_is_one_line_naming_the_leftovers(engine_severed):
    engine_severed(EXAMPLE, "microservices/failure_isolation")
