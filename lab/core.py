"""up / down / status of the local all-in-one OpenStack lab."""

from __future__ import annotations

import base64
import contextlib
import fcntl
import json
import os
import shutil
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

from lab import config, health, procs, seed
from lab.install import InstallError, ensure_venv
from lab.layout import PORTS, SERVICE_HOST, Layout, default_layout
from lab.services import WORKERS, all_services, base_env

# programs the lab runs from the system -> the Debian package that provides them
PROGRAMS = {
    "/usr/bin/memcached": "memcached",
    "/usr/lib/rabbitmq/bin/rabbitmq-server": "rabbitmq-server",
    "/usr/bin/epmd": "rabbitmq-server",  # erlang-base, pulled in by rabbitmq-server
    "/usr/bin/qemu-img": "qemu-utils",
}
READY_TIMEOUT = 180.0  # seconds any one step may take before `up` gives up
LOG_TAIL = 25


class LabError(RuntimeError):
    """A step of `up` failed; `service` names it and `log` is where to look."""

    def __init__(self, service: str, message: str, log: Path | None = None):
        super().__init__(f"{service}: {message}")
        self.service = service
        self.log = log


_SAY = threading.Lock()


def say(message: str) -> None:
    """Print a whole line at once (the plan's threads report concurrently)."""
    with _SAY:
        sys.stdout.write(message + "\n")
        sys.stdout.flush()


