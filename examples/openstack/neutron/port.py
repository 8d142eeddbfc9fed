"""Create a port on a network and see the MAC and IP address Neutron gives it.

A port is a virtual switch port: the point where a server's network card (or a router, or
a DHCP server) plugs into a network. Neutron allocates the port's MAC address and a fixed IP
from the subnet, and applies security groups to it. Booting a server on a network makes
such a port implicitly; making it first lets you choose its address and keep it.

Run it against any cloud named in clouds.yaml that has the network below:

    OS_CLOUD=devstack python port.py
"""

from __future__ import annotations

import logging
import os
import secrets
import sys

import openstack
from keystoneauth1 import exceptions as ksa

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


def create_port(conn: openstack.connection.Connection, network, name: str):
    """Create a port on `network`; Neutron picks a MAC and an IPv4 address from its subnet.

    Args:
        conn: An authenticated connection.
        network: The network to plug the port into.
        name: The port's name.

    Returns:
        The port.
    """
    subnet_ids = [s.id for s in conn.network.subnets(network_id=network.id, ip_version=4)]
    return conn.network.create_port(name=name, network_id=network.id,
                                    fixed_ips=[{"subnet_id": subnet_ids[0]}])


def describe(conn: openstack.connection.Connection, port) -> None:
    """Print the port's addresses, owner, binding and security groups.

    Args:
        conn: An authenticated connection.
        port: The port.
    """
    groups = [conn.network.get_security_group(g).name for g in port.security_group_ids]
    print(f"  mac address      {port.mac_address}")
    for ip in port.fixed_ips:
        subnet = conn.network.get_subnet(ip["subnet_id"])
        print(f"  fixed ip         {ip['ip_address']} (subnet {subnet.name}, {subnet.cidr})")
    print(f"  status           {port.status}")
    print(f"  device owner     {port.device_owner or '(none: nothing plugged in yet)'}")
    print(f"  security groups  {groups}")


def main() -> int:
    """Create a port on the network, show it, and delete it.

    Returns:
        0 on success, 1 when the cloud cannot be used.
    """
    cloud = os.environ.get("OS_CLOUD")
    if not cloud:
        print("error: OS_CLOUD is not set: name a cloud from clouds.yaml, "
              "e.g. OS_CLOUD=devstack", file=sys.stderr)
        return 1
    port = None
    try:
        conn = connect(cloud)
        network = conn.network.find_network(NETWORK, ignore_missing=False)
        port = create_port(conn, network, f"cloudnotes-port-{secrets.token_hex(6)}")
        print(f"created port {port.name} on network {network.name}:")
        describe(conn, port)
    except (openstack.exceptions.SDKException, ksa.ClientException) as exc:
        print(f"error: {explain(exc)}", file=sys.stderr)
        return 1
    finally:
        if port is not None:
            conn.network.delete_port(port)
            print(f"deleted {port.name}; its address went back to the pool")
    return 0


if __name__ == "__main__":
    sys.exit(main())
