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
    try:
        conn = connect(cloud)
        print(f"authenticated to cloud {cloud!r} with keystone at {conn.auth['auth_url']}")
        for key, value in token_facts(conn).items():
            print(f"  {key:<16} {value}")
    except (openstack.exceptions.SDKException, ksa.ClientException) as exc:
        print(f"error: {explain(exc)}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
