"""Services find each other by name on a user-defined network, not on the default bridge.

A `catalog` service (a few lines of `http.server`) runs in a container; a second container
asks for `http://catalog:8000/`. On a user-defined network Docker's embedded DNS answers the
name; on the default `bridge` network even the container's own name does not resolve, so
services there would have to be wired together by IP address.

Run: python service_discovery.py   (needs a Docker engine and the python:3.11-slim image)
"""

from __future__ import annotations

import secrets
import sys
import time

import docker
from docker.errors import DockerException

IMAGE = "python:3.11-slim"
LABEL = {"cloudnotes.example": "microservices/service_discovery"}
GONE = "the Docker engine stopped answering"

# --8<-- [start:service]
CATALOG = r"""
import json
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

class Catalog(BaseHTTPRequestHandler):
    def do_GET(self):
        body = json.dumps({"service": "catalog", "items": ["notebook", "pen"]}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass

ThreadingHTTPServer(("0.0.0.0", 8000), Catalog).serve_forever()
"""
# --8<-- [end:service]

# --8<-- [start:caller]
CALLER = r"""
import socket, sys, urllib.request
name = sys.argv[1]
try:
    socket.gethostbyname(name)
except OSError as exc:
    print(f"GET http://{name}:8000/ -> name lookup failed: {exc.strerror}")
    sys.exit(3)
with urllib.request.urlopen(f"http://{name}:8000/", timeout=5) as reply:
    print(f"GET http://{name}:8000/ -> {reply.status} {reply.read().decode()}")
"""
# --8<-- [end:caller]


def start_catalog(client: docker.DockerClient, name: str, network: str,
                  alias: str | None = None):
    """Run the catalog service on `network`; on a user-defined network also as `alias`."""
    endpoints = None
    if alias:
        endpoints = {network: client.api.create_endpoint_config(aliases=[alias])}
    return client.containers.run(
        IMAGE, ["python", "-c", CATALOG], name=name, network=network,
        networking_config=endpoints, detach=True, labels=LABEL,
        init=True,  # http.server as PID 1 would ignore SIGTERM and take 10 s to stop
    )


def wait_until_answering(container) -> None:
    """Poll the service from inside its own container until it has bound port 8000."""
    probe = "import urllib.request as u; u.urlopen('http://127.0.0.1:8000/', timeout=1)"
    for _ in range(100):
        if container.exec_run(["python", "-c", probe]).exit_code == 0:
            return
        time.sleep(0.1)
    raise RuntimeError(f"{container.name} did not start answering")


def call_by_name(client: docker.DockerClient, name: str, network: str) -> tuple[int, str]:
    """Run a one-off container on `network` that looks `name` up and fetches its page."""
    caller = client.containers.run(
        IMAGE, ["python", "-c", CALLER, name], network=network, detach=True, labels=LABEL,
    )
    try:
        status = caller.wait(timeout=30)["StatusCode"]
        return status, caller.logs().decode().strip()
    finally:
        caller.remove(force=True)


def cleanup(client: docker.DockerClient) -> None:
    """Remove every container and network this example labelled (also after a failure)."""
    selector = {"label": "cloudnotes.example=" + LABEL["cloudnotes.example"]}
    for container in client.containers.list(all=True, filters=selector):
        container.remove(force=True)
    for network in client.networks.list(filters=selector):
        network.remove()


def explain(exc: Exception, client: docker.DockerClient) -> str:
    """Say in one line what went wrong, and first of all whether the engine stopped answering.

    Args:
        exc: What the Docker SDK raised (an OSError from requests once the engine is gone).
        client: The client, to ask the engine whether it still answers.

    Returns:
        A one-line reason.
    """
    reason = " ".join(str(exc).split())
    try:
        client.ping()
    except (DockerException, OSError):
        return f"{GONE} ({reason})"
    return reason


def clean_up(client: docker.DockerClient, problems: list[str]) -> None:
    """Run cleanup() as guarded as the rest: when the engine does not answer, name what is
    left over instead of raising (any later run of this example removes it, as cleanup()
    removes everything that carries the label).

    Args:
        client: A connected Docker SDK client.
        problems: The error lines so far; the cleanup's own is added to them.
    """
    try:
        cleanup(client)
    except (DockerException, OSError) as exc:
        reason = explain(exc, client)
        if reason.startswith(GONE) and any(p.startswith(GONE) for p in problems):
            reason = f"{GONE} either"  # said once is enough
        label = ",".join(f"{k}={v}" for k, v in LABEL.items())
        problems.append(f"left over: what is labelled {label} ({reason})")


def main() -> int:
    try:
        client = docker.from_env()
        client.ping()
    except DockerException as exc:
        print(f"error: no Docker engine answers ({exc.__class__.__name__})", file=sys.stderr)
        return 1
    suffix = secrets.token_hex(6)
    problems: list[str] = []
    try:
        # --8<-- [start:main]
        network = client.networks.create(f"cloudnotes-shop-{suffix}", labels=LABEL)
        on_user_net = start_catalog(client, f"cloudnotes-catalog-{suffix}", network.name,
                                    alias="catalog")
        on_bridge = start_catalog(client, f"cloudnotes-catalog-bridge-{suffix}", "bridge")
        wait_until_answering(on_user_net)
        wait_until_answering(on_bridge)

        print(f"user-defined network ({network.name}), by service alias:")
        print("  exit {} | {}".format(*call_by_name(client, "catalog", network.name)))
        print("default bridge network, by the container's own name:")
        print("  exit {} | {}".format(*call_by_name(client, on_bridge.name, "bridge")))
        # --8<-- [end:main]
    except (DockerException, RuntimeError, OSError) as exc:
        problems.append(explain(exc, client))
    finally:
        clean_up(client, problems)
    if problems:
        print("error: " + "; ".join(problems), file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
