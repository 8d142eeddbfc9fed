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


def delete(conn: openstack.connection.Connection, resource, what: str) -> None:
    """Delete a volume or a snapshot and wait until Cinder no longer lists it.

    Args:
        conn: An authenticated connection.
        resource: The volume or snapshot.
        what: ``volume`` or ``snapshot``, for the line printed.
    """
    if what == "snapshot":
        conn.block_storage.delete_snapshot(resource)
    else:
        conn.block_storage.delete_volume(resource)
    conn.block_storage.wait_for_delete(resource, wait=120)
    print(f"deleted the {what}")


def main() -> int:
    """Create a volume, snapshot it, show the snapshot, then delete both in order.

    Returns:
        0 on success, 1 when the cloud cannot be used (one line on stderr, which names what
        could not be deleted if a service stopped answering midway).
    """
    cloud = os.environ.get("OS_CLOUD")
    if not cloud:
        print("error: OS_CLOUD is not set: name a cloud from clouds.yaml, "
              "e.g. OS_CLOUD=devstack", file=sys.stderr)
        return 1
    suffix = secrets.token_hex(6)
    conn = volume = snap = None
    problems: list[str] = []
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
        problems.append(explain(exc, conn))
    finally:
        # a volume with snapshots cannot be deleted: the snapshot goes first
        undo = [(f"snapshot {snap.name}", lambda: delete(conn, snap, "snapshot"))] if snap else []
        if volume is not None:
            undo.append((f"volume {volume.name}", lambda: delete(conn, volume, "volume")))
        clean_up(conn, undo, problems)
    if problems:
        print("error: " + "; ".join(problems), file=sys.stderr)
        return 1
    return 0

if __name__ == "__main__":
    sys.exit(main())
