"""Boot a real virtual machine, read its console, stop it, start it again and delete it.

Nova's API takes the request, the scheduler picks a compute host, and nova-compute on that
host asks its hypervisor (libvirt and QEMU here) for the virtual machine. The server's
``status`` walks through ``BUILD`` -> ``ACTIVE``; ``ACTIVE`` only means that the hypervisor
started the machine, so the example then waits until the guest's serial console, which Nova
keeps, shows a login prompt: the guest operating system has booted. A stop turns the server
``SHUTOFF`` (Nova presses the virtual power button), a start brings it back to ``ACTIVE``,
and a delete removes it. Every step prints how long it took.

The image is ``CLOUDNOTES_IMAGE`` if set, else the smallest public image that boots on its
own (kernel and ramdisk images, which other images point at, do not count): CirrOS on DevStack.

    OS_CLOUD=devstack python server_lifecycle.py
"""

from __future__ import annotations

import logging
import os
import re
import secrets
import sys
import time
from urllib.parse import urlsplit

import openstack
from keystoneauth1 import exceptions as ksa

IMAGE = os.environ.get("CLOUDNOTES_IMAGE")
NETWORK = os.environ.get("CLOUDNOTES_NETWORK", "private")
LOGIN_PROMPT = re.compile(r"\S+ login: *$", re.M)
CONSOLE_LINES = 6  # how much of the console to show (the lines up to the login prompt)
ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]|\x1bc|\r")


class GuestFailed(Exception):
    """The virtual machine stopped, failed or never booted."""


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
    elif isinstance(exc, GuestFailed):
        reason = str(exc)
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


def bootable_image(conn: openstack.connection.Connection):
    """The image to boot: ``CLOUDNOTES_IMAGE``, else the smallest public self-booting image.

    Args:
        conn: An authenticated connection.

    Returns:
        The image.
    """
    if IMAGE:
        return conn.image.find_image(IMAGE, ignore_missing=False)
    images = [i for i in conn.image.images(visibility="public", status="active")
              if i.disk_format not in ("aki", "ari")]
    if not images:
        raise GuestFailed("the cloud has no public image to boot; set CLOUDNOTES_IMAGE")
    return min(images, key=lambda i: (i.size or 0, i.name))


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
    image = bootable_image(conn)
    network = conn.network.find_network(NETWORK, ignore_missing=False)
    flavor = smallest_flavor(conn)
    print(f"booting {name}: image {image.name}, flavor {flavor.name} ({flavor.ram} MiB), "
          f"network {network.name}")
    server = conn.compute.create_server(name=name, image_id=image.id, flavor_id=flavor.id,
                                        networks=[{"uuid": network.id}])
    server = conn.compute.get_server(server)
    print(f"  status right after the request: {server.status}")
    return server


def wait_status(conn: openstack.connection.Connection, server, status: str, timeout: float):
    """Wait until the server reaches `status`; fail if it goes to ERROR instead.

    Args:
        conn: An authenticated connection.
        server: The server.
        status: ``ACTIVE`` or ``SHUTOFF``.
        timeout: Seconds to wait at most.

    Returns:
        The server in that status.
    """
    try:
        return conn.compute.wait_for_server(server, status=status, wait=timeout)
    except openstack.exceptions.ResourceFailure as exc:
        fault = (conn.compute.get_server(server).fault or {}).get("message", "no fault given")
        raise GuestFailed(f"the server went to ERROR instead of {status}: {fault}") from exc


def console_text(conn: openstack.connection.Connection, server) -> str:
    """The guest's serial console as Nova keeps it, without terminal control codes.

    Args:
        conn: An authenticated connection.
        server: The server.

    Returns:
        The console text ("" while Nova has none yet).
    """
    try:
        text = conn.compute.get_server_console_output(server)["output"]
    except (openstack.exceptions.ConflictException,  # no console log yet
            openstack.exceptions.NotFoundException):  # no running guest to read it from
        return ""
    return ANSI.sub("", text or "")


def wait_until_booted(conn: openstack.connection.Connection, server, timeout: float = 180):
    """Wait until the guest's console shows a login prompt: the OS inside has booted.

    ``ACTIVE`` says the hypervisor runs the machine, not that anything booted in it.

    Args:
        conn: An authenticated connection.
        server: The ACTIVE server.
        timeout: Seconds to wait at most.

    Returns:
        The console's last lines, up to the login prompt.
    """
    deadline = time.monotonic() + timeout
    while True:
        text = console_text(conn, server)
        prompt = LOGIN_PROMPT.search(text)
        if prompt:
            lines = [line.rstrip() for line in text[:prompt.end()].splitlines() if line.strip()]
            return lines[-CONSOLE_LINES:]
        server = conn.compute.get_server(server)
        if server.status != "ACTIVE":
            raise GuestFailed(f"the virtual machine stopped before its OS booted: Nova now "
                              f"reports status {server.status}, power state "
                              f"{server.power_state}")
        if time.monotonic() > deadline:
            raise GuestFailed(f"no login prompt on the console after {timeout:.0f} s")
        time.sleep(0.5)


