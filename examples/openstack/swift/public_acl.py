"""Share a Swift container through its read ACL: first with one user of another project,
then with everybody, and see a container without an ACL stay private.

A Swift account belongs to one project; by default only that project's members may read
it. The container header ``X-Container-Read`` (the read ACL) widens this:
``<project id>:<user id>`` lets one user of another project read the objects with their own
token, and ``.r:*,.rlistings`` lets anyone read objects and list the container, without any
token at all. This example needs two clouds from clouds.yaml: the owner (``OS_CLOUD``) and a
user of a different project (``CLOUDNOTES_OTHER_CLOUD``, default ``devstack-alt``, the name
DevStack's clouds.yaml gives the ``alt_demo`` user).

Run it against two clouds named in clouds.yaml:

    OS_CLOUD=devstack CLOUDNOTES_OTHER_CLOUD=devstack-alt python public_acl.py
"""

from __future__ import annotations

import logging
import os
import re
import secrets
import sys
import urllib.error
import urllib.request
from urllib.parse import urlsplit

import openstack
from keystoneauth1 import exceptions as ksa

OTHER_CLOUD = os.environ.get("CLOUDNOTES_OTHER_CLOUD", "devstack-alt")
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


def make_container(conn: openstack.connection.Connection, name: str) -> str:
    """Create a container holding one small object, ``note.txt``.

    Args:
        conn: The owner's connection.
        name: The container's name.

    Returns:
        The URL of ``note.txt``.
    """
    conn.object_store.create_container(name=name)
    conn.object_store.upload_object(container=name, name="note.txt", data=b"shared note\n")
    return f"{conn.object_store.get_endpoint().rstrip('/')}/{name}/note.txt"


def read_as_user(other: openstack.connection.Connection, url: str) -> int:
    """GET a URL with the other project's user token.

    Args:
        other: The other user's connection.
        url: The URL, in the owner's account.

    Returns:
        The HTTP status code.
    """
    return other.session.get(url, raise_exc=False).status_code


def read_anonymously(url: str) -> int:
    """GET a URL with no token at all.

    Args:
        url: The URL.

    Returns:
        The HTTP status code.
    """
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.status
    except urllib.error.HTTPError as err:
        return err.code


def set_read_acl(conn: openstack.connection.Connection, container: str, acl: str) -> None:
    """Set the container's read ACL (``X-Container-Read``).

    Args:
        conn: The owner's connection.
        container: The container's name.
        acl: The ACL, e.g. ``.r:*,.rlistings`` or ``<project id>:<user id>``.
    """
    conn.object_store.set_container_metadata(container, read_ACL=acl)


def delete_container(conn: openstack.connection.Connection, name: str) -> None:
    """Delete the container's objects, then the container itself.

    Args:
        conn: The owner's connection.
        name: The container's name.
    """
    try:
        for obj in conn.object_store.objects(name):
            conn.object_store.delete_object(obj, container=name)
    except openstack.exceptions.NotFoundException:
        return  # never got created
    conn.object_store.delete_container(name)


def main() -> int:
    """Walk a container from private to shared-with-one-user to public.

    Returns:
        0 on success, 1 when either cloud cannot be used.
    """
    cloud = os.environ.get("OS_CLOUD")
    if not cloud:
        print("error: OS_CLOUD is not set: name a cloud from clouds.yaml, "
              "e.g. OS_CLOUD=devstack", file=sys.stderr)
        return 1
    suffix = secrets.token_hex(6)
    shared, private = f"cloudnotes-shared-{suffix}", f"cloudnotes-private-{suffix}"
    conn = None
    made: list[str] = []
    problems: list[str] = []
    try:
        conn = connect(cloud)
        other = connect(OTHER_CLOUD)
        me = conn.session.auth.get_access(conn.session)
        them = other.session.auth.get_access(other.session)
        if me.project_id == them.project_id:
            print(f"error: {cloud!r} and {OTHER_CLOUD!r} are in the same project; "
                  "name a user of another project in CLOUDNOTES_OTHER_CLOUD", file=sys.stderr)
            return 1
        print(f"owner {me.username}@{me.project_name}, reader {them.username}@{them.project_name}")
        made.append(shared)
        shared_url = make_container(conn, shared)
        made.append(private)
        private_url = make_container(conn, private)

        print("no ACL yet:")
        print(f"  reader GET {shared}/note.txt -> {read_as_user(other, shared_url)}")
        print(f"  anonymous GET -> {read_anonymously(shared_url)}")

        acl = f"{them.project_id}:{them.user_id}"
        set_read_acl(conn, shared, acl)
        print(f"read ACL {acl}:")
        print(f"  reader GET {shared}/note.txt -> {read_as_user(other, shared_url)}")
        print(f"  anonymous GET -> {read_anonymously(shared_url)}")
        print(f"  reader GET {private}/note.txt (no ACL) -> {read_as_user(other, private_url)}")

        set_read_acl(conn, shared, ".r:*,.rlistings")
        print("read ACL .r:*,.rlistings:")
        print(f"  anonymous GET {shared}/note.txt -> {read_anonymously(shared_url)}")
        listing = shared_url.rsplit("/", 1)[0]
        print(f"  anonymous GET {shared} (listing) -> {read_anonymously(listing)}")
        print(f"  anonymous GET {private}/note.txt (no ACL) -> {read_anonymously(private_url)}")
    except (openstack.exceptions.SDKException, ksa.ClientException) as exc:
        problems.append(explain(exc, conn))
    finally:
        if made:
            def undo() -> None:
                for name in made:
                    delete_container(conn, name)
                print("deleted both containers")

            clean_up(conn, [(f"containers {' and '.join(made)} with their objects", undo)],
                     problems)
    if problems:
        print("error: " + "; ".join(problems), file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
