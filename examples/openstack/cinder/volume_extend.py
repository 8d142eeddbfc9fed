"""Grow a Cinder volume from 1 GiB to 2 GiB.

Volumes can grow but never shrink. Extending changes the size on the storage backend; an
attached volume can be extended too on recent clouds (Nova tells the guest), but the
filesystem inside must still be grown by the guest itself.

Run it against any cloud named in clouds.yaml:

    OS_CLOUD=devstack python volume_extend.py
"""

from __future__ import annotations

import logging
import os
import secrets
import sys
import time

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


def create_volume(conn: openstack.connection.Connection, name: str, size: int):
    """Ask Cinder for a volume (without waiting: it starts as ``creating``).

    Args:
        conn: An authenticated connection.
        name: The volume's name.
        size: Its size in GiB.

    Returns:
        The new volume.
    """
    return conn.block_storage.create_volume(name=name, size=size)


def extend(conn: openstack.connection.Connection, volume, size: int, timeout: float = 120):
    """Grow the volume to `size` GiB and wait until Cinder reports the new size.

    The request returns at once; the volume goes ``extending`` and back to ``available``
    with the new size, so wait for both (``available`` alone may still be the old state).

    Args:
        conn: An authenticated connection.
        volume: The volume.
        size: The new size in GiB (larger than the current one).
        timeout: Seconds to wait.

    Returns:
        The volume at its new size.

    Raises:
        TimeoutError: The volume did not reach the size in time.
    """
    conn.block_storage.extend_volume(volume, size)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        volume = conn.block_storage.get_volume(volume)
        if volume.status == "error_extending":
            raise openstack.exceptions.ResourceFailure(f"extending {volume.name} failed")
        if volume.status == "available" and volume.size == size:
            return volume
        time.sleep(1)
    raise TimeoutError(f"{volume.name} is still {volume.status}, {volume.size} GiB")


def shrink_refused(conn: openstack.connection.Connection, volume, size: int) -> str | None:
    """Try to make the volume smaller; Cinder refuses.

    Args:
        conn: An authenticated connection.
        volume: The volume.
        size: A size smaller than the current one.

    Returns:
        Cinder's reason for refusing, or None if it accepted (it should not).
    """
    try:
        conn.block_storage.extend_volume(volume, size)
    except openstack.exceptions.BadRequestException as exc:
        return f"HTTP {exc.status_code}: {' '.join(str(exc.details).split())}"
    return None


def main() -> int:
    """Create a 1 GiB volume, extend it to 2 GiB, try to shrink it, and delete it.

    Returns:
        0 on success, 1 when the cloud cannot be used.
    """
    cloud = os.environ.get("OS_CLOUD")
    if not cloud:
        print("error: OS_CLOUD is not set: name a cloud from clouds.yaml, "
              "e.g. OS_CLOUD=devstack", file=sys.stderr)
        return 1
    conn = volume = None
    try:
        conn = connect(cloud)
        volume = create_volume(conn, f"cloudnotes-volume-{secrets.token_hex(6)}", 1)
        volume = conn.block_storage.wait_for_status(volume, status="available",
                                                    failures=["error"], wait=120)
        print(f"volume {volume.name}: {volume.size} GiB, {volume.status}")
        print("extending to 2 GiB")
        volume = extend(conn, volume, 2)
        print(f"volume {volume.name}: {volume.size} GiB, {volume.status}")
        print(f"shrinking back to 1 GiB: refused, {shrink_refused(conn, volume, 1)}")
    except (openstack.exceptions.SDKException, ksa.ClientException, TimeoutError) as exc:
        print(f"error: {explain(exc)}", file=sys.stderr)
        return 1
    finally:
        if volume is not None:
            conn.block_storage.delete_volume(volume)
            conn.block_storage.wait_for_delete(volume, wait=120)
            print("deleted the volume")
    return 0


if __name__ == "__main__":
    sys.exit(main())
