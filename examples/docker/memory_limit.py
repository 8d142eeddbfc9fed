"""cgroups, memory: a container that allocates past its limit is killed by the kernel.

A control group (cgroup) caps what a group of processes may use. ``mem_limit="64m"`` (``docker
run --memory 64m``) writes the limit into the container's memory cgroup; the same value for
``memswap_limit`` forbids swapping to escape it. The Python program inside first reads the
limit back from the cgroup filesystem, then allocates 10 MiB at a time. On a cgroup v2 host
the limit is in ``memory.max``, on a cgroup v1 host in ``memory/memory.limit_in_bytes``;
:func:`read_memory_limit` reads either, and the container runs that very function. When it
crosses the limit the kernel's OOM killer ends it with SIGKILL: exit code 137 (128 + 9) and
``State.OOMKilled`` is true.

The container runs detached and is removed only after ``reload()`` has read its final state
(with ``remove=True`` that state would be gone). Run it on a machine with a Docker engine:

    python memory_limit.py
"""

from __future__ import annotations

import inspect
import os
import sys
import textwrap

import docker
from docker.errors import DockerException

IMAGE = "python:3.11-slim"
LABELS = {"cloudnotes.example": "docker/memory_limit"}
GONE = "the Docker engine stopped answering"
LIMIT = "64m"


def read_memory_limit(root: str = "/sys/fs/cgroup") -> tuple[str, str, int | None]:
    """Find the memory limit of the cgroup mounted at `root`, on cgroup v2 or v1.

    Args:
        root: Where the cgroup filesystem is mounted (inside a container: its own cgroup).

    Returns:
        The cgroup version (``"v2"`` or ``"v1"``), the file read, and the limit in bytes
        (``None`` when v2 says ``max``, i.e. no limit).
    """
    for name, version in (("memory.max", "v2"), ("memory/memory.limit_in_bytes", "v1")):
        path = os.path.join(root, name)
        if os.path.exists(path):
            with open(path) as file:
                value = file.read().strip()
            return version, path, None if value == "max" else int(value)
    raise FileNotFoundError(f"no memory controller under {root}")


# The program the container runs: report the cgroup limit, then grow 10 MiB per step.
HOG = "import os\n" + textwrap.dedent(inspect.getsource(read_memory_limit)) + """
version, path, limit = read_memory_limit()
shown = "no limit" if limit is None else f"{limit // 2**20} MiB"
print(f"limit seen inside (cgroup {version} {path}): {shown}", flush=True)
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
    """Run the program under a 64 MiB limit, print how it ended, then clean up."""
    try:
        client = docker.from_env()
    except DockerException as exc:
        print(f"error: no Docker engine answers ({' '.join(str(exc).split())})", file=sys.stderr)
        return 1
    problems: list[str] = []
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
