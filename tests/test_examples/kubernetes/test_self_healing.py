"""examples/kubernetes/self_healing.py: a deleted pod is replaced by its ReplicaSet."""

from __future__ import annotations

import re

import pytest

EXAMPLE = "kubernetes/self_healing.py"
# The whole file runs where Kubernetes tests run: validation needs no cluster, the
# cluster part skips without one.
pytestmark = pytest.mark.kubernetes


def test_objects_are_valid(check_validation):
    namespace, deployment = check_validation(EXAMPLE)
    assert namespace["kind"] == "Namespace"
    assert deployment["kind"] == "Deployment" and deployment["spec"]["replicas"] == 3


def test_without_a_cluster_one_error_line(check_no_cluster):
    check_no_cluster(EXAMPLE)


def test_on_a_cluster_a_deleted_pod_comes_back(check_cluster_output):
    out = check_cluster_output(EXAMPLE)
    deleted = re.search(r"^deleted pod (\S+)$", out, re.M)[1]
    new = re.search(r"^new pod (\S+) created by ReplicaSet web-", out, re.M)[1]
    assert new != deleted
    assert "3/3 ready again" in out
    assert "the deleted pod is gone: True; the other two were untouched: True" in out


def test_an_api_server_gone_midway_is_one_line_naming_the_namespace(check_api_server_gone):
    check_api_server_gone(EXAMPLE)
