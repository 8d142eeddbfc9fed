"""What the lab's guests leave on the host: libvirt domains, tap devices, loop devices, files.

The test session takes this inventory at its start and at its end (tests/openstack_cloud.py):
anything new is a leftover, like a server or a volume left in the APIs.
"""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path

from lab import libvirt
from lab.layout import Layout, default_layout

LIST_DOMAINS = ("import libvirt, sys; libvirt.registerErrorHandler(lambda *a: None, None); "
                "print('\\n'.join(d.name() for d in libvirt.open(sys.argv[1]).listAllDomains()))")
# instances_path holds Nova's image cache and bookkeeping besides one folder per instance
NOT_INSTANCES = {"_base", "locks", "compute_nodes", "snapshots"}


def domains(layout: Layout) -> set[str]:
    """The domains the lab's libvirtd knows (running or only defined)."""
    if not libvirt.unix_socket_answers(libvirt.socket_path(layout)):
        return set()
    result = subprocess.run([str(layout.python), "-c", LIST_DOMAINS,
                             libvirt.connection_uri(layout)], capture_output=True, text=True,
                            timeout=30)
    return {line for line in result.stdout.splitlines() if line}


def tap_devices(layout: Layout | None = None) -> set[str]:
    """Tap devices on the host (Nova names the ones it creates `tap<port id>`); with a layout,
    without those a guest of another lab on this machine holds open: they are not this lab's."""
    taps = {p.name for p in Path("/sys/class/net").iterdir() if p.name.startswith("tap")}
    return taps - taps_of_other_labs(layout) if layout is not None else taps


def taps_of_other_labs(layout: Layout) -> set[str]:
    """Taps held open by a QEMU whose command line does not name this lab's folder (the
    kernel shows a tap's name in the fdinfo of each file descriptor open on it)."""
    held: set[str] = set()
    ours = str(layout.state).encode()
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            argv = (proc / "cmdline").read_bytes()
            if not argv.split(b"\0")[0].endswith(b"qemu-system-x86_64") or ours in argv:
                continue
            for info in (proc / "fdinfo").iterdir():
                held.update(re.findall(r"^iff:\s*(\S+)", info.read_text(), re.M))
        except OSError:  # gone meanwhile
            continue
    return held


def loop_devices(volumes: Path) -> set[str]:
    """Loop devices whose backing file is one of the lab's volume files."""
    try:
        listing = subprocess.run(["losetup", "--list", "--json", "--output", "NAME,BACK-FILE"],
                                 capture_output=True, text=True, timeout=10).stdout
        devices = json.loads(listing or "{}").get("loopdevices", [])
    except (OSError, ValueError, subprocess.TimeoutExpired):
        return set()
    return {f"{d['name']} ({d['back-file']})" for d in devices
            if Path((d.get("back-file") or "").removesuffix(" (deleted)")).is_relative_to(volumes)}


def host_objects(layout: Layout | None = None) -> dict[str, set[str]]:
    """Everything on the host that the lab's servers and volumes can leave behind."""
    layout = layout or default_layout()
    instances = layout.data / "nova" / "instances"
    volumes = layout.data / "cinder" / "volumes"
    return {
        "libvirt domains": domains(layout),
        "tap devices": tap_devices(layout),
        "loop devices": loop_devices(volumes),
        "instance folders": {p.name for p in instances.iterdir()
                             if p.is_dir() and p.name not in NOT_INSTANCES}
        if instances.is_dir() else set(),
        "volume files": {p.name for p in volumes.iterdir()} if volumes.is_dir() else set(),
    }
