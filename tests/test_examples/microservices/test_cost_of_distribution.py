"""examples/microservices/cost_of_distribution.py: more containers, hops and memory, measured."""

from __future__ import annotations

import pytest

EXAMPLE = "microservices/cost_of_distribution.py"
pytestmark = pytest.mark.docker


def _table(out: str) -> dict[str, tuple[float, float]]:
    rows = {}
    for line in out.splitlines()[1:]:
        *words, mono, micro = line.split()
        rows[" ".join(words)] = (float(mono), float(micro))
    return rows


def test_the_distributed_shop_needs_more_parts_and_hops(docker_client, check_output):
    # Column widths follow the measured numbers: compare with runs of spaces collapsed.
    out = check_output(EXAMPLE, extra=[(r" +", " ")])
    rows = _table(out)
    assert rows["containers"] == (1, 3)
    assert rows["networks created"] == (0, 1)
    assert rows["network calls per request"] == (1, 3)
    mono_ms, micro_ms = rows["median answer (ms)"]
    assert micro_ms > mono_ms, "two extra network hops cannot make the answer faster"
    in_process, hop = rows["median internal call (ms)"]
    assert hop > in_process
    assert rows["memory (MiB)"][1] > rows["memory (MiB)"][0]
    label = "cloudnotes.example=microservices/cost_of_distribution"
    assert not docker_client.containers.list(all=True, filters={"label": label})
    assert not docker_client.networks.list(filters={"label": label})


def test_the_engine_stopping_midway_is_one_line_naming_the_leftovers(engine_severed):
    engine_severed(EXAMPLE, "microservices/cost_of_distribution")
