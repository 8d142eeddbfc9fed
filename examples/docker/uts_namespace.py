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


def main() -> int:
    """Compare the host's hostname with two containers' hostnames, then clean up."""
    try:
        client = docker.from_env()
    except DockerException as exc:
        print(f"error: no Docker engine answers ({' '.join(str(exc).split())})", file=sys.stderr)
        return 1
    try:
        before = socket.gethostname()
        default_id, default_name = hostname_in_container(client)
        chosen_id, chosen_name = hostname_in_container(client, CHOSEN_HOSTNAME)
        after = socket.gethostname()
        print(f"host hostname before: {before}")
        print(f"container {default_id}, no hostname=: hostname is {default_name}"
              f" ({'its own short id' if default_name == default_id else 'set by the engine'})")
        print(f"container {chosen_id}, hostname={CHOSEN_HOSTNAME!r}: hostname is {chosen_name}")
        print(f"host hostname after:  {after} ({'unchanged' if after == before else 'CHANGED'})")
        return 0
    except DockerException as exc:
        print(f"error: {' '.join(str(exc).split())}", file=sys.stderr)
        return 1
    finally:
        cleanup(client)


if __name__ == "__main__":
    sys.exit(main())
