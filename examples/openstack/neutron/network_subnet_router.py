"""Build a project network: a network, a subnet in it, and a router out to the public network.

In Neutron a *network* is an isolated layer-2 segment, a *subnet* gives it an IP range
(and DHCP, gateway, DNS settings), and a *router* joins subnets together and, through its
*external gateway*, to the provider's external network, where floating IPs come from. This
is what Horizon's "Create Network" plus "Create Router" dialogs do.

Run it against any cloud named in clouds.yaml that has an external network:

    OS_CLOUD=devstack python network_subnet_router.py
"""

from __future__ import annotations

import logging
import os
import re
import secrets
import sys
from urllib.parse import urlsplit

import openstack
from keystoneauth1 import exceptions as ksa

EXTERNAL_NETWORK = os.environ.get("CLOUDNOTES_EXTERNAL_NETWORK", "public")
CIDR = "10.42.0.0/24"
API_TIMEOUT = 60  # seconds a request may take when clouds.yaml sets no api_timeout


def connect(cloud: str) -> openstack.connection.Connection:
    """Open a connection to a cloud from clouds.yaml and authenticate right away.

    Every request gives up after the cloud's ``api_timeout`` from clouds.yaml, else after
    API_TIMEOUT seconds: a service that hangs makes the example fail, not hang.

    Args:
        cloud: The cloud's name in clouds.yaml, e.g. ``devstack``.

    Returns:
        An authenticated connection.
    """
    # keystoneauth would log a warning before the error explained in main(): one line is enough.
    logging.getLogger("keystoneauth").setLevel(logging.ERROR)
    region = openstack.config.get_cloud_region(cloud=cloud)
    # clouds.yaml may set its own api_timeout; without one a request could wait forever
    region.config["api_timeout"] = region.config.get("api_timeout") or API_TIMEOUT
    conn = openstack.connection.Connection(config=region)
    conn.session.get_token()  # fail here, not halfway through, on bad credentials
    return conn


def explain(exc: Exception, conn=None) -> str:
    """Say in one line why talking to the cloud failed, naming the service that did not
    answer.

    Args:
        exc: The exception openstacksdk or keystoneauth raised.
        conn: The connection, once there is one: its catalog names the services.

    Returns:
        A one-line reason.
    """
    cause = exc  # openstacksdk may wrap what keystoneauth raised: look at the whole chain
    while cause is not None and not isinstance(
            cause, ksa.ConnectionError | ksa.DiscoveryFailure | openstack.exceptions.NotSupported):
        cause = cause.__cause__ or cause.__context__
    if isinstance(exc, openstack.exceptions.ConfigException):
        reason = f"no such cloud in clouds.yaml: {exc}"
    elif isinstance(exc, ksa.Unauthorized) or getattr(exc, "status_code", None) == 401:
        reason = "the cloud refused the credentials (401 Unauthorized)"
    elif cause is not None:
        # what the kernel said, without the layers of urllib3 wrapped around it
        refused = re.search(r"(https?://\S+?):? .*?(\[Errno -?\d+\] [^'\")]+)", str(exc))
        detail = " ".join(refused.groups()) if refused else exc
        reason = f"cannot reach the {service_of(exc, conn)}: {detail}"
    elif isinstance(exc, openstack.exceptions.HttpException) and exc.url:
        # an answer, not the one hoped for: say which service gave it and what it said
        reason = (f"the {service_of(exc, conn)} answered {exc.method} "
                  f"{urlsplit(exc.url).path} with {exc.status_code}: {exc.details or exc}")
    else:
        reason = f"{type(exc).__name__}: {exc}"
    return " ".join(reason.split())


