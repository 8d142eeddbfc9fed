"""A tiny FaaS platform: every invocation runs in a fresh, locked-down container, billed per ms.

The platform takes a function's source (a `handle(event) -> dict`), starts a new container
for each call with no network, a read-only root filesystem, a memory and CPU limit, the
unprivileged user 65534 (nobody), no capabilities and no privilege escalation, passes the
event in as JSON (environment variable) and reads the result back as JSON (stdout). It
measures how long each call ran and prints a bill: duration rounded up to 1 ms, times the
memory size, times a price per GB-second, plus a price per request.

Run: python function_runner.py   (needs a Docker engine and the python:3.11-slim image)
"""

from __future__ import annotations

import json
import math
import sys
import time

import docker
from docker.errors import DockerException

IMAGE = "python:3.11-slim"
LABEL = {"cloudnotes.example": "serverless/function_runner"}
GONE = "the Docker engine stopped answering"
MEMORY_MB = 128
# Illustrative prices in the shape public FaaS offers use (USD); not a quote from any provider.
PRICE_PER_GB_SECOND = 0.0000166667
PRICE_PER_REQUEST = 0.0000002

# --8<-- [start:sandbox]
SANDBOX = {
    "network_mode": "none",                 # no interfaces but loopback
    "read_only": True,                      # the root filesystem cannot be written
    "mem_limit": f"{MEMORY_MB}m", "memswap_limit": f"{MEMORY_MB}m",
    "nano_cpus": 500_000_000,               # half a CPU
    "pids_limit": 64,
    "user": "65534:65534",                  # nobody:nogroup, not root
    "cap_drop": ["ALL"],
    "security_opt": ["no-new-privileges"],
}

# The platform's side inside the container: load the function, event in, result out.
BOOTSTRAP = r"""
import json, os
namespace = {}
exec(os.environ["FUNCTION_SOURCE"], namespace)
result = namespace["handle"](json.loads(os.environ["EVENT"]))
print(json.dumps(result))
"""
# --8<-- [end:sandbox]

# --8<-- [start:functions]
WORD_COUNT = r"""
def handle(event):
    words = event["text"].split()
    return {"words": len(words), "longest": max(words, key=len) if words else None}
"""

WHOAMI = r"""
import os

def handle(event):
    try:
        open("/probe", "w").close()
        root_writable = True
    except OSError:
        root_writable = False
    status = dict(line.split(":\t") for line in open("/proc/self/status").read().splitlines()
                  if ":\t" in line)
    return {"uid": os.getuid(), "gid": os.getgid(),
            "interfaces": sorted(os.listdir("/sys/class/net")),
            "root_writable": root_writable,
            "effective_capabilities": status["CapEff"].strip(),
            "no_new_privs": status["NoNewPrivs"].strip() == "1"}
"""
# --8<-- [end:functions]


# --8<-- [start:invoke]
def invoke(client: docker.DockerClient, source: str, event: dict) -> tuple[dict, float]:
    """Run `source`'s handle(event) in a fresh sandbox; return its result and run time (s)."""
    container = client.containers.create(
        IMAGE, ["python", "-c", BOOTSTRAP], labels=LABEL,
        environment={"FUNCTION_SOURCE": source, "EVENT": json.dumps(event)}, **SANDBOX,
    )
    try:
        started = time.perf_counter()
        container.start()
        exit_code = container.wait(timeout=30)["StatusCode"]
        duration = time.perf_counter() - started
        if exit_code != 0:
            raise RuntimeError(f"function failed: {container.logs().decode().strip()}")
        return json.loads(container.logs(stderr=False)), duration
    finally:
        container.remove(force=True)


def bill(duration: float) -> tuple[int, float, float]:
    """Billed ms (rounded up), GB-seconds and price of one invocation."""
    billed_ms = math.ceil(duration * 1000)
    gb_seconds = billed_ms / 1000 * MEMORY_MB / 1024
    return billed_ms, gb_seconds, gb_seconds * PRICE_PER_GB_SECOND + PRICE_PER_REQUEST
# --8<-- [end:invoke]


def cleanup(client: docker.DockerClient) -> None:
    """Remove any container this example labelled (also after a failure)."""
    selector = {"label": "cloudnotes.example=" + LABEL["cloudnotes.example"]}
    for container in client.containers.list(all=True, filters=selector):
        container.remove(force=True)


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
    problems: list[str] = []
    try:
        # --8<-- [start:main]
        sandbox, _ = invoke(client, WHOAMI, {})
        print("inside the sandbox:", json.dumps(sandbox))

        events = [{"text": "serverless still runs on servers"},
                  {"text": "you pay per invocation"},
                  {"text": ""}]
        total = 0.0
        print(f"{'event':<46} {'result':<40} {'billed':>8} {'GB-s':>9}  price (USD)")
        for event in events:
            result, duration = invoke(client, WORD_COUNT, event)
            billed_ms, gb_seconds, price = bill(duration)
            total += price
            print(f"{json.dumps(event):<46} {json.dumps(result):<40} "
                  f"{billed_ms:>5} ms {gb_seconds:>9.6f}  {price:.10f}")
        print(f"total for {len(events)} invocations: {total:.10f} USD "
              f"({MEMORY_MB} MB x {PRICE_PER_GB_SECOND:.10f} USD/GB-s "
              f"+ {PRICE_PER_REQUEST:.7f} USD/request)")
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
