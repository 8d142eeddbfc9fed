"""cgroups, memory: a container that allocates past its limit is killed by the kernel.

A control group (cgroup) caps what a group of processes may use. ``mem_limit="64m"`` (``docker
run --memory 64m``) writes the limit into the container's memory cgroup; the same value for
``memswap_limit`` forbids swapping to escape it. The Python program inside first reads the
limit back from the cgroup filesystem (v1 or v2), then allocates 10 MiB at a time. When it
crosses the limit the kernel's OOM killer ends it with SIGKILL: exit code 137 (128 + 9) and
``State.OOMKilled`` is true.

The container runs detached and is removed only after ``reload()`` has read its final state
(with ``remove=True`` that state would be gone). Run it on a machine with a Docker engine:

    python memory_limit.py
"""

from __future__ import annotations

import sys

import docker
from docker.errors import DockerException

IMAGE = "python:3.11-slim"
LABELS = {"cloudnotes.example": "docker/memory_limit"}
LIMIT = "64m"

# The program the container runs: report the cgroup limit, then grow 10 MiB per step.
HOG = """
import os
for path, version in (("/sys/fs/cgroup/memory.max", "v2"),
                      ("/sys/fs/cgroup/memory/memory.limit_in_bytes", "v1")):
    if os.path.exists(path):
        print(f"limit seen inside (cgroup {version} {path}): "
              f"{int(open(path).read()) // 2**20} MiB", flush=True)
        break
chunks = []
for step in range(1, 31):
    chunks.append(bytearray(10 * 2**20))  # bytearray() writes zeros: the pages are really used
    print(f"allocated {step * 10} MiB", flush=True)
print("never killed", flush=True)
"""


def run_hog(client: docker.DockerClient, limit: str = LIMIT) -> dict[str, object]:
    """Run the allocating program under a memory limit and collect how it ended.

    Args:
        client: A connected Docker SDK client.
        limit: The memory limit, also used as the memory+swap limit (e.g. ``"64m"``).

    Returns:
        The exit code, the ``State.OOMKilled`` flag, the limit Docker recorded (bytes) and
        the lines the program printed before it stopped.
    """
    container = client.containers.run(IMAGE, ["python", "-c", HOG], detach=True,
                                      mem_limit=limit, memswap_limit=limit, labels=LABELS)
    exit_code = container.wait(timeout=120)["StatusCode"]
    container.reload()
    return {
        "exit_code": exit_code,
        "oom_killed": container.attrs["State"]["OOMKilled"],
        "limit_bytes": container.attrs["HostConfig"]["Memory"],
        "lines": container.logs().decode().splitlines(),
    }


def cleanup(client: docker.DockerClient) -> None:
    """Remove every container this example labelled, whatever state it is in.

    Args:
        client: A connected Docker SDK client.
    """
    label = ",".join(f"{k}={v}" for k, v in LABELS.items())
    for container in client.containers.list(all=True, filters={"label": label}):
        container.remove(force=True)


def main() -> int:
    """Run the program under a 64 MiB limit, print how it ended, then clean up."""
    try:
        client = docker.from_env()
    except DockerException as exc:
        print(f"error: no Docker engine answers ({' '.join(str(exc).split())})", file=sys.stderr)
        return 1
    try:
        result = run_hog(client)
        lines = result["lines"]
        steps = [line for line in lines if line.startswith("allocated")]
        print(f"mem_limit={LIMIT!r}, memswap_limit={LIMIT!r} "
              f"(HostConfig.Memory = {result['limit_bytes'] // 2**20} MiB)")
        print(lines[0] if lines else "(the program printed nothing)")
        print(f"last step reported before the kill: {steps[-1] if steps else 'none'}")
        code = result["exit_code"]
        meaning = f" (128 + signal {code - 128}, SIGKILL)" if code == 137 else ""
        print(f"exit code: {code}{meaning}")
        print(f"State.OOMKilled: {result['oom_killed']}")
        return 0
    except DockerException as exc:
        print(f"error: {' '.join(str(exc).split())}", file=sys.stderr)
        return 1
    finally:
        cleanup(client)


if __name__ == "__main__":
    sys.exit(main())
