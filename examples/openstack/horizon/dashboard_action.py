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
import re
import secrets
import sys
import time
from urllib.parse import urlsplit

import openstack
from keystoneauth1 import exceptions as ksa

IMAGE = os.environ.get("CLOUDNOTES_IMAGE")  # else the smallest public self-booting image
NETWORK = os.environ.get("CLOUDNOTES_NETWORK", "private")
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
        "image": next(i for i in offered["images"] if i.name == IMAGE) if IMAGE else min(
            (i for i in offered["images"] if i.disk_format not in ("aki", "ari")
             and i.visibility == "public"), key=lambda i: (i.size or 0, i.name)),
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


def wait_for_login_prompt(conn: openstack.connection.Connection, server,
                          timeout: float = 180) -> str:
    """Wait until the instance's console (Horizon's "Log" tab) shows a login prompt.

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
        prompt = re.search(r"\S+ login: *$", text.replace("\r", ""), re.M)
        if prompt:
            return prompt.group(0).strip()
        time.sleep(0.5)
    raise openstack.exceptions.SDKException(f"no login prompt after {timeout:.0f} s")


def print_calls(title: str, calls: list[tuple[str, str, int]]) -> None:
    """Print recorded calls as ``METHOD path -> status``.

    Args:
        title: A heading for the group of calls.
        calls: Recorded ``(method, path, status)`` triples.
    """
    print(title)
    for method, path, status in calls:
        print(f"  {method:<6} {path} -> {status}")


def delete_server(conn: openstack.connection.Connection, server) -> None:
    """Delete the instance and wait until Nova no longer lists it.

    Args:
        conn: An authenticated connection.
        server: The instance.
    """
    conn.compute.delete_server(server)
    conn.compute.wait_for_delete(server, wait=120)
    print("deleted the instance")


def main() -> int:
    """Open the dialog, launch one instance, print the calls, and delete the instance.

    Returns:
        0 on success, 1 when the cloud cannot be used (one line on stderr, which names what
        could not be deleted if a service stopped answering midway).
    """
    cloud = os.environ.get("OS_CLOUD")
    if not cloud:
        print("error: OS_CLOUD is not set: name a cloud from clouds.yaml, "
              "e.g. OS_CLOUD=devstack", file=sys.stderr)
        return 1
    conn = server = None
    problems: list[str] = []
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
        print(f"instance {server.name} is {server.status}; its console: "
              f"{wait_for_login_prompt(conn, server)!r}")
    except (openstack.exceptions.SDKException, ksa.ClientException) as exc:
        problems.append(explain(exc, conn))
    finally:
        if server is not None:
            clean_up(conn, [(f"server {server.name}", lambda: delete_server(conn, server))],
                     problems)
    if problems:
        print("error: " + "; ".join(problems), file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
