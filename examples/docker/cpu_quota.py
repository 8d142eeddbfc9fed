"""cgroups, CPU: a CPU quota caps how much processor time a busy container gets.

The CPU controller of a cgroup lets a group of processes run for at most *quota* microseconds
in every *period* (100 ms by default). ``nano_cpus=500_000_000`` (``docker run --cpus 0.5``)
and ``cpu_quota=20000`` (``--cpu-quota 20000`` with the default 100000 µs period) are two
ways to write such a quota. This script runs the same one-thread busy loop three times, with
no limit, with half a CPU and with a fifth of one. The loop measures itself from inside,
reading the CPU time its cgroup has used (``cpuacct.usage`` on cgroup v1, ``cpu.stat`` on
cgroup v2) before and after spinning; CPU time divided by wall time is the share it got.
Unlimited, one thread can use up to one whole CPU (less on a busy machine).

Run it on a machine with a Docker engine (the containers are labelled and always removed):

    python cpu_quota.py
"""

from __future__ import annotations

import json
import sys

import docker
from docker.errors import DockerException

IMAGE = "python:3.11-slim"
LABELS = {"cloudnotes.example": "docker/cpu_quota"}
SECONDS = 3.0

# What runs inside: read the quota and the cgroup's CPU usage, spin, report as JSON.
BUSY_LOOP = """
import json, sys, time

def read(path):
    try:
        with open(path) as f:
            return f.read().strip()
    except OSError:
        return None

def cpu_seconds():
    v1 = read("/sys/fs/cgroup/cpuacct/cpuacct.usage")          # nanoseconds
    if v1 is not None:
        return int(v1) / 1e9
    stat = dict(line.split() for line in read("/sys/fs/cgroup/cpu.stat").splitlines())
    return int(stat["usage_usec"]) / 1e6                        # cgroup v2, microseconds

def quota():
    v2 = read("/sys/fs/cgroup/cpu.max")                         # "max 100000" or "50000 100000"
    if v2 is not None:
        return "cgroup v2 cpu.max = " + v2
    q = read("/sys/fs/cgroup/cpu/cpu.cfs_quota_us")
    p = read("/sys/fs/cgroup/cpu/cpu.cfs_period_us")
    return f"cgroup v1 cpu.cfs_quota_us = {q}, cpu.cfs_period_us = {p}"

seconds = float(sys.argv[1])
wall0, cpu0 = time.monotonic(), cpu_seconds()
while time.monotonic() - wall0 < seconds:
    pass
wall, cpu = time.monotonic() - wall0, cpu_seconds() - cpu0
print(json.dumps({"quota": quota(), "wall": wall, "cpu": cpu}))
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


def main() -> int:
    """Measure the busy loop without a limit and under two quotas, print the shares."""
    try:
        client = docker.from_env()
    except DockerException as exc:
        print(f"error: no Docker engine answers ({' '.join(str(exc).split())})", file=sys.stderr)
        return 1
    try:
        print(f"one busy thread for {SECONDS:.0f} s per run; share = CPU time / wall time")
        for title, limits in CASES:
            result = measure(client, **limits)
            print(f"{title}:")
            print(f"  inside: {result['quota']}")
            print(f"  used {result['cpu']:.2f} s of CPU in {result['wall']:.2f} s "
                  f"-> {result['share']:.2f} CPU")
        return 0
    except (DockerException, RuntimeError) as exc:
        print(f"error: {' '.join(str(exc).split())}", file=sys.stderr)
        return 1
    finally:
        cleanup(client)


if __name__ == "__main__":
    sys.exit(main())
