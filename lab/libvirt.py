"""The lab's hypervisor: libvirtd and virtlogd as plain processes, QEMU with software emulation.

nova-compute's libvirt driver talks to a libvirtd that the lab starts itself (no systemd), with
its sockets and state inside the lab's folder. libvirt's privileged daemon keeps its paths in
fixed system folders (/run/libvirt, /var/lib/libvirt, /etc/libvirt, ...), so each daemon runs
in a private mount namespace where the lab's folders are bind-mounted over those paths
(`lab/scripts/libvirt_namespace.sh`): nothing is written to the system's libvirt folders and a
system libvirt, if any, is not disturbed. libvirtd also gets its own UTS namespace, named
`cloudnotes-lab`, because Nova names the compute node after libvirt's host name; an /etc/hosts
of the lab's resolves that name, so no DNS query ever leaves the machine. Nothing listens on
TCP: Nova connects through the unix socket (`qemu:///system?socket=...`).

QEMU runs with TCG (software emulation), as DevStack does on GitHub's runners
(`LIBVIRT_TYPE=qemu`). KVM is an opt-in (`CLOUDNOTES_LAB_VIRT_TYPE=kvm`) accepted only where it
can work: /dev/kvm, a vmx/svm CPU flag and no nested PVM (`/sys/module/kvm_pvm`), under which
guests start and then stall ("emulation failure").
"""

from __future__ import annotations

import os
import re
import socket
import subprocess
from pathlib import Path

from lab.layout import SERVICE_HOST, Layout

HERE = Path(__file__).resolve().parent
NAMESPACE_SCRIPT = HERE / "scripts" / "libvirt_namespace.sh"
LIBVIRTD = "/usr/sbin/libvirtd"
VIRTLOGD = "/usr/sbin/virtlogd"
QEMU = "/usr/bin/qemu-system-x86_64"
VIRT_TYPE_ENV = "CLOUDNOTES_LAB_VIRT_TYPE"

# lab folder (under <state>/libvirt/) -> the system path libvirt uses, inside the namespace
MOUNTS = {
    "run": "/run/libvirt",
    "lib": "/var/lib/libvirt",
    "etc": "/etc/libvirt",
    "log": "/var/log/libvirt",
}
# QEMU's probed capabilities (seconds of work at libvirtd's first start) outlive cold starts
CACHE_MOUNT = "/var/cache/libvirt"


class VirtTypeError(RuntimeError):
    """The virtualisation type asked for cannot work on this host."""


def root(layout: Layout) -> Path:
    return layout.state / "libvirt"


def socket_path(layout: Layout) -> Path:
    return root(layout) / "run" / "libvirt-sock"


def connection_uri(layout: Layout) -> str:
    return f"qemu:///system?socket={socket_path(layout)}"


def kvm_problem(cpuinfo: str, pvm_loaded: bool, kvm_device: bool) -> str | None:
    """Why KVM cannot run guests here, or None when it can."""
    if not kvm_device:
        return "there is no /dev/kvm"
    if not re.search(r"^flags\s*:.*\b(vmx|svm)\b", cpuinfo, re.M):
        return "the CPU shows no vmx/svm flag (no hardware virtualisation)"
    if pvm_loaded:
        return "the host runs nested PVM (kvm_pvm), under which ordinary guests stall"
    return None


def virt_type(environ: dict[str, str] | None = None) -> str:
    """`qemu` (TCG) unless KVM is asked for and usable; raises VirtTypeError otherwise."""
    wanted = (environ if environ is not None else os.environ).get(VIRT_TYPE_ENV, "qemu")
    if wanted == "qemu":
        return "qemu"
    if wanted != "kvm":
        raise VirtTypeError(f"{VIRT_TYPE_ENV}={wanted!r}: choose qemu or kvm")
    problem = kvm_problem(Path("/proc/cpuinfo").read_text(), Path("/sys/module/kvm_pvm").exists(),
                          Path("/dev/kvm").exists())
    if problem:
        raise VirtTypeError(f"{VIRT_TYPE_ENV}=kvm, but {problem}; use qemu")
    return "kvm"


# --- configuration files (rendered by lab.config.render) ---------------------------------------

def libvirtd_conf() -> str:
    return "\n".join([
        "# cloudnotes lab: unix socket only, for root only (Nova connects as root)",
        "listen_tls = 0",
        "listen_tcp = 0",
        'unix_sock_rw_perms = "0700"',
        'unix_sock_ro_perms = "0700"',
        'unix_sock_admin_perms = "0700"',
        'auth_unix_rw = "none"',
        'auth_unix_ro = "none"',
        'log_outputs = "3:stderr"',
        "",
    ])


def qemu_conf() -> str:
    return "\n".join([
        "# cloudnotes lab: QEMU runs as root on files in the lab's folder, no confinement,",
        "# and it leaves the host's cgroups and /dev alone",
        'user = "root"',
        'group = "root"',
        "dynamic_ownership = 0",
        "remember_owner = 0",
        'security_driver = "none"',
        "cgroup_controllers = [ ]",
        "namespaces = [ ]",
        "",
    ])


def virtlogd_conf() -> str:
    return 'log_outputs = "3:stderr"\nmax_clients = 64\n'


def hosts_file() -> str:
    """/etc/hosts inside libvirtd's namespace: its host name resolves without DNS."""
    return f"127.0.0.1 localhost {SERVICE_HOST}\n::1 localhost\n"


