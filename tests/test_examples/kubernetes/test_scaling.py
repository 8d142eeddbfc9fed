"""examples/kubernetes/scaling.py: 1 -> 4 -> 2 replicas; only the replica count changes."""

from __future__ import annotations

import re

import pytest

EXAMPLE = "kubernetes/scaling.py"
# The whole file runs where Kubernetes tests run: validation needs no cluster, the
# cluster part skips without one.
pytestmark = pytest.mark.kubernetes


def test_objects_are_valid_and_differ_only_in_replicas(check_validation):
    namespace, *deployments = check_validation(EXAMPLE)
    assert namespace["kind"] == "Namespace"
    assert [d["spec"]["replicas"] for d in deployments] == [1, 4, 2]
    first, *later = deployments
    for changed in later:
        assert {**changed, "spec": {**changed["spec"], "replicas": 1}} == first


def test_without_a_cluster_one_error_line(check_no_cluster):
    check_no_cluster(EXAMPLE)


def test_on_a_cluster_pods_follow_the_replica_count(check_cluster_output):
    out = check_cluster_output(EXAMPLE)
    assert out.startswith("replicas=1: pods ['web-")
    for replicas in (4, 2):
        line = re.search(rf"^replicas={replicas}: (\d+) ready pods.*$", out, re.M)
        assert line and int(line[1]) == replicas
        assert line[0].count("'web-") == replicas


def test_an_api_server_gone_midway_is_one_line_naming_the_namespace(check_api_server_gone):
    check_api_server_gone(EXAMPLE)
