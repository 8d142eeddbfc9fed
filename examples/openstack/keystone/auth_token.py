"""Authenticate against Keystone and look inside the token it hands back.

Every OpenStack call starts here: the client sends a user name and password to Keystone,
Keystone answers with a token scoped to one project, and that token (sent as the
``X-Auth-Token`` header) carries who you are, which project you act in, which roles you hold
there, when it expires, and the service catalog that tells the client where every other
service lives.

Run it against any cloud named in clouds.yaml:

    OS_CLOUD=devstack python auth_token.py
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



def token_facts(conn: openstack.connection.Connection) -> dict[str, object]:
    """Read what Keystone put into the current token.

    Args:
        conn: An authenticated connection.

    Returns:
        The user, project, domain, roles, expiry and catalog size of the token.
    """
    access = conn.session.auth.get_access(conn.session)
    return {
        "user": access.username,
        "user id": access.user_id,
        "project": access.project_name,
        "project id": access.project_id,
        "domain": access.project_domain_name,
        "roles": ", ".join(sorted(access.role_names)),
        "issued at": access.issued.isoformat(),
        "expires at": access.expires.isoformat(),
        "lifetime (h)": round((access.expires - access.issued).total_seconds() / 3600, 1),
        "catalog entries": len(access.service_catalog.catalog),
    }


def main() -> int:
    """Authenticate as the cloud named by OS_CLOUD and print the token's contents.

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
        print(f"authenticated to cloud {cloud!r} with keystone at {conn.auth['auth_url']}")
        for key, value in token_facts(conn).items():
            print(f"  {key:<16} {value}")
    except (openstack.exceptions.SDKException, ksa.ClientException) as exc:
        print(f"error: {explain(exc, conn)}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