def render(layout: Layout) -> dict[Path, str]:
    base = Path("libvirt")
    return {
        base / "etc" / "libvirtd.conf": libvirtd_conf(),
        base / "etc" / "qemu.conf": qemu_conf(),
        base / "etc" / "virtlogd.conf": virtlogd_conf(),
        base / "hosts": hosts_file(),
    }


def cache_folder(layout: Layout) -> Path:
    return layout.cache / "libvirt"


def folders(layout: Layout) -> list[Path]:
    return [root(layout) / name for name in MOUNTS] + [cache_folder(layout)]


# --- the two daemons ---------------------------------------------------------------------------

def namespace_argv(layout: Layout, program: list[str], *, hostname: bool) -> list[str]:
    """`unshare` + the bind mounts, then exec `program` (same pid: nothing forks)."""
    flags = ["--mount", "--propagation", "private"] + (["--uts"] if hostname else [])
    binds = [f"{root(layout) / name}:{target}" for name, target in MOUNTS.items()]
    binds.append(f"{cache_folder(layout)}:{CACHE_MOUNT}")
    if hostname:
        binds.append(f"{root(layout) / 'hosts'}:/etc/hosts")
    return ["/usr/bin/unshare", *flags, "--", "/bin/sh", str(NAMESPACE_SCRIPT),
            SERVICE_HOST if hostname else "-", *binds, "--", *program]


# Their pid files default to /run/virtlogd.pid and /run/libvirtd.pid, outside the bind mounts:
# a second lab's daemons would fail to lock them. /run/libvirt is the lab's own folder.
def virtlogd_argv(layout: Layout) -> list[str]:
    return namespace_argv(layout, [VIRTLOGD, "-f", "/etc/libvirt/virtlogd.conf",
                                   "-p", "/run/libvirt/virtlogd.pid"], hostname=False)


def libvirtd_argv(layout: Layout) -> list[str]:
    return namespace_argv(layout, [LIBVIRTD, "-f", "/etc/libvirt/libvirtd.conf",
                                   "-p", "/run/libvirt/libvirtd.pid"], hostname=True)


def unix_socket_answers(path: Path) -> bool:
    """A daemon accepts connections on its unix socket (a stale socket file refuses them)."""
    with socket.socket(socket.AF_UNIX) as sock:
        sock.settimeout(2)
        try:
            sock.connect(str(path))
        except OSError:
            return False
    return True


def versions() -> dict[str, str]:
    """libvirt's and QEMU's versions, as the installed programs report them."""
    found = {}
    for name, argv, pattern in (("libvirt", [LIBVIRTD, "--version"], r"(\d+\.\d+\.\d+)"),
                                ("QEMU", [QEMU, "--version"], r"version (\d+\.\d+\.\d+)")):
        try:
            out = subprocess.run(argv, capture_output=True, text=True, timeout=10).stdout
        except (OSError, subprocess.TimeoutExpired):
            continue
        match = re.search(pattern, out)
        if match:
            found[name] = match[1]
    return found


# --- what `lab down` removes ---------------------------------------------------------------------

def destroy_domains(layout: Layout) -> dict[str, list[str]]:
    """Destroy and undefine every domain libvirtd still has; delete the tap devices they used.

    Returns {"domains": [...], "taps": [...]} of what was removed.
    """
    import json

    result = subprocess.run(
        [str(layout.python), str(HERE / "scripts" / "libvirt_cleanup.py"),
         connection_uri(layout)], capture_output=True, text=True, timeout=60)
    if result.returncode != 0:
        lines = result.stderr.strip().splitlines()
        raise RuntimeError(f"libvirt cleanup failed: {lines[-1] if lines else result.returncode}")
    removed = json.loads(result.stdout)
    removed["taps"] = [tap for tap in removed["taps"] if delete_link(tap)]
    return removed


def delete_link(name: str) -> bool:
    """Delete a network device if it exists (True when it did)."""
    if not Path("/sys/class/net", name).exists():
        return False
    subprocess.run(["ip", "link", "delete", name], capture_output=True, timeout=10)
    return not Path("/sys/class/net", name).exists()


def leftover_qemu_pids(layout: Layout) -> list[int]:
    """QEMU processes of the lab's libvirtd that still run (from its pid files).

    Only a pid whose command line is a QEMU naming a domain of that pid file counts: a pid the
    kernel has reused for something else is never returned.
    """
    found = []
    for pid_file in (root(layout) / "run" / "qemu").glob("*.pid"):
        try:
            pid = int(pid_file.read_text().strip())
            argv = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
        except (OSError, ValueError):
            continue
        if argv and argv[0].endswith(b"qemu-system-x86_64") and \
                pid_file.stem.encode() in b" ".join(argv):
            found.append(pid)
    return found


def forget_definitions(layout: Layout) -> list[str]:
    """With libvirtd gone: delete the taps its saved domain definitions name, then the
    definitions themselves (what `undefine` would have done)."""
    import xml.etree.ElementTree as ElementTree

    taps = []
    for definition in (root(layout) / "etc" / "qemu").glob("*.xml"):
        try:
            tree = ElementTree.parse(definition)
        except ElementTree.ParseError:
            continue
        taps += [t.get("dev", "") for t in tree.iterfind("devices/interface/target")
                 if t.get("dev", "").startswith("tap") and delete_link(t.get("dev", ""))]
        definition.unlink()
    return taps