def service_of(exc: Exception, conn=None) -> str:
    """Name the service an error came from as the cloud's catalog does, e.g. ``image
    service (glance)``: the endpoint sharing most of the URL the error names, or the
    service type openstacksdk names. Without a catalog: the cloud's endpoint.

    Args:
        exc: The exception openstacksdk or keystoneauth raised.
        conn: The connection, if there is one.

    Returns:
        The service, as a noun phrase.
    """
    text = str(exc)
    try:
        catalog = conn.session.auth.get_access(conn.session).service_catalog.catalog
    except (AttributeError, ksa.ClientException):  # no connection or no token yet
        catalog = []
    urls = [urlsplit(u) for u in re.findall(r"https?://[^\s'\"]+", text)]
    best, score = "cloud's endpoint", 0
    for entry in catalog:
        name = f"{entry['type']} service ({entry.get('name') or entry['type']})"
        if f"The {entry['type']} service" in text:
            return name
        for known in (urlsplit(e["url"]) for e in entry.get("endpoints", [])):
            for url in (u for u in urls if u.netloc == known.netloc):
                common = 1  # the host and port, then each path segment they share
                for mine, theirs in zip(url.path.split("/")[1:], known.path.split("/")[1:],
                                        strict=False):
                    if mine != theirs:
                        break
                    common += 1
                if common > score:
                    best, score = name, common
    return best


def clean_up(conn, undo: list, problems: list[str]) -> None:
    """Undo what the example made, in the order given, and stop at the first step that
    fails: a service that does not answer cannot be asked to delete anything. What is
    then left over goes into `problems`, named, with the reason.

    Args:
        conn: The connection (None if there never was one: then nothing was made).
        undo: ``(what, step)`` pairs, e.g. ``("image cloudnotes-image-1", lambda: ...)``.
        problems: The error lines so far; the cleanup's own is added to them.
    """
    for index, (_, step) in enumerate(undo):
        try:
            step()
        except (openstack.exceptions.SDKException, ksa.ClientException) as exc:
            reason = explain(exc, conn)
            service = reason.split(":", 1)[0]  # "cannot reach the image service (glance)"
            if any(problem.startswith(service) for problem in problems):
                reason = f"{service} either"  # said once is enough
            left = ", ".join(what for what, _ in undo[index:])
            problems.append(f"left over: {left} ({reason})")
            return


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
        0 on success, 1 when the cloud cannot be used (one line on stderr, which names what
        could not be deleted if a service stopped answering).
    """
    cloud = os.environ.get("OS_CLOUD")
    if not cloud:
        print("error: OS_CLOUD is not set: name a cloud from clouds.yaml, "
              "e.g. OS_CLOUD=devstack", file=sys.stderr)
        return 1
    suffix = secrets.token_hex(6)
    conn = None
    undo: list = []  # filled as things are made; undone in the reverse order
    problems: list[str] = []
    try:
        conn = connect(cloud)
        network = create_network(conn, f"cloudnotes-net-{suffix}")
        undo.append((f"network {network.name}", lambda: conn.network.delete_network(network)))
        print(f"network {network.name}: status {network.status}, "
              f"admin_state_up {network.is_admin_state_up}")
        subnet = create_subnet(conn, network, f"cloudnotes-subnet-{suffix}")
        undo.append((f"subnet {subnet.name}", lambda: conn.network.delete_subnet(subnet)))
        print(f"subnet  {subnet.name}: {subnet.cidr}, gateway {subnet.gateway_ip}, "
              f"dhcp {subnet.is_dhcp_enabled}, pool {subnet.allocation_pools}")
        router = create_router(conn, f"cloudnotes-router-{suffix}")
        undo.append((f"router {router.name}", lambda: conn.network.delete_router(router)))
        gateway = router.external_gateway_info
        print(f"router  {router.name}: gateway on network {EXTERNAL_NETWORK!r}, "
              f"external address {[ip['ip_address'] for ip in gateway['external_fixed_ips']]}")
        attach(conn, router, subnet)
        undo.append((f"the interface of {router.name} on {subnet.name}",
                     lambda: conn.network.remove_interface_from_router(router,
                                                                       subnet_id=subnet.id)))
        print("plugged the subnet into the router; the router's ports now:")
        for port in sorted(conn.network.ports(device_id=router.id),
                           key=lambda p: p.device_owner):
            print(f"  {port.device_owner:<32} {[ip['ip_address'] for ip in port.fixed_ips]}")
    except (openstack.exceptions.SDKException, ksa.ClientException) as exc:
        problems.append(explain(exc, conn))
    finally:
        # interface, router, subnet, network: the reverse of creation
        clean_up(conn, undo[::-1], problems)
    if problems:
        print("error: " + "; ".join(problems), file=sys.stderr)
        return 1
    print("removed the interface, the router, the subnet and the network")
    return 0

if __name__ == "__main__":
    sys.exit(main())
