"""Download an image from Glance and check its bytes against the hash Glance recorded.

When Glance stores an image it computes a "multihash": an algorithm name in
``os_hash_algo`` (``sha512`` by default) and the digest in ``os_hash_value``, next to the
older MD5 ``checksum``. Whoever downloads the image can recompute the digest and be sure
the bytes are the ones that were uploaded.

Run it against any cloud named in clouds.yaml:

    OS_CLOUD=devstack python image_download.py
"""

from __future__ import annotations

import hashlib
import logging
import os
import secrets
import sys

import openstack
from keystoneauth1 import exceptions as ksa

DATA = bytes(range(256)) * 4096  # 1 MiB of stand-in image data


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
    """Upload `data` as a raw image and wait until it is active.

    Args:
        conn: An authenticated connection.
        name: The image's name.
        data: The bytes to store.

    Returns:
        The image as Glance describes it after the upload.
    """
    conn.image.create_image(name=name, data=data, disk_format="raw",
                            container_format="bare", wait=True)
    return conn.image.get_image(conn.image.find_image(name, ignore_missing=False))


def download(conn: openstack.connection.Connection, image) -> bytes:
    """Fetch the image's bytes (``GET /v2/images/<id>/file``).

    Args:
        conn: An authenticated connection.
        image: The image to download.

    Returns:
        The downloaded bytes.
    """
    return conn.image.download_image(image).content


def verify(image, data: bytes) -> bool:
    """Recompute the image's multihash over `data` and compare it with Glance's record.

    Args:
        image: The image, carrying ``hash_algo`` (os_hash_algo) and ``hash_value``.
        data: The downloaded bytes.

    Returns:
        True if the digests match.
    """
    digest = hashlib.new(image.hash_algo, data).hexdigest()
    print(f"  os_hash_algo   {image.hash_algo}")
    print(f"  os_hash_value  {image.hash_value}")
    print(f"  recomputed     {digest}")
    print(f"  md5 checksum   glance {image.checksum}, "
          f"recomputed {hashlib.md5(data, usedforsecurity=False).hexdigest()}")
    return digest == image.hash_value


def main() -> int:
    """Upload, download and verify one image, then delete it.

    Returns:
        0 when the hashes match, 1 when they do not or the cloud cannot be used.
    """
    cloud = os.environ.get("OS_CLOUD")
    if not cloud:
        print("error: OS_CLOUD is not set: name a cloud from clouds.yaml, "
              "e.g. OS_CLOUD=devstack", file=sys.stderr)
        return 1
    name = f"cloudnotes-image-{secrets.token_hex(6)}"
    conn = None
    try:
        conn = connect(cloud)
        image = upload(conn, name, DATA)
        print(f"uploaded {name}: {image.size} bytes, status {image.status}")
        data = download(conn, image)
        print(f"downloaded {len(data)} bytes")
        matches = verify(image, data)
        print("the downloaded bytes match os_hash_value" if matches
              else "MISMATCH: the downloaded bytes differ from what Glance recorded")
    except (openstack.exceptions.SDKException, ksa.ClientException) as exc:
        print(f"error: {explain(exc)}", file=sys.stderr)
        return 1
    finally:
        if conn is not None:
            for leftover in conn.image.images(name=name):
                conn.image.delete_image(leftover)
                print(f"deleted {leftover.name}")
    return 0 if matches else 1


if __name__ == "__main__":
    sys.exit(main())
