"""`python -m lab bench`: install time, cold start, guest boot time and memory.

1. install: a fresh venv from lab/requirements.lock in a scratch folder (uv, with the uv
   cache as it is on this machine: say so when comparing machines), then removed;
2. cold start: stop the lab, wipe its state except the venv, the passwords (so an existing
   clouds.yaml stays valid) and the cache (the built guest), `up` until every service is ready
   and the cloud is seeded;
3. boots: servers of the guest image booted one after the other, each timed from the request
   to ACTIVE and to its login prompt on the console (the guest has booted), then deleted;
4. memory: PSS summed from /proc/<pid>/smaps_rollup over every lab process and the QEMU
   processes of two guests running at once.

The lab is left running. Targets: cold start <= 60 s (45 s), ACTIVE with the console banner
<= 10 s (5 s), memory <= 2.5 GB with two guests running.
"""

from __future__ import annotations

import shutil
import statistics
import sys
import time

from lab import horizon, libvirt, procs, seed
from lab.core import Lab
from lab.files import load_secrets
from lab.install import install_plugins, install_venv, uv_command
from lab.layout import default_layout

COLD_TARGET_S = 60.0
BOOT_TARGET_S = 10.0
MEMORY_TARGET_MIB = 2.5 * 1024
BOOTS = 3


def measure_install(scratch) -> float:
    shutil.rmtree(scratch, ignore_errors=True)
    try:
        spent = install_venv(scratch, log=lambda m: print(f"bench: {m}", flush=True))
        install_plugins(scratch)
        return spent
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


def wipe(layout) -> None:
    keep = {layout.venv.name, layout.secrets.name, layout.lock.name, layout.cache.name,
            horizon.HOME}
    for entry in layout.state.iterdir():
        if entry.name in keep or entry.name.startswith("bench-"):
            continue
        if entry.is_dir():
            shutil.rmtree(entry)
        else:
            entry.unlink()


def main() -> int:
    layout = default_layout()
    lab = Lab(layout)
    cache = "uv cache as it is on this machine" if uv_command() else "pip, no uv"
    print(f"bench: 1/4 fresh install from {layout.venv.parent.name}/venv's lock ({cache})",
          flush=True)
    install_s = measure_install(layout.state / "bench-venv")
    dashboard = horizon.measure_install(layout.state / "bench-horizon",
                                        load_secrets(layout, create=True))

    print("bench: 2/4 cold start (stop, wipe state except venv, passwords and cache, up)",
          flush=True)
    if lab.pids.records():
        lab.down()
    wipe(layout)
    lab = Lab(layout)
    started = time.monotonic()
    lab.up()
    cold_s = time.monotonic() - started

    conn = _connect(layout)
    print(f"bench: 3/4 {BOOTS} boots of {seed.IMAGE_NAME}, one after the other", flush=True)
    boots = [_boot(conn, f"cloudnotes-bench-{i}") for i in range(BOOTS)]
    print("bench: 4/4 memory with two guests running", flush=True)
    servers = [_create(conn, f"cloudnotes-bench-mem-{i}") for i in range(2)]
    try:
        for server in servers:
            _wait_booted(conn, server, time.monotonic())
        time.sleep(5)  # let the services settle after the boots before measuring
        pids = lab.all_pids() + libvirt.leftover_qemu_pids(layout)
        guests = len(libvirt.leftover_qemu_pids(layout))
        pss_mib = sum(procs.pss_kib(pid) for pid in pids) / 1024
        rss_mib = sum(_rss_kib(pid) for pid in pids) / 1024
        record = lab.pids.get("horizon")
        horizon_mib = sum(procs.pss_kib(pid) for pid in procs.group_members(record.pid)) \
            / 1024 if record else 0.0
    finally:
        for server in servers:
            conn.compute.delete_server(server)
        for server in servers:
            conn.compute.wait_for_delete(server, wait=120)
    active = sorted(b[0] for b in boots)
    booted = sorted(b[1] for b in boots)
    print()
    print(f"  install (fresh venv, {cache}): {install_s:6.1f} s")
    print(f"  Horizon install (fresh): {sum(dashboard.values()):6.1f} s   ("
          + ", ".join(f"{k} {v:.1f} s" for k, v in dashboard.items()) + ")")
    print(f"  cold start to ready + seeded:        {cold_s:6.1f} s   (target <= "
          f"{COLD_TARGET_S:.0f} s: {'met' if cold_s <= COLD_TARGET_S else 'MISSED'})")
    print(f"  boot, request -> ACTIVE:             {statistics.median(active):6.1f} s   "
          f"(min {active[0]:.1f}, max {active[-1]:.1f}, {BOOTS} runs)")
    print(f"  boot, request -> console banner:     {statistics.median(booted):6.1f} s   "
          f"(min {booted[0]:.1f}, max {booted[-1]:.1f}; target <= {BOOT_TARGET_S:.0f} s: "
          f"{'met' if booted[-1] <= BOOT_TARGET_S else 'MISSED'})")
    print(f"  memory, PSS over {len(pids)} processes ({guests} guests): {pss_mib:6.0f} MiB "
          f"(target <= {MEMORY_TARGET_MIB:.0f} MiB: "
          f"{'met' if pss_mib <= MEMORY_TARGET_MIB else 'MISSED'}; RSS sum {rss_mib:.0f} MiB)")
    print(f"  of which Horizon's uWSGI, PSS:        {horizon_mib:6.0f} MiB")
    versions = libvirt.versions()
    print(f"  hypervisor: QEMU {versions.get('QEMU', '?')} (TCG) via libvirt "
          f"{versions.get('libvirt', '?')}, Debian {_debian()}")
    print(f"  machine: {_cpus()} CPUs, load average {_load()}")
    return 0


