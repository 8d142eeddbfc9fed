"""Create a project and a user, give the user a role in the project, then remove both.

Admin only: run it as a cloud administrator (``OS_CLOUD=devstack-admin`` on DevStack).
Keystone's identity data is three things tied together: *who* (a user), *where* (a
project, which owns resources and quotas) and *what they may do there* (a role). A user
can do nothing in a project until a role assignment links the three.

Run it against any cloud named in clouds.yaml, with admin credentials:

    OS_CLOUD=devstack-admin python identity_admin.py
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

ROLE = "member"
API_TIMEOUT = 60  # seconds a request may take when clouds.yaml sets no api_timeout


def connect(cloud: str) -> openstack.connection.Connection:
    """Open a connection to a cloud from clouds.yaml and authenticate right away.

    Every request gives up after the cloud's ``api_timeout`` from clouds.yaml, else after
    API_TIMEOUT seconds: a service that hangs makes the example fail, not hang.

    Args:
        cloud: The cloud's name in clouds.yaml, e.g. ``devstack-admin``.

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
        0 on success, 1 when the cloud cannot be used or is not an admin cloud (one line on
        stderr, which names what could not be deleted if Keystone stopped answering midway).
    """
    cloud = os.environ.get("OS_CLOUD")
    if not cloud:
        print("error: OS_CLOUD is not set: name an admin cloud from clouds.yaml, "
              "e.g. OS_CLOUD=devstack-admin", file=sys.stderr)
        return 1
    suffix = secrets.token_hex(6)
    conn = project = user = None
    problems: list[str] = []
    try:
        conn = connect(cloud)
        require_admin(conn)
        project = create_project(conn, f"cloudnotes-project-{suffix}")
        print(f"created project {project.name} ({project.id})")
        user = create_user(conn, f"cloudnotes-user-{suffix}", project)
        print(f"created user    {user.name} ({user.id})")
        print(f"assignments before: {assignments(conn, project)}")
        role = assign_role(conn, project, user, ROLE)
        print(f"assigned role {role.name!r} to the user in the project")
        for user_name, role_name in assignments(conn, project):
            print(f"assignment: user {user_name} has role {role_name!r} in {project.name}")
    except (openstack.exceptions.SDKException, ksa.ClientException, PermissionError) as exc:
        problems.append(explain(exc, conn))
    finally:
        undo = []  # user first, then project: the reverse of creation
        if user is not None:
            undo.append((f"user {user.name}", lambda: conn.identity.delete_user(user)))
        if project is not None:
            undo.append((f"project {project.name}",
                         lambda: conn.identity.delete_project(project)))
        clean_up(conn, undo, problems)
    if problems:
        print("error: " + "; ".join(problems), file=sys.stderr)
        return 1
    print("deleted the user and the project")
    return 0

if __name__ == "__main__":
    sys.exit(main())
