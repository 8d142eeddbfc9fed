"""What `up` removes at its end: whatever examples left behind while a service was down.

An example removes what it creates, also when it fails; but while the service that holds a
resource does not answer, nobody can remove it. The example then names it in its one error
line and leaves it. The lab's rule is that whoever brings the service back finishes the job:
every `python -m lab up` (a cold, warm or partial start, or on a lab that already runs) ends
with this sweep, as admin, over every project: servers, floating IPs, routers, ports,
networks, security groups, snapshots, volumes, images, Swift containers, users and projects
whose name starts with `cloudnotes-` (the examples name everything so), plus the floating IPs
and volumes the examples describe as "Cloud Notes example" (a floating IP has no name).

A volume caught in a transition (`creating`, `attaching`, ...) is given a minute to settle;
after that, or when it is `in-use` by a server that is gone, the admin resets its state so
it can be deleted. Nothing the seed creates carries the prefix.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor

from lab import seed
from lab.layout import REGION, url

PREFIX = "cloudnotes-"
DESCRIPTION = "Cloud Notes example"
SETTLE = 60.0  # seconds a volume in a transition may take before its state is reset
WAIT = 120.0  # seconds a delete may take
STEADY = {"available", "error", "in-use", "error_deleting", "error_extending"}
# Swift keeps one account per project; each user sweeps its own (admin is no reseller here)
SWIFT_USERS = {"admin": "admin", "demo": "demo", "alt_demo": "alt_demo"}


def ours(resource) -> bool:
    return (getattr(resource, "name", None) or "").startswith(PREFIX)


def sweep(sec: Mapping[str, str]) -> tuple[list[str], list[str]]:
    """Remove every leftover in the lab; returns (what was removed, what could not be, why)."""
    from keystoneauth1.exceptions import ClientException
    from openstack.exceptions import SDKException

    try:
        admin = seed.admin_connection(sec["admin"])
        owners = [_connection(user, project, sec[user]) for user, project in SWIFT_USERS.items()]
        with ThreadPoolExecutor(max_workers=4) as pool:  # four logins at once
            list(pool.map(lambda conn: conn.session.get_token(), [admin, *owners]))
    except (SDKException, ClientException) as exc:
        return [], [f"anything: the lab's users cannot log in ({exc.__class__.__name__})"]
    return sweep_cloud(admin, owners)


def sweep_cloud(admin, owners: list) -> tuple[list[str], list[str]]:
    """Remove every leftover of a cloud: as `admin` across projects, and the Swift containers
    of each connection in `owners` (Swift keeps one account per project).

    Everything is listed at once (in threads: usually nothing is found), then what was found
    is deleted in dependency order: servers before their ports and volumes, interfaces before
    routers, snapshots before volumes, objects before containers, users before projects.
    Returns (what was removed, what could not be and why); one kind failing does not stop
    the others.
    """
    from keystoneauth1.exceptions import ClientException
    from openstack.exceptions import SDKException

    errors = (SDKException, ClientException, TimeoutError)
    listings: dict[str, Callable[[], list]] = {
        "server": lambda: [s for s in admin.compute.servers(all_projects=True) if ours(s)],
        "floating IP": lambda: [ip for ip in admin.network.ips()
                                if ip.description == DESCRIPTION],
        "router": lambda: [r for r in admin.network.routers() if ours(r)],
        "port": lambda: [p for p in admin.network.ports() if ours(p)],
        "network": lambda: [n for n in admin.network.networks() if ours(n)],
        "subnet": lambda: [s for s in admin.network.subnets() if ours(s)],
        "security group": lambda: [g for g in admin.network.security_groups() if ours(g)],
        "snapshot": lambda: [s for s in admin.block_storage.snapshots(all_projects=True)
                             if ours(s)],
        "volume": lambda: [v for v in admin.block_storage.volumes(all_projects=True)
                           if ours(v) or v.description == DESCRIPTION],
        "image": lambda: [i for i in admin.image.images() if ours(i)],
        "container": lambda: [(conn, c) for conn in owners
                              for c in conn.object_store.containers() if ours(c)],
        "user": lambda: [u for u in admin.identity.users() if ours(u)],
        "project": lambda: [p for p in admin.identity.projects() if ours(p)],
    }
    removers: dict[str, Callable[[list], None]] = {
        "server": lambda found: _servers(admin, found),
        "floating IP": lambda found: [admin.network.delete_ip(ip) for ip in found],
        "router": lambda found: [_router(admin, r) for r in found],
        "port": lambda found: [admin.network.delete_port(p) for p in found],
        "network": lambda found: [admin.network.delete_network(n) for n in found],
        "subnet": lambda found: [admin.network.delete_subnet(s) for s in found],
        "security group": lambda found: [admin.network.delete_security_group(g)
                                         for g in found],
        "snapshot": lambda found: _snapshots(admin, found),
        "volume": lambda found: _volumes(admin, found),
        "image": lambda found: [admin.image.delete_image(i) for i in found],
        "container": lambda found: [_container(conn, c) for conn, c in found],
        "user": lambda found: [admin.identity.delete_user(u) for u in found],
        "project": lambda found: [admin.identity.delete_project(p) for p in found],
    }
    removed: list[str] = []
    problems: list[str] = []
    with ThreadPoolExecutor(max_workers=len(listings)) as pool:
        futures = {kind: pool.submit(_patiently, listing) for kind, listing in listings.items()}
    for kind, future in futures.items():  # dependency order: the order of `listings`
        try:
            found = future.result()
            if kind in ("subnet", "port"):  # gone with their network or server meanwhile
                found = [r for r in found if _still_there(admin, kind, r)]
            if found:
                _patiently(lambda kind=kind, found=found: removers[kind](found))
                removed += [f"{kind} {_name(item)}" for item in found]
        except errors as exc:
            problems.append(f"{kind}s: {exc.__class__.__name__}: {' '.join(str(exc).split())}")
    return removed, problems


def _patiently(call: Callable, timeout: float = 60):
    """Call again while the API answers 502/503/504: right after a restart, a service's
    token check may still fail for a moment ("The Keystone service is temporarily
    unavailable")."""
    from openstack.exceptions import HttpException

    deadline = time.monotonic() + timeout
    while True:
        try:
            return call()
        except HttpException as exc:
            if exc.status_code not in seed.TRANSIENT_STATUS or time.monotonic() > deadline:
                raise
        time.sleep(2)


def _name(item) -> str:
    if isinstance(item, tuple):  # (connection, container)
        conn, container = item
        return f"{container.name} ({conn.session.auth.get_access(conn.session).project_name})"
    return item.name or getattr(item, "floating_ip_address", None) or item.id


def _still_there(admin, kind: str, resource) -> bool:
    find = admin.network.find_subnet if kind == "subnet" else admin.network.find_port
    return find(resource.id, ignore_missing=True) is not None


def _servers(admin, servers: list) -> None:
    for server in servers:
        admin.compute.delete_server(server, ignore_missing=True)
    for server in servers:  # their ports, taps and guests go with them
        admin.compute.wait_for_delete(server, wait=WAIT)


def _router(admin, router) -> None:
    for port in admin.network.ports(device_id=router.id,
                                    device_owner="network:router_interface"):
        admin.network.remove_interface_from_router(router, port_id=port.id)
    admin.network.delete_router(router, ignore_missing=True)


def _snapshots(admin, snapshots: list) -> None:
    for snapshot in snapshots:
        admin.block_storage.delete_snapshot(snapshot, ignore_missing=True, force=True)
    for snapshot in snapshots:
        admin.block_storage.wait_for_delete(snapshot, wait=WAIT)


def _volumes(admin, volumes: list) -> None:
    for volume in volumes:
        volume = _settled(admin, volume)
        servers = {a.get("server_id") for a in volume.attachments or []}
        if volume.status not in STEADY or (servers and not any(
                admin.compute.find_server(s, all_projects=True) for s in servers if s)):
            # stuck in a transition, or attached to a server that no longer exists
            admin.block_storage.reset_volume_status(volume, status="error",
                                                    attach_status="detached",
                                                    migration_status=None)
        admin.block_storage.delete_volume(volume, ignore_missing=True, force=True)
    for volume in volumes:
        admin.block_storage.wait_for_delete(volume, wait=WAIT)


def _settled(admin, volume):
    deadline = time.monotonic() + SETTLE
    while volume.status not in STEADY and time.monotonic() < deadline:
        time.sleep(2)
        volume = admin.block_storage.get_volume(volume)
    return volume


def _connection(user: str, project: str, password: str):
    import openstack

    return openstack.connect(
        auth_url=url("keystone", "/v3"), username=user, password=password,
        project_name=project, user_domain_id="default", project_domain_id="default",
        region_name=REGION, identity_api_version="3", load_envvars=False,
        load_yaml_config=False, api_timeout=seed.API_TIMEOUT)


def _container(conn, container) -> None:
    for obj in conn.object_store.objects(container.name):
        conn.object_store.delete_object(obj, container=container.name, ignore_missing=True)
    conn.object_store.delete_container(container, ignore_missing=True)
