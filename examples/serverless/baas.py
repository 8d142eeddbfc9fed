"""BaaS: a notes app whose back end is managed services, not server code of its own.

The app needs sign-in and a place to keep its notes. Instead of writing and running a server
for that, it uses two services the cloud already runs: Keystone (identity: it signs the user
in and hands out a token) and Swift (object storage: it keeps each note as an object). The
app below is only client code; the token Keystone issued is what Swift checks on every
request, which the example shows by sending the same GET with and without it.

Run it against any cloud named in clouds.yaml:

    OS_CLOUD=devstack python baas.py
"""

from __future__ import annotations

import json
import logging
import os
import re
import secrets
import sys
import urllib.error
import urllib.request
from urllib.parse import urlsplit

import openstack
from keystoneauth1 import exceptions as ksa

NOTES = [
    {"title": "serverless", "body": "no servers to manage, not no servers"},
    {"title": "baas", "body": "identity and storage as services"},
    {"title": "faas", "body": "functions billed per call"},
]


API_TIMEOUT = 60  # seconds a request may take when clouds.yaml sets no api_timeout


def connect(cloud: str) -> openstack.connection.Connection:
    """Sign in through Keystone with the credentials clouds.yaml names for `cloud`."""
    logging.getLogger("keystoneauth").setLevel(logging.ERROR)
    region = openstack.config.get_cloud_region(cloud=cloud)
    # clouds.yaml may set its own api_timeout; without one a request could wait forever
    region.config["api_timeout"] = region.config.get("api_timeout") or API_TIMEOUT
    conn = openstack.connection.Connection(config=region)
    conn.session.get_token()  # fail here, not halfway through, on bad credentials
    return conn


def explain(exc: Exception, conn=None) -> str:
    """Say in one line why talking to the cloud failed, naming the service that did not
    answer."""
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


# --8<-- [start:app]
def save_note(conn, bucket: str, number: int, note: dict) -> str:
    """Store one note as a JSON object in Swift; return its name."""
    name = f"notes/{number}.json"
    conn.object_store.upload_object(container=bucket, name=name, data=json.dumps(note),
                                    content_type="application/json")
    return name


def list_notes(conn, bucket: str) -> list[str]:
    """The names of all stored notes, as Swift lists them."""
    return [obj.name for obj in conn.object_store.objects(bucket, prefix="notes/")]


def read_note(conn, bucket: str, name: str) -> dict:
    """Download one note and decode it."""
    return json.loads(conn.object_store.download_object(name, container=bucket))
# --8<-- [end:app]


def raw_get(url: str, token: str | None) -> str:
    """GET a URL directly over HTTP, with or without an X-Auth-Token header."""
    request = urllib.request.Request(url, headers={"X-Auth-Token": token} if token else {})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return f"{response.status} {response.reason}"
    except urllib.error.HTTPError as err:
        return f"{err.code} {err.reason}"


def delete_bucket(conn, bucket: str) -> int:
    """Delete every object of the container and then the container; return how many objects."""
    names = [obj.name for obj in conn.object_store.objects(bucket)]
    for name in names:
        conn.object_store.delete_object(name, container=bucket)
    conn.object_store.delete_container(bucket)
    return len(names)


def main() -> int:
    """Sign in, save three notes, list and read them back, check the token, clean up."""
    cloud = os.environ.get("OS_CLOUD")
    if not cloud:
        print("error: OS_CLOUD is not set: name a cloud from clouds.yaml, "
              "e.g. OS_CLOUD=devstack", file=sys.stderr)
        return 1
    bucket = f"cloudnotes-baas-{secrets.token_hex(6)}"
    conn = None
    created = False
    problems: list[str] = []
    try:
        conn = connect(cloud)
        # --8<-- [start:main]
        access = conn.session.auth.get_access(conn.session)
        print(f"Keystone signed in {access.username!r} (project {access.project_name!r}); "
              f"token expires {access.expires.isoformat()}")
        conn.object_store.create_container(bucket)
        created = True
        print(f"Swift container {bucket} in account "
              f"{conn.object_store.get_endpoint().rstrip('/').rsplit('/', 1)[-1]}")
        for number, note in enumerate(NOTES, start=1):
            print(f"saved {save_note(conn, bucket, number, note)}")
        names = list_notes(conn, bucket)
        print(f"listed {len(names)} notes: {names}")
        first = read_note(conn, bucket, names[0])
        print(f"read back {names[0]}: {first} (same as saved: {first == NOTES[0]})")

        url = f"{conn.object_store.get_endpoint().rstrip('/')}/{bucket}/{names[0]}"
        print(f"GET {names[0]} without a token:     {raw_get(url, None)}")
        print(f"GET {names[0]} with Keystone token: {raw_get(url, conn.session.get_token())}")
        # --8<-- [end:main]
    except (openstack.exceptions.SDKException, ksa.ClientException, OSError) as exc:
        problems.append(explain(exc, conn))
    finally:
        if created:
            def undo() -> None:
                count = delete_bucket(conn, bucket)
                print(f"cleaned up: {count} objects and the container deleted")

            clean_up(conn, [(f"container {bucket} and its notes", undo)], problems)
    if problems:
        print("error: " + "; ".join(problems), file=sys.stderr)
        return 1
    return 0

if __name__ == "__main__":
    sys.exit(main())
