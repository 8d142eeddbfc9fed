"""`python -m lab bench`: how long a fresh install and a cold start take, and memory used.

1. install: a fresh venv from lab/requirements.lock in a scratch folder (uv, with the uv
   cache as it is on this machine: say so when comparing machines), then removed;
2. cold start: stop the lab, wipe its state except the venv and the passwords (so an
   existing clouds.yaml stays valid), `up` until every service is ready and the cloud is
   seeded;
3. memory: PSS summed from /proc/<pid>/smaps_rollup over every lab process.

The lab is left running. Targets: cold start <= 60 s, memory <= 2.5 GB.
"""

from __future__ import annotations

import shutil
import sys
import time

from lab import procs
from lab.core import Lab
from lab.install import install_plugins, install_venv, uv_command
from lab.layout import default_layout

COLD_TARGET_S = 60.0
MEMORY_TARGET_MIB = 2.5 * 1024


def measure_install(scratch) -> float:
    shutil.rmtree(scratch, ignore_errors=True)
    try:
        spent = install_venv(scratch, log=lambda m: print(f"bench: {m}", flush=True))
        install_plugins(scratch)
        return spent
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


def wipe(layout) -> None:
    keep = {layout.venv.name, layout.secrets.name, layout.lock.name}
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
    print(f"bench: 1/3 fresh install from {layout.venv.parent.name}/venv's lock ({cache})",
          flush=True)
    install_s = measure_install(layout.state / "bench-venv")

    print("bench: 2/3 cold start (stop, wipe state except venv and passwords, up)", flush=True)
    if lab.pids.records():
        lab.down()
    wipe(layout)
    lab = Lab(layout)
    started = time.monotonic()
    lab.up()
    cold_s = time.monotonic() - started

    time.sleep(5)  # let the services finish their start-up work before measuring
    pids = lab.all_pids()
    pss_mib = sum(procs.pss_kib(pid) for pid in pids) / 1024
    rss_mib = sum(_rss_kib(pid) for pid in pids) / 1024
    print("bench: 3/3 memory", flush=True)
    print()
    print(f"  install (fresh venv, {cache}): {install_s:6.1f} s")
    print(f"  cold start to ready + seeded:        {cold_s:6.1f} s   (target <= "
          f"{COLD_TARGET_S:.0f} s: {'met' if cold_s <= COLD_TARGET_S else 'MISSED'})")
    print(f"  memory, PSS over {len(pids)} processes:     {pss_mib:6.0f} MiB (target <= "
          f"{MEMORY_TARGET_MIB:.0f} MiB: {'met' if pss_mib <= MEMORY_TARGET_MIB else 'MISSED'};"
          f" RSS sum {rss_mib:.0f} MiB)")
    print(f"  machine: {_cpus()} CPUs, load average {_load()}")
    return 0


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
