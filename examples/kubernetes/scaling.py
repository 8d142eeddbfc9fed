"""Scaling: change a Deployment's replica count and watch Kubernetes add or remove pods.

Scaling out or in is one number in the Deployment's spec; the controller then creates or
deletes pods until the actual state matches it. The example starts one replica, scales to
four, then back to two, timing how long each change took to be reflected in ready pods.
(Automatic scaling, the HorizontalPodAutoscaler, changes the same number from measured load;
it needs a metrics server, which a bare kind cluster does not have.)

Run: python scaling.py   (needs a cluster: KUBECONFIG, ~/.kube/config or in-cluster)
"""

from __future__ import annotations

import copy
import logging
import secrets
import sys
import time

from kubernetes import client, config
from kubernetes.client.exceptions import ApiException
from urllib3.exceptions import HTTPError

IMAGE = "busybox:latest"
LABEL = {"cloudnotes.example": "kubernetes.scaling"}
UNREACHABLE = "cannot reach the Kubernetes API server"
STEPS = (4, 2)


def namespace_manifest(name: str) -> dict:
    """The namespace everything of this run lives in (deleting it deletes the rest)."""
    return {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": name, "labels": LABEL}}


# --8<-- [start:manifests]
def web_deployment(namespace: str, replicas: int) -> dict:
    """A Deployment of busybox web servers that answer with their pod's name."""
    app = {"app": "web"}
    serve = ('mkdir -p /www && echo "hello from $(hostname)" > /www/index.html '
             "&& exec httpd -f -p 8080 -h /www")
    return {
        "apiVersion": "apps/v1", "kind": "Deployment",
        "metadata": {"name": "web", "namespace": namespace, "labels": {**LABEL, **app}},
        "spec": {
            "replicas": replicas,
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


def manifests(namespace: str) -> list[dict]:
    """What the example creates: the Deployment, starting with one replica."""
    return [web_deployment(namespace, replicas=1)]


def scaled(deployment: dict, replicas: int) -> dict:
    """The same Deployment with another replica count (the only field that changes)."""
    changed = copy.deepcopy(deployment)
    changed["spec"]["replicas"] = replicas
    return changed
# --8<-- [end:manifests]


def objects_sent(namespace: str) -> list[dict]:
    """Every object main() sends to the API server, in order (the tests validate them all)."""
    deployment = manifests(namespace)[0]
    return [namespace_manifest(namespace), deployment,
            *(scaled(deployment, n) for n in STEPS)]


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


def live_pods(core: client.CoreV1Api, namespace: str) -> list:
    """The Deployment's pods that are not on their way out (no deletion timestamp)."""
    pods = core.list_namespaced_pod(namespace, label_selector="app=web").items
    return [p for p in pods if p.metadata.deletion_timestamp is None]


def main() -> int:
    try:
        api = connect()
    except Exception as exc:
        print(f"error: {explain(exc)}", file=sys.stderr)
        return 1
    core, apps = client.CoreV1Api(api), client.AppsV1Api(api)
    namespace = f"cloudnotes-{secrets.token_hex(6)}"
    problems: list[str] = []
    try:
        # --8<-- [start:main]
        core.create_namespace(namespace_manifest(namespace))
        deployment = manifests(namespace)[0]
        apps.create_namespaced_deployment(namespace, deployment)
        wait_until("1 ready pod", lambda: ready_replicas(apps, namespace, "web") == 1)
        print(f"replicas=1: pods {[p.metadata.name for p in live_pods(core, namespace)]}")
        for replicas in STEPS:
            started = time.monotonic()
            apps.patch_namespaced_deployment("web", namespace, scaled(deployment, replicas))
            wait_until(f"{replicas} pods", lambda n=replicas: (
                ready_replicas(apps, namespace, "web") == n
                and len(live_pods(core, namespace)) == n))
            names = sorted(p.metadata.name for p in live_pods(core, namespace))
            print(f"replicas={replicas}: {len(names)} ready pods after "
                  f"{time.monotonic() - started:.0f} s: {names}")
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
