"""Hand out a temporary URL to a private Swift object and watch it expire.

A temp URL lets someone without an OpenStack account GET (or PUT) one object until a
deadline. The owner stores a secret key on the account or the container
(``X-Container-Meta-Temp-URL-Key`` here), and signs ``method``, ``expiry time`` and
``object path`` with HMAC; the signature and the expiry travel in the query string. Swift's
tempurl middleware recomputes the HMAC: a valid, unexpired URL works without a token,
anything else (expired, altered path, other method) answers 401.

The digest is HMAC-SHA256. Swift accepts SHA-256 and SHA-512 signatures by default and keeps
SHA-1 only as a deprecated choice (the middleware's ``allowed_digests``); openstacksdk's
``generate_temp_url`` still signs with SHA-1, so this example signs with the standard
library's ``hmac`` instead. A hex SHA-256 signature is 64 characters long, which is how Swift
tells the digest apart.

Run it against any cloud named in clouds.yaml:

    OS_CLOUD=devstack python temp_url.py
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import os
import re
import secrets
import sys
import time
import urllib.error
import urllib.request
from urllib.parse import quote, urlsplit

import openstack
from keystoneauth1 import exceptions as ksa

LIFETIME = 3  # seconds the URL stays valid
DIGEST = "sha256"  # Swift's default allowed digests are sha256 and sha512; sha1 is deprecated
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


def set_key(conn: openstack.connection.Connection, container: str) -> str:
    """Store a fresh random temp-URL key on the container.

    Args:
        conn: An authenticated connection.
        container: The container's name.

    Returns:
        The key (a secret: whoever has it can sign URLs).
    """
    key = secrets.token_hex(16)
    conn.object_store.set_container_metadata(container, **{"temp-url-key": key})
    return key


def sign(key: str, method: str, expires: int, path: str, digest: str = DIGEST) -> str:
    """The temp URL signature Swift's tempurl middleware expects: a hex HMAC.

    Args:
        key: The temp-URL key stored on the account or container.
        method: The HTTP method the URL allows, e.g. ``GET``.
        expires: The expiry as a Unix timestamp.
        path: The object's path from ``/v1/`` on, e.g. ``/v1/AUTH_<project>/<container>/<object>``.
        digest: The hash function, ``sha256`` (default) or ``sha512``.

    Returns:
        The hex digest of HMAC(key, ``method\\nexpires\\npath``).
    """
    body = f"{method}\n{expires}\n{path}"
    return hmac.new(key.encode(), body.encode(), getattr(hashlib, digest)).hexdigest()


def make_temp_url(conn: openstack.connection.Connection, container: str, name: str,
                  key: str, seconds: int) -> tuple[str, int]:
    """Sign a GET URL for one object, valid for `seconds`, with HMAC-:data:`DIGEST`.

    Args:
        conn: An authenticated connection.
        container: The container's name.
        name: The object's name.
        key: The temp-URL key stored on the container.
        seconds: How long the URL stays valid.

    Returns:
        The full URL and its expiry as a Unix timestamp.
    """
    endpoint = urlsplit(conn.object_store.get_endpoint())
    path = f"{endpoint.path.rstrip('/')}/{container}/{name}"
    expires = int(time.time() + seconds)
    signature = sign(key, "GET", expires, path)
    query = f"temp_url_sig={signature}&temp_url_expires={expires}"
    return f"{endpoint.scheme}://{endpoint.netloc}{quote(path)}?{query}", expires


def fetch(url: str) -> tuple[int, bytes]:
    """GET a URL with plain urllib: no token, no OpenStack client.

    Args:
        url: The URL.

    Returns:
        The HTTP status code and the body (empty on errors).
    """
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as err:
        return err.code, b""


def delete_container(conn: openstack.connection.Connection, container: str) -> int:
    """Delete every object of the container, then the container (it must be empty first).

    Args:
        conn: An authenticated connection.
        container: The container's name.

    Returns:
        How many objects were deleted.
    """
    names = [obj.name for obj in conn.object_store.objects(container)]
    for name in names:
        conn.object_store.delete_object(name, container=container)
    conn.object_store.delete_container(container)
    return len(names)


def main() -> int:
    """Upload a private object, sign a short-lived URL, use it, and use it again too late.

    Returns:
        0 on success, 1 when the cloud cannot be used (one line on stderr, which names what
        could not be deleted if a service stopped answering).
    """
    cloud = os.environ.get("OS_CLOUD")
    if not cloud:
        print("error: OS_CLOUD is not set: name a cloud from clouds.yaml, "
              "e.g. OS_CLOUD=devstack", file=sys.stderr)
        return 1
    container = f"cloudnotes-temp-{secrets.token_hex(6)}"
    conn = None
    created = False
    problems: list[str] = []
    try:
        conn = connect(cloud)
        conn.object_store.create_container(name=container)
        created = True
        conn.object_store.upload_object(container=container, name="invoice.pdf",
                                        data=b"%PDF-1.4 stand-in invoice\n")
        plain = f"{conn.object_store.get_endpoint().rstrip('/')}/{container}/invoice.pdf"
        print(f"plain URL, no token: HTTP {fetch(plain)[0]}")
        key = set_key(conn, container)
        url, expires = make_temp_url(conn, container, "invoice.pdf", key, LIFETIME)
        query = urlsplit(url).query
        print(f"temp URL valid for {LIFETIME} s, signed with HMAC-{DIGEST.upper()}: "
              f"...invoice.pdf?{query}")
        status, body = fetch(url)
        print(f"temp URL, no token, in time: HTTP {status}, body {body!r}")
        tampered = url.replace("invoice.pdf", "other.pdf")
        print(f"same signature on another path: HTTP {fetch(tampered)[0]}")
        time.sleep(max(0.0, expires - time.time()) + 1.5)
        print(f"temp URL after expiry: HTTP {fetch(url)[0]}")
    except (openstack.exceptions.SDKException, ksa.ClientException) as exc:
        problems.append(explain(exc, conn))
    finally:
        if created:
            def undo() -> None:
                delete_container(conn, container)
                print("deleted the object and the container (and with it the key)")

            clean_up(conn, [(f"container {container} and its objects", undo)], problems)
    if problems:
        print("error: " + "; ".join(problems), file=sys.stderr)
        return 1
    return 0

if __name__ == "__main__":
    sys.exit(main())