def _connect(layout):
    import os

    import openstack

    os.environ["OS_CLIENT_CONFIG_FILE"] = str(layout.clouds_yaml)
    return openstack.connect(cloud="devstack")


def _create(conn, name: str):
    image = conn.image.find_image(seed.IMAGE_NAME, ignore_missing=False)
    flavor = min(conn.compute.flavors(), key=lambda f: (f.ram, f.vcpus, f.disk))
    network = conn.network.find_network("private", ignore_missing=False)
    return conn.compute.create_server(name=name, image_id=image.id, flavor_id=flavor.id,
                                      networks=[{"uuid": network.id}])


def _wait_booted(conn, server, started: float) -> tuple[float, float]:
    """Seconds from `started` to ACTIVE and to the login prompt on the console."""
    server = conn.compute.wait_for_server(server, status="ACTIVE", wait=300)
    active = time.monotonic() - started
    while True:
        try:
            text = conn.compute.get_server_console_output(server)["output"] or ""
        except Exception:  # no console yet
            text = ""
        if "login:" in text:
            return active, time.monotonic() - started
        if time.monotonic() - started > 300:
            raise RuntimeError(f"{server.name}: no login prompt after 300 s")
        time.sleep(0.2)


def _boot(conn, name: str) -> tuple[float, float]:
    started = time.monotonic()
    server = _create(conn, name)
    try:
        return _wait_booted(conn, server, started)
    finally:
        conn.compute.delete_server(server)
        conn.compute.wait_for_delete(server, wait=120)


def _debian() -> str:
    try:
        with open("/etc/debian_version") as handle:
            return handle.read().strip()
    except OSError:
        return "?"


def _rss_kib(pid: int) -> int:
    try:
        for line in open(f"/proc/{pid}/status"):  # noqa: SIM115
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def _cpus() -> int:
    import os

    return len(os.sched_getaffinity(0))


def _load() -> str:
    with open("/proc/loadavg") as handle:
        return " ".join(handle.read().split()[:3])


if __name__ == "__main__":
    sys.exit(main())