@contextlib.contextmanager
def locked(layout: Layout) -> Iterator[None]:
    """One `up`/`down` at a time (pytest workers and people may race)."""
    layout.state.mkdir(parents=True, exist_ok=True)
    with layout.lock.open("w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def load_secrets(layout: Layout, create: bool = False) -> dict[str, str] | None:
    if layout.secrets.exists():
        sec = json.loads(layout.secrets.read_text())
        if set(config.SECRET_NAMES) <= set(sec):
            return sec
    if not create:
        return None
    sec = config.new_secrets()
    layout.state.mkdir(parents=True, exist_ok=True)
    layout.secrets.touch(mode=0o600)
    layout.secrets.write_text(json.dumps(sec, indent=1))
    return sec


def tail(path: Path | None, lines: int = LOG_TAIL) -> str:
    if path is None or not path.exists():
        return ""
    with path.open("rb") as handle:
        handle.seek(0, os.SEEK_END)
        handle.seek(max(0, handle.tell() - 64 * 1024))
        text = handle.read().decode(errors="replace")
    return "\n".join(text.splitlines()[-lines:])


# --- files ------------------------------------------------------------------------------------

def write_files(layout: Layout, sec: dict[str, str]) -> None:
    """Configs (always regenerated), paste files from the venv, the folders services need."""
    for rel, text in config.render(layout, sec).items():
        path = layout.state / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    (layout.state / "clouds.yaml").chmod(0o600)
    for rel, src in config.PASTE_FILES.items():
        shutil.copyfile(layout.venv / src, layout.state / rel)
    rabbit = layout.etc / "rabbitmq"
    (rabbit / "enabled_plugins").write_text("[].\n")
    (rabbit / "rabbitmq-env.conf").write_text("# cloudnotes lab: settings come from the env\n")
    (rabbit / "advanced.config").write_text("[].\n")
    for folder in (layout.logs, layout.pids, layout.tmp, layout.data / "rabbitmq" / "home",
                   layout.data / "glance" / "images", layout.data / "glance" / "staging",
                   layout.data / "glance" / "tasks", layout.data / "glance" / "cache",
                   layout.data / "nova" / "instances", layout.data / "neutron",
                   layout.data / "cinder" / "coordination", layout.data / "swift-recon",
                   layout.etc / "keystone" / "fernet-keys",
                   layout.etc / "keystone" / "credential-keys",
                   *(layout.data / "locks" / n for n in
                     ("keystone", "glance", "placement", "nova", "neutron", "cinder"))):
        folder.mkdir(parents=True, exist_ok=True)


def write_fernet_keys(repository: Path) -> None:
    """What `keystone-manage fernet_setup` / `credential_setup` write, without a process:
    key 0 (staged) and key 1 (primary), each 32 random bytes, url-safe base64, mode 0600."""
    repository.mkdir(parents=True, exist_ok=True)
    repository.chmod(0o700)
    for name in ("0", "1"):
        key = repository / name
        if not key.exists():
            key.touch(mode=0o600)
            key.write_bytes(base64.urlsafe_b64encode(os.urandom(32)))


def use_wal(database: Path) -> None:
    """Switch a SQLite database to write-ahead logging (stored in the file, so done once).

    With the default rollback journal a writer blocks every reader; several services and
    threads writing at once then fail with "database is locked" (Keystone did on warm starts).
    """
    import sqlite3

    with contextlib.closing(sqlite3.connect(database, timeout=30)) as conn:
        mode = conn.execute("PRAGMA journal_mode=WAL").fetchone()[0]
    if mode != "wal":
        raise LabError(database.stem, f"could not switch {database.name} to WAL ({mode})")


def restore_compute_id(layout: Layout) -> None:
    """Give nova-compute back its node identity on a warm start.

    Since 2023.1 nova-compute refuses to restart without a `compute_id` file holding its
    node's UUID; the base fake driver never writes one, so take it from the cell database.
    """
    import sqlite3

    target = layout.data / "nova" / "compute_id"
    database = layout.data / "nova_cell1.sqlite"
    if target.exists() or not database.exists():
        return
    with contextlib.closing(sqlite3.connect(database, timeout=30)) as conn:
        row = conn.execute("SELECT uuid FROM compute_nodes WHERE host = ? AND deleted = 0",
                           (SERVICE_HOST,)).fetchone()
    if row:
        target.write_text(row[0] + "\n")


# --- a small dependency runner ---------------------------------------------------------------

@dataclass
class Step:
    name: str
    run: Callable[[], str | None]
    after: tuple[str, ...] = ()
    done: threading.Event = field(default_factory=threading.Event)


class Plan:
    """Run steps in threads as soon as the steps they depend on are done; stop at a failure."""

    def __init__(self, started: float):
        self.steps: dict[str, Step] = {}
        self.failed: LabError | None = None
        self.abort = threading.Event()
        self.started = started
        self.lock = threading.Lock()

    def add(self, name: str, run: Callable[[], str | None], after: tuple[str, ...] = ()) -> None:
        self.steps[name] = Step(name, run, after)

    def _run(self, step: Step) -> None:
        for dep in step.after:
            while not self.steps[dep].done.wait(0.1):
                if self.abort.is_set():
                    return
        if self.abort.is_set():
            return
        try:
            note = step.run()
        except LabError as exc:
            self._fail(exc)
            return
        except Exception as exc:  # a bug or an API error while seeding: name the step
            self._fail(LabError(step.name, f"{exc.__class__.__name__}: {exc}"))
            return
        if note:
            say(f"  {time.monotonic() - self.started:5.1f}s  {note}")
        step.done.set()

    def _fail(self, exc: LabError) -> None:
        with self.lock:
            if self.failed is None:
                self.failed = exc
        self.abort.set()

    def run(self) -> None:
        with ThreadPoolExecutor(max_workers=len(self.steps)) as pool:
            for step in self.steps.values():
                pool.submit(self._run, step)
        if self.failed:
            raise self.failed

    def wait_for(self, what: str, probe: Callable[[], bool], log: Path | None = None,
                 timeout: float = READY_TIMEOUT, child: subprocess.Popen | None = None) -> None:
        deadline = time.monotonic() + timeout
        while not probe():
            if self.abort.is_set():
                raise LabError(what, "aborted because another step failed", log)
            if child is not None and child.poll() is not None:
                raise LabError(what, f"exited with code {child.returncode}", log)
            if time.monotonic() > deadline:
                raise LabError(what, f"not ready after {timeout:.0f}s", log)
            time.sleep(0.25)


# --- up ---------------------------------------------------------------------------------------

class Lab:
    def __init__(self, layout: Layout | None = None):
        self.layout = layout or default_layout()
        self.pids = procs.PidDir(self.layout.pids)
        self.services = all_services(self.layout)
        self.children: dict[str, subprocess.Popen] = {}
        self.started_at: dict[str, datetime] = {}

    # state ------------------------------------------------------------------------------
    def running(self) -> dict[str, bool]:
        return {name: self.pids.alive(name) for name in self.services}

    def is_running(self) -> bool:
        return self.layout.initialized.exists() and all(self.running().values())

    # commands ---------------------------------------------------------------------------
    def run_tool(self, what: str, argv: list[str], log_name: str, env: dict | None = None,
                 timeout: float = READY_TIMEOUT, nice: int = 0) -> None:
        """Run a one-shot command (db sync, bootstrap...) with output into a log file."""
        log = self.layout.logs / f"{log_name}.log"
        with log.open("ab") as out:
            out.write(f"\n$ {' '.join(argv)}\n".encode())
            out.flush()
            try:
                result = subprocess.run(argv, stdin=subprocess.DEVNULL, stdout=out,
                                        stderr=subprocess.STDOUT, cwd=self.layout.state,
                                        env=env or base_env(self.layout), timeout=timeout,
                                        preexec_fn=(lambda: os.nice(nice)) if nice else None)
            except subprocess.TimeoutExpired as exc:
                raise LabError(what, f"`{Path(argv[0]).name}` timed out", log) from exc
        if result.returncode != 0:
            raise LabError(what, f"`{' '.join(Path(a).name for a in argv[:3])}` exited "
                                 f"{result.returncode}", log)

    def start(self, name: str) -> subprocess.Popen:
        service = self.services[name]
        # heartbeats carry second-resolution UTC stamps: allow for the rounding
        self.started_at[name] = datetime.now(UTC).replace(tzinfo=None) - timedelta(seconds=1)
        child = procs.spawn(name, service.argv, pids=self.pids,
                            log=self.layout.logs / f"{name}.log", env=service.env,
                            cwd=self.layout.state)
        self.children[name] = child
        return child

    def start_and_wait(self, plan: Plan, name: str) -> str:
        child = self.start(name)
        service = self.services[name]
        plan.wait_for(name, service.probe, self.layout.logs / f"{name}.log", child=child)
        self.pids.refresh(name)
        return f"ready  {name:<16} {service.endpoint}"

    def wait_worker(self, plan: Plan, name: str, admin: health.Admin) -> str:
        api, binary = WORKERS[name]
        child = self.children[name]
        fetch = admin.compute_services if api == "compute" else admin.volume_services
        since = self.started_at[name]

        def up() -> bool:
            try:
                return fetch(since).get(binary) == "up"
            except OSError:
                return False

        plan.wait_for(name, up, self.layout.logs / f"{name}.log", child=child)
        self.pids.refresh(name)
        return f"ready  {name:<16} ({api} service up)"

    # the plan ---------------------------------------------------------------------------
    def up(self) -> None:
        layout = self.layout
        t0 = time.monotonic()
        with locked(layout):
            if self.is_running():
                say("lab: already running")
                self.print_status()
                return
            if any(self.pids.alive(n) for n in self.services):
                say("lab: a partly running lab was found; stopping it first")
                self._stop()
            self._check_programs()
            self._check_ports()
            try:
                install = ensure_venv(layout, log=say)
            except InstallError as exc:
                raise LabError("install", str(exc)) from exc
            had_secrets = load_secrets(layout) is not None
            sec = load_secrets(layout, create=True)
            # new passwords cannot log in to old databases: start from scratch then
            fresh = not layout.initialized.exists() or not had_secrets
            if fresh:
                layout.initialized.unlink(missing_ok=True)
                shutil.rmtree(layout.data, ignore_errors=True)
                for keys in ("fernet-keys", "credential-keys"):
                    shutil.rmtree(layout.etc / "keystone" / keys, ignore_errors=True)
            write_files(layout, sec)
            if not fresh:
                restore_compute_id(layout)
            say(f"lab: starting the OpenStack lab in {layout.state} "
                f"({'cold: creating databases' if fresh else 'warm: existing data'})")
            try:
                self._run_plan(sec, fresh, t0)
            except LabError as exc:
                (layout.tmp / "keystone-seed.json").unlink(missing_ok=True)
                say(f"lab: FAILED at {exc.service}: {exc}")
                if exc.log is not None:
                    say(f"--- last lines of {exc.log} ---\n{tail(exc.log)}\n---")
                say("lab: stopping what this run started")
                self._stop(quiet=True)
                raise
            (layout.tmp / "keystone-seed.json").unlink(missing_ok=True)  # held passwords
            layout.initialized.touch()
        elapsed = time.monotonic() - t0
        say(f"lab: ready in {elapsed:.1f}s"
            + (f" (venv install {install:.1f}s)" if install else "")
            + f"; clouds.yaml: {layout.clouds_yaml}")
        say(f"     use: export OS_CLIENT_CONFIG_FILE={layout.clouds_yaml} OS_CLOUD=devstack")

    def _check_programs(self) -> None:
        missing = [pkg for path, pkg in PROGRAMS.items() if not Path(path).exists()]
        if missing:
            raise LabError("prerequisites", "missing system packages: "
                           f"{' '.join(dict.fromkeys(missing))} (`python -m tools.prepare lab` "
                           "installs them on Debian/Ubuntu)")

    def _check_ports(self) -> None:
        busy = [f"{name} ({port})" for name, port in PORTS.items() if not health.port_free(port)]
        if busy:
            raise LabError("ports", "in use on 127.0.0.1 by another program: " + ", ".join(busy))

    def _run_plan(self, sec: dict[str, str], fresh: bool, t0: float) -> None:
        layout, b = self.layout, self.layout.bin
        plan = Plan(t0)
        admin = health.Admin(sec["admin"])
        keystone_conf = str(layout.etc / "keystone" / "keystone.conf")
        nova_conf = ["--config-file", str(layout.etc / "nova" / "nova.conf")]
        neutron_confs = ["--config-file", str(layout.etc / "neutron" / "neutron.conf"),
                         "--config-file",
                         str(layout.etc / "neutron" / "plugins" / "ml2" / "ml2_conf.ini")]
        cinder_conf = ["--config-file", str(layout.etc / "cinder" / "cinder.conf")]
        qcow2 = layout.data / "cirros-placeholder.qcow2"

        def svc(name: str) -> Callable[[], str]:
            return lambda: self.start_and_wait(plan, name)

        def tool(what: str, *argvs: list[str], dbs: tuple[str, ...] = (),
                 nice: int = 5) -> Callable[[], str]:
            """A one-shot init step; off the critical path (Keystone, Nova, Neutron) niced."""
            def run() -> str:
                started = time.monotonic()
                for argv in argvs:
                    self.run_tool(what, argv, f"init-{what}", nice=nice)
                for db in dbs:
                    use_wal(layout.data / f"{db}.sqlite")
                return f"init   {what:<16} ({time.monotonic() - started:.1f}s)"
            return run

        nothing: Callable[[], None] = lambda: None  # noqa: E731

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
                [str(layout.python), str(Path(__file__).parent / "scripts" / "keystone_seed.py"),
                 keystone_conf, str(spec)],
                dbs=("keystone",), nice=0))
            plan.add("db-glance", tool("glance", [
                str(b / "glance-manage"), "--config-file",
                str(layout.etc / "glance" / "glance-api.conf"), "db_sync"], dbs=("glance",)))
            plan.add("db-placement", tool("placement", [
                str(b / "placement-manage"), "--config-file",
                str(layout.etc / "placement" / "placement.conf"), "db", "sync"],
                dbs=("placement",)))
            plan.add("db-nova", tool("nova", [
                str(layout.python), str(Path(__file__).parent / "scripts" / "nova_cells.py"),
                str(layout.etc / "nova" / "nova.conf"), layout.sqlite("nova_cell0")],
                dbs=("nova_api", "nova_cell0", "nova_cell1"), nice=0))
            plan.add("db-neutron", tool(
                "neutron",
                [str(layout.python), str(Path(__file__).parent / "scripts" / "neutron_schema.py"),
                 layout.sqlite("neutron")],
                [str(b / "neutron-db-manage"), *neutron_confs, "stamp", "heads"],
                dbs=("neutron",), nice=0))
            plan.add("db-cinder", tool("cinder", [str(b / "cinder-manage"), *cinder_conf,
                                                  "db", "sync"], dbs=("cinder",)))
            plan.add("swift-rings", tool("swift-rings", [
                str(layout.python), str(Path(__file__).parent / "scripts" / "swift_rings.py"),
                str(layout.etc / "swift"), str(layout.data / "swift"),
                str(PORTS["swift-account"]), str(PORTS["swift-container"]),
                str(PORTS["swift-object"])]))
            plan.add("image-file", tool("image-file", [
                "qemu-img", "create", "-q", "-f", "qcow2", str(qcow2), "112M"]))
        else:
            for step in ("db-keystone", "db-glance", "db-placement", "db-nova", "db-neutron",
                         "db-cinder", "swift-rings", "image-file"):
                plan.add(step, nothing)

        # APIs and servers
        plan.add("keystone", svc("keystone"), after=("db-keystone", "memcached"))
        plan.add("glance", svc("glance"), after=("db-glance", "memcached"))
        plan.add("placement", svc("placement"), after=("db-placement", "memcached"))
        plan.add("nova-api", svc("nova-api"), after=("db-nova", "memcached", "rabbitmq"))
        plan.add("neutron-api", svc("neutron-api"),
                 after=("db-neutron", "memcached", "rabbitmq"))
        plan.add("cinder-api", svc("cinder-api"), after=("db-cinder", "memcached", "rabbitmq"))
        for kind in ("account", "container", "object"):
            plan.add(f"swift-{kind}", svc(f"swift-{kind}"), after=("swift-rings",))
        plan.add("swift-proxy", svc("swift-proxy"),
                 after=("swift-account", "swift-container", "swift-object", "memcached"))

        # identity was seeded with the database; the admin token for the probes needs the API
        def identity_ready() -> str:
            admin.login()
            return "ready  identity         (projects, users, roles, catalog)"

        plan.add("seed-identity", identity_ready, after=("keystone",))

        def start_only(name: str) -> Callable[[], None]:
            return lambda: (self.start(name), None)[1]

        plan.add("start-nova-conductor", start_only("nova-conductor"),
                 after=("db-nova", "rabbitmq", "seed-identity"))
        plan.add("start-nova-scheduler", start_only("nova-scheduler"),
                 after=("db-nova", "rabbitmq", "seed-identity", "placement"))
        plan.add("start-nova-compute", start_only("nova-compute"),
                 after=("db-nova", "rabbitmq", "seed-identity", "placement"))
        plan.add("start-cinder-scheduler", start_only("cinder-scheduler"),
                 after=("db-cinder", "rabbitmq", "seed-identity"))
        plan.add("start-cinder-volume", start_only("cinder-volume"),
                 after=("db-cinder", "rabbitmq", "seed-identity"))
        for name in WORKERS:
            api = "nova-api" if name.startswith("nova") else "cinder-api"
            plan.add(name, lambda n=name: self.wait_worker(plan, n, admin),
                     after=(f"start-{name}", api, "seed-identity"))

        def discover_hosts() -> str:
            if fresh:  # map the new compute host into cell1 (DevStack does the same)
                self.run_tool("discover-hosts", [str(b / "nova-manage"), *nova_conf,
                                                 "cell_v2", "discover_hosts"], "init-nova")
            plan.wait_for("nova-compute", lambda: SERVICE_HOST in _safe(admin.hypervisors),
                          self.layout.logs / "nova-compute.log")
            return f"ready  hypervisor       {SERVICE_HOST} (fake driver)"

        plan.add("discover-hosts", discover_hosts, after=("nova-compute",))

        def seeding(what: str, fn: Callable, *args) -> Callable[[], str]:
            def run() -> str:
                seed.retry_transient(lambda: fn(seed.admin_connection(sec["admin"]), *args))
                return f"seeded {what}"
            return run

        plan.add("seed-flavors", seeding("flavors", seed.flavors),
                 after=("nova-api", "seed-identity"))
        plan.add("seed-image", seeding(f"image {seed.IMAGE_NAME}", seed.image, qcow2),
                 after=("glance", "seed-identity", "image-file"))
        plan.add("seed-network", seeding("networks (public, private, router1)", seed.network),
                 after=("neutron-api", "seed-identity"))
        plan.run()

    # --- down / status ---------------------------------------------------------------------
    def _stop(self, quiet: bool = False) -> list[str]:
        records = self.pids.records()
        # stop the consumers first, the message bus and cache last
        order = {n: i for i, n in enumerate(reversed(list(self.services)))}
        records.sort(key=lambda r: order.get(r.name, -1))
        workers = [r for r in records if r.name not in ("rabbitmq", "epmd", "memcached")]
        infra = [r for r in records if r.name in ("rabbitmq", "memcached")]
        last = [r for r in records if r.name == "epmd"]
        log = (lambda _m: None) if quiet else say
        stopped = procs.stop(workers, pids=self.pids, log=log)
        stopped += procs.stop(infra, pids=self.pids, grace=20, log=log)
        stopped += procs.stop(last, pids=self.pids, log=log)
        for child in self.children.values():
            with contextlib.suppress(Exception):
                child.wait(timeout=0)
        return stopped

    def down(self) -> None:
        with locked(self.layout):
            if not self.pids.records():
                say("lab: not running (no pid files)")
                return
            stopped = self._stop()
            say(f"lab: stopped {len(stopped)} processes" +
                (f" ({', '.join(stopped)})" if stopped else ""))

    def status_rows(self) -> list[tuple[str, str, str, str]]:
        sec = load_secrets(self.layout)
        admin = health.Admin(sec["admin"]) if sec else None
        views: dict[str, dict[str, str]] = {}
        if admin:
            for api, fetch in (("compute", admin.compute_services),
                               ("volume", admin.volume_services)):
                try:
                    views[api] = fetch()
                except Exception:
                    views[api] = {}
        rows = []
        for name, service in self.services.items():
            record = self.pids.get(name)
            alive = record is not None and procs.is_same_process(record, self.pids.proc)
            pid = str(record.pid) if alive else "-"
            if not alive:
                state = "stopped"
            elif service.probe is not None:
                state = "healthy" if service.probe() else "NOT ANSWERING"
            else:
                api, binary = WORKERS[name]
                state = {"up": "healthy", "down": "DOWN (per API)"}.get(
                    views.get(api, {}).get(binary), "unknown (API unreachable)")
            rows.append((name, service.endpoint or f"({WORKERS[name][0]} service)", pid, state))
        return rows

    def print_status(self) -> bool:
        rows = self.status_rows()
        width = max(len(r[1]) for r in rows)
        for name, endpoint, pid, state in rows:
            say(f"  {name:<17} {endpoint:<{width}}  pid {pid:>7}  {state}")
        healthy = all(r[3] == "healthy" for r in rows)
        total = sum(procs.pss_kib(p) for p in self.all_pids()) / 1024
        if any(r[2] != "-" for r in rows):
            say(f"  memory: {total:.0f} MiB PSS over {len(self.all_pids())} processes")
        say(f"  image {seed.IMAGE_NAME}: {seed.IMAGE_NOTE.split(': ', 1)[1]}")
        say(f"  clouds.yaml: {self.layout.clouds_yaml} (devstack, devstack-admin, "
            "devstack-alt-demo = devstack-alt, devstack-system-admin)")
        return healthy

    def all_pids(self) -> list[int]:
        """Every live process of the lab: each recorded leader, its group, their children."""
        out: set[int] = set()
        for record in self.pids.records():
            if procs.is_same_process(record, self.pids.proc):
                out.update(procs.group_members(record.pid, self.pids.proc) or [record.pid])
        return sorted(procs.descendants(out, self.pids.proc))


def _safe(fetch: Callable[[], list[str]]) -> list[str]:
    try:
        return fetch()
    except OSError:
        return []


def main_status(layout: Layout | None = None) -> int:
    lab = Lab(layout)
    if not lab.pids.records():
        say("lab: not running")
        return 3
    say("lab: status")
    return 0 if lab.print_status() else 1


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main_status())
