"""ConfigMap: configuration kept outside the image and handed to pods at start.

A ConfigMap holds key-value settings and whole files. A pod can take a key as an environment
variable and get the files mounted as a directory, so the same image runs with different
configuration in different places. The example runs a pod that prints what it received,
changes the ConfigMap, and runs a second pod, which sees the new values. (A running pod keeps
the environment it started with; mounted files are refreshed by the kubelet after a delay.)

Run: python configmap.py   (needs a cluster: KUBECONFIG, ~/.kube/config or in-cluster)
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
LABEL = {"cloudnotes.example": "kubernetes.configmap"}
UNREACHABLE = "cannot reach the Kubernetes API server"


def namespace_manifest(name: str) -> dict:
    """The namespace everything of this run lives in (deleting it deletes the rest)."""
    return {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": name, "labels": LABEL}}


# --8<-- [start:manifests]
def config_map(namespace: str, greeting: str) -> dict:
    """Settings for the app: one plain key and one file."""
    return {
        "apiVersion": "v1", "kind": "ConfigMap",
        "metadata": {"name": "app-config", "namespace": namespace, "labels": LABEL},
        "data": {"GREETING": greeting, "app.ini": "[app]\nmode = demo\nreplicas = 3\n"},
    }


def reader_pod(namespace: str, name: str) -> dict:
    """A pod that prints the key it got as an environment variable and the mounted file."""
    return {
        "apiVersion": "v1", "kind": "Pod",
        "metadata": {"name": name, "namespace": namespace, "labels": LABEL},
        "spec": {
            "restartPolicy": "Never",
            "containers": [{
                "name": "reader", "image": IMAGE,
                "command": ["sh", "-c", 'echo "GREETING=$GREETING"; cat /etc/app/app.ini'],
                "env": [{"name": "GREETING", "valueFrom": {
                    "configMapKeyRef": {"name": "app-config", "key": "GREETING"}}}],
                "volumeMounts": [{"name": "config", "mountPath": "/etc/app", "readOnly": True}],
            }],
            "volumes": [{"name": "config", "configMap": {
                "name": "app-config", "items": [{"key": "app.ini", "path": "app.ini"}]}}],
        },
    }


def manifests(namespace: str) -> list[dict]:
    """What the example creates first: the ConfigMap and the first reader pod."""
    return [config_map(namespace, "hello"), reader_pod(namespace, "reader-1")]
# --8<-- [end:manifests]


def objects_sent(namespace: str) -> list[dict]:
    """Every object main() sends to the API server, in order (the tests validate them all)."""
    return [namespace_manifest(namespace), *manifests(namespace),
            config_map(namespace, "hello again"), reader_pod(namespace, "reader-2")]


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


def run_to_completion(core: client.CoreV1Api, namespace: str, pod: dict) -> str:
    """Create the pod, wait until it has finished, return what it printed."""
    name = pod["metadata"]["name"]
    core.create_namespaced_pod(namespace, pod)
    phase = wait_until(f"pod {name} to finish", lambda: (
        core.read_namespaced_pod(name, namespace).status.phase in {"Succeeded", "Failed"}
        and core.read_namespaced_pod(name, namespace).status.phase))
    log = core.read_namespaced_pod_log(name, namespace)
    return f"pod {name} {phase}:\n" + "".join(f"  | {line}\n" for line in log.splitlines())


def main() -> int:
    try:
        api = connect()
    except Exception as exc:
        print(f"error: {explain(exc)}", file=sys.stderr)
        return 1
    core = client.CoreV1Api(api)
    namespace = f"cloudnotes-{secrets.token_hex(6)}"
    problems: list[str] = []
    try:
        # --8<-- [start:main]
        core.create_namespace(namespace_manifest(namespace))
        settings, first = manifests(namespace)
        core.create_namespaced_config_map(namespace, settings)
        print(run_to_completion(core, namespace, first), end="")

        core.replace_namespaced_config_map("app-config", namespace,
                                           config_map(namespace, "hello again"))
        print("configmap/app-config: GREETING changed to 'hello again'")
        print(run_to_completion(core, namespace, reader_pod(namespace, "reader-2")), end="")
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
