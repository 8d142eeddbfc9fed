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
import secrets
import sys

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


def main() -> int:
    """Create a group, add rules, print them, and delete the group (its rules go with it).

    Returns:
        0 on success, 1 when the cloud cannot be used.
    """
    cloud = os.environ.get("OS_CLOUD")
    if not cloud:
        print("error: OS_CLOUD is not set: name a cloud from clouds.yaml, "
              "e.g. OS_CLOUD=devstack", file=sys.stderr)
        return 1
    conn = group = None
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
        print(f"error: {explain(exc)}", file=sys.stderr)
        return 1
    finally:
        if group is not None:
            conn.network.delete_security_group(group)
            print(f"deleted {group.name} and its rules")
    return 0


if __name__ == "__main__":
    sys.exit(main())
