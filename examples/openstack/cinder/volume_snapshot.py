"""Take a snapshot of a Cinder volume, then delete the snapshot and the volume.

A volume snapshot is a point-in-time copy kept by the storage backend (often copy-on-write,
so it is quick and small at first). New volumes can be created from it later. A volume that
still has snapshots cannot be deleted: snapshots go first.

Run it against any cloud named in clouds.yaml:

    OS_CLOUD=devstack python volume_snapshot.py
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


def create_volume(conn: openstack.connection.Connection, name: str):
    """Ask Cinder for a 1 GiB volume (without waiting: it starts as ``creating``).

    Args:
        conn: An authenticated connection.
        name: The volume's name.

    Returns:
        The new volume.
    """
    return conn.block_storage.create_volume(name=name, size=1)


def snapshot(conn: openstack.connection.Connection, volume, name: str):
    """Ask Cinder for a snapshot of the volume (without waiting).

    Args:
        conn: An authenticated connection.
        volume: The volume to copy.
        name: The snapshot's name.

    Returns:
        The new snapshot, probably still ``creating``.
    """
    return conn.block_storage.create_snapshot(volume_id=volume.id, name=name,
                                              description="Cloud Notes example")


def wait_available(conn: openstack.connection.Connection, resource):
    """Wait until a volume or snapshot is ``available`` (raise if it goes to ``error``).

    Args:
        conn: An authenticated connection.
        resource: The volume or snapshot.

    Returns:
        The resource, now available.
    """
    return conn.block_storage.wait_for_status(resource, status="available",
                                              failures=["error"], wait=120)


def main() -> int:
    """Create a volume, snapshot it, show the snapshot, then delete both in order.

    Returns:
        0 on success, 1 when the cloud cannot be used.
    """
    cloud = os.environ.get("OS_CLOUD")
    if not cloud:
        print("error: OS_CLOUD is not set: name a cloud from clouds.yaml, "
              "e.g. OS_CLOUD=devstack", file=sys.stderr)
        return 1
    suffix = secrets.token_hex(6)
    conn = volume = snap = None
    try:
        conn = connect(cloud)
        volume = create_volume(conn, f"cloudnotes-volume-{suffix}")
        volume = wait_available(conn, volume)
        print(f"volume   {volume.name}: {volume.size} GiB, {volume.status}")
        snap = snapshot(conn, volume, f"cloudnotes-snapshot-{suffix}")
        snap = wait_available(conn, snap)
        print(f"snapshot {snap.name}: {snap.size} GiB, {snap.status}, "
              f"of volume {conn.block_storage.get_volume(snap.volume_id).name}")
        # Filtered here: not every Cinder accepts volume_id as a server-side snapshot filter.
        names = sorted(s.name for s in conn.block_storage.snapshots()
                       if s.volume_id == volume.id)
        print(f"snapshots of the volume: {names}")
    except (openstack.exceptions.SDKException, ksa.ClientException) as exc:
        print(f"error: {explain(exc)}", file=sys.stderr)
        return 1
    finally:
        if snap is not None:  # a volume with snapshots cannot be deleted: snapshot first
            conn.block_storage.delete_snapshot(snap)
            conn.block_storage.wait_for_delete(snap, wait=120)
            print("deleted the snapshot")
        if volume is not None:
            conn.block_storage.delete_volume(volume)
            conn.block_storage.wait_for_delete(volume, wait=120)
            print("deleted the volume")
    return 0


if __name__ == "__main__":
    sys.exit(main())
