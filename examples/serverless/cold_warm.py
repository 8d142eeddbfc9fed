"""Cold start vs warm start: a fresh container per call vs a container kept warm.

A cold invocation creates and starts a new sandboxed container, runs the function and removes
the container. A warm invocation reuses a container the platform kept running and only starts
the function inside it (`exec_run`). The example times five of each and compares the medians:
that difference is what "cold start" means on FaaS platforms, and why they keep instances warm
for a while after a call.

Run: python cold_warm.py   (needs a Docker engine and the python:3.11-slim image)
"""

from __future__ import annotations

import json
import statistics
import sys
import time

import docker
from docker.errors import DockerException

IMAGE = "python:3.11-slim"
LABEL = {"cloudnotes.example": "serverless/cold_warm"}
GONE = "the Docker engine stopped answering"
MEMORY_MB = 128
CALLS = 5

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

FUNCTION = r"""
def handle(event):
    return {"greeting": f"hello, {event['name']}"}
"""


def invoke_cold(client: docker.DockerClient, event: dict) -> tuple[dict, float]:
    """Create, start, wait for and remove a fresh sandbox for one call; time all of it."""
    started = time.perf_counter()
    container = client.containers.create(
        IMAGE, ["python", "-c", BOOTSTRAP], labels=LABEL,
        environment={"FUNCTION_SOURCE": FUNCTION, "EVENT": json.dumps(event)}, **SANDBOX,
    )
    try:
        container.start()
        if container.wait(timeout=30)["StatusCode"] != 0:
            raise RuntimeError(container.logs().decode().strip())
        result = json.loads(container.logs(stderr=False))
    finally:
        container.remove(force=True)
    return result, time.perf_counter() - started


def start_warm_instance(client: docker.DockerClient):
    """Start a sandbox that idles, so later calls can run inside it."""
    return client.containers.run(
        IMAGE, ["python", "-c", "import time; time.sleep(3600)"], labels=LABEL,
        environment={"FUNCTION_SOURCE": FUNCTION}, detach=True, init=True, **SANDBOX,
    )


def invoke_warm(instance, event: dict) -> tuple[dict, float]:
    """Run one call inside the already running sandbox; time it."""
    started = time.perf_counter()
    exit_code, output = instance.exec_run(
        ["python", "-c", BOOTSTRAP], environment={"EVENT": json.dumps(event)}, user="65534:65534",
        demux=True,
    )
    if exit_code != 0:
        raise RuntimeError((output[1] or b"").decode().strip())
    return json.loads(output[0]), time.perf_counter() - started


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
        cold = [invoke_cold(client, {"name": f"cold {i}"}) for i in range(CALLS)]
        instance = start_warm_instance(client)
        warm = [invoke_warm(instance, {"name": f"warm {i}"}) for i in range(CALLS)]
        # --8<-- [end:main]
        for label, runs in (("cold", cold), ("warm", warm)):
            times = " ".join(f"{seconds * 1000:.0f} ms" for _, seconds in runs)
            print(f"{label}: {runs[-1][0]['greeting']!r:<16} each call: {times}")
        cold_ms = statistics.median(s for _, s in cold) * 1000
        warm_ms = statistics.median(s for _, s in warm) * 1000
        print(f"median cold start: {cold_ms:.0f} ms")
        print(f"median warm start: {warm_ms:.0f} ms")
        print(f"a warm call took {warm_ms / cold_ms:.0%} of a cold one")
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
