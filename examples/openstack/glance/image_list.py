"""List Glance images and filter them by tag and by property, on the server side.

Glance answers ``GET /v2/images`` with every image the project may see (its own, the public
ones, shared ones). Query parameters narrow the list before it leaves the server:
``?tag=<tag>`` keeps images carrying that tag, and ``?<property>=<value>`` keeps images
whose free-form property has that value. This example makes three small images, filters
them both ways, and deletes them.

Run it against any cloud named in clouds.yaml:

    OS_CLOUD=devstack python image_list.py
"""

from __future__ import annotations

import logging
import os
import secrets
import sys

import openstack
from keystoneauth1 import exceptions as ksa

# name part -> (extra tag, value of the cloudnotes_topic property)
IMAGES = {"alpha": ("linux", "compute"), "beta": ("linux", "storage"), "gamma": ("bsd", "compute")}


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


def make_images(conn: openstack.connection.Connection, run_tag: str) -> list:
    """Upload one tiny image per entry of IMAGES, all tagged with this run's tag.

    Args:
        conn: An authenticated connection.
        run_tag: A tag unique to this run, so the filters only see our images.

    Returns:
        The created images.
    """
    created = []
    for part, (tag, topic) in IMAGES.items():
        created.append(conn.image.create_image(
            name=f"{run_tag}-{part}", data=part.encode(), disk_format="raw",
            container_format="bare", tags=[run_tag, tag], wait=True, cloudnotes_topic=topic))
    return created


def by_tags(conn: openstack.connection.Connection, *tags: str) -> list[str]:
    """List the names of images carrying every one of `tags` (``GET /v2/images?tag=...``).

    Args:
        conn: An authenticated connection.
        *tags: Tags the images must all have.

    Returns:
        Matching image names, sorted.
    """
    return sorted(image.name for image in conn.image.images(tag=list(tags)))


def by_property(conn: openstack.connection.Connection, run_tag: str, key: str,
                value: str) -> list[str]:
    """List images whose property `key` equals `value` (``GET /v2/images?<key>=<value>``).

    openstacksdk's ``images()`` only accepts Glance's documented filters, so this sends the
    request through the image service's adapter, exactly as Glance's API describes it.

    Args:
        conn: An authenticated connection.
        run_tag: This run's tag, to leave other projects' images out.
        key: The property name.
        value: The value it must have.

    Returns:
        Matching image names, sorted.
    """
    response = conn.image.get("/images", params={key: value, "tag": run_tag})
    return sorted(image["name"] for image in response.json()["images"])


def main() -> int:
    """Create three images, filter them by tag and by property, then delete them.

    Returns:
        0 on success, 1 when the cloud cannot be used.
    """
    cloud = os.environ.get("OS_CLOUD")
    if not cloud:
        print("error: OS_CLOUD is not set: name a cloud from clouds.yaml, "
              "e.g. OS_CLOUD=devstack", file=sys.stderr)
        return 1
    run_tag = f"cloudnotes-list-{secrets.token_hex(6)}"
    conn = None
    try:
        conn = connect(cloud)
        for image in make_images(conn, run_tag):
            print(f"created {image.name}: tags {sorted(image.tags)}, "
                  f"cloudnotes_topic={image.properties.get('cloudnotes_topic')}")
        visible = [image.name for image in conn.image.images()]
        ours = [name for name in visible if name.startswith(run_tag)]
        public = sorted(image.name for image in conn.image.images(visibility="public"))
        print(f"GET /v2/images (no filter): our {len(ours)} images among everything the "
              f"project may see, e.g. the public {public[:1]}")
        print(f"?tag={run_tag}: {by_tags(conn, run_tag)}")
        print(f"?tag={run_tag}&tag=linux: {by_tags(conn, run_tag, 'linux')}")
        print(f"?tag={run_tag}&cloudnotes_topic=compute: "
              f"{by_property(conn, run_tag, 'cloudnotes_topic', 'compute')}")
    except (openstack.exceptions.SDKException, ksa.ClientException) as exc:
        print(f"error: {explain(exc)}", file=sys.stderr)
        return 1
    finally:
        if conn is not None:
            for image in sorted(conn.image.images(tag=[run_tag]), key=lambda i: i.name):
                conn.image.delete_image(image)
                print(f"deleted {image.name}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
