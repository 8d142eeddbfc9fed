"""UTS namespace: a container has its own hostname; the host's stays what it was.

The UTS namespace holds the host name (and NIS domain name). Docker gives every container
a fresh one: by default its hostname is the short container id, and ``hostname=`` (``docker
run --hostname``) sets it to whatever you like. This script starts two ``busybox``
containers, one with each, reads ``hostname`` inside both and shows that the host's own
name did not change.

Run it on a machine with a Docker engine (the containers are labelled and always removed):

    python uts_namespace.py
"""

from __future__ import annotations

import socket
import sys

import docker
from docker.errors import DockerException

IMAGE = "busybox"
LABELS = {"cloudnotes.example": "docker/uts_namespace"}
GONE = "the Docker engine stopped answering"
CHOSEN_HOSTNAME = "cloudnotes-uts"


def hostname_in_container(client: docker.DockerClient,
                          hostname: str | None = None) -> tuple[str, str]:
    """Run ``hostname`` in a new container and return what it printed.

    Args:
        client: A connected Docker SDK client.
        hostname: The hostname to give the container, or ``None`` for Docker's default.

    Returns:
        The container's short id and the hostname it reported.
    """
    container = client.containers.create(IMAGE, ["hostname"], hostname=hostname, labels=LABELS)
    container.start()
    container.wait(timeout=60)
    return container.short_id, container.logs().decode().strip()


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
    """Compare the host's hostname with two containers' hostnames, then clean up."""
    try:
        client = docker.from_env()
    except DockerException as exc:
        print(f"error: no Docker engine answers ({' '.join(str(exc).split())})", file=sys.stderr)
        return 1
    problems: list[str] = []
    try:
        before = socket.gethostname()
        default_id, default_name = hostname_in_container(client)
        chosen_id, chosen_name = hostname_in_container(client, CHOSEN_HOSTNAME)
        after = socket.gethostname()
        print(f"container {default_id}, no hostname=: hostname is {default_name}"
              f" ({'its own short id' if default_name == default_id else 'set by the engine'})")
        print(f"container {chosen_id}, hostname={CHOSEN_HOSTNAME!r}: hostname is {chosen_name}")
        # the host's own name is left out: it says nothing about namespaces, only about the host
        kept = after == before and before not in (default_name, chosen_name)
        print(f"host hostname: the same before and after, and neither container's: "
              f"{'yes' if kept else 'NO'}")
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
