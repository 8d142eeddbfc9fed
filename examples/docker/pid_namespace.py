"""PID namespace: the container's first process is PID 1 inside, an ordinary PID outside.

A container is a process on the host kernel placed in its own namespaces. In its PID
namespace it sees only its own processes, numbered from 1; the host sees the very same
process under another number (``State.Pid`` in ``docker inspect``). This script starts a
``busybox`` container whose shell prints its own PID and then ``exec``s ``sleep`` (so the
sleep keeps PID 1), compares the two numbers, and lists what ``ps`` sees inside.

Run it on a machine with a Docker engine (the container is labelled and always removed):

    python pid_namespace.py
"""

from __future__ import annotations

import shlex
import sys
import time
from pathlib import Path

import docker
from docker.errors import DockerException

IMAGE = "busybox"
LABELS = {"cloudnotes.example": "docker/pid_namespace"}
GONE = "the Docker engine stopped answering"
COMMAND = ["sh", "-c", "echo $$; exec sleep 300"]


def start_container(client: docker.DockerClient):
    """Start a detached ``busybox`` container that reports its PID and then sleeps.

    Args:
        client: A connected Docker SDK client.

    Returns:
        The running container, reloaded so that ``attrs`` holds its current state.
    """
    container = client.containers.run(IMAGE, COMMAND, detach=True, labels=LABELS)
    deadline = time.monotonic() + 30
    while not container.logs().strip() and time.monotonic() < deadline:
        time.sleep(0.1)
    container.reload()
    return container


def pid_inside(container) -> int:
    """Return the PID the container's main process printed for itself (``echo $$``).

    Args:
        container: The container started by :func:`start_container`.
    """
    return int(container.logs().decode().split()[0])


def pid_on_host(container) -> int:
    """Return the PID of the same process as the host kernel numbers it (``State.Pid``).

    Args:
        container: The container started by :func:`start_container`.
    """
    return int(container.attrs["State"]["Pid"])


def host_cmdline(pid: int) -> str | None:
    """Read the command line of a host process, or ``None`` if the engine runs elsewhere.

    Args:
        pid: A PID in the host's PID namespace.
    """
    path = Path(f"/proc/{pid}/cmdline")
    try:
        return path.read_bytes().replace(b"\0", b" ").decode().strip()
    except OSError:
        return None


def processes_inside(container) -> list[tuple[int, str]]:
    """List the processes visible inside the container with ``ps`` (run via ``docker exec``).

    Args:
        container: The container started by :func:`start_container`.

    Returns:
        ``(pid, command)`` pairs as the container's own PID namespace numbers them.
    """
    result = container.exec_run(["ps", "-o", "pid,args"])
    rows = []
    for line in result.output.decode().splitlines()[1:]:
        pid, _, command = line.strip().partition(" ")
        rows.append((int(pid), command.strip()))
    return rows


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
    """Start the container, print the PID inside next to the PID on the host, clean up."""
    try:
        client = docker.from_env()
    except DockerException as exc:
        print(f"error: no Docker engine answers ({' '.join(str(exc).split())})", file=sys.stderr)
        return 1
    problems: list[str] = []
    try:
        container = start_container(client)
        inside, outside = pid_inside(container), pid_on_host(container)
        print(f"container {container.short_id} ({IMAGE}) runs: {shlex.join(COMMAND)}")
        print(f"PID inside the container (echo $$): {inside}")
        print(f"PID of that process on the host (State.Pid): {outside}")
        cmdline = host_cmdline(outside)
        if cmdline is None:
            print("host /proc: not visible here (the engine runs on another machine)")
        else:
            print(f"host /proc/{outside}/cmdline: {cmdline}")
        print("processes the container can see (ps inside):")
        for pid, command in processes_inside(container):
            print(f"  PID {pid:<4} {command}")
    except (DockerException, OSError, ValueError) as exc:
        problems.append(explain(exc, client))
    finally:
        clean_up(client, problems)
    if problems:
        print("error: " + "; ".join(problems), file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
