"""examples/kubernetes/configmap.py: a pod reads a ConfigMap key as env and a file as volume."""

from __future__ import annotations

import pytest

EXAMPLE = "kubernetes/configmap.py"
# The whole file runs where Kubernetes tests run: validation needs no cluster, the
# cluster part skips without one.
pytestmark = pytest.mark.kubernetes


def test_objects_are_valid_and_reference_the_config_map(check_validation):
    namespace, settings, first, changed, second = check_validation(EXAMPLE)
    assert namespace["kind"] == "Namespace"
    assert settings["data"]["GREETING"] == "hello" and changed["data"]["GREETING"] == "hello again"
    for pod in (first, second):
        container = pod["spec"]["containers"][0]
        ref = container["env"][0]["valueFrom"]["configMapKeyRef"]
        assert ref == {"name": settings["metadata"]["name"], "key": "GREETING"}
        assert pod["spec"]["volumes"][0]["configMap"]["name"] == settings["metadata"]["name"]
        assert container["volumeMounts"][0]["mountPath"] == "/etc/app"


def test_without_a_cluster_one_error_line(check_no_cluster):
    check_no_cluster(EXAMPLE)


def test_on_a_cluster_pods_see_the_configuration(check_cluster_output):
    out = check_cluster_output(EXAMPLE)
    first, second = out.split("configmap/app-config: GREETING changed")
    assert "pod reader-1 Succeeded:" in first and "| GREETING=hello\n" in first
    assert "| mode = demo" in first
    assert "pod reader-2 Succeeded:" in second and "| GREETING=hello again" in second


def test_an_api_server_gone_midway_is_one_line_naming_the_namespace(check_api_server_gone):
    check_api_server_gone(EXAMPLE)
