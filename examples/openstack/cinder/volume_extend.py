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
import re
import secrets
import sys
import time
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


def delete_volumes(conn: openstack.connection.Connection, name: str) -> None:
    """Delete every volume of that name and wait until Cinder no longer lists it (by name:
    also one whose create request got no answer, which Cinder may still have made).

    Args:
        conn: An authenticated connection.
        name: The volumes' name.
    """
    # Filtered here: not every Cinder accepts name as a server-side filter.
    for volume in [v for v in conn.block_storage.volumes() if v.name == name]:
        conn.block_storage.delete_volume(volume)
        conn.block_storage.wait_for_delete(volume, wait=120)
        print("deleted the volume")


def main() -> int:
    """Create a 1 GiB volume, extend it to 2 GiB, try to shrink it, and delete it.

    Returns:
        0 on success, 1 when the cloud cannot be used (one line on stderr, which names what
        could not be deleted if a service stopped answering midway).
    """
    cloud = os.environ.get("OS_CLOUD")
    if not cloud:
        print("error: OS_CLOUD is not set: name a cloud from clouds.yaml, "
              "e.g. OS_CLOUD=devstack", file=sys.stderr)
        return 1
    name = f"cloudnotes-volume-{secrets.token_hex(6)}"
    conn = None
    problems: list[str] = []
    try:
        conn = connect(cloud)
        volume = create_volume(conn, name, 1)
        volume = conn.block_storage.wait_for_status(volume, status="available",
                                                    failures=["error"], wait=120)
        print(f"volume {volume.name}: {volume.size} GiB, {volume.status}")
        print("extending to 2 GiB")
        volume = extend(conn, volume, 2)
        print(f"volume {volume.name}: {volume.size} GiB, {volume.status}")
        print(f"shrinking back to 1 GiB: refused, {shrink_refused(conn, volume, 1)}")
    except (openstack.exceptions.SDKException, ksa.ClientException, TimeoutError) as exc:
        problems.append(explain(exc, conn))
    finally:
        if conn is not None:
            clean_up(conn, [(f"volume {name}", lambda: delete_volumes(conn, name))], problems)
    if problems:
        print("error: " + "; ".join(problems), file=sys.stderr)
        return 1
    return 0

if __name__ == "__main__":
    sys.exit(main())
