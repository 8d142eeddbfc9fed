"""Build a project network: a network, a subnet in it, and a router out to the public network.

In Neutron a *network* is an isolated layer-2 segment, a *subnet* gives it an IP range
(and DHCP, gateway, DNS settings), and a *router* joins subnets together and, through its
*external gateway*, to the provider's external network, where floating IPs come from. This
is what Horizon's "Create Network" plus "Create Router" dialogs do.

Run it against any cloud named in clouds.yaml that has an external network:

    OS_CLOUD=devstack python network_subnet_router.py
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
CIDR = "10.42.0.0/24"


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


def create_network(conn: openstack.connection.Connection, name: str):
    """Create a tenant network (a layer-2 segment owned by the project).

    Args:
        conn: An authenticated connection.
        name: The network's name.

    Returns:
        The network.
    """
    return conn.network.create_network(name=name)


def create_subnet(conn: openstack.connection.Connection, network, name: str):
    """Give the network an IPv4 range with DHCP; Neutron picks the gateway (first address).

    Args:
        conn: An authenticated connection.
        network: The network the subnet belongs to.
        name: The subnet's name.

    Returns:
        The subnet.
    """
    return conn.network.create_subnet(name=name, network_id=network.id, ip_version=4,
                                      cidr=CIDR, enable_dhcp=True)


def create_router(conn: openstack.connection.Connection, name: str):
    """Create a router whose external gateway sits on the external network.

    Args:
        conn: An authenticated connection.
        name: The router's name.

    Returns:
        The router.
    """
    external = conn.network.find_network(EXTERNAL_NETWORK, ignore_missing=False)
    return conn.network.create_router(name=name,
                                      external_gateway_info={"network_id": external.id})


def attach(conn: openstack.connection.Connection, router, subnet) -> dict:
    """Plug the subnet into the router (Neutron makes a port holding the subnet's gateway IP).

    Args:
        conn: An authenticated connection.
        router: The router.
        subnet: The subnet to plug in.

    Returns:
        Neutron's answer: the ids of the new router port and of the subnet.
    """
    return conn.network.add_interface_to_router(router, subnet_id=subnet.id)


def main() -> int:
    """Create network, subnet and router, connect them, show them, then take them apart.

    Returns:
        0 on success, 1 when the cloud cannot be used.
    """
    cloud = os.environ.get("OS_CLOUD")
    if not cloud:
        print("error: OS_CLOUD is not set: name a cloud from clouds.yaml, "
              "e.g. OS_CLOUD=devstack", file=sys.stderr)
        return 1
    suffix = secrets.token_hex(6)
    cleanup = contextlib.ExitStack()
    try:
        conn = connect(cloud)
        network = create_network(conn, f"cloudnotes-net-{suffix}")
        cleanup.callback(conn.network.delete_network, network)
        print(f"network {network.name}: status {network.status}, "
              f"admin_state_up {network.is_admin_state_up}")
        subnet = create_subnet(conn, network, f"cloudnotes-subnet-{suffix}")
        cleanup.callback(conn.network.delete_subnet, subnet)
        print(f"subnet  {subnet.name}: {subnet.cidr}, gateway {subnet.gateway_ip}, "
              f"dhcp {subnet.is_dhcp_enabled}, pool {subnet.allocation_pools}")
        router = create_router(conn, f"cloudnotes-router-{suffix}")
        cleanup.callback(conn.network.delete_router, router)
        gateway = router.external_gateway_info
        print(f"router  {router.name}: gateway on network {EXTERNAL_NETWORK!r}, "
              f"external address {[ip['ip_address'] for ip in gateway['external_fixed_ips']]}")
        attach(conn, router, subnet)
        cleanup.callback(conn.network.remove_interface_from_router, router, subnet_id=subnet.id)
        print("plugged the subnet into the router; the router's ports now:")
        for port in sorted(conn.network.ports(device_id=router.id),
                           key=lambda p: p.device_owner):
            print(f"  {port.device_owner:<32} {[ip['ip_address'] for ip in port.fixed_ips]}")
    except (openstack.exceptions.SDKException, ksa.ClientException) as exc:
        print(f"error: {explain(exc)}", file=sys.stderr)
        return 1
    finally:
        cleanup.close()  # interface, router, subnet, network: the reverse of creation
    print("removed the interface, the router, the subnet and the network")
    return 0


if __name__ == "__main__":
    sys.exit(main())
