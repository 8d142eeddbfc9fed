"""examples/kubernetes/deployment_service.py: a 3-replica Deployment behind a Service."""

from __future__ import annotations

import re

import pytest

from tests.support import load_example

EXAMPLE = "kubernetes/deployment_service.py"
# The whole file runs where Kubernetes tests run: validation needs no cluster, the
# cluster part skips without one.
pytestmark = pytest.mark.kubernetes


def test_objects_are_valid_and_wired_together(check_validation):
    namespace, deployment, service = check_validation(EXAMPLE)
    assert namespace["kind"] == "Namespace" and namespace["metadata"]["name"].startswith(
        "cloudnotes-")
    assert deployment["spec"]["replicas"] == 3
    pod_labels = deployment["spec"]["template"]["metadata"]["labels"]
    # the Service must select exactly the pods the Deployment makes
    assert deployment["spec"]["selector"]["matchLabels"] == pod_labels
    assert service["spec"]["selector"] == pod_labels
    port = deployment["spec"]["template"]["spec"]["containers"][0]["ports"][0]
    assert service["spec"]["ports"][0]["targetPort"] == port["name"]


def test_the_validator_rejects_a_broken_deployment(validator):
    deployment = load_example(EXAMPLE).manifests("cloudnotes-test")[0]
    typo = {**deployment, "spec": {**deployment["spec"], "replica": 3}}
    wrong_type = {**deployment, "spec": {**deployment["spec"], "replicas": "3"}}
    for broken in (typo, wrong_type):
        with pytest.raises(pytest.fail.Exception, match="not a valid object"):
            validator([broken])


def test_without_a_cluster_one_error_line(check_no_cluster):
    check_no_cluster(EXAMPLE)


def test_on_a_cluster_three_pods_answer_behind_the_service(check_cluster_output):
    out = check_cluster_output(EXAMPLE)
    assert "deployment/web: 3/3 pods ready" in out
    assert len(re.findall(r"^  pod web-\S+  Running", out, re.M)) == 3
    assert "endpoints ready behind it: 3" in out
    assert len(re.findall(r"GET http://web/index.html -> hello from web-", out)) == 4


def test_an_api_server_gone_midway_is_one_line_naming_the_namespace(check_api_server_gone):
    check_api_server_gone(EXAMPLE)
