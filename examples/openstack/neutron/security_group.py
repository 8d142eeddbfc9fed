"""Create a security group with a few rules and show what Neutron filters.

A security group is a stateful firewall attached to ports. Neutron denies every incoming
packet unless a rule lets it in, and a new group already carries rules that allow all
outgoing (egress) traffic. Each rule names a direction, an ether type, optionally a protocol
and port range, and a source: an address prefix or *another security group* (members of
that group may connect).

Run it against any cloud named in clouds.yaml:

    OS_CLOUD=devstack python security_group.py
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

# Ingress rules to add: SSH and HTTP from anywhere, ping from one private range.
RULES = [
    {"protocol": "tcp", "port_range_min": 22, "port_range_max": 22,
     "remote_ip_prefix": "0.0.0.0/0"},
    {"protocol": "tcp", "port_range_min": 80, "port_range_max": 80,
     "remote_ip_prefix": "0.0.0.0/0"},
    {"protocol": "icmp", "remote_ip_prefix": "192.168.0.0/16"},
]


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


def create_group(conn: openstack.connection.Connection, name: str):
    """Create an empty security group (Neutron adds the default egress rules).

    Args:
        conn: An authenticated connection.
        name: The group's name.

    Returns:
        The security group.
    """
    return conn.network.create_security_group(name=name,
                                              description="Cloud Notes example: web server")


def add_rules(conn: openstack.connection.Connection, group) -> None:
    """Add the RULES as IPv4 ingress rules, plus one letting members of the group talk.

    Args:
        conn: An authenticated connection.
        group: The security group to extend.
    """
    for rule in RULES:
        conn.network.create_security_group_rule(security_group_id=group.id,
                                                direction="ingress", ether_type="IPv4", **rule)
    conn.network.create_security_group_rule(security_group_id=group.id, direction="ingress",
                                            ether_type="IPv4", remote_group_id=group.id)


def describe_rule(rule, group) -> str:
    """Render a rule as one readable line.

    Args:
        rule: A security group rule.
        group: The group it belongs to (to name a self reference).

    Returns:
        E.g. ``ingress IPv4 tcp 22-22 from 0.0.0.0/0``.
    """
    ports = (f"{rule.port_range_min}-{rule.port_range_max}"
             if rule.port_range_min is not None else "any port")
    if rule.remote_group_id == group.id:
        source = "members of this group"
    else:
        source = rule.remote_ip_prefix or "anywhere"
    word = "from" if rule.direction == "ingress" else "to"
    return f"{rule.direction:<7} {rule.ether_type} {rule.protocol or 'any':<4} {ports:<9} " \
           f"{word} {source}"


def delete_group(conn: openstack.connection.Connection, group) -> None:
    """Delete the security group; its rules go with it.

    Args:
        conn: An authenticated connection.
        group: The group.
    """
    conn.network.delete_security_group(group)
    print(f"deleted {group.name} and its rules")


def main() -> int:
    """Create a group, add rules, print them, and delete the group (its rules go with it).

    Returns:
        0 on success, 1 when the cloud cannot be used (one line on stderr, which names what
        could not be deleted if a service stopped answering).
    """
    cloud = os.environ.get("OS_CLOUD")
    if not cloud:
        print("error: OS_CLOUD is not set: name a cloud from clouds.yaml, "
              "e.g. OS_CLOUD=devstack", file=sys.stderr)
        return 1
    conn = group = None
    problems: list[str] = []
    try:
        conn = connect(cloud)
        group = create_group(conn, f"cloudnotes-sg-{secrets.token_hex(6)}")
        print(f"created {group.name}; rules Neutron put in by itself:")
        for line in sorted(describe_rule(rule, group) for rule in
                           conn.network.security_group_rules(security_group_id=group.id)):
            print(f"  {line}")
        add_rules(conn, group)
        rules = sorted(describe_rule(rule, group)
                       for rule in conn.network.security_group_rules(security_group_id=group.id))
        print(f"after adding {len(RULES) + 1} ingress rules:")
        for line in rules:
            print(f"  {line}")
    except (openstack.exceptions.SDKException, ksa.ClientException) as exc:
        problems.append(explain(exc, conn))
    finally:
        if group is not None:
            clean_up(conn, [(f"security group {group.name}", lambda: delete_group(conn, group))],
                     problems)
    if problems:
        print("error: " + "; ".join(problems), file=sys.stderr)
        return 1
    return 0

if __name__ == "__main__":
    sys.exit(main())
