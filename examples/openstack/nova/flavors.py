"""List Nova's flavors: the fixed sizes (vCPUs, RAM, disk) a server can be booted with.

A flavor is Nova's menu of machine sizes. You do not ask for "2 CPUs and 1 GB" when you boot a
server; you pick a flavor, and the scheduler looks for a compute host with that much room
left. Public flavors are visible to every project; the operator defines them.

Run it against any cloud named in clouds.yaml:

    OS_CLOUD=devstack python flavors.py
"""

from __future__ import annotations

import logging
import os
import sys

import openstack
from keystoneauth1 import exceptions as ksa


def connect(cloud: str) -> openstack.connection.Connection:
    """Open a connection to a cloud from clouds.yaml and authenticate right away.

    Args:
        cloud: The cloud's name in clouds.yaml, e.g. ``devstack``.

    Returns:
        An authenticated connection.
    """
    # keystoneauth would log a warning before the error explained in main(): one line is enough.
    logging.getLogger("keystoneauth").setLevel(logging.ERROR)
    conn = openstack.connect(cloud=cloud)
    conn.session.get_token()  # fail here, not halfway through, on bad credentials
    return conn


def explain(exc: Exception) -> str:
    """Say in one line why talking to the cloud failed.

    Args:
        exc: The exception openstacksdk or keystoneauth raised.

    Returns:
        A one-line reason.
    """
    if isinstance(exc, openstack.exceptions.ConfigException):
        reason = f"no such cloud in clouds.yaml: {exc}"
    elif isinstance(exc, ksa.Unauthorized) or getattr(exc, "status_code", None) == 401:
        reason = "the cloud refused the credentials (401 Unauthorized)"
    elif isinstance(exc, ksa.ConnectionError | ksa.DiscoveryFailure):
        reason = f"cannot reach the cloud's endpoint: {exc}"
    else:
        reason = f"{type(exc).__name__}: {exc}"
    return " ".join(reason.split())


def list_flavors(conn: openstack.connection.Connection) -> list:
    """Fetch every flavor visible to the project, smallest first.

    Args:
        conn: An authenticated connection.

    Returns:
        Flavors sorted by RAM, vCPUs, disk and name.
    """
    flavors = conn.compute.flavors(details=True)
    return sorted(flavors, key=lambda f: (f.ram, f.vcpus, f.disk, f.name))


def main() -> int:
    """Print the flavor table of the cloud named by OS_CLOUD.

    Returns:
        0 on success, 1 when the cloud cannot be used.
    """
    cloud = os.environ.get("OS_CLOUD")
    if not cloud:
        print("error: OS_CLOUD is not set: name a cloud from clouds.yaml, "
              "e.g. OS_CLOUD=devstack", file=sys.stderr)
        return 1
    try:
        conn = connect(cloud)
        flavors = list_flavors(conn)
    except (openstack.exceptions.SDKException, ksa.ClientException) as exc:
        print(f"error: {explain(exc)}", file=sys.stderr)
        return 1
    print(f"{'name':<14} {'vcpus':>5} {'ram MiB':>8} {'disk GiB':>8} {'public':>6}")
    for f in flavors:
        print(f"{f.name:<14} {f.vcpus:>5} {f.ram:>8} {f.disk:>8} {f.is_public!s:>6}")
    print(f"{len(flavors)} flavors")
    return 0


if __name__ == "__main__":
    sys.exit(main())
