"""Store objects in Swift and see that each one has its own URL.

Swift is object storage: no volumes, no filesystems, just *accounts* (one per project,
``AUTH_<project id>``), *containers* in them, and *objects* in containers, each reachable at
``<endpoint>/v1/AUTH_<project>/<container>/<object>``. Every operation is an HTTP verb on
that URL: PUT uploads, GET downloads, DELETE removes, and a GET on the container lists it.
Without a token (or an ACL, or a temp URL) the same URL answers 401.

Run it against any cloud named in clouds.yaml:

    OS_CLOUD=devstack python object_urls.py
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

OBJECTS = {
    "hello.txt": b"hello from Cloud Notes\n",
    "reports/2026/summary.csv": b"service,objects\nswift,3\n",
    "photos/cat.jpg": bytes(range(256)) * 16,
}


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


def object_url(conn: openstack.connection.Connection, container: str, name: str) -> str:
    """Build an object's URL from the project's Swift endpoint (its account URL).

    Args:
        conn: An authenticated connection.
        container: The container's name.
        name: The object's name (slashes are just characters in it).

    Returns:
        The object's full URL.
    """
    return f"{conn.object_store.get_endpoint().rstrip('/')}/{container}/{name}"


def upload_all(conn: openstack.connection.Connection, container: str) -> None:
    """PUT every object of OBJECTS into the container.

    Args:
        conn: An authenticated connection.
        container: The container's name.
    """
    for name, data in OBJECTS.items():
        conn.object_store.upload_object(container=container, name=name, data=data)


def anonymous_get(url: str) -> str:
    """GET a URL without any token, the way a browser would.

    Args:
        url: The URL.

    Returns:
        The HTTP status line, e.g. ``401 Unauthorized``.
    """
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return f"{response.status} {response.reason}"
    except urllib.error.HTTPError as err:
        return f"{err.code} {err.reason}"


def delete_container(conn: openstack.connection.Connection, container: str) -> int:
    """Delete every object of the container, then the container (it must be empty first).

    Args:
        conn: An authenticated connection.
        container: The container's name.

    Returns:
        How many objects were deleted.
    """
    names = [obj.name for obj in conn.object_store.objects(container)]
    for name in names:
        conn.object_store.delete_object(name, container=container)
    conn.object_store.delete_container(container)
    return len(names)


def main() -> int:
    """Create a container, upload, list, download, show the URLs, and delete everything.

    Returns:
        0 on success, 1 when the cloud cannot be used (one line on stderr, which names what
        could not be deleted if a service stopped answering).
    """
    cloud = os.environ.get("OS_CLOUD")
    if not cloud:
        print("error: OS_CLOUD is not set: name a cloud from clouds.yaml, "
              "e.g. OS_CLOUD=devstack", file=sys.stderr)
        return 1
    container = f"cloudnotes-container-{secrets.token_hex(6)}"
    conn = None
    created = False
    problems: list[str] = []
    try:
        conn = connect(cloud)
        conn.object_store.create_container(name=container)
        created = True
        print(f"account URL  {conn.object_store.get_endpoint()}")
        print(f"container    {container}")
        upload_all(conn, container)
        print("objects and their URLs:")
        for obj in sorted(conn.object_store.objects(container), key=lambda o: o.name):
            path = urlsplit(object_url(conn, container, obj.name)).path
            print(f"  {obj.name:<26} {obj.content_length:>5} bytes  {path}")
        data = conn.object_store.download_object("hello.txt", container=container)
        print(f"download hello.txt with a token: {data!r}")
        status = anonymous_get(object_url(conn, container, "hello.txt"))
        print(f"GET hello.txt without a token: {status}")
    except (openstack.exceptions.SDKException, ksa.ClientException) as exc:
        problems.append(explain(exc, conn))
    finally:
        if created:
            def undo() -> None:
                delete_container(conn, container)
                print(f"deleted {len(OBJECTS)} objects and the container")

            clean_up(conn, [(f"container {container} and its objects", undo)], problems)
    if problems:
        print("error: " + "; ".join(problems), file=sys.stderr)
        return 1
    return 0

if __name__ == "__main__":
    sys.exit(main())
