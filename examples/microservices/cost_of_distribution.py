"""The cost side: more moving parts and a network hop for every internal call.

The same shop runs twice: as a monolith (catalog, pricing and gateway code in one process,
one container) and as three services on a user-defined network. For each it counts the
containers and networks, the network calls one user request needs, the memory the
containers use, and measures the answer time seen by the user and the time of each
internal hop between services.

Run: python cost_of_distribution.py   (needs a Docker engine and the python:3.11-slim image)
"""

from __future__ import annotations

import json
import secrets
import statistics
import sys
import time
import urllib.request

import docker
from docker.errors import DockerException

IMAGE = "python:3.11-slim"
LABEL = {"cloudnotes.example": "microservices/cost_of_distribution"}
GONE = "the Docker engine stopped answering"
REQUESTS = 40

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
    """Run one container of the shop; on a user-defined network it answers to `role`."""
    aliases = {network: client.api.create_endpoint_config(aliases=[role])}
    return client.containers.run(
        IMAGE, ["python", "-c", SHOP], name=f"cloudnotes-{role}-{suffix}",
        environment={"ROLE": role}, network=network,
        networking_config=None if network == "bridge" else aliases,
        ports={"8000/tcp": ("127.0.0.1", None)} if publish else None,
        detach=True, labels=LABEL,
        init=True,  # http.server as PID 1 would ignore SIGTERM and take 10 s to stop
    )


def published_url(container) -> str:
    """The loopback address Docker published the container's port 8000 on."""
    container.reload()
    return f"http://127.0.0.1:{container.ports['8000/tcp'][0]['HostPort']}/"


def ask(url: str) -> tuple[dict, float]:
    """One user request: the JSON answer and the time the user waited for it (ms)."""
    started = time.perf_counter()
    with urllib.request.urlopen(url, timeout=10) as reply:
        data = json.load(reply)
    return data, (time.perf_counter() - started) * 1000


def wait_until_complete(url: str) -> None:
    """Poll until the shop answers with both catalog and pricing present."""
    for _ in range(100):
        try:
            if not ask(url)[0]["degraded"]:
                return
        except OSError:
            pass
        time.sleep(0.1)
    raise RuntimeError("the shop did not come up")


def measure(url: str, containers: list) -> dict:
    """Send REQUESTS user requests; collect medians, hop counts and container memory."""
    answers = [ask(url) for _ in range(REQUESTS)]
    hops = [call["ms"] for data, _ in answers for call in data["calls"]]
    memory = sum(c.stats(stream=False, one_shot=True)["memory_stats"]["usage"]
                 for c in containers)
    networks = {name for c in containers for name in c.attrs["NetworkSettings"]["Networks"]}
    return {
        "containers": len(containers),
        "networks created": len(networks - {"bridge"}),
        # the user's call to the front door, plus every internal call that crossed the network
        "network calls per request": 1 + sum(c["network"] for c in answers[0][0]["calls"]),
        "median answer": statistics.median(ms for _, ms in answers),
        "median internal call": statistics.median(hops),
        "memory": memory / 2**20,
    }


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
        monolith = start_service(client, "monolith", "bridge", suffix, publish=True)
        shop_net = client.networks.create(f"cloudnotes-shop-{suffix}", labels=LABEL)
        services = [start_service(client, role, shop_net.name, suffix, publish=role == "gateway")
                    for role in ("catalog", "pricing", "gateway")]
        mono_url, shop_url = published_url(monolith), published_url(services[-1])
        wait_until_complete(mono_url)
        wait_until_complete(shop_url)

        results = {"monolith": measure(mono_url, [monolith]),
                   "microservices": measure(shop_url, services)}
        # --8<-- [end:main]
        print(f"{REQUESTS} user requests each       monolith   microservices")
        for key in ("containers", "networks created", "network calls per request"):
            mono, micro = results["monolith"][key], results["microservices"][key]
            print(f"{key:<30}{mono:>9}{micro:>16}")
        for key, unit in (("median answer", "ms"), ("median internal call", "ms"),
                          ("memory", "MiB")):
            mono, micro = results["monolith"][key], results["microservices"][key]
            print(f"{key + ' (' + unit + ')':<30}{mono:>9.2f}{micro:>16.2f}")
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
