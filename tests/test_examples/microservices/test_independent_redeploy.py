"""examples/microservices/independent_redeploy.py: pricing v1 -> v2 with zero failed requests."""

from __future__ import annotations

import re

import pytest

EXAMPLE = "microservices/independent_redeploy.py"
pytestmark = pytest.mark.docker
# Request counts depend on the machine's speed; the page shows them, the test checks them below.
COUNTS = [(r"(switch|pricing v\d|to retry): \d+", r"\1: <count>")]


def test_one_service_is_replaced_while_requests_keep_succeeding(docker_client, check_output):
    out = check_output(EXAMPLE, extra=COUNTS)
    total = int(re.search(r"requests during the switch: (\d+)", out)[1])
    v1 = int(re.search(r"answered with pricing v1: (\d+)", out)[1])
    v2 = int(re.search(r"answered with pricing v2: (\d+)", out)[1])
    assert v1 > 0 and v2 > 0, "both versions must have answered during the switch"
    assert "failed or degraded: 0" in out
    assert v1 + v2 == total
    assert "catalog: same container, not restarted: True" in out
    label = "cloudnotes.example=microservices/independent_redeploy"
    assert not docker_client.containers.list(all=True, filters={"label": label})
    assert not docker_client.networks.list(filters={"label": label})


def test_the_engine_stopping_midway_is_one_line_naming_the_leftovers(engine_severed):
    engine_severed(EXAMPLE, "microservices/independent_redeploy")
