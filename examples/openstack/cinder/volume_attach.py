"""Attach a Cinder volume to a Nova server and see the attachment from both sides.

A Cinder volume is a block device that lives apart from any server: it survives the server,
and can move from one server to another. Attaching is a conversation between the two
services: Nova asks Cinder to export the volume, connects it to the hypervisor, and both
record the link. Nova lists it among the server's volume attachments (with the device name it
expects the guest to use); Cinder lists the server in the volume's ``attachments`` and marks
the volume ``in-use``. The guest itself sees a new disk appear: the example prints what the
guest's serial console shows after the attach and after the detach (a guest that reports its
disks says so; CirrOS prints nothing).

The image is ``CLOUDNOTES_IMAGE`` if set, else the smallest public image that boots on its
own (kernel and ramdisk images do not count).

    OS_CLOUD=devstack python volume_attach.py
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

IMAGE = os.environ.get("CLOUDNOTES_IMAGE")
NETWORK = os.environ.get("CLOUDNOTES_NETWORK", "private")
LOGIN_PROMPT = re.compile(r"\S+ login: *$", re.M)
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
    elif isinstance(exc, LookupError):
        reason = str(exc)
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


def smallest_flavor(conn: openstack.connection.Connection):
    """Pick the flavor with the least RAM, so the boot fits anywhere.

    Args:
        conn: An authenticated connection.

    Returns:
        The smallest flavor.
    """
    return min(conn.compute.flavors(), key=lambda f: (f.ram, f.vcpus, f.disk))


def create_volume(conn: openstack.connection.Connection, name: str):
    """Ask Cinder for an empty 1 GiB volume (without waiting).

    Args:
        conn: An authenticated connection.
        name: The volume's name.

    Returns:
        The volume, probably still ``creating``.
    """
    return conn.block_storage.create_volume(name=name, size=1,
                                            description="Cloud Notes example")


def boot(conn: openstack.connection.Connection, name: str):
    """Request a small server on the network (without waiting).

    Args:
        conn: An authenticated connection.
        name: The server's name.

    Returns:
        The requested server.
    """
    image = bootable_image(conn)
    network = conn.network.find_network(NETWORK, ignore_missing=False)
    return conn.compute.create_server(name=name, image_id=image.id,
                                      flavor_id=smallest_flavor(conn).id,
                                      networks=[{"uuid": network.id}])


def bootable_image(conn: openstack.connection.Connection):
    """The image to boot: ``CLOUDNOTES_IMAGE``, else the smallest public self-booting image.

    Args:
        conn: An authenticated connection.

    Returns:
        The image.
    """
    if IMAGE:
        return conn.image.find_image(IMAGE, ignore_missing=False)
    images = [i for i in conn.image.images(visibility="public", status="active")
              if i.disk_format not in ("aki", "ari")]
    if not images:
        raise LookupError("the cloud has no public image to boot; set CLOUDNOTES_IMAGE")
    return min(images, key=lambda i: (i.size or 0, i.name))


def console(conn: openstack.connection.Connection, server) -> list[str]:
    """The guest's serial console, as lines ([] while Nova has none).

    Args:
        conn: An authenticated connection.
        server: The server.

    Returns:
        The console's lines.
    """
    try:
        text = conn.compute.get_server_console_output(server)["output"] or ""
    except (openstack.exceptions.ConflictException, openstack.exceptions.NotFoundException):
        return []
    return text.replace("\r", "").splitlines()


def wait_until_booted(conn: openstack.connection.Connection, server,
                      timeout: float = 180) -> None:
    """Wait until the guest's console shows a login prompt (its OS has booted).

    Args:
        conn: An authenticated connection.
        server: The ACTIVE server.
        timeout: Seconds to wait at most.
    """
    deadline = time.monotonic() + timeout
    while not LOGIN_PROMPT.search("\n".join(console(conn, server))):
        if time.monotonic() > deadline:
            raise LookupError(f"no login prompt on the server's console after {timeout:.0f} s")
        time.sleep(0.5)


def new_console_lines(conn: openstack.connection.Connection, server, seen: int,
                      wait: float = 10) -> list[str]:
    """The console lines the guest printed after the first `seen` lines (waiting up to `wait` s).

    Args:
        conn: An authenticated connection.
        server: The server.
        seen: How many lines the console had before.
        wait: Seconds to wait for something new.

    Returns:
        The new, non-empty lines.
    """
    deadline = time.monotonic() + wait
    while True:
        lines = [line for line in console(conn, server)[seen:] if line.strip()]
        if lines or time.monotonic() > deadline:
            return lines
        time.sleep(0.5)


def attach(conn: openstack.connection.Connection, server, volume):
    """Attach the volume to the server through Nova and wait until Cinder says ``in-use``.

    Args:
        conn: An authenticated connection.
        server: An ACTIVE server.
        volume: An ``available`` volume.

    Returns:
        The volume, now ``in-use``.
    """
    conn.compute.create_volume_attachment(server, volume_id=volume.id)
    return conn.block_storage.wait_for_status(volume, status="in-use",
                                              failures=["error"], wait=120)


def detach(conn: openstack.connection.Connection, server, volume):
    """Detach the volume through Nova and wait until Cinder says ``available`` again.

    Args:
        conn: An authenticated connection.
        server: The server the volume is attached to.
        volume: The attached volume.

    Returns:
        The volume, ``available`` again.
    """
    conn.compute.delete_volume_attachment(server, volume)
    return conn.block_storage.wait_for_status(volume, status="available",
                                              failures=["error"], wait=120)


def delete_server(conn: openstack.connection.Connection, server) -> None:
    """Delete the server and wait until Nova no longer lists it.

    Args:
        conn: An authenticated connection.
        server: The server.
    """
    conn.compute.delete_server(server)
    conn.compute.wait_for_delete(server, wait=120)


def delete_volume(conn: openstack.connection.Connection, volume) -> None:
    """Delete the volume and wait until Cinder no longer lists it.

    Args:
        conn: An authenticated connection.
        volume: The volume.
    """
    conn.block_storage.delete_volume(volume)
    conn.block_storage.wait_for_delete(volume, wait=120)


def show_both_sides(conn: openstack.connection.Connection, server, volume) -> None:
    """Print the attachment as Nova records it and as Cinder records it.

    Args:
        conn: An authenticated connection.
        server: The server.
        volume: The volume.
    """
    print(f"  nova:   server {server.name} volume attachments:")
    for attachment in conn.compute.volume_attachments(server):
        name = conn.block_storage.get_volume(attachment.volume_id).name
        print(f"            volume {name} as {attachment.device}")
    volume = conn.block_storage.get_volume(volume)
    print(f"  cinder: volume {volume.name} status {volume.status}, attachments:")
    for attachment in volume.attachments:
        name = conn.compute.get_server(attachment["server_id"]).name
        print(f"            server {name} as {attachment['device']}")


def main() -> int:
    """Create a volume and a server, attach, show both sides, detach, and delete both.

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
    conn = volume = server = None
    attached = False
    problems: list[str] = []
    try:
        conn = connect(cloud)
        volume = create_volume(conn, f"cloudnotes-volume-{suffix}")
        server = boot(conn, f"cloudnotes-server-{suffix}")
        volume = conn.block_storage.wait_for_status(volume, status="available",
                                                    failures=["error"], wait=120)
        print(f"volume {volume.name}: {volume.size} GiB, {volume.status}")
        server = conn.compute.wait_for_server(server, status="ACTIVE", wait=300)
        wait_until_booted(conn, server)
        print(f"server {server.name}: {server.status}, its OS booted")
        seen = len(console(conn, server))
        attached = True  # from the request on: a failed attach may still leave one behind
        attach(conn, server, volume)
        print("attached:")
        show_both_sides(conn, server, volume)
        print("  guest:  its console since the attach:")
        for line in new_console_lines(conn, server, seen) or ["(nothing new)"]:
            print(f"            | {line.strip()}")
        seen = len(console(conn, server))
        volume = detach(conn, server, volume)
        attached = False
        print(f"detached: volume {volume.status}, server attachments "
              f"{len(list(conn.compute.volume_attachments(server)))}, "
              f"volume attachments {len(volume.attachments)}")
        print("  guest:  its console since the detach:")
        for line in new_console_lines(conn, server, seen) or ["(nothing new)"]:
            print(f"            | {line.strip()}")
    except (openstack.exceptions.SDKException, ksa.ClientException, LookupError) as exc:
        problems.append(explain(exc, conn))
    finally:
        # The reverse of creation: detach, delete the server, then the volume; each step as
        # guarded as the rest, so a service that stopped answering leaves one line, not a trace.
        undo = []
        if attached:
            undo.append((f"the attachment of {volume.name}",
                         lambda: detach(conn, server, volume)))
        if server is not None:
            undo.append((f"server {server.name}", lambda: delete_server(conn, server)))
        if volume is not None:
            undo.append((f"volume {volume.name}", lambda: delete_volume(conn, volume)))
        clean_up(conn, undo, problems)
    if problems:
        print("error: " + "; ".join(problems), file=sys.stderr)
        return 1
    print("deleted the server and the volume")
    return 0


if __name__ == "__main__":
    sys.exit(main())
