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
import secrets
import sys
import urllib.error
import urllib.request

import openstack
from keystoneauth1 import exceptions as ksa

NOTES = [
    {"title": "serverless", "body": "no servers to manage, not no servers"},
    {"title": "baas", "body": "identity and storage as services"},
    {"title": "faas", "body": "functions billed per call"},
]


def connect(cloud: str) -> openstack.connection.Connection:
    """Sign in through Keystone with the credentials clouds.yaml names for `cloud`."""
    logging.getLogger("keystoneauth").setLevel(logging.ERROR)
    conn = openstack.connect(cloud=cloud)
    conn.session.get_token()  # fail here, not halfway through, on bad credentials
    return conn


def explain(exc: Exception) -> str:
    """Say in one line why talking to the cloud failed."""
    if isinstance(exc, openstack.exceptions.ConfigException):
        reason = f"no such cloud in clouds.yaml: {exc}"
    elif isinstance(exc, ksa.Unauthorized) or getattr(exc, "status_code", None) == 401:
        reason = "the cloud refused the credentials (401 Unauthorized)"
    elif isinstance(exc, ksa.ConnectionError | ksa.DiscoveryFailure):
        reason = f"cannot reach the cloud's endpoint: {exc}"
    else:
        reason = f"{type(exc).__name__}: {exc}"
    return " ".join(reason.split())


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
    try:
        conn = connect(cloud)
    except Exception as exc:
        print(f"error: {explain(exc)}", file=sys.stderr)
        return 1
    bucket = f"cloudnotes-baas-{secrets.token_hex(6)}"
    created = False
    try:
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
        return 0
    except Exception as exc:
        print(f"error: {explain(exc)}", file=sys.stderr)
        return 1
    finally:
        if created:
            try:
                count = delete_bucket(conn, bucket)
                print(f"cleaned up: {count} objects and the container deleted")
            except Exception as exc:
                print(f"error: cleanup of {bucket} failed: {explain(exc)}", file=sys.stderr)


if __name__ == "__main__":
    sys.exit(main())
