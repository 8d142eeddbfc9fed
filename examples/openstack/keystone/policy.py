"""Watch Keystone's policy refuse an admin operation to an ordinary project member.

Authentication (who are you?) is not authorisation (may you do this?). After Keystone has
accepted the password, every service checks each API call against its policy rules, which
look at the roles in the token. A ``member`` of a project may manage the project's servers
and volumes, but creating projects or listing every user of the cloud is reserved to
``admin``: the service answers ``403 Forbidden``.

Run it as a NON-admin user:

    OS_CLOUD=devstack python policy.py
"""

from __future__ import annotations

import logging
import os
import secrets
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


def try_call(label: str, call) -> bool:
    """Make one API call and report whether policy allowed it.

    Args:
        label: What the call does, for the printout.
        call: A function without arguments making the call.

    Returns:
        True if the call was allowed, False if it was refused with 403.
    """
    try:
        result = call()
    except openstack.exceptions.ForbiddenException as exc:
        print(f"{label}: refused, HTTP {exc.status_code} Forbidden")
        print(f"  keystone says: {' '.join(str(exc.details).split())}")
        return False
    print(f"{label}: allowed ({result})")
    return True


def main() -> int:
    """Make two admin-only calls and one ordinary call as the cloud named by OS_CLOUD.

    Returns:
        0 when the admin-only calls were refused, 1 when the cloud cannot be used or the
        user turned out to be an administrator (the demonstration needs a non-admin).
    """
    cloud = os.environ.get("OS_CLOUD")
    if not cloud:
        print("error: OS_CLOUD is not set: name a non-admin cloud from clouds.yaml, "
              "e.g. OS_CLOUD=devstack", file=sys.stderr)
        return 1
    name = f"cloudnotes-project-{secrets.token_hex(6)}"
    created = None
    try:
        conn = connect(cloud)
        access = conn.session.auth.get_access(conn.session)
        if "admin" in access.role_names:
            print(f"error: cloud {cloud!r} is an admin: this example needs a non-admin user "
                  "(e.g. OS_CLOUD=devstack)", file=sys.stderr)
            return 1
        print(f"user {access.username!r}, roles {sorted(access.role_names)} "
              f"in project {access.project_name!r}")
        try_call("read my own project", lambda: conn.identity.get_project(access.project_id).name)

        def create_project():
            nonlocal created
            created = conn.identity.create_project(name=name, domain_id="default")
            return created.name

        allowed = try_call("create a project", create_project)
        allowed |= try_call("list all users", lambda: len(list(conn.identity.users())))
    except (openstack.exceptions.SDKException, ksa.ClientException) as exc:
        print(f"error: {explain(exc)}", file=sys.stderr)
        return 1
    finally:
        if created is not None:  # only if policy let it through, which it should not
            conn.identity.delete_project(created)
    if allowed:
        print("error: an admin-only call was allowed to a non-admin user", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
