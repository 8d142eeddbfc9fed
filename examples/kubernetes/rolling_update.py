"""Rolling update and rollback: replace a Deployment's pods version by version, without downtime.

Changing a Deployment's pod template (here: the VERSION the pods serve, or their image) makes
Kubernetes start a new ReplicaSet and move pods over one at a time: with `maxUnavailable: 0`
and `maxSurge: 1` a new pod must be ready before an old one is removed. The example rolls
v1 -> v2, then tries a broken v3 (an image tag that does not exist): the new pod never becomes
ready, so the rollout stalls while the three v2 pods keep serving. Rolling back means putting
the last good template back; Kubernetes reuses v2's ReplicaSet under a new revision number
(what `kubectl rollout undo` does too).

Run: python rolling_update.py   (needs a cluster: KUBECONFIG, ~/.kube/config or in-cluster)
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
BROKEN_IMAGE = "busybox:cloudnotes-no-such-tag"
LABEL = {"cloudnotes.example": "kubernetes.rolling_update"}
UNREACHABLE = "cannot reach the Kubernetes API server"
REPLICAS = 3


def namespace_manifest(name: str) -> dict:
    """The namespace everything of this run lives in (deleting it deletes the rest)."""
    return {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": name, "labels": LABEL}}


# --8<-- [start:manifests]
def manifests(namespace: str) -> list[dict]:
    """What the example creates first: three pods serving version v1, rolled one at a time."""
    app = {"app": "web"}
    serve = ('mkdir -p /www && echo "$VERSION from $(hostname)" > /www/index.html '
             "&& exec httpd -f -p 8080 -h /www")
    deployment = {
        "apiVersion": "apps/v1", "kind": "Deployment",
        "metadata": {"name": "web", "namespace": namespace, "labels": {**LABEL, **app}},
        "spec": {
            "replicas": REPLICAS,
            "revisionHistoryLimit": 5,
            "strategy": {"type": "RollingUpdate",
                         "rollingUpdate": {"maxUnavailable": 0, "maxSurge": 1}},
            "selector": {"matchLabels": app},
            "template": {
                "metadata": {"labels": app},
                "spec": {"containers": [{
                    "name": "web", "image": IMAGE, "command": ["sh", "-c", serve],
                    "env": [{"name": "VERSION", "value": "v1"}],
                    "ports": [{"containerPort": 8080, "name": "http"}],
                    "readinessProbe": {"httpGet": {"path": "/", "port": "http"},
                                       "periodSeconds": 2},
                    "resources": {"requests": {"cpu": "10m", "memory": "16Mi"},
                                  "limits": {"memory": "32Mi"}},
                }]},
            },
        },
    }
    return [deployment]


def release(deployment: dict, version: str, image: str = IMAGE) -> dict:
    """The Deployment with a new pod template: another VERSION and possibly another image."""
    changed = copy.deepcopy(deployment)
    container = changed["spec"]["template"]["spec"]["containers"][0]
    container["image"] = image
    container["env"] = [{"name": "VERSION", "value": version}]
    return changed
# --8<-- [end:manifests]


def objects_sent(namespace: str) -> list[dict]:
    """Every object main() sends to the API server, in order (the tests validate them all)."""
    v1 = manifests(namespace)[0]
    return [namespace_manifest(namespace), v1, release(v1, "v2"),
            release(v1, "v3", BROKEN_IMAGE), release(v1, "v2")]


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


def rolled_out(apps: client.AppsV1Api, namespace: str) -> bool:
    """True when every replica runs the current template and is available."""
    d = apps.read_namespaced_deployment_status("web", namespace)
    s = d.status
    return ((s.observed_generation or 0) >= d.metadata.generation
            and s.updated_replicas == REPLICAS and s.available_replicas == REPLICAS
            and (s.replicas or 0) == REPLICAS)


def revision(replica_set) -> int:
    """The Deployment revision a ReplicaSet stands for (an annotation the controller sets)."""
    return int(replica_set.metadata.annotations["deployment.kubernetes.io/revision"])


def show_replica_sets(apps: client.AppsV1Api, namespace: str) -> None:
    """One line per ReplicaSet: revision, the VERSION its pods serve, ready/desired pods."""
    sets = apps.list_namespaced_replica_set(namespace, label_selector="app=web").items
    for rs in sorted(sets, key=revision):
        container = rs.spec.template.spec.containers[0]
        version = next(e.value for e in container.env if e.name == "VERSION")
        print(f"  revision {revision(rs)}: {version} ({container.image}) "
              f"ready {rs.status.ready_replicas or 0}/{rs.spec.replicas}")


def image_pull_failure(core: client.CoreV1Api, namespace: str) -> str | None:
    """The waiting reason of a pod that cannot get its image (ErrImagePull, ImagePullBackOff)."""
    for pod in core.list_namespaced_pod(namespace, label_selector="app=web").items:
        for status in pod.status.container_statuses or []:
            waiting = status.state.waiting if status.state else None
            if waiting and waiting.reason in {"ErrImagePull", "ImagePullBackOff"}:
                return waiting.reason
    return None


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
        v1 = manifests(namespace)[0]
        apps.create_namespaced_deployment(namespace, v1)
        wait_until("v1 rolled out", lambda: rolled_out(apps, namespace))
        print("v1 rolled out:")
        show_replica_sets(apps, namespace)

        started = time.monotonic()
        apps.patch_namespaced_deployment("web", namespace, release(v1, "v2"))
        wait_until("v2 rolled out", lambda: rolled_out(apps, namespace))
        print(f"v2 rolled out after {time.monotonic() - started:.0f} s, one pod at a time:")
        show_replica_sets(apps, namespace)

        apps.patch_namespaced_deployment("web", namespace, release(v1, "v3", BROKEN_IMAGE))
        reason = wait_until("the broken image to fail", lambda: image_pull_failure(core, namespace))
        status = apps.read_namespaced_deployment_status("web", namespace).status
        print(f"v3 is broken ({reason}); available pods meanwhile: "
              f"{status.available_replicas}/{REPLICAS}")
        show_replica_sets(apps, namespace)

        apps.patch_namespaced_deployment("web", namespace, release(v1, "v2"))  # roll back
        wait_until("the rollback", lambda: rolled_out(apps, namespace))
        print("rolled back to v2 (its ReplicaSet is reused under a new revision):")
        show_replica_sets(apps, namespace)
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
