"""Independent redeploy: replace one service's version while the others keep answering.

The shop from `failure_isolation.py` (catalog, pricing, gateway) serves a steady stream of
user requests while `pricing` v1 is replaced by v2: v2 starts next to v1 under the same
network alias, is probed until ready, then v1 is stopped. The example counts every request
made during the switch, which version answered it, and how many failed; the `catalog`
container is the same one before and after (it was not redeployed).

Run: python independent_redeploy.py   (needs a Docker engine and the python:3.11-slim image)
"""

from __future__ import annotations

import json
import secrets
import sys
import threading
import time
import urllib.request
from collections import Counter

import docker
from docker.errors import DockerException

IMAGE = "python:3.11-slim"
LABEL = {"cloudnotes.example": "microservices/independent_redeploy"}
GONE = "the Docker engine stopped answering"

# --8<-- [start:service]
SHOP = r"""
import json, os, time, urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

ROLE, VERSION = os.environ["ROLE"], os.environ.get("VERSION", "v1")

def call(service):
    started = time.perf_counter()
    if ROLE == "monolith":  # the same code in one process: a function call, no hop
        data = answer(service)
    else:  # one network hop to another service, found by its name on the network
        with urllib.request.urlopen(f"http://{service}:8000/", timeout=2) as reply:
            data = json.load(reply)
    return data, round((time.perf_counter() - started) * 1000, 3)

def answer(role=ROLE):
    if role == "catalog":
        return {"items": ["notebook", "pen"]}
    if role == "pricing":
        return {"version": VERSION, "prices": {"notebook": 4500, "pen": 1200}}
    # gateway (or monolith): compose the user's answer from catalog and pricing
    result, degraded, calls = {}, [], []
    for service in ("catalog", "pricing"):
        for attempt in (1, 2):  # one retry: a fresh lookup may find another instance
            try:
                result[service], ms = call(service)
                calls.append({"to": service, "ms": ms, "attempt": attempt,
                              "network": ROLE != "monolith"})
                break
            except OSError:  # refused, unknown name, timeout: the service is not there
                result[service] = None
        if result[service] is None:
            degraded.append(service)
    items = (result["catalog"] or {}).get("items", [])
    prices = (result["pricing"] or {}).get("prices", {})
    return {"items": [{"name": i, "price": prices.get(i)} for i in items],
            "pricing_version": (result["pricing"] or {}).get("version"),
            "degraded": degraded, "calls": calls}

class Handler(BaseHTTPRequestHandler):
    def do_GET(self):
        body = json.dumps(answer()).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass

ThreadingHTTPServer(("0.0.0.0", 8000), Handler).serve_forever()
"""
# --8<-- [end:service]

def start_service(client: docker.DockerClient, role: str, network: str, suffix: str,
                  version: str = "v1", publish: bool = False):
    """Run one instance of a shop service, reachable on `network` under the name `role`."""
    return client.containers.run(
        IMAGE, ["python", "-c", SHOP], name=f"cloudnotes-{role}-{version}-{suffix}",
        environment={"ROLE": role, "VERSION": version}, network=network,
        networking_config={network: client.api.create_endpoint_config(aliases=[role])},
        ports={"8000/tcp": ("127.0.0.1", None)} if publish else None,
        detach=True, labels=LABEL,
        init=True,  # http.server as PID 1 would ignore SIGTERM and take 10 s to stop
    )


def wait_ready(container) -> None:
    """Readiness probe: poll the instance from inside its container until it answers."""
    probe = "import urllib.request as u; u.urlopen('http://127.0.0.1:8000/', timeout=1)"
    for _ in range(100):
        if container.exec_run(["python", "-c", probe]).exit_code == 0:
            return
        time.sleep(0.1)
    raise RuntimeError(f"{container.name} did not become ready")


def gateway_url(container) -> str:
    """The loopback address Docker published the gateway's port 8000 on."""
    container.reload()
    return f"http://127.0.0.1:{container.ports['8000/tcp'][0]['HostPort']}/"


class Traffic(threading.Thread):
    """A user who keeps asking the gateway, one request after another, and keeps score."""

    def __init__(self, url: str) -> None:
        super().__init__(daemon=True)
        self.url, self.done = url, threading.Event()
        self.versions: Counter[str] = Counter()
        self.failed = self.retried = 0
        self.slowest_ms = 0.0

    def run(self) -> None:
        while not self.done.is_set():
            started = time.perf_counter()
            try:
                with urllib.request.urlopen(self.url, timeout=10) as reply:
                    data = json.load(reply)
            except OSError:
                self.failed += 1
                continue
            self.slowest_ms = max(self.slowest_ms, (time.perf_counter() - started) * 1000)
            if data["degraded"]:
                self.failed += 1
            else:
                self.versions[data["pricing_version"]] += 1
            self.retried += sum(call["attempt"] > 1 for call in data["calls"])


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
        network = client.networks.create(f"cloudnotes-shop-{suffix}", labels=LABEL)
        catalog = start_service(client, "catalog", network.name, suffix)
        pricing_v1 = start_service(client, "pricing", network.name, suffix)
        gateway = start_service(client, "gateway", network.name, suffix, publish=True)
        for container in (catalog, pricing_v1, gateway):
            wait_ready(container)
        catalog.reload()
        catalog_started = catalog.attrs["State"]["StartedAt"]

        # --8<-- [start:main]
        traffic = Traffic(gateway_url(gateway))
        traffic.start()
        time.sleep(1)                      # v1 serves alone for a while
        pricing_v2 = start_service(client, "pricing", network.name, suffix, version="v2")
        wait_ready(pricing_v2)             # both versions answer under the alias now
        time.sleep(1)
        pricing_v1.stop(timeout=5)         # retire v1; the name now resolves to v2 only
        time.sleep(1)                      # v2 serves alone for a while
        traffic.done.set()
        traffic.join()
        # --8<-- [end:main]

        catalog.reload()
        total = sum(traffic.versions.values()) + traffic.failed
        print(f"requests during the switch: {total}")
        for version in sorted(traffic.versions):
            print(f"  answered with pricing {version}: {traffic.versions[version]}")
        print(f"  failed or degraded: {traffic.failed}")
        print(f"  calls the gateway had to retry: {traffic.retried}")
        print(f"  slowest answer: {traffic.slowest_ms:.0f} ms")
        same = catalog.attrs["State"]["StartedAt"] == catalog_started
        print(f"catalog: same container, not restarted: {same and catalog.status == 'running'}")
    except (DockerException, OSError, RuntimeError) as exc:
        problems.append(explain(exc, client))
    finally:
        clean_up(client, problems)
    if problems:
        print("error: " + "; ".join(problems), file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
