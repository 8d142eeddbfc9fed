"""examples/kubernetes/rolling_update.py: v1 -> v2, a broken v3 stalls, rollback to v2."""

from __future__ import annotations

import re

import pytest

from tests.support import load_example

EXAMPLE = "kubernetes/rolling_update.py"
# The whole file runs where Kubernetes tests run: validation needs no cluster, the
# cluster part skips without one.
pytestmark = pytest.mark.kubernetes


def _served(deployment: dict) -> tuple[str, str]:
    container = deployment["spec"]["template"]["spec"]["containers"][0]
    return container["env"][0]["value"], container["image"]


def test_objects_are_valid_and_form_the_release_history(check_validation):
    example = load_example(EXAMPLE)
    namespace, *releases = check_validation(EXAMPLE)
    assert namespace["kind"] == "Namespace"
    assert [_served(d) for d in releases] == [
        ("v1", example.IMAGE), ("v2", example.IMAGE), ("v3", example.BROKEN_IMAGE),
        ("v2", example.IMAGE)]
    # no downtime by construction: a new pod must be ready before an old one goes
    assert releases[0]["spec"]["strategy"]["rollingUpdate"] == {"maxUnavailable": 0,
                                                               "maxSurge": 1}
    assert releases[-1] == releases[1], "the rollback re-applies exactly the v2 template"


def test_without_a_cluster_one_error_line(check_no_cluster):
    check_no_cluster(EXAMPLE)


def test_on_a_cluster_a_broken_release_stalls_and_rolls_back(check_cluster_output):
    out = check_cluster_output(EXAMPLE)
    assert re.search(r"v3 is broken \((ErrImagePull|ImagePullBackOff)\); "
                     r"available pods meanwhile: 3/3", out)
    final = out.split("rolled back to v2")[1]
    assert re.search(r"revision 4: v2 \(busybox:latest\) ready 3/3", final)
    assert re.search(r"revision 3: v3 \(busybox:cloudnotes-no-such-tag\) ready 0/0", final)
    assert "revision 2:" not in final, "v2's ReplicaSet moved to revision 4"


def test_an_api_server_gone_midway_is_one_line_naming_the_namespace(check_api_server_gone):
    check_api_server_gone(EXAMPLE)
