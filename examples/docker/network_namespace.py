"""Network namespace: each container gets its own interfaces, or none but loopback.

A network namespace owns a set of interfaces, addresses and routes. On Docker's default
bridge network a container gets ``lo`` plus an ``eth0`` (one end of a veth pair whose other
end sits on the host's ``docker0`` bridge); with ``network_mode="none"`` the namespace is
created but left empty: only ``lo``, no way out. The host's own interfaces are invisible in
both cases. This script lists the interfaces and IPv4 addresses ``busybox`` sees in each
mode.

Run it on a machine with a Docker engine (the containers are labelled and always removed):

    python network_namespace.py
"""

from __future__ import annotations

import socket
import sys

import docker
from docker.errors import DockerException

IMAGE = "busybox"
LABELS = {"cloudnotes.example": "docker/network_namespace"}
GONE = "the Docker engine stopped answering"
# Interface names, then "name address/prefix" for every IPv4 address, as one shell command.
SCRIPT = "ls /sys/class/net; echo --; ip -o -4 addr | awk '{print $2, $4}'"


def interfaces_in_container(client: docker.DockerClient,
                            network_mode: str | None = None) -> tuple[list[str], list[str]]:
    """List the network interfaces and IPv4 addresses a new container can see.

    Args:
        client: A connected Docker SDK client.
        network_mode: ``None`` for the default bridge network, ``"none"`` for no network.

    Returns:
        The interface names and the ``"name address/prefix"`` lines, each sorted.
    """
    container = client.containers.create(IMAGE, ["sh", "-c", SCRIPT],
                                         network_mode=network_mode, labels=LABELS)
    container.start()
    container.wait(timeout=60)
    names, _, addresses = container.logs().decode().partition("--")
    return sorted(names.split()), sorted(addresses.strip().splitlines())


def host_interfaces() -> list[str]:
    """Return the names of the interfaces in the namespace this script itself runs in."""
    return sorted(name for _, name in socket.if_nameindex())


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
    """Print the interfaces seen on the default bridge and with no network, then clean up."""
    try:
        client = docker.from_env()
    except DockerException as exc:
        print(f"error: no Docker engine answers ({' '.join(str(exc).split())})", file=sys.stderr)
        return 1
    problems: list[str] = []
    try:
        for title, mode in (("default bridge network", None), ('network_mode="none"', "none")):
            names, addresses = interfaces_in_container(client, mode)
            print(f"{title}: interfaces {', '.join(names)}")
            for line in addresses:
                print(f"  {line}")
        host = host_interfaces()
        bridge = ", among them docker0 (the bridge behind eth0)" if "docker0" in host else ""
        print(f"the host's namespace (where this script runs): {len(host)} interfaces{bridge}")
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
