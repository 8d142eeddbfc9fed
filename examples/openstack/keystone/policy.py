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
import re
import secrets
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
    conn = created = None
    allowed = False
    problems: list[str] = []
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
        problems.append(explain(exc, conn))
    finally:
        if created is not None:  # only if policy let it through, which it should not
            clean_up(conn, [(f"project {name}", lambda: conn.identity.delete_project(created))],
                     problems)
    if allowed:
        problems.append("an admin-only call was allowed to a non-admin user")
    if problems:
        print("error: " + "; ".join(problems), file=sys.stderr)
        return 1
    return 0

if __name__ == "__main__":
    sys.exit(main())
