"""See which compute host Nova's scheduler chose for a new server.

Admin only: run it as a cloud administrator (``OS_CLOUD=devstack-admin`` on DevStack).
Users never choose a host: nova-scheduler filters the compute hosts (enough RAM, disk, the
right availability zone, ...) and weighs the survivors. Where the server landed is an
operator's detail, so Nova shows the extended attributes ``OS-EXT-SRV-ATTR:host`` and
``OS-EXT-SRV-ATTR:hypervisor_hostname`` to administrators only.

Run it against any cloud named in clouds.yaml, with admin credentials:

    OS_CLOUD=devstack-admin python scheduler_host.py
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
    elif isinstance(exc, PermissionError | LookupError):
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

    Kernel and ramdisk images (``aki``/``ari``), which other images point at, do not count.

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
        raise LookupError("the cloud has no public image to boot; set CLOUDNOTES_IMAGE")
    return min(images, key=lambda i: (i.size or 0, i.name))


def wait_until_booted(conn: openstack.connection.Connection, server,
                      timeout: float = 180) -> str:
    """Wait until the guest's serial console shows a login prompt, and return that line.

    Args:
        conn: An authenticated connection.
        server: The ACTIVE server.
        timeout: Seconds to wait at most.

    Returns:
        The login prompt line.
    """
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            text = conn.compute.get_server_console_output(server)["output"] or ""
        except (openstack.exceptions.ConflictException, openstack.exceptions.NotFoundException):
            text = ""
        prompt = LOGIN_PROMPT.search(text.replace("\r", ""))
        if prompt:
            return prompt.group(0).strip()
        time.sleep(0.5)
    raise LookupError(f"no login prompt on the server's console after {timeout:.0f} s")


def smallest_flavor(conn: openstack.connection.Connection):
    """Pick the flavor with the least RAM, so the boot fits anywhere.

    Args:
        conn: An authenticated connection.

    Returns:
        The smallest flavor.
    """
    return min(conn.compute.flavors(), key=lambda f: (f.ram, f.vcpus, f.disk))


def require_admin(conn: openstack.connection.Connection) -> None:
    """Stop early, with a clear reason, unless the token carries the admin role.

    Args:
        conn: An authenticated connection.

    Raises:
        PermissionError: The user is not an administrator.
    """
    roles = conn.session.auth.get_access(conn.session).role_names
    if "admin" not in roles:
        raise PermissionError(f"this example needs an admin cloud (e.g. devstack-admin); "
                              f"the current token's roles are {sorted(roles)}")


def compute_hosts(conn: openstack.connection.Connection) -> list[tuple[str, str, str]]:
    """List the nova-compute services: the hosts the scheduler can choose from.

    Args:
        conn: An admin connection.

    Returns:
        ``(host, status, state)`` for each nova-compute service.
    """
    return sorted((s.host, s.status, s.state)
                  for s in conn.compute.services(binary="nova-compute"))


def hypervisors(conn: openstack.connection.Connection) -> list[tuple[str, str]]:
    """List the hypervisors Nova knows, with their type.

    Args:
        conn: An admin connection.

    Returns:
        ``(hypervisor hostname, hypervisor type)`` pairs.
    """
    return sorted((h.name, h.hypervisor_type or "?")
                  for h in conn.compute.hypervisors(details=True))


def boot(conn: openstack.connection.Connection, name: str):
    """Request a small server on the network (without waiting).

    Args:
        conn: An admin connection.
        name: The server's name.

    Returns:
        The requested server.
    """
    image = bootable_image(conn)
    network = conn.network.find_network(NETWORK, ignore_missing=False)
    return conn.compute.create_server(name=name, image_id=image.id,
                                      flavor_id=smallest_flavor(conn).id,
                                      networks=[{"uuid": network.id}])


def placement(server) -> dict[str, str]:
    """Read the admin-only attributes that say where the server runs.

    Args:
        server: A server fetched with an admin token.

    Returns:
        The API attribute names and their values.
    """
    return {
        "OS-EXT-SRV-ATTR:host": server.compute_host,
        "OS-EXT-SRV-ATTR:hypervisor_hostname": server.hypervisor_hostname,
        "OS-EXT-SRV-ATTR:instance_name": server.instance_name,
        "OS-EXT-AZ:availability_zone": server.availability_zone,
    }


def delete_server(conn: openstack.connection.Connection, server) -> None:
    """Delete the server and wait until Nova no longer lists it.

    Args:
        conn: An authenticated connection.
        server: The server.
    """
    conn.compute.delete_server(server)
    conn.compute.wait_for_delete(server, wait=120)
    print("deleted the server")


def main() -> int:
    """Boot a server as admin and print the host the scheduler picked for it.

    Returns:
        0 on success, 1 when the cloud cannot be used or is not an admin cloud (one line on
        stderr, which names what could not be deleted if a service stopped answering).
    """
    cloud = os.environ.get("OS_CLOUD")
    if not cloud:
        print("error: OS_CLOUD is not set: name an admin cloud from clouds.yaml, "
              "e.g. OS_CLOUD=devstack-admin", file=sys.stderr)
        return 1
    conn = server = None
    problems: list[str] = []
    try:
        conn = connect(cloud)
        require_admin(conn)
        for host, status, state in compute_hosts(conn):
            print(f"compute service on host {host!r}: {status}, {state}")
        for name, kind in hypervisors(conn):
            print(f"hypervisor {name!r} (type {kind})")
        server = boot(conn, f"cloudnotes-server-{secrets.token_hex(6)}")
        server = conn.compute.wait_for_server(server, status="ACTIVE", wait=300)
        print(f"server {server.name} is {server.status}; the scheduler placed it at:")
        for attribute, value in placement(server).items():
            print(f"  {attribute:<36} {value}")
        print(f"its console: {wait_until_booted(conn, server)!r}")
    except (openstack.exceptions.SDKException, ksa.ClientException, PermissionError,
            LookupError) as exc:
        problems.append(explain(exc, conn))
    finally:
        if server is not None:  # the cleanup is as guarded as the rest
            clean_up(conn, [(f"server {server.name}", lambda: delete_server(conn, server))],
                     problems)
    if problems:
        print("error: " + "; ".join(problems), file=sys.stderr)
        return 1
    return 0

if __name__ == "__main__":
    sys.exit(main())
