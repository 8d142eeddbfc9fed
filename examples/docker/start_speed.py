"""Start latency: a container starts fast because starting one only starts a process.

No operating system boots when a container starts: the engine prepares namespaces, cgroups
and a root filesystem, then executes one program. This script times the whole life of a
``busybox true`` container several times (create, start, wait for the exit, remove) and
prints the median, the minimum and the maximum of each phase, next to the time the host
needs to run the same ``true`` directly, without a container.

Run it on a machine with a Docker engine (the containers are labelled and always removed):

    python start_speed.py            # 5 runs
    python start_speed.py --runs 20
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import subprocess
import sys
import time

import docker
from docker.errors import DockerException

IMAGE = "busybox"
LABELS = {"cloudnotes.example": "docker/start_speed"}
GONE = "the Docker engine stopped answering"
PHASES = ("create", "start", "exit", "remove", "total")


def time_container(client: docker.DockerClient) -> dict[str, float]:
    """Create, start, wait for and remove one ``busybox true`` container, timing each phase.

    Args:
        client: A connected Docker SDK client.

    Returns:
        Milliseconds per phase (``create``, ``start``, ``exit``, ``remove``) and ``total``.

    Raises:
        RuntimeError: The container exited with a non-zero status.
    """
    marks = [time.perf_counter()]
    container = client.containers.create(IMAGE, ["true"], labels=LABELS)
    marks.append(time.perf_counter())
    container.start()
    marks.append(time.perf_counter())
    status = container.wait(timeout=60)["StatusCode"]
    marks.append(time.perf_counter())
    container.remove()
    marks.append(time.perf_counter())
    if status != 0:
        raise RuntimeError(f"busybox true exited {status}")
    times = {phase: (marks[i + 1] - marks[i]) * 1000 for i, phase in enumerate(PHASES[:-1])}
    times["total"] = (marks[-1] - marks[0]) * 1000
    return times


def time_host_process() -> float:
    """Run ``true`` directly on the host once and return how long it took, in milliseconds."""
    true = shutil.which("true") or "/bin/true"
    start = time.perf_counter()
    subprocess.run([true], check=True)
    return (time.perf_counter() - start) * 1000


def summarise(samples: list[float]) -> dict[str, float]:
    """Return the median, minimum and maximum of a list of timings.

    Args:
        samples: Timings in milliseconds (at least one).
    """
    return {"median": statistics.median(samples), "min": min(samples), "max": max(samples)}


def measure(client: docker.DockerClient, runs: int = 5) -> dict[str, dict[str, float]]:
    """Time ``runs`` container lives (after one untimed warm-up) and the host baseline.

    Args:
        client: A connected Docker SDK client.
        runs: How many timed containers to run.

    Returns:
        For each phase and for ``host``, its median, min and max in milliseconds.
    """
    time_container(client)  # warm-up: the first run also loads the image's metadata
    lives = [time_container(client) for _ in range(runs)]
    stats = {phase: summarise([life[phase] for life in lives]) for phase in PHASES}
    stats["host"] = summarise([time_host_process() for _ in range(runs)])
    return stats


def cleanup(client: docker.DockerClient) -> None:
    """Remove every container this example labelled, whatever state it is in.

    Args:
        client: A connected Docker SDK client.
    """
    label = ",".join(f"{k}={v}" for k, v in LABELS.items())
    for container in client.containers.list(all=True, filters={"label": label}):
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
        label = ",".join(f"{k}={v}" for k, v in LABELS.items())
        problems.append(f"left over: what is labelled {label} ({reason})")


def main(argv: list[str] | None = None) -> int:
    """Time the container lives, print a small table, clean up.

    Args:
        argv: Command-line arguments (``--runs N``); ``None`` reads ``sys.argv``.
    """
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5, help="timed runs (default 5)")
    args = parser.parse_args(argv)
    if args.runs < 1:
        parser.error("--runs must be at least 1")
    try:
        client = docker.from_env()
    except DockerException as exc:
        print(f"error: no Docker engine answers ({' '.join(str(exc).split())})", file=sys.stderr)
        return 1
    problems: list[str] = []
    try:
        stats = measure(client, args.runs)
        print(f"{args.runs} runs of `busybox true` (after one warm-up), in milliseconds")
        print(f"{'phase':<32}{'median':>10}{'min':>10}{'max':>10}")
        rows = [(p, p) for p in PHASES] + [("host", "host: `true` without container")]
        for key, title in rows:
            s = stats[key]
            print(f"{title:<32}{s['median']:>7.1f} ms{s['min']:>7.1f} ms{s['max']:>7.1f} ms")
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
