"""A function that runs past its time limit is killed: FaaS is not for long-running work.

Platforms cap how long one invocation may run (minutes at most). This runner gives every call
a limit of 2 seconds: a short job finishes inside it; a long job (20 steps of 0.5 s, e.g. a
batch conversion) is killed when the limit is reached, its partial work is lost and the caller
gets an error instead of a result. Long work has to be split into short calls or moved to a
service that is allowed to keep running.

Run: python time_limit.py   (needs a Docker engine and the python:3.11-slim image)
"""

from __future__ import annotations

import json
import sys
import time

import docker
from docker.errors import DockerException

IMAGE = "python:3.11-slim"
LABEL = {"cloudnotes.example": "serverless/time_limit"}
GONE = "the Docker engine stopped answering"
MEMORY_MB = 128
TIME_LIMIT = 2.0  # seconds per invocation

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
import sys, time

def handle(event):
    for step in range(1, event["steps"] + 1):
        time.sleep(0.5)                                   # one unit of work
        print(f"step {step} done", file=sys.stderr, flush=True)
    return {"steps": event["steps"]}
"""


# --8<-- [start:invoke]
def invoke(client: docker.DockerClient, event: dict) -> dict:
    """Run one call in a fresh sandbox; kill it if it is still running at TIME_LIMIT."""
    container = client.containers.create(
        IMAGE, ["python", "-c", BOOTSTRAP], labels=LABEL,
        environment={"FUNCTION_SOURCE": FUNCTION, "EVENT": json.dumps(event)}, **SANDBOX,
    )
    try:
        started = time.perf_counter()
        container.start()
        timed_out = False
        while container.status != "exited":
            if time.perf_counter() - started > TIME_LIMIT:
                container.kill()            # SIGKILL: no chance to finish or clean up
                timed_out = True
                break
            time.sleep(0.05)
            container.reload()
        exit_code = container.wait(timeout=10)["StatusCode"]
        elapsed = time.perf_counter() - started
        progress = container.logs(stdout=False).decode().count("done")
        result = None if timed_out else json.loads(container.logs(stderr=False))
        return {"timed_out": timed_out, "exit_code": exit_code, "elapsed": elapsed,
                "steps_done": progress, "result": result}
    finally:
        container.remove(force=True)
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
        for name, steps in (("short job", 2), ("long job", 20)):
            run = invoke(client, {"steps": steps})
            if run["timed_out"]:
                verdict = (f"KILLED at the {TIME_LIMIT:.1f} s limit (exit {run['exit_code']}), "
                           f"{run['steps_done']} of {steps} steps done, result lost")
            else:
                verdict = f"finished (exit {run['exit_code']}), result {json.dumps(run['result'])}"
            print(f"{name:<9} ({steps:>2} x 0.5 s): after {run['elapsed']:.1f} s {verdict}")
        # --8<-- [end:main]
    except (DockerException, OSError) as exc:
        problems.append(explain(exc, client))
    finally:
        clean_up(client, problems)
    if problems:
        print("error: " + "; ".join(problems), file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
