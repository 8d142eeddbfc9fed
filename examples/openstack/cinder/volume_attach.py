"""Attach a Cinder volume to a Nova server and see the attachment from both sides.

A Cinder volume is a block device that lives apart from any server: it survives the server,
and can move from one server to another. Attaching is a conversation between the two
services: Nova asks Cinder to export the volume, connects it to the hypervisor, and both
record the link. Nova lists it among the server's volume attachments (with the device name
the guest sees); Cinder lists the server in the volume's ``attachments`` and marks the
volume ``in-use``.

Run it against any cloud named in clouds.yaml that has the image and network below:

    OS_CLOUD=devstack python volume_attach.py
"""

from __future__ import annotations

import logging
import os
import secrets
import sys

import openstack
from keystoneauth1 import exceptions as ksa

IMAGE = os.environ.get("CLOUDNOTES_IMAGE", "cirros-0.6.3-x86_64-disk")
NETWORK = os.environ.get("CLOUDNOTES_NETWORK", "private")


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
    image = conn.image.find_image(IMAGE, ignore_missing=False)
    network = conn.network.find_network(NETWORK, ignore_missing=False)
    return conn.compute.create_server(name=name, image_id=image.id,
                                      flavor_id=smallest_flavor(conn).id,
                                      networks=[{"uuid": network.id}])


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
        0 on success, 1 when the cloud cannot be used.
    """
    cloud = os.environ.get("OS_CLOUD")
    if not cloud:
        print("error: OS_CLOUD is not set: name a cloud from clouds.yaml, "
              "e.g. OS_CLOUD=devstack", file=sys.stderr)
        return 1
    suffix = secrets.token_hex(6)
    conn = volume = server = None
    attached = False
    try:
        conn = connect(cloud)
        volume = create_volume(conn, f"cloudnotes-volume-{suffix}")
        server = boot(conn, f"cloudnotes-server-{suffix}")
        volume = conn.block_storage.wait_for_status(volume, status="available",
                                                    failures=["error"], wait=120)
        print(f"volume {volume.name}: {volume.size} GiB, {volume.status}")
        server = conn.compute.wait_for_server(server, status="ACTIVE", wait=300)
        print(f"server {server.name}: {server.status}")
        attached = True  # from the request on: a failed attach may still leave one behind
        attach(conn, server, volume)
        print("attached:")
        show_both_sides(conn, server, volume)
        volume = detach(conn, server, volume)
        attached = False
        print(f"detached: volume {volume.status}, server attachments "
              f"{len(list(conn.compute.volume_attachments(server)))}, "
              f"volume attachments {len(volume.attachments)}")
    except (openstack.exceptions.SDKException, ksa.ClientException) as exc:
        print(f"error: {explain(exc)}", file=sys.stderr)
        return 1
    finally:
        # The reverse of creation: detach, delete the server, then the volume.
        if attached:
            detach(conn, server, volume)
        if server is not None:
            conn.compute.delete_server(server)
            conn.compute.wait_for_delete(server, wait=120)
        if volume is not None:
            conn.block_storage.delete_volume(volume)
            conn.block_storage.wait_for_delete(volume, wait=120)
    print("deleted the server and the volume")
    return 0


if __name__ == "__main__":
    sys.exit(main())
