"""Self-healing: delete a pod and the Deployment's ReplicaSet replaces it by itself.

A Deployment declares "three of these pods"; its ReplicaSet keeps comparing that with what
exists. The example deletes one of the three running pods (as a crashed node or a mistaken
`kubectl delete` would), watches the API for the replacement pod the controller creates, and
times how long until three pods are ready again. No one had to notice or act.

Run: python self_healing.py   (needs a cluster: KUBECONFIG, ~/.kube/config or in-cluster)
"""

from __future__ import annotations

import logging
import secrets
import sys
import time

from kubernetes import client, config, watch
from kubernetes.client.exceptions import ApiException
from urllib3.exceptions import HTTPError

IMAGE = "busybox:latest"
LABEL = {"cloudnotes.example": "kubernetes.self_healing"}
UNREACHABLE = "cannot reach the Kubernetes API server"
REPLICAS = 3


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
    """What the example creates: a Deployment of three pods."""
    return [web_deployment(namespace, replicas=REPLICAS)]
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


def live_pods(core: client.CoreV1Api, namespace: str) -> list:
    """The Deployment's pods that are not on their way out (no deletion timestamp)."""
    pods = core.list_namespaced_pod(namespace, label_selector="app=web").items
    return [p for p in pods if p.metadata.deletion_timestamp is None]


def ready_pods(core: client.CoreV1Api, namespace: str) -> list[str]:
    """Names of the live pods whose Ready condition is True, sorted."""
    return sorted(
        p.metadata.name for p in live_pods(core, namespace)
        if any(c.type == "Ready" and c.status == "True" for c in p.status.conditions or []))


def healed(core: client.CoreV1Api, namespace: str, replacement: str) -> list[str] | None:
    """The ready pods, once there are REPLICAS of them and the replacement is one; else None."""
    names = ready_pods(core, namespace)
    return names if len(names) == REPLICAS and replacement in names else None


def watch_for_new_pod(core: client.CoreV1Api, namespace: str, known: set[str]):
    """Follow pod events until a pod that was not among `known` is ADDED; return it."""
    events = watch.Watch().stream(core.list_namespaced_pod, namespace,
                                  label_selector="app=web", timeout_seconds=120)
    for event in events:
        if event["type"] == "ADDED" and event["object"].metadata.name not in known:
            return event["object"]
    raise TimeoutError("no replacement pod appeared within 120 s")


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
        apps.create_namespaced_deployment(namespace, manifests(namespace)[0])
        wait_until("3 ready pods", lambda: ready_replicas(apps, namespace, "web") == REPLICAS)
        before = sorted(p.metadata.name for p in live_pods(core, namespace))
        print(f"running: {before}")

        victim = before[0]
        started = time.monotonic()
        core.delete_namespaced_pod(victim, namespace, grace_period_seconds=0)
        print(f"deleted pod {victim}")
        replacement = watch_for_new_pod(core, namespace, set(before))
        owner = replacement.metadata.owner_references[0]
        print(f"new pod {replacement.metadata.name} created by {owner.kind} {owner.name} "
              f"after {time.monotonic() - started:.0f} s")
        after = wait_until("3 ready pods again",
                           lambda: healed(core, namespace, replacement.metadata.name))
        print(f"{len(after)}/{REPLICAS} ready again after {time.monotonic() - started:.0f} s: "
              f"{after}")
        print(f"the deleted pod is gone: {victim not in after}; "
              f"the other two were untouched: {set(before[1:]) <= set(after)}")
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
