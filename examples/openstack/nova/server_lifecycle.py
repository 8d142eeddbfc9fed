"""Boot a server, stop it, start it again and delete it, watching Nova's status change.

Nova's API takes the request, the scheduler picks a compute host, and nova-compute on that
host asks its hypervisor for the virtual machine. The server's ``status`` walks through
``BUILD`` -> ``ACTIVE``; a stop turns it ``SHUTOFF`` and a start brings it back to
``ACTIVE``. Delete removes it; the client waits until Nova no longer knows it.

Run it against any cloud named in clouds.yaml that has the image and network below:

    OS_CLOUD=devstack python server_lifecycle.py
"""

from __future__ import annotations

import logging
import os
import secrets
import sys
import time

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


def smallest_flavor(conn: openstack.connection.Connection):
    """Pick the flavor with the least RAM, so the boot fits anywhere.

    Args:
        conn: An authenticated connection.

    Returns:
        The smallest flavor.
    """
    return min(conn.compute.flavors(), key=lambda f: (f.ram, f.vcpus, f.disk))


def request_server(conn: openstack.connection.Connection, name: str):
    """Ask Nova for a server from the image, on the network (Nova answers before it runs).

    Args:
        conn: An authenticated connection.
        name: The server's name.

    Returns:
        The server as Nova first describes it (status BUILD).
    """
    image = conn.image.find_image(IMAGE, ignore_missing=False)
    network = conn.network.find_network(NETWORK, ignore_missing=False)
    flavor = smallest_flavor(conn)
    print(f"booting {name}: image {image.name}, flavor {flavor.name}, network {network.name}")
    server = conn.compute.create_server(name=name, image_id=image.id, flavor_id=flavor.id,
                                        networks=[{"uuid": network.id}])
    server = conn.compute.get_server(server)
    print(f"  status right after the request: {server.status}")
    return server


def wait_active(conn: openstack.connection.Connection, server):
    """Wait until the server is ACTIVE (raises if it goes to ERROR).

    Args:
        conn: An authenticated connection.
        server: The server being built.

    Returns:
        The ACTIVE server.
    """
    return conn.compute.wait_for_server(server, status="ACTIVE", wait=300)


def stop(conn: openstack.connection.Connection, server):
    """Stop (power off) the server and wait for SHUTOFF.

    Args:
        conn: An authenticated connection.
        server: The server to stop.

    Returns:
        The server, now SHUTOFF.
    """
    conn.compute.stop_server(server)
    return conn.compute.wait_for_server(server, status="SHUTOFF", wait=120)


def start(conn: openstack.connection.Connection, server):
    """Start (power on) the server and wait for ACTIVE.

    Args:
        conn: An authenticated connection.
        server: The server to start.

    Returns:
        The server, ACTIVE again.
    """
    conn.compute.start_server(server)
    return conn.compute.wait_for_server(server, status="ACTIVE", wait=120)


def delete(conn: openstack.connection.Connection, server) -> None:
    """Delete the server and wait until Nova no longer lists it.

    Args:
        conn: An authenticated connection.
        server: The server to delete.
    """
    conn.compute.delete_server(server)
    conn.compute.wait_for_delete(server, wait=120)


def show(server, started: float) -> None:
    """Print the server's status, power state and addresses.

    Args:
        server: The server, freshly fetched.
        started: When the example started (``time.monotonic()``).
    """
    addresses = ", ".join(a["addr"] for net in server.addresses.values() for a in net) or "-"
    print(f"  after {time.monotonic() - started:.1f} s: status {server.status}, "
          f"power state {server.power_state}, addresses {addresses}")


def main() -> int:
    """Walk one server through boot, stop, start and delete.

    Returns:
        0 on success, 1 when the cloud cannot be used or the server fails.
    """
    cloud = os.environ.get("OS_CLOUD")
    if not cloud:
        print("error: OS_CLOUD is not set: name a cloud from clouds.yaml, "
              "e.g. OS_CLOUD=devstack", file=sys.stderr)
        return 1
    server = None
    try:
        conn = connect(cloud)
        started = time.monotonic()
        server = request_server(conn, f"cloudnotes-server-{secrets.token_hex(6)}")
        show(wait_active(conn, server), started)
        print("stopping")
        show(stop(conn, server), started)
        print("starting")
        show(start(conn, server), started)
    except (openstack.exceptions.SDKException, ksa.ClientException) as exc:
        print(f"error: {explain(exc)}", file=sys.stderr)
        return 1
    finally:
        if server is not None:
            delete(conn, server)
            print("deleted; Nova no longer lists the server")
    return 0


if __name__ == "__main__":
    sys.exit(main())
