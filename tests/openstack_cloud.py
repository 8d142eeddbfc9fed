"""The OpenStack cloud a test session uses: the local lab, or an external cloud.

By default the examples run against the local lab (`python -m lab`): the session brings it up
if it is not running (and takes it down at the end only in that case) and points
`OS_CLIENT_CONFIG_FILE` at the clouds.yaml it writes. With `CLOUDNOTES_LAB=0` the cloud is an
external one named by `OS_CLOUD` (DevStack on GitHub), with its clouds.yaml found the usual way.

Around the whole session an inventory of servers, volumes, snapshots, images, networks,
routers, ports, floating IPs, security groups and Swift containers/objects is taken in the
user's, the other project's and the admin's view; anything new at the end fails the run.
The `cloud` fixture is registered in tests/conftest.py, so every test folder can use it.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass, field

import pytest

from tests.support import unavailable

USE_LAB = os.environ.get("CLOUDNOTES_LAB", "1") != "0"
# CLOUDNOTES_LAB_KEEP=1 leaves a lab this session started running (several sessions share it).
KEEP_LAB = os.environ.get("CLOUDNOTES_LAB_KEEP", "0") == "1"
# Cloud names: DevStack's, which the lab copies.
USER_CLOUD = "devstack"
ADMIN_CLOUD = os.environ.get("CLOUDNOTES_ADMIN_CLOUD", "devstack-admin")
# A user of another project: devstack-alt-demo in the lab, devstack-alt in DevStack's clouds.yaml.
OTHER_CLOUDS = ("devstack-alt-demo", "devstack-alt")

# Values every OpenStack output shares that change from run to run.
VOLATILE = [
    (r"AUTH_[0-9a-f]{32}", "AUTH_<project>"),
    (r"\b([0-9a-f]{2}:){5}[0-9a-f]{2}\b", "<mac>"),
    (r"cloudnotes-([a-z]+(-[a-z]+)*)-[0-9a-f]{12}", r"cloudnotes-\1-<id>"),
]


@dataclass
class Cloud:
    """Which clouds the tests use and the environment an example run gets."""

    user: str
    admin: str
    other: str
    config_file: str | None
    compute_hosts: list[str] = field(default_factory=list)
    started_lab: bool = False

    def connect(self, name: str | None = None):
        import openstack

        return openstack.connect(cloud=name or self.user)


def _first_defined(names: tuple[str, ...]) -> str:
    """The first of `names` that clouds.yaml defines (the first one if none is)."""
    import openstack.config

    defined = set(openstack.config.OpenStackConfig().get_cloud_names())
    return next((name for name in names if name in defined), names[0])


# --- inventory ------------------------------------------------------------------------------

def _inventory(conn) -> dict[str, set[str]]:
    """Every resource of the connection's project that the examples could create."""
    project = conn.current_project_id
    found = {
        "servers": {s.id for s in conn.compute.servers()},
        "volumes": {v.id for v in conn.block_storage.volumes()},
        "snapshots": {s.id for s in conn.block_storage.snapshots()},
        "images": {i.id for i in conn.image.images()},
        "networks": {n.id for n in conn.network.networks(project_id=project)},
        "subnets": {s.id for s in conn.network.subnets(project_id=project)},
        "routers": {r.id for r in conn.network.routers(project_id=project)},
        "ports": {p.id for p in conn.network.ports(project_id=project)},
        "floating IPs": {f.id for f in conn.network.ips(project_id=project)},
        "security groups": {g.id for g in conn.network.security_groups(project_id=project)},
        "projects": set(),
        "users": set(),
        "containers": set(),
        "objects": set(),
    }
    for container in conn.object_store.containers():
        found["containers"].add(container.name)
        found["objects"].update(f"{container.name}/{o.name}"
                                for o in conn.object_store.objects(container.name))
    if "admin" in conn.session.auth.get_access(conn.session).role_names:
        found["projects"] = {p.id for p in conn.identity.projects()}
        found["users"] = {u.id for u in conn.identity.users()}
    return found


def _inventories(cloud: Cloud) -> dict[str, dict[str, set[str]]]:
    return {name: _inventory(cloud.connect(name))
            for name in (cloud.user, cloud.other, cloud.admin)}


def _leftovers(before, after) -> list[str]:
    lines = []
    for name, kinds in after.items():
        for kind, ids in kinds.items():
            new = sorted(ids - before[name][kind])
            if new:
                lines.append(f"{name}: {kind}: {', '.join(new)}")
    return lines


# --- the session's cloud --------------------------------------------------------------------

@pytest.fixture(scope="session")
def cloud() -> Iterator[Cloud]:
    """The cloud for the whole session: lab (started if needed) or external; leftovers fail."""
    started = False
    if USE_LAB:
        import lab

        if not lab.is_running():
            try:
                lab.up()
            except lab.LabError as exc:
                unavailable(f"the OpenStack lab did not come up: {exc}")
            started = not KEEP_LAB
        config_file = str(lab.clouds_yaml())
        os.environ["OS_CLIENT_CONFIG_FILE"] = config_file
        os.environ["OS_CLOUD"] = USER_CLOUD
        user = USER_CLOUD
    else:
        user = os.environ.get("OS_CLOUD", "")
        config_file = os.environ.get("OS_CLIENT_CONFIG_FILE")
        if not user:
            unavailable("CLOUDNOTES_LAB=0 but OS_CLOUD names no cloud")
    other = os.environ.get("CLOUDNOTES_OTHER_CLOUD") or _first_defined(OTHER_CLOUDS)
    os.environ["CLOUDNOTES_OTHER_CLOUD"] = other  # what swift/public_acl.py reads
    cloud = Cloud(user=user, admin=ADMIN_CLOUD, other=other, config_file=config_file,
                  started_lab=started)
    try:
        admin = cloud.connect(cloud.admin)
        admin.session.get_token()
        cloud.compute_hosts = sorted(s.host for s in admin.compute.services(binary="nova-compute"))
        if not os.environ.get("CLOUDNOTES_IMAGE"):
            # DevStack names its CirrOS image after the version it downloaded.
            images = sorted(i.name for i in admin.image.images(visibility="public")
                            if i.name.startswith("cirros"))
            if images:
                os.environ["CLOUDNOTES_IMAGE"] = images[-1]
        before = _inventories(cloud)
    except Exception as exc:
        if started:
            lab.down()
        unavailable(f"the OpenStack cloud does not answer ({exc.__class__.__name__}: {exc})")
    yield cloud
    try:
        left = _leftovers(before, _inventories(cloud))
    finally:
        if started:
            lab.down()
    if left:
        pytest.fail("LEFTOVER OpenStack resources after the suite:\n  " + "\n  ".join(left),
                    pytrace=False)
