"""A Deployment with three replicas behind a Service: Kubernetes' basic unit of an app.

The Deployment asks for three identical pods (busybox's small web server answering with the
pod's name); the Service gives them one stable name and address and spreads requests over
whichever pods are ready. The example creates both in a fresh namespace, waits until the
three pods are ready, shows the Service's endpoints and sends a few requests through the API
server's proxy to see which pod answered. The namespace (and everything in it) is deleted at
the end.

Run: python deployment_service.py   (needs a cluster: KUBECONFIG, ~/.kube/config or in-cluster)
"""

from __future__ import annotations

import logging
import secrets
import sys
import time

from kubernetes import client, config
from kubernetes.client.exceptions import ApiException
from urllib3.exceptions import HTTPError

IMAGE = "busybox:latest"
LABEL = {"cloudnotes.example": "kubernetes.deployment_service"}
UNREACHABLE = "cannot reach the Kubernetes API server"
REPLICAS = 3


def namespace_manifest(name: str) -> dict:
    """The namespace everything of this run lives in (deleting it deletes the rest)."""
    return {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": name, "labels": LABEL}}


# --8<-- [start:manifests]
def manifests(namespace: str) -> list[dict]:
    """The Deployment (three web pods) and the Service in front of them, as plain dicts."""
    app = {"app": "web"}
    serve = ('mkdir -p /www && echo "hello from $(hostname)" > /www/index.html '
             "&& exec httpd -f -p 8080 -h /www")
    deployment = {
        "apiVersion": "apps/v1", "kind": "Deployment",
        "metadata": {"name": "web", "namespace": namespace, "labels": {**LABEL, **app}},
        "spec": {
            "replicas": REPLICAS,
            "selector": {"matchLabels": app},
            "template": {
                "metadata": {"labels": app},
                "spec": {"containers": [{
                    "name": "web", "image": IMAGE, "command": ["sh", "-c", serve],
                    "ports": [{"containerPort": 8080, "name": "http"}],
                    "readinessProbe": {"httpGet": {"path": "/", "port": "http"},
                                       "periodSeconds": 2},
                    "resources": {"requests": {"cpu": "10m", "memory": "16Mi"},
                                  "limits": {"memory": "32Mi"}},
                }]},
            },
        },
    }
    service = {
        "apiVersion": "v1", "kind": "Service",
        "metadata": {"name": "web", "namespace": namespace, "labels": LABEL},
        "spec": {"selector": app, "ports": [{"port": 80, "targetPort": "http"}]},
    }
    return [deployment, service]
# --8<-- [end:manifests]


def objects_sent(namespace: str) -> list[dict]:
    """Every object main() sends to the API server, in order (the tests validate them all)."""
    return [namespace_manifest(namespace), *manifests(namespace)]


def connect() -> client.ApiClient:
    """Credentials from inside a pod or from kubeconfig; check that the API server answers."""
    logging.getLogger("urllib3").setLevel(logging.ERROR)
    try:
        config.load_incluster_config()
    except config.ConfigException:
        config.load_kube_config()
    configuration = client.Configuration.get_default_copy()
    configuration.retries = 0
    api = client.ApiClient(configuration)
    client.VersionApi(api).get_code(_request_timeout=10)
    return api


def explain(exc: Exception) -> str:
    """Say in one line why the cluster cannot be used."""
    if isinstance(exc, config.ConfigException):
        reason = f"no Kubernetes cluster configured (KUBECONFIG, ~/.kube/config): {exc}"
    elif isinstance(exc, ApiException):
        reason = f"the API server answered {exc.status} {exc.reason}"
    elif isinstance(exc, HTTPError | OSError):
        reason = f"{UNREACHABLE}: {exc}"
    else:
        reason = f"{type(exc).__name__}: {exc}"
    return " ".join(reason.split())


def delete_namespace(core: client.CoreV1Api, namespace: str, problems: list[str]) -> None:
    """Delete the run's namespace, and with it everything in it, as guarded as the rest: if
    the API server does not answer, name what is left over instead of raising.

    Args:
        core: The core API.
        namespace: The run's namespace (404 if it was never made: nothing to do).
        problems: The error lines so far; the cleanup's own is added to them.
    """
    try:
        core.delete_namespace(namespace, _request_timeout=30)
    except ApiException as exc:
        if exc.status != 404:
            problems.append(f"left over: namespace {namespace} ({explain(exc)})")
    except (HTTPError, OSError) as exc:
        reason = explain(exc)
        if any(problem.startswith(UNREACHABLE) for problem in problems):
            reason = f"{UNREACHABLE} either"  # said once is enough
        problems.append(f"left over: namespace {namespace} ({reason})")


def wait_until(what: str, check, timeout: float = 180):
    """Poll `check()` every second until it returns something true; give up after `timeout`."""
    deadline = time.monotonic() + timeout
    while not (result := check()):
        if time.monotonic() > deadline:
            raise TimeoutError(f"timed out after {timeout:.0f} s waiting for {what}")
        time.sleep(1)
    return result


def ready_replicas(apps: client.AppsV1Api, namespace: str, name: str) -> int:
    """How many of the Deployment's pods are ready right now."""
    return apps.read_namespaced_deployment_status(name, namespace).status.ready_replicas or 0


def ready_endpoints(discovery: client.DiscoveryV1Api, namespace: str, service: str) -> list:
    """The Service's endpoints (pod addresses) that are ready to receive traffic."""
    slices = discovery.list_namespaced_endpoint_slice(
        namespace, label_selector=f"kubernetes.io/service-name={service}").items
    return [e for s in slices for e in s.endpoints or [] if e.conditions and e.conditions.ready]


def main() -> int:
    try:
        api = connect()
    except Exception as exc:
        print(f"error: {explain(exc)}", file=sys.stderr)
        return 1
    core, apps = client.CoreV1Api(api), client.AppsV1Api(api)
    discovery = client.DiscoveryV1Api(api)
    namespace = f"cloudnotes-{secrets.token_hex(6)}"
    problems: list[str] = []
    try:
        # --8<-- [start:main]
        core.create_namespace(namespace_manifest(namespace))
        deployment, service = manifests(namespace)
        apps.create_namespaced_deployment(namespace, deployment)
        core.create_namespaced_service(namespace, service)
        started = time.monotonic()
        wait_until("3 ready pods", lambda: ready_replicas(apps, namespace, "web") == REPLICAS)
        print(f"deployment/web: {REPLICAS}/{REPLICAS} pods ready "
              f"after {time.monotonic() - started:.0f} s")
        for pod in core.list_namespaced_pod(namespace, label_selector="app=web").items:
            print(f"  pod {pod.metadata.name}  {pod.status.phase}  node={pod.spec.node_name}")

        svc = core.read_namespaced_service("web", namespace)
        print(f"service/web: {svc.spec.type} {svc.spec.cluster_ip}:80 -> pods' port 8080")
        wait_until("3 ready endpoints", lambda: len(
            ready_endpoints(discovery, namespace, "web")) == REPLICAS)
        print(f"  endpoints ready behind it: {len(ready_endpoints(discovery, namespace, 'web'))}")
        for _ in range(4):
            answer = core.connect_get_namespaced_service_proxy_with_path(
                "web:80", namespace, "index.html")
            print(f"  GET http://web/index.html -> {answer.strip()}")
        # --8<-- [end:main]
    except Exception as exc:
        problems.append(explain(exc))
    finally:
        delete_namespace(core, namespace, problems)
    if problems:
        print("error: " + "; ".join(problems), file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
