"""A burst of parallel invocations: the platform scales out to one sandbox per call, then to zero.

Eight invocations arrive at once (eight threads). Each gets its own fresh container, so they
run side by side without anyone having provisioned servers for the peak; afterwards nothing
is left running (scale to zero). The example checks that all calls succeeded, that each ran
in a different sandbox, and measures from the engine's own start and finish times how many
sandboxes ran at the same moment.

Run: python burst.py   (needs a Docker engine and the python:3.11-slim image)
"""

from __future__ import annotations

import json
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime

import docker
from docker.errors import DockerException

IMAGE = "python:3.11-slim"
LABEL = {"cloudnotes.example": "serverless/burst"}
GONE = "the Docker engine stopped answering"
MEMORY_MB = 128
BURST = 8

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
import socket, time

def handle(event):
    time.sleep(0.5)  # some work: long enough for the calls to overlap
    return {"n": event["n"], "square": event["n"] ** 2, "sandbox": socket.gethostname()}
"""


def _engine_time(stamp: str) -> datetime:
    """Parse the engine's RFC 3339 time (nanoseconds) to a datetime (microseconds)."""
    head, _, rest = stamp.rstrip("Z").partition(".")
    return datetime.fromisoformat(f"{head}.{rest[:6].ljust(6, '0')}")


def invoke(client: docker.DockerClient, event: dict) -> tuple[dict, datetime, datetime]:
    """One call in a fresh sandbox: its result and when the engine says it started and ended."""
    container = client.containers.create(
        IMAGE, ["python", "-c", BOOTSTRAP], labels=LABEL,
        environment={"FUNCTION_SOURCE": FUNCTION, "EVENT": json.dumps(event)}, **SANDBOX,
    )
    try:
        container.start()
        if container.wait(timeout=60)["StatusCode"] != 0:
            raise RuntimeError(container.logs().decode().strip())
        container.reload()
        state = container.attrs["State"]
        result = json.loads(container.logs(stderr=False))
        return result, _engine_time(state["StartedAt"]), _engine_time(state["FinishedAt"])
    finally:
        container.remove(force=True)


def peak_concurrency(windows: list[tuple[datetime, datetime]]) -> int:
    """The largest number of [start, end] windows that overlap at one instant."""
    edges = sorted([(s, 1) for s, _ in windows] + [(e, -1) for _, e in windows])
    running = peak = 0
    for _, step in edges:
        running += step
        peak = max(peak, running)
    return peak


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
    code = 1
    try:
        # --8<-- [start:main]
        started = time.perf_counter()
        with ThreadPoolExecutor(max_workers=BURST) as pool:
            futures = [pool.submit(invoke, client, {"n": n}) for n in range(BURST)]
            outcomes = []
            for future in futures:
                try:
                    outcomes.append(future.result())
                except (DockerException, RuntimeError) as exc:
                    print(f"invocation failed: {exc}")
        wall = time.perf_counter() - started
        # --8<-- [end:main]
        results = [result for result, _, _ in outcomes]
        busy = sum((end - start).total_seconds() for _, start, end in outcomes)
        print(f"invocations: {BURST}, succeeded: {len(results)}")
        print("results:", [r["square"] for r in sorted(results, key=lambda r: r["n"])])
        print(f"different sandboxes: {len({r['sandbox'] for r in results})}")
        print(f"most sandboxes running at the same moment: "
              f"{peak_concurrency([(s, e) for _, s, e in outcomes])}")
        print(f"sum of run times: {busy:.1f} s, wall time of the burst: {wall:.1f} s")
        left = client.containers.list(all=True, filters={"label": "cloudnotes.example=" +
                                                          LABEL["cloudnotes.example"]})
        print(f"sandboxes left after the burst: {len(left)}")
        code = 0 if len(results) == BURST else 1
    except (DockerException, OSError) as exc:
        problems.append(explain(exc, client))
    finally:
        clean_up(client, problems)
    if problems:
        print("error: " + "; ".join(problems), file=sys.stderr)
        return 1
    return code


if __name__ == "__main__":
    sys.exit(main())
