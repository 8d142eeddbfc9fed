"""cgroups, CPU: a CPU quota caps how much processor time a busy container gets.

The CPU controller of a cgroup lets a group of processes run for at most *quota* microseconds
in every *period* (100 ms by default). ``nano_cpus=500_000_000`` (``docker run --cpus 0.5``)
and ``cpu_quota=20000`` (``--cpu-quota 20000`` with the default 100000 µs period) are two
ways to write such a quota. This script runs the same one-thread busy loop three times, with
no limit, with half a CPU and with a fifth of one. The loop measures itself from inside,
reading the CPU time its cgroup has used (``cpu.stat`` on cgroup v2, ``cpuacct.usage`` on
cgroup v1) before and after spinning; CPU time divided by wall time is the share it got.
:func:`read_quota` and :func:`read_cpu_seconds` read either cgroup version, and the
container runs those very functions.
Unlimited, one thread can use up to one whole CPU (less on a busy machine).

Run it on a machine with a Docker engine (the containers are labelled and always removed):

    python cpu_quota.py
"""

from __future__ import annotations

import inspect
import json
import sys
import textwrap

import docker
from docker.errors import DockerException

IMAGE = "python:3.11-slim"
LABELS = {"cloudnotes.example": "docker/cpu_quota"}
GONE = "the Docker engine stopped answering"
SECONDS = 3.0



def read_cgroup_file(root: str, name: str) -> str | None:
    """The stripped contents of a cgroup file, or ``None`` when this cgroup version lacks it.

    Args:
        root: Where the cgroup filesystem is mounted.
        name: The file, relative to `root` (e.g. ``cpu.max``).
    """
    try:
        with open(f"{root}/{name}") as file:
            return file.read().strip()
    except OSError:
        return None


def read_cpu_seconds(root: str = "/sys/fs/cgroup") -> float:
    """CPU time the cgroup mounted at `root` has used so far, in seconds (cgroup v2 or v1).

    Args:
        root: Where the cgroup filesystem is mounted (inside a container: its own cgroup).
    """
    stat = read_cgroup_file(root, "cpu.stat")
    if stat is not None and "usage_usec" in stat:  # cgroup v2: microseconds
        return int(dict(line.split() for line in stat.splitlines())["usage_usec"]) / 1e6
    return int(read_cgroup_file(root, "cpuacct/cpuacct.usage")) / 1e9  # cgroup v1: nanoseconds


def read_quota(root: str = "/sys/fs/cgroup") -> str:
    """The CPU quota of the cgroup mounted at `root`, as its files say it (cgroup v2 or v1).

    Args:
        root: Where the cgroup filesystem is mounted (inside a container: its own cgroup).

    Returns:
        ``cgroup v2 cpu.max = 50000 100000`` (``max 100000`` without a limit), or the v1 pair
        ``cpu.cfs_quota_us`` / ``cpu.cfs_period_us`` (quota ``-1`` without a limit).
    """
    v2 = read_cgroup_file(root, "cpu.max")
    if v2 is not None:
        return "cgroup v2 cpu.max = " + v2
    q = read_cgroup_file(root, "cpu/cpu.cfs_quota_us")
    p = read_cgroup_file(root, "cpu/cpu.cfs_period_us")
    return f"cgroup v1 cpu.cfs_quota_us = {q}, cpu.cfs_period_us = {p}"


# What runs inside: the three functions above, then spin and report as JSON.
BUSY_LOOP = "import json, sys, time\n" + "".join(
    textwrap.dedent(inspect.getsource(function))
    for function in (read_cgroup_file, read_cpu_seconds, read_quota)
) + """
seconds = float(sys.argv[1])
wall0, cpu0 = time.monotonic(), read_cpu_seconds()
while time.monotonic() - wall0 < seconds:
    pass
wall, cpu = time.monotonic() - wall0, read_cpu_seconds() - cpu0
print(json.dumps({"quota": read_quota(), "wall": wall, "cpu": cpu}))
"""

CASES = [
    ("no limit", {}),
    ("nano_cpus=500_000_000 (0.5 CPU)", {"nano_cpus": 500_000_000}),
    ("cpu_quota=20000 (0.2 CPU)", {"cpu_quota": 20000}),
]


def measure(client: docker.DockerClient, seconds: float = SECONDS, **limits) -> dict:
    """Run the busy loop in a container with the given limits and return its measurement.

    Args:
        client: A connected Docker SDK client.
        seconds: How long the loop spins (wall-clock time).
        **limits: CPU options for ``containers.run``, e.g. ``nano_cpus`` or ``cpu_quota``.

    Returns:
        ``quota`` (the limit as the cgroup files inside show it), ``wall`` and ``cpu``
        (seconds) and ``share`` (CPU seconds per wall second: 1.0 is one whole CPU).
    """
    container = client.containers.run(IMAGE, ["python", "-c", BUSY_LOOP, str(seconds)],
                                      detach=True, labels=LABELS, **limits)
    status = container.wait(timeout=120 + seconds)["StatusCode"]
    output = container.logs().decode().strip()
    if status != 0:
        raise RuntimeError(f"busy loop exited {status}: {output.splitlines()[-1:]}")
    result = json.loads(output.splitlines()[-1])
    result["share"] = result["cpu"] / result["wall"]
    return result


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


def main() -> int:
    """Measure the busy loop without a limit and under two quotas, print the shares."""
    try:
        client = docker.from_env()
    except DockerException as exc:
        print(f"error: no Docker engine answers ({' '.join(str(exc).split())})", file=sys.stderr)
        return 1
    problems: list[str] = []
    try:
        print(f"one busy thread for {SECONDS:.0f} s per run; share = CPU time / wall time")
        for title, limits in CASES:
            result = measure(client, **limits)
            print(f"{title}:")
            print(f"  inside: {result['quota']}")
            print(f"  used {result['cpu']:.2f} s of CPU in {result['wall']:.2f} s "
                  f"-> {result['share']:.2f} CPU")
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
