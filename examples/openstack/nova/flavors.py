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
import re
import sys
from urllib.parse import urlsplit

import openstack
from keystoneauth1 import exceptions as ksa

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
    conn = None
    try:
        conn = connect(cloud)
        flavors = list_flavors(conn)
    except (openstack.exceptions.SDKException, ksa.ClientException) as exc:
        print(f"error: {explain(exc, conn)}", file=sys.stderr)
        return 1
    print(f"{'name':<14} {'vcpus':>5} {'ram MiB':>8} {'disk GiB':>8} {'public':>6}")
    for f in flavors:
        print(f"{f.name:<14} {f.vcpus:>5} {f.ram:>8} {f.disk:>8} {f.is_public!s:>6}")
    print(f"{len(flavors)} flavors")
    return 0


if __name__ == "__main__":
    sys.exit(main())