def stop(conn: openstack.connection.Connection, server):
    """Stop (power off) the server and wait for SHUTOFF.

    Args:
        conn: An authenticated connection.
        server: The server to stop.

    Returns:
        The server, now SHUTOFF.
    """
    conn.compute.stop_server(server)
    return wait_status(conn, server, "SHUTOFF", 120)


def start(conn: openstack.connection.Connection, server):
    """Start (power on) the server and wait for ACTIVE.

    Args:
        conn: An authenticated connection.
        server: The server to start.

    Returns:
        The server, ACTIVE again.
    """
    conn.compute.start_server(server)
    return wait_status(conn, server, "ACTIVE", 120)


def delete(conn: openstack.connection.Connection, server) -> None:
    """Delete the server and wait until Nova no longer lists it.

    Args:
        conn: An authenticated connection.
        server: The server to delete.
    """
    conn.compute.delete_server(server)
    conn.compute.wait_for_delete(server, wait=120)


def delete_named(conn: openstack.connection.Connection, name: str) -> None:
    """Delete the server of that name, if there is one: by name, because Nova may have made
    it even when the answer to the request never arrived.

    Args:
        conn: An authenticated connection.
        name: The server's name.
    """
    for server in conn.compute.servers(name=f"^{name}$"):
        delete(conn, server)


def step(what: str, since: float, server=None) -> float:
    """Print how long a step took (and the server's state after it); return the time now.

    Args:
        what: The step, e.g. ``BUILD -> ACTIVE``.
        since: When the step began (``time.monotonic()``).
        server: The server after the step, to show its power state and addresses.

    Returns:
        ``time.monotonic()``, the start of the next step.
    """
    now = time.monotonic()
    detail = ""
    if server is not None:
        addresses = ", ".join(a["addr"] for net in server.addresses.values() for a in net)
        detail = f"  power state {server.power_state}, addresses {addresses or '-'}"
    print(f"  {what:<22} {now - since:5.1f} s{detail}")
    return now


def main() -> int:
    """Walk one server through boot, console, stop, start and delete.

    Returns:
        0 on success, 1 when the cloud cannot be used or the server fails (one line on
        stderr, which names what could not be deleted if a service stopped answering).
    """
    cloud = os.environ.get("OS_CLOUD")
    if not cloud:
        print("error: OS_CLOUD is not set: name a cloud from clouds.yaml, "
              "e.g. OS_CLOUD=devstack", file=sys.stderr)
        return 1
    name = f"cloudnotes-server-{secrets.token_hex(6)}"
    conn = None
    deleted = False
    problems: list[str] = []
    try:
        conn = connect(cloud)
        begun = time.monotonic()
        server = request_server(conn, name)
        server = wait_status(conn, server, "ACTIVE", 300)
        mark = step("BUILD -> ACTIVE", begun, server)
        console = wait_until_booted(conn, server)
        mark = step("ACTIVE -> login prompt", mark)
        print("  the guest's serial console, last lines:")
        for line in console:
            print(f"    | {line}")
        port = next(conn.network.ports(device_id=server.id), None)
        if port is not None:
            seen = port.mac_address.lower() in "\n".join(console).lower()
            print(f"  the console shows the port's MAC address {port.mac_address}: "
                  f"{'yes' if seen else 'no'}")
        server = stop(conn, server)
        mark = step("ACTIVE -> SHUTOFF", mark, server)
        server = start(conn, server)
        mark = step("SHUTOFF -> ACTIVE", mark, server)
        delete(conn, server)
        step("deleted", mark)
        deleted = True
    except (openstack.exceptions.SDKException, ksa.ClientException, GuestFailed) as exc:
        problems.append(explain(exc, conn))
    finally:
        if conn is not None and not deleted:  # the cleanup is as guarded as the rest
            clean_up(conn, [(f"server {name}", lambda: delete_named(conn, name))], problems)
    if problems:
        print("error: " + "; ".join(problems), file=sys.stderr)
        return 1
    print("Nova no longer lists the server")
    return 0


if __name__ == "__main__":
    sys.exit(main())
