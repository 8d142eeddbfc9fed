"""Attach metadata to a Swift container and to an object, and read it back with HEAD.

Swift keeps metadata as HTTP headers: ``X-Container-Meta-<key>`` on containers,
``X-Object-Meta-<key>`` on objects, next to system headers such as ``Content-Type``. A HEAD
request returns them without the data. One trap: a POST to an object *replaces* all of its
custom metadata (keys it does not repeat are gone), while on a container it adds or updates
only the keys it names. openstacksdk's ``set_object_metadata`` hides this by reading the
current metadata first and sending everything back.

Run it against any cloud named in clouds.yaml:

    OS_CLOUD=devstack python object_metadata.py
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


def object_metadata(conn: openstack.connection.Connection, container: str,
                    name: str) -> dict[str, str]:
    """HEAD an object and return its custom metadata plus its content type.

    Args:
        conn: An authenticated connection.
        container: The container's name.
        name: The object's name.

    Returns:
        The ``X-Object-Meta-*`` keys (lower case) and ``content-type``.
    """
    obj = conn.object_store.get_object_metadata(name, container=container)
    return {**dict(sorted(obj.metadata.items())), "content-type": obj.content_type}


def raw_post(conn: openstack.connection.Connection, container: str, name: str,
             headers: dict[str, str]) -> int:
    """Send a bare POST to the object, as Swift's API defines it (no merging by the client).

    Args:
        conn: An authenticated connection.
        container: The container's name.
        name: The object's name.
        headers: The headers to send, e.g. ``{"X-Object-Meta-Owner": "ops"}``.

    Returns:
        The HTTP status code (202 Accepted).
    """
    return conn.object_store.post(f"/{container}/{name}", headers=headers).status_code


def main() -> int:
    """Set, read, update and overwrite metadata on a container and an object.

    Returns:
        0 on success, 1 when the cloud cannot be used.
    """
    cloud = os.environ.get("OS_CLOUD")
    if not cloud:
        print("error: OS_CLOUD is not set: name a cloud from clouds.yaml, "
              "e.g. OS_CLOUD=devstack", file=sys.stderr)
        return 1
    container = f"cloudnotes-container-{secrets.token_hex(6)}"
    name = "report.json"
    conn = None
    created = False
    try:
        conn = connect(cloud)
        conn.object_store.create_container(name=container)
        created = True
        conn.object_store.set_container_metadata(container, project="cloud-notes", tier="demo")
        meta = conn.object_store.get_container_metadata(container).metadata
        print(f"container {container} metadata: {dict(sorted(meta.items()))}")

        conn.object_store.upload_object(container=container, name=name, data=b'{"ok": true}',
                                        content_type="application/json")
        conn.object_store.set_object_metadata(name, container=container,
                                              owner="alice", reviewed="no")
        print(f"object {name} after upload + set:         "
              f"{object_metadata(conn, container, name)}")
        conn.object_store.set_object_metadata(name, container=container, reviewed="yes")
        print(f"after the SDK's set (it merges):           "
              f"{object_metadata(conn, container, name)}")
        status = raw_post(conn, container, name, {"X-Object-Meta-Reviewed": "again"})
        print(f"after a bare POST (HTTP {status}) naming one key: "
              f"{object_metadata(conn, container, name)}")
    except (openstack.exceptions.SDKException, ksa.ClientException) as exc:
        print(f"error: {explain(exc)}", file=sys.stderr)
        return 1
    finally:
        if created:
            for obj in conn.object_store.objects(container):
                conn.object_store.delete_object(obj, container=container)
            conn.object_store.delete_container(container)
            print("deleted the object and the container")
    return 0


if __name__ == "__main__":
    sys.exit(main())
