"""Hand out a temporary URL to a private Swift object and watch it expire.

A temp URL lets someone without an OpenStack account GET (or PUT) one object until a
deadline. The owner stores a secret key on the account or the container
(``X-Container-Meta-Temp-URL-Key`` here), and signs ``method``, ``expiry time`` and
``object path`` with HMAC; the signature and the expiry travel in the query string. Swift's
tempurl middleware recomputes the HMAC: a valid, unexpired URL works without a token,
anything else (expired, altered path, other method) answers 401.

Run it against any cloud named in clouds.yaml:

    OS_CLOUD=devstack python temp_url.py
"""

from __future__ import annotations

import logging
import os
import secrets
import sys
import time
import urllib.error
import urllib.request
from urllib.parse import urlsplit

import openstack
from keystoneauth1 import exceptions as ksa

LIFETIME = 3  # seconds the URL stays valid


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


def make_temp_url(conn: openstack.connection.Connection, container: str, name: str,
                  key: str, seconds: int) -> tuple[str, int]:
    """Sign a GET URL for one object, valid for `seconds`.

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
    signed = conn.object_store.generate_temp_url(path, seconds, "GET", temp_url_key=key)
    expires = int(signed.rsplit("temp_url_expires=", 1)[1].split("&")[0])
    return f"{endpoint.scheme}://{endpoint.netloc}{signed}", expires


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


def main() -> int:
    """Upload a private object, sign a short-lived URL, use it, and use it again too late.

    Returns:
        0 on success, 1 when the cloud cannot be used.
    """
    cloud = os.environ.get("OS_CLOUD")
    if not cloud:
        print("error: OS_CLOUD is not set: name a cloud from clouds.yaml, "
              "e.g. OS_CLOUD=devstack", file=sys.stderr)
        return 1
    container = f"cloudnotes-temp-{secrets.token_hex(6)}"
    conn = None
    created = False
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
        print(f"temp URL valid for {LIFETIME} s: ...invoice.pdf?{query}")
        status, body = fetch(url)
        print(f"temp URL, no token, in time: HTTP {status}, body {body!r}")
        tampered = url.replace("invoice.pdf", "other.pdf")
        print(f"same signature on another path: HTTP {fetch(tampered)[0]}")
        time.sleep(max(0.0, expires - time.time()) + 1.5)
        print(f"temp URL after expiry: HTTP {fetch(url)[0]}")
    except (openstack.exceptions.SDKException, ksa.ClientException) as exc:
        print(f"error: {explain(exc)}", file=sys.stderr)
        return 1
    finally:
        if created:
            for obj in conn.object_store.objects(container):
                conn.object_store.delete_object(obj, container=container)
            conn.object_store.delete_container(container)
            print("deleted the object and the container (and with it the key)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
