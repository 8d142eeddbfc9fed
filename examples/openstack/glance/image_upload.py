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
import re
import secrets
import sys
from urllib.parse import urlsplit

import openstack
from keystoneauth1 import exceptions as ksa

# A stand-in for a disk image: the bytes do not matter to Glance, only their format label.
DATA = b"Cloud Notes stand-in disk image\n" * 2048
PROPERTIES = {"os_distro": "cloudnotes", "cloudnotes_topic": "glance"}
TAGS = ["cloudnotes", "example"]
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
                                   tags=TAGS, wait=True, timeout=120, **PROPERTIES)


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


def delete_images(conn: openstack.connection.Connection, name: str) -> None:
    """Delete every image of that name: also one a failed upload left half-made.

    Args:
        conn: An authenticated connection.
        name: The images' name.
    """
    for image in conn.image.images(name=name):
        conn.image.delete_image(image)
        print(f"deleted {image.name}")


def main() -> int:
    """Upload an image with properties, show how Glance describes it, then delete it.

    Returns:
        0 on success, 1 when the cloud cannot be used (one line on stderr, which names what
        could not be deleted if a service stopped answering midway).
    """
    cloud = os.environ.get("OS_CLOUD")
    if not cloud:
        print("error: OS_CLOUD is not set: name a cloud from clouds.yaml, "
              "e.g. OS_CLOUD=devstack", file=sys.stderr)
        return 1
    name = f"cloudnotes-image-{secrets.token_hex(6)}"
    conn = None
    problems: list[str] = []
    try:
        conn = connect(cloud)
        print(f"uploading {len(DATA)} bytes as {name}")
        upload(conn, name, DATA)
        image = conn.image.find_image(name, ignore_missing=False)
        describe(conn.image.get_image(image))
    except (openstack.exceptions.SDKException, ksa.ClientException) as exc:
        problems.append(explain(exc, conn))
    finally:
        if conn is not None:
            clean_up(conn, [(f"image {name}", lambda: delete_images(conn, name))], problems)
    if problems:
        print("error: " + "; ".join(problems), file=sys.stderr)
        return 1
    return 0

if __name__ == "__main__":
    sys.exit(main())
