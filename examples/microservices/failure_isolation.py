"""Failure isolation: stop one service and the rest of the shop keeps answering.

Three containers on one user-defined network: `catalog` (what is for sale), `pricing` (what
it costs) and `gateway`, which calls both by name and composes the answer a user sees. When
`pricing` is stopped the gateway does not crash or hang: it answers at once, lists the items,
and says which part is missing (`"degraded": ["pricing"]`). A monolith with a failing pricing
module would more likely fail the whole request.

Run: python failure_isolation.py   (needs a Docker engine and the python:3.11-slim image)
"""

from __future__ import annotations

import json
import secrets
import sys
import time
import urllib.request

import docker
from docker.errors import DockerException

IMAGE = "python:3.11-slim"
LABEL = {"cloudnotes.example": "microservices/failure_isolation"}
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
                  publish: bool = False):
    """Run one service of the shop, reachable on `network` under the name `role`."""
    return client.containers.run(
        IMAGE, ["python", "-c", SHOP], name=f"cloudnotes-{role}-{suffix}",
        environment={"ROLE": role}, network=network,
        networking_config={network: client.api.create_endpoint_config(aliases=[role])},
        ports={"8000/tcp": ("127.0.0.1", None)} if publish else None,
        detach=True, labels=LABEL,
        init=True,  # http.server as PID 1 would ignore SIGTERM and take 10 s to stop
    )


def gateway_url(container) -> str:
    """The loopback address Docker published the gateway's port 8000 on."""
    container.reload()
    port = container.ports["8000/tcp"][0]["HostPort"]
    return f"http://127.0.0.1:{port}/"


def ask(url: str) -> tuple[dict, float]:
    """One user request through the gateway: its JSON answer and how long it took (ms)."""
    started = time.perf_counter()
    with urllib.request.urlopen(url, timeout=10) as reply:
        data = json.load(reply)
    return data, (time.perf_counter() - started) * 1000


def wait_until_complete(url: str) -> dict:
    """Poll the gateway until it answers with both services present."""
    for _ in range(100):
        try:
            data, _ = ask(url)
            if not data["degraded"]:
                return data
        except OSError:
            pass
        time.sleep(0.1)
    raise RuntimeError("the shop did not come up")


def show(label: str, data: dict, ms: float) -> None:
    """Print one answer the way a user would see it."""
    items = ", ".join(f"{i['name']}={i['price']}" for i in data["items"])
    print(f"{label}: {items} | degraded={data['degraded']} | {ms:.0f} ms")


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
        start_service(client, "catalog", network.name, suffix)
        pricing = start_service(client, "pricing", network.name, suffix)
        gateway = start_service(client, "gateway", network.name, suffix, publish=True)
        url = gateway_url(gateway)
        wait_until_complete(url)

        show("all services up   ", *ask(url))
        pricing.stop(timeout=5)
        show("pricing stopped   ", *ask(url))
        gateway.reload()
        print(f"gateway container : {gateway.status}, restarts={gateway.attrs['RestartCount']}")
        pricing.start()
        wait_until_complete(url)
        show("pricing restarted ", *ask(url))
        # --8<-- [end:main]
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
