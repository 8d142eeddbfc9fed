"""The OpenStack cloud a test session uses: the local lab, or an external cloud.

By default the examples run against the local lab (`python -m lab`): the session brings it up
if it is not running (and takes it down at the end only in that case) and points
`OS_CLIENT_CONFIG_FILE` at the clouds.yaml it writes. With `CLOUDNOTES_LAB=0` the cloud is an
external one named by `OS_CLOUD` (DevStack on GitHub), with its clouds.yaml found the usual way.

Around the whole session an inventory of servers, volumes, snapshots, images, networks,
routers, ports, floating IPs, security groups and Swift containers/objects is taken in the
user's, the other project's and the admin's view; anything new at the end fails the run.
The `cloud` fixture is registered in tests/conftest.py, so every test folder can use it; so is
`openstack_stamp`, what the outputs of this session's runs are stamped with (tools/stamps.py).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

import pytest

from tests.support import unavailable

USE_LAB = os.environ.get("CLOUDNOTES_LAB", "1") != "0"
# CLOUDNOTES_LAB_KEEP=1 leaves a lab this session started running (later sessions reuse it).
KEEP_LAB = os.environ.get("CLOUDNOTES_LAB_KEEP", "0") == "1"
# How long a session waits for another session on the same lab to finish (seconds).
LAB_WAIT = float(os.environ.get("CLOUDNOTES_LAB_WAIT", "600"))
# Cloud names: DevStack's, which the lab copies.
USER_CLOUD = "devstack"
ADMIN_CLOUD = os.environ.get("CLOUDNOTES_ADMIN_CLOUD", "devstack-admin")
# A user of another project: DevStack's clouds.yaml (and the lab's) call it devstack-alt; the
# lab also has the alias devstack-alt-demo, which the pages never show.
OTHER_CLOUDS = ("devstack-alt", "devstack-alt-demo")
API_TIMEOUT = 60  # seconds any one request of the tests' own connections may take

# Values every OpenStack output shares that change from run to run.
VOLATILE = [
    (r"AUTH_[0-9a-f]{32}", "AUTH_<project>"),
    # the guest's kernel (Debian 12 and 13 ship different ones), as its console shows it
    (r"kernel \d+\.\d+\S*", "kernel <release>"),
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

    @property
    def is_lab(self) -> bool:
        """The session runs against the local lab (whose guest prints a known banner)."""
        return USE_LAB

    def connect(self, name: str | None = None):
        import openstack

        # a service that hangs fails the inventory, it does not hang the session
        return openstack.connect(cloud=name or self.user, api_timeout=API_TIMEOUT)


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
    from concurrent.futures import ThreadPoolExecutor

    names = (cloud.user, cloud.other, cloud.admin)
    with ThreadPoolExecutor(max_workers=len(names)) as pool:  # three views at once
        return dict(zip(names, pool.map(lambda name: _inventory(cloud.connect(name)), names),
                        strict=True))


def _leftovers(before, after) -> list[str]:
    lines = []
    for name, kinds in after.items():
        for kind, ids in kinds.items():
            new = sorted(ids - before[name][kind])
            if new:
                lines.append(f"{name}: {kind}: {', '.join(new)}")
    return lines


def _host_objects() -> dict[str, set[str]]:
    """The lab's guests' traces on the host (domains, taps, loop devices, files); none for an
    external cloud, whose hosts are not ours to look at."""
    if not USE_LAB:
        return {}
    from lab.inventory import host_objects

    return host_objects()


# --- the session's cloud --------------------------------------------------------------------

@pytest.fixture(scope="session")
def lab_session(request: pytest.FixtureRequest) -> Iterator[None]:
    """Hold the lab's machine-wide lock for the whole session (lab.files.session_lock): a
    second session on the same ports waits for it (CLOUDNOTES_LAB_WAIT seconds, default 600),
    then fails in one line; a lab on other ports (CLOUDNOTES_LAB_PORT_OFFSET) is not blocked."""
    if not USE_LAB:
        yield
        return
    from lab.files import session_lock
    from lab.plan import LabError

    terminal = request.config.pluginmanager.get_plugin("terminalreporter")
    say = terminal.write_line if terminal else print  # past the output capture: it may wait
    try:
        with session_lock(LAB_WAIT, log=say):
            yield
    except LabError as exc:
        unavailable(str(exc))


@pytest.fixture(scope="session")
def cloud(lab_session) -> Iterator[Cloud]:
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
        before = _inventories(cloud)
    except Exception as exc:
        if started:
            lab.down()
        unavailable(f"the OpenStack cloud does not answer ({exc.__class__.__name__}: {exc})")
    host_before = _host_objects()
    yield cloud
    try:
        left = _leftovers(before, _inventories(cloud))
        left += [f"lab host: {kind}: {', '.join(sorted(names - host_before[kind]))}"
                 for kind, names in _host_objects().items() if names - host_before[kind]]
    finally:
        if started:
            lab.down()
    if left:
        pytest.fail("LEFTOVER OpenStack resources after the suite:\n  " + "\n  ".join(left),
                    pytrace=False)


@pytest.fixture(scope="session")
def openstack_stamp(cloud: Cloud):
    """The session cloud's stamp: its compute microversion and hypervisors (as admin) and, for
    the local lab, the service packages installed in the lab's venv."""
    from tools.stamps import openstack_stamp as probe

    lab_python = None
    if USE_LAB:
        from lab.layout import default_layout

        lab_python = default_layout().python
    return probe(cloud.connect(cloud.user), cloud.connect(cloud.admin), lab_python=lab_python)


# --- a service that stops answering midway --------------------------------------------------

@pytest.fixture
def severed(cloud: Cloud) -> Callable[..., str]:
    """Check that an example whose service stops answering right after the request matching
    `after` (its first create; tests/fault_injection.py) exits 1 with one stderr line that
    names that service (its catalog name, e.g. ``glance``) and what is left over, without a
    traceback; then remove the leftovers the way `lab up` does (lab/sweep.py). Returns the
    line."""
    from lab.sweep import sweep_cloud
    from tests.fault_injection import run_severed

    def check(relpath: str, after: str, service: str, *, as_: str | None = None,
              args=()) -> str:
        result = run_severed(relpath, after, env={"OS_CLOUD": as_ or cloud.user}, args=args)
        try:
            lines = result.stderr.splitlines()
            assert result.returncode == 1, f"exit {result.returncode}\n{result.stderr}"
            assert len(lines) == 1, f"{len(lines)} stderr lines:\n{result.stderr}"
            assert lines[0].startswith("error: cannot reach the "), lines[0]
            assert f"service ({service}" in lines[0].split(": ")[1], lines[0]
            assert "; left over: " in lines[0], lines[0]
        finally:
            sweep_cloud(cloud.connect(cloud.admin),
                        [cloud.connect(name) for name in (cloud.user, cloud.other, cloud.admin)])
        return lines[0]

    return check
