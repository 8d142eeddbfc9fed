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


def main() -> int:
    """Create a container, upload, list, download, show the URLs, and delete everything.

    Returns:
        0 on success, 1 when the cloud cannot be used.
    """
    cloud = os.environ.get("OS_CLOUD")
    if not cloud:
        print("error: OS_CLOUD is not set: name a cloud from clouds.yaml, "
              "e.g. OS_CLOUD=devstack", file=sys.stderr)
        return 1
    container = f"cloudnotes-container-{secrets.token_hex(6)}"
    conn = None
    created = False
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
        print(f"error: {explain(exc)}", file=sys.stderr)
        return 1
    finally:
        if created:  # a container must be empty before it can be deleted
            for obj in conn.object_store.objects(container):
                conn.object_store.delete_object(obj, container=container)
            conn.object_store.delete_container(container)
            print(f"deleted {len(OBJECTS)} objects and the container")
    return 0


if __name__ == "__main__":
    sys.exit(main())
