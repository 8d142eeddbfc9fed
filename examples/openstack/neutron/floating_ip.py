"""Allocate a floating IP, point it at a port, move it away, and give it back.

A floating IP is an address from the external network (``public``) that the project
holds on to. Associating it with a port on a private network makes the router translate
(NAT) between the public address and the port's fixed IP; disassociating keeps the address
in the project for later; releasing returns it to the pool. The private network needs a
router with a gateway on the external network for this to work.

Run it against any cloud named in clouds.yaml with an external network:

    OS_CLOUD=devstack python floating_ip.py
"""

from __future__ import annotations

import contextlib
import logging
import os
import secrets
import sys

import openstack
from keystoneauth1 import exceptions as ksa

EXTERNAL_NETWORK = os.environ.get("CLOUDNOTES_EXTERNAL_NETWORK", "public")
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


def allocate(conn: openstack.connection.Connection, external):
    """Take a floating IP from the external network's pool into the project.

    Args:
        conn: An authenticated connection.
        external: The external network.

    Returns:
        The floating IP, not yet associated.
    """
    return conn.network.create_ip(floating_network_id=external.id,
                                  description="Cloud Notes example")


def associate(conn: openstack.connection.Connection, floating_ip, port):
    """Point the floating IP at the port's fixed IP (the router will NAT between them).

    Args:
        conn: An authenticated connection.
        floating_ip: The floating IP.
        port: The port to reach through it.

    Returns:
        The updated floating IP.
    """
    return conn.network.update_ip(floating_ip, port_id=port.id)


def disassociate(conn: openstack.connection.Connection, floating_ip):
    """Detach the floating IP from its port; the project keeps the address.

    Args:
        conn: An authenticated connection.
        floating_ip: The floating IP.

    Returns:
        The updated floating IP.
    """
    return conn.network.update_ip(floating_ip, port_id=None)


def show(floating_ip) -> None:
    """Print the floating IP's address, status and what it points to.

    Args:
        floating_ip: The floating IP.
    """
    target = floating_ip.fixed_ip_address or "nothing"
    print(f"  {floating_ip.floating_ip_address} -> {target} "
          f"(port {floating_ip.port_id or '-'}, router {floating_ip.router_id or '-'})")


def main() -> int:
    """Walk a floating IP through allocate, associate, disassociate and release.

    Returns:
        0 on success, 1 when the cloud cannot be used.
    """
    cloud = os.environ.get("OS_CLOUD")
    if not cloud:
        print("error: OS_CLOUD is not set: name a cloud from clouds.yaml, "
              "e.g. OS_CLOUD=devstack", file=sys.stderr)
        return 1
    cleanup = contextlib.ExitStack()
    try:
        conn = connect(cloud)
        external = conn.network.find_network(EXTERNAL_NETWORK, ignore_missing=False)
        network = conn.network.find_network(NETWORK, ignore_missing=False)
        port = conn.network.create_port(name=f"cloudnotes-port-{secrets.token_hex(6)}",
                                        network_id=network.id)
        cleanup.callback(conn.network.delete_port, port)
        ipv4 = [ip["ip_address"] for ip in port.fixed_ips if "." in ip["ip_address"]]
        print(f"port {port.name} on {network.name}: fixed ip {ipv4[0]}")
        floating_ip = allocate(conn, external)
        cleanup.callback(conn.network.delete_ip, floating_ip)
        print(f"allocated from {external.name}:")
        show(floating_ip)
        print("associated with the port:")
        show(associate(conn, floating_ip, port))
        print("disassociated (the project still holds the address):")
        show(disassociate(conn, floating_ip))
    except (openstack.exceptions.SDKException, ksa.ClientException) as exc:
        print(f"error: {explain(exc)}", file=sys.stderr)
        return 1
    finally:
        cleanup.close()  # release the floating IP, then delete the port
    print("released the floating IP and deleted the port")
    return 0


if __name__ == "__main__":
    sys.exit(main())
