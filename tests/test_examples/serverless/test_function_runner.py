"""examples/serverless/function_runner.py: locked-down sandbox, JSON round trip, bill."""

from __future__ import annotations

import json
import re

import pytest

from tests.support import load_example

EXAMPLE = "serverless/function_runner.py"
pytestmark = pytest.mark.docker


def test_each_call_runs_sandboxed_and_is_billed_by_measured_time(docker_client, check_output):
    out = check_output(EXAMPLE, extra=[(r" +", " ")])
    sandbox = json.loads(out.splitlines()[0].removeprefix("inside the sandbox: "))
    assert sandbox["uid"] == 65534 and sandbox["gid"] == 65534
    assert sandbox["interfaces"] == ["lo"], "network_mode=none leaves loopback only"
    assert sandbox["root_writable"] is False
    assert int(sandbox["effective_capabilities"], 16) == 0
    assert sandbox["no_new_privs"] is True

    example = load_example(EXAMPLE)
    rows = re.findall(r"^(\{.*?\})\s+(\{.*?\})\s+(\d+) ms\s+([\d.]+)\s+([\d.]+)$", out, re.M)
    assert len(rows) == 3
    total = 0.0
    for event, result, billed_ms, gb_s, price in rows:
        words = json.loads(event)["text"].split()
        assert json.loads(result)["words"] == len(words)  # JSON in, JSON out
        billed_ms = int(billed_ms)
        assert billed_ms > 0  # a measured duration, never zero
        expected_gb_s = billed_ms / 1000 * example.MEMORY_MB / 1024
        assert float(gb_s) == pytest.approx(expected_gb_s, abs=1e-6)
        expected = expected_gb_s * example.PRICE_PER_GB_SECOND + example.PRICE_PER_REQUEST
        assert float(price) == pytest.approx(expected, abs=1e-10)
        total += float(price)
    printed_total = float(re.search(r"total for 3 invocations: ([\d.]+) USD", out)[1])
    assert printed_total == pytest.approx(total, abs=1e-9)
    assert not docker_client.containers.list(
        all=True, filters={"label": "cloudnotes.example=serverless/function_runner"})


def test_bill_rounds_up_to_the_next_millisecond():
    example = load_example(EXAMPLE)
    billed_ms, gb_seconds, price = example.bill(0.2001)
    assert billed_ms == 201
    assert gb_seconds == pytest.approx(0.201 * example.MEMORY_MB / 1024)
    assert price == pytest.approx(gb_seconds * example.PRICE_PER_GB_SECOND
                                  + example.PRICE_PER_REQUEST)
    assert example.bill(0.2)[0] == 200  # exactly 200 ms stays 200


def test_the_engine_stopping_midway_is_one_line_naming_the_leftovers(engine_severed):
    engine_severed(EXAMPLE, "serverless/function_runner")
