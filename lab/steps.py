"""What `up` starts, in which order: the plan of steps for a cold or a warm start.

Each step is a function the Plan runs in a thread once the steps it names in `after` are done:
one-shot init tools (databases, keys, rings), services (start, then wait for their probe),
workers (wait until their API reports them up) and the seed.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Mapping, Set
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from lab import guest_image, health, libvirt, seed
from lab.files import tail, use_wal, write_fernet_keys
from lab.guest_image import Guest
from lab.layout import PORTS, SERVICE_HOST, url
from lab.plan import READY_TIMEOUT, LabError, Plan
from lab.services import WORKERS

if TYPE_CHECKING:
    from lab.core import Lab

SCRIPTS = Path(__file__).parent / "scripts"


# how long cinder-scheduler may take to list cinder-volume's pool before one of them is restarted
POOLS_PATIENCE = 60.0
# cinder-volume reports every 10 s (report_interval): a heartbeat older than this many seconds
# means it missed some
HEARTBEAT_STALE = 25.0


def quiet_volume_side(heartbeats: Mapping[str, datetime | None],
                      now: datetime | None = None) -> tuple[str, str]:
    """Which Cinder worker to restart when the scheduler lists no pool, and why: cinder-volume
    when its heartbeats stopped (it sends the pool's capabilities too), else cinder-scheduler
    (it hears of live volume services but lists none)."""
    now = now or datetime.now(UTC).replace(tzinfo=None)
    beat = heartbeats.get("cinder-volume")
    if beat is None:
        return "cinder-volume", "cinder-volume has sent no heartbeat"
    age = (now - beat).total_seconds()
    if age > HEARTBEAT_STALE:
        return "cinder-volume", f"cinder-volume's last heartbeat is {age:.0f}s old"
    return "cinder-scheduler", f"cinder-volume's last heartbeat is {age:.0f}s old, yet the " \
                               "scheduler lists no pool"


def nothing() -> None:
    """A step that is already done (a live process, data that exists)."""


def build_plan(lab: Lab, sec: dict[str, str], fresh: bool, t0: float,
               virt_type: str = "qemu", running: Set[str] = frozenset()) -> Plan:
    """The steps of one `up`: `fresh` creates databases and keys first (a cold start).

    `running` names the processes that are alive on a partly dead lab: their steps are done
    from the start, so only the dead ones start, each after what it needs; nothing is
    seeded again. Workers that kept running while RabbitMQ restarts are waited for until
    they have reconnected.
    """
    layout, b = lab.layout, lab.layout.bin
    plan = Plan(t0)
    partial = bool(running)
    virt_kind = {"qemu": "TCG", "kvm": "KVM"}[virt_type]
    admin = health.Admin(sec["admin"])
    keystone_conf = str(layout.etc / "keystone" / "keystone.conf")
    nova_conf = ["--config-file", str(layout.etc / "nova" / "nova.conf")]
    neutron_confs = ["--config-file", str(layout.etc / "neutron" / "neutron.conf"),
                     "--config-file",
                     str(layout.etc / "neutron" / "plugins" / "ml2" / "ml2_conf.ini")]
    cinder_conf = ["--config-file", str(layout.etc / "cinder" / "cinder.conf")]
    guest: list[Guest] = []

    def svc(name: str) -> Callable[[], str | None]:
        if name in running:
            return nothing
        return lambda: lab.start_and_wait(plan, name)

    def tool(what: str, *argvs: list[str], dbs: tuple[str, ...] = (),
             nice: int = 5) -> Callable[[], str]:
        """A one-shot init step; off the critical path (Keystone, Nova, Neutron) niced."""
        def run() -> str:
            started = time.monotonic()
            for argv in argvs:
                lab.run_tool(what, argv, f"init-{what}", nice=nice)
            for db in dbs:
                use_wal(layout.data / f"{db}.sqlite")
            return f"init   {what:<16} ({time.monotonic() - started:.1f}s)"
        return run

    # message bus and cache
    plan.add("epmd", svc("epmd"))
    plan.add("memcached", svc("memcached"))
    plan.add("rabbitmq", svc("rabbitmq"), after=("epmd",))

    # databases and keys (cold start only)
    if fresh:
        km = [str(b / "keystone-manage"), "--config-file", keystone_conf]
        spec = layout.tmp / "keystone-seed.json"
        spec.touch(mode=0o600)
        spec.write_text(json.dumps(seed.keystone_spec(sec)))
        write_fernet_keys(layout.etc / "keystone" / "fernet-keys")
        write_fernet_keys(layout.etc / "keystone" / "credential-keys")
        plan.add("db-keystone", tool(
            "keystone",
            [*km, "db_sync"],
            [str(layout.python), str(SCRIPTS / "keystone_seed.py"),
             keystone_conf, str(spec)],
            dbs=("keystone",), nice=0))
        glance_manage = [str(b / "glance-manage"), "--config-file",
                         str(layout.etc / "glance" / "glance-api.conf")]
        plan.add("db-glance", tool(
            "glance", [*glance_manage, "db_sync"],
            # the metadata definitions Horizon's image and flavor forms list (DevStack loads them)
            [*glance_manage, "db_load_metadefs", str(layout.venv / "etc" / "glance" / "metadefs")],
            dbs=("glance",)))
        plan.add("db-placement", tool("placement", [
            str(b / "placement-manage"), "--config-file",
            str(layout.etc / "placement" / "placement.conf"), "db", "sync"],
            dbs=("placement",)))
        plan.add("db-nova", tool("nova", [
            str(layout.python), str(SCRIPTS / "nova_cells.py"),
            str(layout.etc / "nova" / "nova.conf"), layout.sqlite("nova_cell0")],
            dbs=("nova_api", "nova_cell0", "nova_cell1"), nice=0))
        plan.add("db-neutron", tool(
            "neutron",
            [str(layout.python), str(SCRIPTS / "neutron_schema.py"),
             layout.sqlite("neutron")],
            [str(b / "neutron-db-manage"), *neutron_confs, "stamp", "heads"],
            dbs=("neutron",), nice=0))
        plan.add("db-cinder", tool("cinder", [str(b / "cinder-manage"), *cinder_conf,
                                              "db", "sync"], dbs=("cinder",)))
        plan.add("swift-rings", tool("swift-rings", [
            str(layout.python), str(SCRIPTS / "swift_rings.py"),
            str(layout.etc / "swift"), str(layout.data / "swift"),
            str(PORTS["swift-account"]), str(PORTS["swift-container"]),
            str(PORTS["swift-object"])]))
    else:
        for step in ("db-keystone", "db-glance", "db-placement", "db-nova", "db-neutron",
                     "db-cinder", "swift-rings"):
            plan.add(step, nothing)

    def build_guest() -> str:
        started = time.monotonic()
        try:
            guest.append(guest_image.build(layout.cache / "guest"))
        except guest_image.GuestBuildError as exc:
            raise LabError("guest-image", str(exc)) from exc
        return (f"init   guest-image      ({guest[0].kernel_release}, "
                f"{time.monotonic() - started:.1f}s)")

    plan.add("guest-image", nothing if partial else build_guest)

    # APIs and servers
    plan.add("keystone", svc("keystone"), after=("db-keystone", "memcached"))
    plan.add("glance", svc("glance"), after=("db-glance", "memcached"))
    plan.add("placement", svc("placement"), after=("db-placement", "memcached"))
    plan.add("nova-api", svc("nova-api"), after=("db-nova", "memcached", "rabbitmq"))
    plan.add("neutron-api", svc("neutron-api"),
             after=("db-neutron", "memcached", "rabbitmq"))
    plan.add("cinder-api", svc("cinder-api"), after=("db-cinder", "memcached", "rabbitmq"))
    plan.add("horizon", svc("horizon"), after=("keystone", "memcached"))
    for kind in ("account", "container", "object"):
        plan.add(f"swift-{kind}", svc(f"swift-{kind}"), after=("swift-rings",))
    plan.add("swift-proxy", svc("swift-proxy"),
             after=("swift-account", "swift-container", "swift-object", "memcached"))

    # identity was seeded with the database; the admin token for the probes needs the API
    def identity_ready() -> str | None:
        admin.login()
        return None if partial else "ready  identity         (projects, users, roles, catalog)"

    plan.add("seed-identity", identity_ready, after=("keystone",))

    def warm_neutron() -> None:
        """One authenticated request before anyone else's: a Neutron just started answers
        its first concurrent list requests with empty lists while it initialises (seen with
        the admin's network list), and the sweep at the end of `up` lists in parallel."""
        admin.get(url("neutron", "/v2.0/networks?limit=1"))

    plan.add("warm-neutron", nothing if "neutron-api" in running else warm_neutron,
             after=("neutron-api", "seed-identity"))

    def start_only(name: str) -> Callable[[], None]:
        if name in running:
            return nothing
        return lambda: (lab.start(name), None)[1]

    plan.add("start-nova-conductor", start_only("nova-conductor"),
             after=("db-nova", "rabbitmq", "seed-identity"))
    plan.add("start-nova-scheduler", start_only("nova-scheduler"),
             after=("db-nova", "rabbitmq", "seed-identity", "placement"))
    # the hypervisor: virtlogd keeps the guests' consoles, libvirtd runs QEMU for nova-compute
    plan.add("virtlogd", svc("virtlogd"))
    plan.add("libvirtd", svc("libvirtd"), after=("virtlogd",))

    def warm_libvirt() -> str:
        """Have libvirtd probe QEMU now (seconds the first time; cached in the lab's cache
        folder), while the databases are still being made, not when nova-compute asks."""
        started = time.monotonic()
        lab.run_tool("libvirt-probe", [str(layout.python), "-c", (
            "import libvirt, sys; c = libvirt.open(sys.argv[1]); c.getCapabilities(); "
            "c.getDomainCapabilities(None, 'x86_64', None, sys.argv[2])"),
            libvirt.connection_uri(layout), virt_type], "libvirtd")
        return f"init   libvirt-probe    ({time.monotonic() - started:.1f}s)"

    plan.add("libvirt-probe", nothing if "libvirtd" in running else warm_libvirt,
             after=("libvirtd",))
    # after the conductor answers: a compute that starts first waits out an RPC timeout
    plan.add("start-nova-compute", start_only("nova-compute"),
             after=("nova-conductor", "placement", "libvirt-probe"))
    plan.add("start-cinder-scheduler", start_only("cinder-scheduler"),
             after=("db-cinder", "rabbitmq", "seed-identity"))
    plan.add("start-cinder-volume", start_only("cinder-volume"),
             after=("db-cinder", "rabbitmq", "seed-identity"))
    for name in WORKERS:
        api = "nova-api" if name.startswith("nova") else "cinder-api"
        if name not in running:
            wait = lambda n=name: lab.wait_worker(plan, n, admin)  # noqa: E731
        elif "rabbitmq" not in running:  # alive, but its bus restarts under it
            wait = lambda n=name: lab.wait_reconnected(plan, n, admin, sec)  # noqa: E731
        else:
            wait = nothing
        plan.add(name, wait, after=(f"start-{name}", api, "seed-identity", "rabbitmq"))

    def volume_pools_known() -> str:
        # "service up" is a heartbeat; a volume request needs the scheduler to know the pool
        # too, else it fails with "No valid backend" (a fresh lab's first volumes did). Once,
        # on a loaded machine, the pool never came: the side that went quiet is restarted once.
        started = time.monotonic()
        pools: list[str] = []
        logs = lab.layout.logs

        def known() -> bool:
            pools[:] = _safe(admin.volume_pools)
            return bool(pools)

        def ready(extra: str = "") -> str:
            return (f"ready  volume pools     {', '.join(pools)} "
                    f"({time.monotonic() - started:.1f}s after the services{extra})")

        try:
            plan.wait_for("cinder-pools", known, logs / "cinder-scheduler.log",
                          timeout=POOLS_PATIENCE)
            return ready()
        except LabError:
            if plan.abort.is_set():
                raise
        stuck, why = quiet_volume_side(_safe(admin.volume_heartbeats, {}))
        plan.say_now(f"cinder-pools: no volume pool after {POOLS_PATIENCE:.0f}s ({why}); "
                     f"restarting {stuck} by its pid")
        lab.restart_worker(plan, stuck, admin)
        try:
            plan.wait_for("cinder-pools", known, logs / "cinder-scheduler.log",
                          timeout=READY_TIMEOUT - POOLS_PATIENCE)
        except LabError as exc:
            if not plan.abort.is_set():  # the scheduler's log is shown with the error
                plan.say_now(f"--- last lines of {logs / 'cinder-volume.log'} ---\n"
                             f"{tail(logs / 'cinder-volume.log')}\n---")
            raise LabError("cinder-pools", f"no volume pool, also after restarting {stuck} "
                                           f"({why})", exc.log) from exc
        return ready(f"; {stuck} restarted")

    plan.add("cinder-pools",
             nothing if {"cinder-scheduler", "cinder-volume"} <= running else volume_pools_known,
             after=("cinder-scheduler", "cinder-volume"))

    def discover_hosts() -> str:
        if fresh:  # map the new compute host into cell1 (DevStack does the same)
            lab.run_tool("discover-hosts", [str(b / "nova-manage"), *nova_conf,
                                             "cell_v2", "discover_hosts"], "init-nova")
        plan.wait_for("nova-compute", lambda: SERVICE_HOST in _safe(admin.hypervisors),
                      lab.layout.logs / "nova-compute.log")
        return f"ready  hypervisor       {SERVICE_HOST} (libvirt, QEMU {virt_kind})"

    plan.add("discover-hosts", nothing if "nova-compute" in running else discover_hosts,
             after=("nova-compute",))

    def seeding(what: str, fn: Callable, *args) -> Callable[[], str | None]:
        if partial:  # a partly dead lab was seeded before; its data is all there
            return nothing

        def run() -> str:
            seed.retry_transient(lambda: fn(seed.admin_connection(sec["admin"]), *args))
            return f"seeded {what}"
        return run

    plan.add("seed-flavors", seeding("flavors", seed.flavors),
             after=("nova-api", "seed-identity"))
    plan.add("seed-image", nothing if partial else
             lambda: seeding(f"image {seed.IMAGE_NAME}", seed.image, guest[0], layout.tmp)(),
             after=("glance", "seed-identity", "guest-image"))
    plan.add("seed-network", seeding("networks (public, private, router1)", seed.network),
             after=("warm-neutron",))
    return plan


def _safe(fetch: Callable[[], Any], default: Any = None) -> Any:
    """What an API probe returns, or `default` (an empty list) while it does not answer."""
    try:
        return fetch()
    except OSError:
        return [] if default is None else default
