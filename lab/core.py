"""up / down of the local all-in-one OpenStack lab (the plan is in lab/steps.py)."""

from __future__ import annotations

import contextlib
import json
import os
import pwd
import shutil
import signal
import subprocess
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from lab import health, libvirt, procs, sweep
from lab.files import (
    PRIVATE_UMASK,
    load_secrets,
    locked,
    restore_compute_id,
    secure_state,
    session_holder,
    tail,
    write_files,
)
from lab.horizon import Paths
from lab.horizon import ensure_installed as ensure_horizon
from lab.install import InstallError, ensure_venv
from lab.layout import PORTS, Layout, default_layout
from lab.plan import READY_TIMEOUT, LabError, Plan, say
from lab.programs import PROGRAMS, QEMU_USER
from lab.services import RPC_QUEUES, WORKERS, all_services, base_env
from lab.status import print_status
from lab.steps import build_plan

# ports in lab.layout.PORTS that belong to a process of another name
PORT_OWNERS = {"nova": "nova-api", "neutron": "neutron-api", "cinder": "cinder-api",
               "swift": "swift-proxy", "rabbitmq-dist": "rabbitmq"}

__all__ = ["Lab", "LabError"]


def detach_volume_loops(volumes: Path) -> list[str]:
    """Detach the loop devices that expose the lab's volume files (Cinder attaches them so)."""
    try:
        listing = subprocess.run(["losetup", "--list", "--json", "--output", "NAME,BACK-FILE"],
                                 capture_output=True, text=True, timeout=10).stdout
        devices = json.loads(listing or "{}").get("loopdevices", [])
    except (OSError, ValueError, subprocess.TimeoutExpired):
        return []
    detached = []
    for device in devices:
        backing = Path((device.get("back-file") or "").removesuffix(" (deleted)"))
        if backing.is_relative_to(volumes):
            subprocess.run(["losetup", "--detach", device["name"]], capture_output=True,
                           timeout=10)
            detached.append(device["name"])
    return detached


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
        with procs.open_log(log) as out:
            out.write(f"\n$ {' '.join(argv)}\n".encode())
            out.flush()
            try:
                result = subprocess.run(argv, stdin=subprocess.DEVNULL, stdout=out,
                                        stderr=subprocess.STDOUT, cwd=self.layout.state,
                                        env=env or base_env(self.layout), timeout=timeout,
                                        umask=PRIVATE_UMASK,
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
                            cwd=self.layout.state, umask=PRIVATE_UMASK)
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

    def restart_worker(self, plan: Plan, name: str, admin: health.Admin) -> str:
        """Stop one worker by its pid and start it again (a lab step that found it stuck)."""
        self._stop(quiet=True, only={name})
        self.start(name)
        return self.wait_worker(plan, name, admin)

    def wait_reconnected(self, plan: Plan, name: str, admin: health.Admin, sec: dict) -> str:
        """A worker that kept running while RabbitMQ restarted: wait until it consumes its RPC
        queue again and its API has a heartbeat from after the restart (nova-compute's goes
        through the conductor over RabbitMQ, so a fresh one proves the whole path)."""
        api, binary = WORKERS[name]
        fetch = admin.compute_services if api == "compute" else admin.volume_services
        since = self.started_at["rabbitmq"]
        queue = RPC_QUEUES[name]

        def back() -> bool:
            try:
                return (health.rpc_consumers(self.layout, sec["rabbit"], [queue]).get(queue, 0) > 0
                        and fetch(since).get(binary) == "up")
            except OSError:
                return False

        began = time.monotonic()
        plan.wait_for(name, back, self.layout.logs / f"{name}.log")
        return (f"ready  {name:<16} (reconnected to rabbitmq, "
                f"{time.monotonic() - began:.1f}s after it answered)")

    # the plan ---------------------------------------------------------------------------
    def up(self) -> None:
        """Start what is not running: everything (cold or warm start), or on a lab that is
        partly dead only the dead processes, the live ones keeping their pids. Ends with the
        sweep of what examples left behind (lab/sweep.py)."""
        layout = self.layout
        t0 = time.monotonic()
        with locked(layout):
            secure_state(layout)
            alive = {name for name in self.services if self.pids.alive(name)}
            seeded = layout.initialized.exists()
            if seeded and alive == set(self.services):
                say("lab: already running")
                print_status(self)
                self._sweep(sec=load_secrets(layout))
                return
            if alive and not seeded:
                say("lab: a partly started lab was found (never seeded); stopping it first")
                self._stop()
                alive = set()
            dead = [name for name in self.services if name not in alive]
            if alive:
                say(f"lab: {len(dead)} of {len(self.services)} processes are not running "
                    f"({', '.join(dead)}); starting only those, the other {len(alive)} keep "
                    "their pids")
            self._check_programs()
            self._check_ports(dead)
            try:
                virt_type = libvirt.virt_type()
            except libvirt.VirtTypeError as exc:
                raise LabError("hypervisor", str(exc)) from exc
            try:
                install = ensure_venv(layout, log=say)
            except InstallError as exc:
                raise LabError("install", str(exc)) from exc
            had_secrets = load_secrets(layout) is not None
            sec = load_secrets(layout, create=True)
            # new passwords cannot log in to old databases: start from scratch then
            fresh = not seeded or not had_secrets
            if fresh:
                layout.initialized.unlink(missing_ok=True)
                shutil.rmtree(layout.data, ignore_errors=True)
                for keys in ("fernet-keys", "credential-keys"):
                    shutil.rmtree(layout.etc / "keystone" / keys, ignore_errors=True)
            write_files(layout, sec, virt_type)
            try:  # lab/horizon.py: its venv, catalogues and static files, once
                ensure_horizon(Paths.of(layout), sec, log=say)
            except InstallError as exc:
                raise LabError("horizon-install", str(exc)) from exc
            if not fresh:
                restore_compute_id(layout)
            kind = ("partial: the dead processes only" if alive else
                    "cold: creating databases" if fresh else "warm: existing data")
            say(f"lab: starting the OpenStack lab in {layout.state} ({kind})")
            try:
                build_plan(self, sec, fresh, t0, virt_type, running=alive).run()
            except LabError as exc:
                (layout.tmp / "keystone-seed.json").unlink(missing_ok=True)
                say(f"lab: FAILED at {exc.service}: {exc}")
                if exc.log is not None:
                    say(f"--- last lines of {exc.log} ---\n{tail(exc.log)}\n---")
                if alive:  # the processes that kept running are not this run's to stop
                    say(f"lab: stopping what this run started ({', '.join(self.children)})")
                    self._stop(quiet=True, only=set(self.children))
                else:
                    say("lab: stopping what this run started")
                    self._stop(quiet=True)
                raise
            (layout.tmp / "keystone-seed.json").unlink(missing_ok=True)  # held passwords
            layout.initialized.touch()
            elapsed = time.monotonic() - t0
            if alive:
                kept = sorted(n for n in alive if self.pids.alive(n) and n not in self.children)
                say(f"lab: restarted {', '.join(self.children)} in {elapsed:.1f}s; "
                    f"{len(kept)} processes kept running with their pids")
            else:
                say(f"lab: ready in {elapsed:.1f}s"
                    + (f" (venv install {install:.1f}s)" if install else "")
                    + f"; clouds.yaml: {layout.clouds_yaml}")
            self._sweep(sec)
        say(f"     use: export OS_CLIENT_CONFIG_FILE={layout.clouds_yaml} OS_CLOUD=devstack")

    def _sweep(self, sec: dict[str, str] | None) -> None:
        """Remove what examples left behind while a service did not answer (lab/sweep.py)."""
        if sec is None:
            return
        holder = session_holder()
        if holder is not None:  # its examples may be running: their resources are not leftovers
            say(f"lab: not removing what examples left behind: a test session uses the lab "
                f"({holder})")
            return
        removed, problems = sweep.sweep(sec)
        if removed:
            say(f"lab: removed {len(removed)} resource(s) examples left behind: "
                + ", ".join(removed))
        for problem in problems:
            say(f"lab: could not remove {problem}")

    def _check_programs(self) -> None:
        missing = [pkg for path, pkg in PROGRAMS.items() if not Path(path).exists()]
        try:
            pwd.getpwnam(QEMU_USER)
        except KeyError:
            missing.append(f"(the system user {QEMU_USER})")
        if missing:
            raise LabError("prerequisites", "missing system packages: "
                           f"{' '.join(dict.fromkeys(missing))} (`python -m tools.prepare lab` "
                           "installs them on Debian/Ubuntu)")

    def _check_ports(self, starting: list[str] | None = None) -> None:
        """The ports of the processes about to start are free (the live ones hold theirs)."""
        wanted = {port: name for name, port in PORTS.items()
                  if starting is None or PORT_OWNERS.get(name, name) in starting}
        busy = [f"{name} ({port})" for port, name in wanted.items() if not health.port_free(port)]
        if busy:
            raise LabError("ports", "in use on 127.0.0.1 by another program: " + ", ".join(busy))

    def _stop(self, quiet: bool = False, only: set[str] | None = None) -> list[str]:
        """Stop in order: the services, the guests, the hypervisor, the bus and cache last.

        With `only`, just those processes (what a failed partial `up` started); the guests
        are then left to the libvirtd that runs them.
        """
        records = [r for r in self.pids.records() if only is None or r.name in only]
        order = {n: i for i, n in enumerate(reversed(list(self.services)))}
        records.sort(key=lambda r: order.get(r.name, -1))
        last_ones = ("libvirtd", "virtlogd", "rabbitmq", "memcached", "epmd")
        log = (lambda _m: None) if quiet else say
        stopped = procs.stop([r for r in records if r.name not in last_ones], pids=self.pids,
                             log=log)
        if only is None:
            self._remove_guests(log)
        for names, grace in ((("libvirtd",), 10.0), (("virtlogd",), 10.0),
                             (("rabbitmq", "memcached"), 20.0), (("epmd",), 10.0)):
            stopped += procs.stop([r for r in records if r.name in names], pids=self.pids,
                                  grace=grace, log=log)
        for child in self.children.values():
            with contextlib.suppress(Exception):
                child.wait(timeout=0)
        return stopped

    def _remove_guests(self, log) -> None:
        """Destroy the domains libvirtd still runs (it would leave them running) and their taps."""
        if self.pids.alive("libvirtd"):
            try:
                removed = libvirt.destroy_domains(self.layout)
            except (RuntimeError, OSError, subprocess.TimeoutExpired) as exc:
                log(f"  libvirtd: {exc}")
            else:
                if removed["domains"]:
                    log(f"  destroyed {len(removed['domains'])} guest(s) still running: "
                        f"{', '.join(removed['domains'])}; removed taps: "
                        f"{', '.join(removed['taps']) or 'none'}")
        for pid in libvirt.leftover_qemu_pids(self.layout):  # libvirtd was already gone
            log(f"  QEMU pid {pid} outlived libvirtd: killing it")
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        if not self.pids.alive("libvirtd"):
            taps = libvirt.forget_definitions(self.layout)
            if taps:
                log(f"  removed taps of guests libvirtd no longer knew: {', '.join(taps)}")
        detached = detach_volume_loops(self.layout.data / "cinder" / "volumes")
        if detached:
            log(f"  detached the loop devices of attached volumes: {', '.join(detached)}")

    def down(self) -> None:
        with locked(self.layout):
            if not self.pids.records():
                say("lab: not running (no pid files)")
                return
            stopped = self._stop()
            say(f"lab: stopped {len(stopped)} processes" +
                (f" ({', '.join(stopped)})" if stopped else ""))

    def all_pids(self) -> list[int]:
        """Every live process of the lab: each recorded leader, its group, their children."""
        out: set[int] = set()
        for record in self.pids.records():
            if procs.is_same_process(record, self.pids.proc):
                out.update(procs.group_members(record.pid, self.pids.proc) or [record.pid])
        return sorted(procs.descendants(out, self.pids.proc))

