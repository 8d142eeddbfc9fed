"""List the service catalog: where every OpenStack service of this cloud can be reached.

Keystone keeps a catalog of services (compute, image, network, ...) and, for each, the URL
of its endpoints per interface: ``public`` for users, ``internal`` for traffic inside the
cloud, ``admin`` for operators. The catalog travels inside the token, so a client only needs
Keystone's address: it learns every other address from the answer.

Run it against any cloud named in clouds.yaml:

    OS_CLOUD=devstack python catalog.py
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


def catalog_endpoints(conn: openstack.connection.Connection) -> list[tuple[str, str, str, str]]:
    """Flatten the token's service catalog into one row per endpoint.

    Args:
        conn: An authenticated connection.

    Returns:
        ``(service type, service name, interface, url)`` rows, sorted by type and interface.
    """
    access = conn.session.auth.get_access(conn.session)
    rows = []
    for service in access.service_catalog.catalog:
        for endpoint in service.get("endpoints", []):
            rows.append((service["type"], service.get("name", ""),
                         endpoint["interface"], endpoint["url"]))
    return sorted(rows)


def main() -> int:
    """Print the catalog of the cloud named by OS_CLOUD.

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
        rows = catalog_endpoints(conn)
    except (openstack.exceptions.SDKException, ksa.ClientException) as exc:
        print(f"error: {explain(exc)}", file=sys.stderr)
        return 1
    print(f"{'type':<16} {'name':<12} {'interface':<10} url")
    for service_type, name, interface, url in rows:
        print(f"{service_type:<16} {name:<12} {interface:<10} {url}")
    services = {row[0] for row in rows}
    print(f"{len(services)} services, {len(rows)} endpoints")
    return 0


if __name__ == "__main__":
    sys.exit(main())
