"""See which compute host Nova's scheduler chose for a new server.

Admin only: run it as a cloud administrator (``OS_CLOUD=devstack-admin`` on DevStack).
Users never choose a host: nova-scheduler filters the compute hosts (enough RAM, disk, the
right availability zone, ...) and weighs the survivors. Where the server landed is an
operator's detail, so Nova shows the extended attributes ``OS-EXT-SRV-ATTR:host`` and
``OS-EXT-SRV-ATTR:hypervisor_hostname`` to administrators only.

Run it against any cloud named in clouds.yaml, with admin credentials:

    OS_CLOUD=devstack-admin python scheduler_host.py
"""

from __future__ import annotations

import logging
import os
import secrets
import sys

import openstack
from keystoneauth1 import exceptions as ksa

IMAGE = os.environ.get("CLOUDNOTES_IMAGE", "cirros-0.6.3-x86_64-disk")
NETWORK = os.environ.get("CLOUDNOTES_NETWORK", "private")


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


def smallest_flavor(conn: openstack.connection.Connection):
    """Pick the flavor with the least RAM, so the boot fits anywhere.

    Args:
        conn: An authenticated connection.

    Returns:
        The smallest flavor.
    """
    return min(conn.compute.flavors(), key=lambda f: (f.ram, f.vcpus, f.disk))


def require_admin(conn: openstack.connection.Connection) -> None:
    """Stop early, with a clear reason, unless the token carries the admin role.

    Args:
        conn: An authenticated connection.

    Raises:
        PermissionError: The user is not an administrator.
    """
    roles = conn.session.auth.get_access(conn.session).role_names
    if "admin" not in roles:
        raise PermissionError(f"this example needs an admin cloud (e.g. devstack-admin); "
                              f"the current token's roles are {sorted(roles)}")


def compute_hosts(conn: openstack.connection.Connection) -> list[tuple[str, str, str]]:
    """List the nova-compute services: the hosts the scheduler can choose from.

    Args:
        conn: An admin connection.

    Returns:
        ``(host, status, state)`` for each nova-compute service.
    """
    return sorted((s.host, s.status, s.state)
                  for s in conn.compute.services(binary="nova-compute"))


def hypervisors(conn: openstack.connection.Connection) -> list[tuple[str, str]]:
    """List the hypervisors Nova knows, with their type.

    Args:
        conn: An admin connection.

    Returns:
        ``(hypervisor hostname, hypervisor type)`` pairs.
    """
    return sorted((h.name, h.hypervisor_type or "?")
                  for h in conn.compute.hypervisors(details=True))


def boot(conn: openstack.connection.Connection, name: str):
    """Request a small server on the network (without waiting).

    Args:
        conn: An admin connection.
        name: The server's name.

    Returns:
        The requested server.
    """
    image = conn.image.find_image(IMAGE, ignore_missing=False)
    network = conn.network.find_network(NETWORK, ignore_missing=False)
    return conn.compute.create_server(name=name, image_id=image.id,
                                      flavor_id=smallest_flavor(conn).id,
                                      networks=[{"uuid": network.id}])


def placement(server) -> dict[str, str]:
    """Read the admin-only attributes that say where the server runs.

    Args:
        server: A server fetched with an admin token.

    Returns:
        The API attribute names and their values.
    """
    return {
        "OS-EXT-SRV-ATTR:host": server.compute_host,
        "OS-EXT-SRV-ATTR:hypervisor_hostname": server.hypervisor_hostname,
        "OS-EXT-SRV-ATTR:instance_name": server.instance_name,
        "OS-EXT-AZ:availability_zone": server.availability_zone,
    }


def main() -> int:
    """Boot a server as admin and print the host the scheduler picked for it.

    Returns:
        0 on success, 1 when the cloud cannot be used or is not an admin cloud.
    """
    cloud = os.environ.get("OS_CLOUD")
    if not cloud:
        print("error: OS_CLOUD is not set: name an admin cloud from clouds.yaml, "
              "e.g. OS_CLOUD=devstack-admin", file=sys.stderr)
        return 1
    server = None
    try:
        conn = connect(cloud)
        require_admin(conn)
        for host, status, state in compute_hosts(conn):
            print(f"compute service on host {host!r}: {status}, {state}")
        for name, kind in hypervisors(conn):
            print(f"hypervisor {name!r} (type {kind})")
        server = boot(conn, f"cloudnotes-server-{secrets.token_hex(6)}")
        server = conn.compute.wait_for_server(server, status="ACTIVE", wait=300)
        print(f"server {server.name} is {server.status}; the scheduler placed it at:")
        for attribute, value in placement(server).items():
            print(f"  {attribute:<36} {value}")
    except (openstack.exceptions.SDKException, ksa.ClientException, PermissionError) as exc:
        print(f"error: {explain(exc)}", file=sys.stderr)
        return 1
    finally:
        if server is not None:
            conn.compute.delete_server(server)
            conn.compute.wait_for_delete(server, wait=120)
            print("deleted the server")
    return 0


if __name__ == "__main__":
    sys.exit(main())
