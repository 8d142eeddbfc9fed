"""Upload an image to Glance with properties and tags, read it back, and delete it.

Glance is the catalogue of disk images servers boot from. An image is metadata (name,
disk and container format, visibility, free-form *properties* such as ``os_distro`` and
*tags*) plus the bytes, which Glance hands to a storage backend (a directory here; Swift,
Ceph or others in production). Once uploaded, Glance records the size and a hash of the data.

Run it against any cloud named in clouds.yaml:

    OS_CLOUD=devstack python image_upload.py
"""

from __future__ import annotations

import logging
import os
import secrets
import sys

import openstack
from keystoneauth1 import exceptions as ksa

# A stand-in for a disk image: the bytes do not matter to Glance, only their format label.
DATA = b"Cloud Notes stand-in disk image\n" * 2048
PROPERTIES = {"os_distro": "cloudnotes", "cloudnotes_topic": "glance"}
TAGS = ["cloudnotes", "example"]


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


def upload(conn: openstack.connection.Connection, name: str, data: bytes):
    """Create the image record and upload its data in one call.

    Args:
        conn: An authenticated connection.
        name: The image's name.
        data: The image's bytes.

    Returns:
        The image, ``active`` once Glance has stored the data.
    """
    return conn.image.create_image(name=name, data=data, disk_format="raw",
                                   container_format="bare", visibility="private",
                                   tags=TAGS, wait=True, **PROPERTIES)


def describe(image) -> None:
    """Print what Glance knows about an image.

    Args:
        image: An image fetched from Glance.
    """
    print(f"  name             {image.name}")
    print(f"  status           {image.status}")
    print(f"  formats          disk {image.disk_format}, container {image.container_format}")
    print(f"  visibility       {image.visibility}")
    print(f"  size             {image.size} bytes")
    print(f"  hash             {image.hash_algo}:{image.hash_value}")
    print(f"  tags             {sorted(image.tags)}")
    for key in sorted(PROPERTIES):
        # os_distro is a well-known property openstacksdk maps to an attribute; ours is free-form.
        value = image.properties.get(key, getattr(image, key, None))
        print(f"  property         {key}={value}")


def main() -> int:
    """Upload an image with properties, show how Glance describes it, then delete it.

    Returns:
        0 on success, 1 when the cloud cannot be used.
    """
    cloud = os.environ.get("OS_CLOUD")
    if not cloud:
        print("error: OS_CLOUD is not set: name a cloud from clouds.yaml, "
              "e.g. OS_CLOUD=devstack", file=sys.stderr)
        return 1
    name = f"cloudnotes-image-{secrets.token_hex(6)}"
    conn = image = None
    try:
        conn = connect(cloud)
        print(f"uploading {len(DATA)} bytes as {name}")
        upload(conn, name, DATA)
        image = conn.image.find_image(name, ignore_missing=False)
        describe(conn.image.get_image(image))
    except (openstack.exceptions.SDKException, ksa.ClientException) as exc:
        print(f"error: {explain(exc)}", file=sys.stderr)
        return 1
    finally:
        if conn is not None:
            # Also catches an image left half-made by a failed upload.
            for leftover in conn.image.images(name=name):
                conn.image.delete_image(leftover)
                print(f"deleted {leftover.name}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
