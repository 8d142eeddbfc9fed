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

import logging
import os
import re
import secrets
import sys
from urllib.parse import urlsplit

import openstack
from keystoneauth1 import exceptions as ksa

EXTERNAL_NETWORK = os.environ.get("CLOUDNOTES_EXTERNAL_NETWORK", "public")
NETWORK = os.environ.get("CLOUDNOTES_NETWORK", "private")
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
        0 on success, 1 when the cloud cannot be used (one line on stderr, which names what
        could not be deleted if a service stopped answering).
    """
    cloud = os.environ.get("OS_CLOUD")
    if not cloud:
        print("error: OS_CLOUD is not set: name a cloud from clouds.yaml, "
              "e.g. OS_CLOUD=devstack", file=sys.stderr)
        return 1
    conn = port = floating_ip = None
    problems: list[str] = []
    try:
        conn = connect(cloud)
        external = conn.network.find_network(EXTERNAL_NETWORK, ignore_missing=False)
        network = conn.network.find_network(NETWORK, ignore_missing=False)
        port = conn.network.create_port(name=f"cloudnotes-port-{secrets.token_hex(6)}",
                                        network_id=network.id)
        ipv4 = [ip["ip_address"] for ip in port.fixed_ips if "." in ip["ip_address"]]
        print(f"port {port.name} on {network.name}: fixed ip {ipv4[0]}")
        floating_ip = allocate(conn, external)
        print(f"allocated from {external.name}:")
        show(floating_ip)
        print("associated with the port:")
        show(associate(conn, floating_ip, port))
        print("disassociated (the project still holds the address):")
        show(disassociate(conn, floating_ip))
    except (openstack.exceptions.SDKException, ksa.ClientException) as exc:
        problems.append(explain(exc, conn))
    finally:
        undo = []  # release the floating IP, then delete the port
        if floating_ip is not None:
            undo.append((f"floating IP {floating_ip.floating_ip_address}",
                         lambda: conn.network.delete_ip(floating_ip)))
        if port is not None:
            undo.append((f"port {port.name}", lambda: conn.network.delete_port(port)))
        clean_up(conn, undo, problems)
    if problems:
        print("error: " + "; ".join(problems), file=sys.stderr)
        return 1
    print("released the floating IP and deleted the port")
    return 0

if __name__ == "__main__":
    sys.exit(main())
