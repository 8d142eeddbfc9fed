"""Create a project and a user, give the user a role in the project, then remove both.

Admin only: run it as a cloud administrator (``OS_CLOUD=devstack-admin`` on DevStack).
Keystone's identity data is three things tied together: *who* (a user), *where* (a
project, which owns resources and quotas) and *what they may do there* (a role). A user
can do nothing in a project until a role assignment links the three.

Run it against any cloud named in clouds.yaml, with admin credentials:

    OS_CLOUD=devstack-admin python identity_admin.py
"""

from __future__ import annotations

import contextlib
import logging
import os
import secrets
import sys

import openstack
from keystoneauth1 import exceptions as ksa

ROLE = "member"


def connect(cloud: str) -> openstack.connection.Connection:
    """Open a connection to a cloud from clouds.yaml and authenticate right away.

    Args:
        cloud: The cloud's name in clouds.yaml, e.g. ``devstack-admin``.

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


def require_admin(conn: openstack.connection.Connection) -> None:
    """Stop early, with a clear reason, unless the token carries the admin role.

    Args:
        conn: An authenticated connection.

    Raises:
        PermissionError: The user is not an administrator.
    """
    roles = conn.session.auth.get_access(conn.session).role_names
    if "admin" not in roles:
        raise PermissionError(f"this example needs an admin cloud (e.g. devstack-admin); "
                              f"the current token's roles are {sorted(roles)}")


def create_project(conn: openstack.connection.Connection, name: str):
    """Create a project in the default domain.

    Args:
        conn: An admin connection.
        name: The new project's name.

    Returns:
        The created project.
    """
    return conn.identity.create_project(name=name, domain_id="default",
                                        description="made by Cloud Notes, removed at once")


def create_user(conn: openstack.connection.Connection, name: str, project):
    """Create a user whose default project is `project`.

    Args:
        conn: An admin connection.
        name: The new user's name.
        project: The project the user lands in by default.

    Returns:
        The created user.
    """
    return conn.identity.create_user(name=name, domain_id="default", default_project_id=project.id,
                                     password=secrets.token_urlsafe(16))


def assign_role(conn: openstack.connection.Connection, project, user, role_name: str):
    """Give `user` the role `role_name` in `project`.

    Args:
        conn: An admin connection.
        project: Where the role applies.
        user: Who gets the role.
        role_name: The role, e.g. ``member``.

    Returns:
        The role that was assigned.
    """
    role = conn.identity.find_role(role_name, ignore_missing=False)
    conn.identity.assign_project_role_to_user(project, user, role)
    return role


def assignments(conn: openstack.connection.Connection, project) -> list[tuple[str, str]]:
    """List who holds which role in `project`, with names resolved by Keystone.

    Args:
        conn: An admin connection.
        project: The project to look at.

    Returns:
        ``(user name, role name)`` pairs.
    """
    found = conn.identity.role_assignments(scope_project_id=project.id, include_names=True)
    return sorted((a.user["name"], a.role["name"]) for a in found if a.user)


def main() -> int:
    """Create a project and a user, link them with a role, show it, and clean up.

    Returns:
        0 on success, 1 when the cloud cannot be used or is not an admin cloud.
    """
    cloud = os.environ.get("OS_CLOUD")
    if not cloud:
        print("error: OS_CLOUD is not set: name an admin cloud from clouds.yaml, "
              "e.g. OS_CLOUD=devstack-admin", file=sys.stderr)
        return 1
    suffix = secrets.token_hex(6)
    cleanup = contextlib.ExitStack()
    try:
        conn = connect(cloud)
        require_admin(conn)
        project = create_project(conn, f"cloudnotes-project-{suffix}")
        cleanup.callback(conn.identity.delete_project, project)
        print(f"created project {project.name} ({project.id})")
        user = create_user(conn, f"cloudnotes-user-{suffix}", project)
        cleanup.callback(conn.identity.delete_user, user)
        print(f"created user    {user.name} ({user.id})")
        print(f"assignments before: {assignments(conn, project)}")
        role = assign_role(conn, project, user, ROLE)
        print(f"assigned role {role.name!r} to the user in the project")
        for user_name, role_name in assignments(conn, project):
            print(f"assignment: user {user_name} has role {role_name!r} in {project.name}")
    except (openstack.exceptions.SDKException, ksa.ClientException, PermissionError) as exc:
        print(f"error: {explain(exc)}", file=sys.stderr)
        return 1
    finally:
        cleanup.close()  # user first, then project: the reverse of creation
    print("deleted the user and the project")
    return 0


if __name__ == "__main__":
    sys.exit(main())
