"""Replay what Horizon's "Launch Instance" dialog asks the APIs, and record every call.

Horizon, the OpenStack dashboard, is a Django web application with no data of its own:
each panel is a client of the service APIs, exactly like openstacksdk. Opening the
"Launch Instance" dialog makes it fetch, from four services, everything the form offers
(flavors, images, networks, security groups, key pairs, availability zones) and the
project's limits for the quota bars; pressing "Launch" sends one ``POST /servers`` to Nova.
This example makes the same calls and prints the HTTP method and path of each request that
actually went over the wire.

Run it against any cloud named in clouds.yaml that has the image and network below:

    OS_CLOUD=devstack python dashboard_action.py
"""

from __future__ import annotations

import logging
import os
import secrets
import sys
from urllib.parse import urlsplit

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


class Recorder:
    """Keep the method and path of every HTTP request the connection sends."""

    def __init__(self, conn: openstack.connection.Connection) -> None:
        """Hook into the HTTP session under the connection (keystoneauth on requests).

        Args:
            conn: An authenticated connection.
        """
        self.calls: list[tuple[str, str, int]] = []
        self.on = False
        conn.session.session.hooks["response"].append(self._record)

    def _record(self, response, *args, **kwargs) -> None:
        """requests' response hook: note the request behind the response."""
        if self.on:
            url = urlsplit(response.request.url)
            path = url.path + (f"?{url.query}" if url.query else "")
            self.calls.append((response.request.method, path, response.status_code))

    def take(self) -> list[tuple[str, str, int]]:
        """Return the calls recorded so far and start a fresh list."""
        calls, self.calls = self.calls, []
        return calls


def discover(conn: openstack.connection.Connection) -> None:
    """Look up each service's endpoint and API version once, before recording starts.

    openstacksdk (like Horizon at start-up) reads each service's version document the first
    time it talks to it; doing it here keeps those reads out of the dialog's list.

    Args:
        conn: An authenticated connection.
    """
    for proxy in (conn.compute, conn.image, conn.network):
        proxy.get_endpoint_data()


def open_dialog(conn: openstack.connection.Connection) -> dict[str, list]:
    """Fetch what the dialog's steps display (Details, Source, Flavor, Networks, Security
    Groups, Key Pair) and the numbers behind its quota bars.

    Args:
        conn: An authenticated connection.

    Returns:
        What each step of the form offers: resources, or numbers for the quotas.
    """
    project_id = conn.current_project_id
    return {
        "availability zones": list(conn.compute.availability_zones()),
        "images": list(conn.image.images(status="active")),
        "flavors": list(conn.compute.flavors(details=True)),
        "networks": list(conn.network.networks()),
        "security groups": list(conn.network.security_groups(project_id=project_id)),
        "key pairs": list(conn.compute.keypairs()),
        "instances allowed": [conn.compute.get_limits().absolute.instances],
        "ports allowed": [conn.network.get_quota(project_id).ports],
    }


def choose(offered: dict[str, list]) -> dict[str, object]:
    """Fill in the form the way a user would click: the image, the smallest flavor, the
    network and the default security group (no HTTP calls: everything was already fetched).

    Args:
        offered: What open_dialog returned.

    Returns:
        The chosen image, flavor, network and security group.
    """
    return {
        "image": next(i for i in offered["images"] if i.name == IMAGE),
        "flavor": min(offered["flavors"], key=lambda f: (f.ram, f.vcpus, f.disk)),
        "network": next(n for n in offered["networks"] if n.name == NETWORK),
        "security group": next(g for g in offered["security groups"] if g.name == "default"),
    }


def launch(conn: openstack.connection.Connection, name: str, choice: dict[str, object]):
    """Press "Launch": one POST /servers with the choices made in the form.

    Args:
        conn: An authenticated connection.
        name: The instance name typed into the form.
        choice: What choose() picked.

    Returns:
        The server Nova accepted (status BUILD).
    """
    return conn.compute.create_server(name=name, image_id=choice["image"].id,
                                      flavor_id=choice["flavor"].id,
                                      networks=[{"uuid": choice["network"].id}],
                                      security_groups=[{"name": choice["security group"].name}])


def print_calls(title: str, calls: list[tuple[str, str, int]]) -> None:
    """Print recorded calls as ``METHOD path -> status``.

    Args:
        title: A heading for the group of calls.
        calls: Recorded ``(method, path, status)`` triples.
    """
    print(title)
    for method, path, status in calls:
        print(f"  {method:<6} {path} -> {status}")


def main() -> int:
    """Open the dialog, launch one instance, print the calls, and delete the instance.

    Returns:
        0 on success, 1 when the cloud cannot be used.
    """
    cloud = os.environ.get("OS_CLOUD")
    if not cloud:
        print("error: OS_CLOUD is not set: name a cloud from clouds.yaml, "
              "e.g. OS_CLOUD=devstack", file=sys.stderr)
        return 1
    conn = server = None
    try:
        conn = connect(cloud)
        discover(conn)
        recorder = Recorder(conn)
        recorder.on = True
        offered = open_dialog(conn)
        print_calls("opening Launch Instance:", recorder.take())
        for step, values in offered.items():
            names = {getattr(v, "name", v) for v in values}
            # Leave out cloudnotes-* resources that other examples may be creating right now.
            shown = sorted(str(n) for n in names if not str(n).startswith("cloudnotes-"))
            print(f"  form {step}: {', '.join(shown) or '(none)'}")
        choice = choose(offered)
        print("  chosen: " + ", ".join(f"{k} {v.name}" for k, v in choice.items()))
        server = launch(conn, f"cloudnotes-server-{secrets.token_hex(6)}", choice)
        print_calls('pressing "Launch":', recorder.take())
        recorder.on = False
        server = conn.compute.wait_for_server(server, status="ACTIVE", wait=300)
        print(f"instance {server.name} is {server.status}")
    except (openstack.exceptions.SDKException, ksa.ClientException) as exc:
        print(f"error: {explain(exc)}", file=sys.stderr)
        return 1
    finally:
        if server is not None:
            conn.compute.delete_server(server)
            conn.compute.wait_for_delete(server, wait=120)
            print("deleted the instance")
    return 0


if __name__ == "__main__":
    sys.exit(main())
