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
import re
import secrets
import sys
from urllib.parse import urlsplit

import openstack
from keystoneauth1 import exceptions as ksa

# name part -> (extra tag, value of the cloudnotes_topic property)
IMAGES = {"alpha": ("linux", "compute"), "beta": ("linux", "storage"), "gamma": ("bsd", "compute")}
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
            container_format="bare", tags=[run_tag, tag], wait=True, timeout=120,
            cloudnotes_topic=topic))
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


def delete_tagged(conn: openstack.connection.Connection, run_tag: str) -> None:
    """Delete every image carrying this run's tag (also one a failed upload left).

    Args:
        conn: An authenticated connection.
        run_tag: This run's tag.
    """
    for image in sorted(conn.image.images(tag=[run_tag]), key=lambda i: i.name):
        conn.image.delete_image(image)
        print(f"deleted {image.name}")


def main() -> int:
    """Create three images, filter them by tag and by property, then delete them.

    Returns:
        0 on success, 1 when the cloud cannot be used (one line on stderr, which names what
        could not be deleted if a service stopped answering midway).
    """
    cloud = os.environ.get("OS_CLOUD")
    if not cloud:
        print("error: OS_CLOUD is not set: name a cloud from clouds.yaml, "
              "e.g. OS_CLOUD=devstack", file=sys.stderr)
        return 1
    run_tag = f"cloudnotes-list-{secrets.token_hex(6)}"
    conn = None
    problems: list[str] = []
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
        problems.append(explain(exc, conn))
    finally:
        if conn is not None:
            clean_up(conn, [(f"the images tagged {run_tag}",
                             lambda: delete_tagged(conn, run_tag))], problems)
    if problems:
        print("error: " + "; ".join(problems), file=sys.stderr)
        return 1
    return 0

if __name__ == "__main__":
    sys.exit(main())
