"""The lab's bootable guest, built offline from Debian packages: a kernel and a busybox initramfs.

No cloud image can be downloaded here (no CirrOS), so the guest is made from what Debian's apt
serves: the kernel of `linux-image-cloud-amd64` (small, made for VMs; fetched with `apt-get
download` and unpacked with `dpkg-deb -x`, never installed as the host's kernel) and an
initramfs holding `busybox-static`, the few kernel modules a Nova guest needs (virtio disk and
NIC, the config drive's CD-ROM, the ACPI power button) and the scripts in `lab/guest/`.

Why a kernel + ramdisk pair rather than a disk image: Glance's `aki`/`ari` images referenced by
an `ami` image's `kernel_id`/`ramdisk_id` are a standard way to boot in Nova (direct kernel
boot), need no bootloader, partition table or root filesystem, build in about a second, and
boot under software emulation (TCG) in about two seconds. The `ami` itself is a 1 MiB empty
disk: the guest never leaves its initramfs.

The result is cached under the lab's state folder, keyed by every input (the kernel package,
busybox, the module list and the scripts), and rebuilt only when one of them changes.
"""

from __future__ import annotations

import gzip
import hashlib
import io
import json
import lzma
import os
import re
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent
SCRIPTS = HERE / "guest"
KERNEL_METAPACKAGE = "linux-image-cloud-amd64"
BUSYBOX = Path("/bin/busybox")
# What the guest loads, in this order after their dependencies: the virtio PCI transport, the NIC
# (Neutron's port), disks (the root disk and Cinder volumes), the config drive's CD-ROM on a
# virtio-scsi controller (the image asks for one: the cloud kernel has no SATA driver, which
# `q35` machines would use), and the power button that Nova's stop presses.
MODULES = ("virtio_pci", "virtio_net", "virtio_blk", "virtio_scsi", "sr_mod", "isofs",
           "button", "evdev")
# The guest's serial console shows these; tests and examples look for them.
BANNER_PREFIX = "guest: "
IMAGE_NAME = "debian-busybox-guest"


class GuestBuildError(RuntimeError):
    """Building the guest failed; the message says which step."""


@dataclass(frozen=True)
class Guest:
    """A built guest: its kernel and initramfs files and what they were made from."""

    kernel: Path
    initramfs: Path
    kernel_release: str  # e.g. 6.1.0-50-cloud-amd64
    kernel_package: str  # e.g. linux-image-6.1.0-50-cloud-amd64=6.1.176-1
    key: str


def _run(argv: list[str], **kwargs) -> str:
    try:
        return subprocess.run(argv, check=True, capture_output=True, text=True,
                              **kwargs).stdout
    except FileNotFoundError as exc:
        raise GuestBuildError(f"{argv[0]} is not installed") from exc
    except subprocess.CalledProcessError as exc:
        lines = (exc.stderr or exc.stdout or "").strip().splitlines()
        raise GuestBuildError(f"`{' '.join(argv[:3])}` failed: "
                              f"{lines[-1] if lines else exc.returncode}") from exc


def kernel_package() -> tuple[str, str]:
    """(package, version) of the kernel the cloud metapackage points at, from apt's lists."""
    depends = _run(["apt-cache", "depends", KERNEL_METAPACKAGE])
    found = re.search(r"Depends: (linux-image-\S+)", depends)
    if not found:
        raise GuestBuildError(f"apt knows no kernel behind {KERNEL_METAPACKAGE} "
                              "(run `apt-get update`)")
    package = found[1]
    policy = _run(["apt-cache", "policy", package])
    version = re.search(r"Candidate: (\S+)", policy)
    if not version or version[1] == "(none)":
        raise GuestBuildError(f"apt has no candidate version of {package}")
    return package, version[1]


def cache_key(package: str, version: str) -> str:
    """A digest of every input of the build."""
    digest = hashlib.sha256()
    digest.update(f"{package}={version}\n".encode())
    digest.update(BUSYBOX.read_bytes() if BUSYBOX.exists() else b"no busybox")
    digest.update(" ".join(MODULES).encode())
    for script in sorted(SCRIPTS.iterdir()):
        digest.update(script.name.encode() + b"\0" + script.read_bytes())
    digest.update(Path(__file__).read_bytes())
    return digest.hexdigest()[:16]


def module_dependencies(ko: bytes) -> list[str]:
    """The modules a .ko needs, from its `.modinfo` section (`depends=a,b`)."""
    found = re.search(rb"\0depends=([^\0]*)\0", ko)
    return [name for name in (found[1].decode().split(",") if found else []) if name]


MODULE_SUFFIXES = (".ko", ".ko.xz")  # Debian 12 ships plain modules, Debian 13 xz-compressed


def module_name(path: Path) -> str:
    """`virtio_net` for `.../virtio_net.ko` or `.../virtio_net.ko.xz` (dashes as underscores)."""
    name = path.name
    for suffix in MODULE_SUFFIXES:
        name = name.removesuffix(suffix)
    return name.replace("-", "_")


def module_bytes(path: Path) -> bytes:
    """A module's ELF bytes, decompressed (busybox's insmod loads plain .ko files)."""
    data = path.read_bytes()
    return lzma.decompress(data) if path.name.endswith(".xz") else data


def load_order(modules_dir: Path, wanted: tuple[str, ...]) -> list[Path]:
    """The module files for `wanted` and their dependencies, each after what it depends on.

    A module the kernel has built in (`modules.builtin`) needs no file.
    """
    by_name = {module_name(path): path for path in modules_dir.rglob("*.ko*")
               if path.name.endswith(MODULE_SUFFIXES)}
    builtin_list = modules_dir / "modules.builtin"
    builtin = {module_name(Path(line))
               for line in (builtin_list.read_text().split() if builtin_list.exists() else [])}
    order: list[Path] = []

    def visit(name: str, trail: tuple[str, ...]) -> None:
        name = name.replace("-", "_")
        if name in builtin:
            return
        if name not in by_name:
            raise GuestBuildError(f"the kernel has no module {name} (needed by {trail})")
        path = by_name[name]
        if path in order or name in trail:
            return
        for dependency in module_dependencies(module_bytes(path)):
            visit(dependency, (*trail, name))
        order.append(path)

    for module in wanted:
        visit(module, ())
    return order


def _cpio_newc(files: list[tuple[str, int, bytes]]) -> bytes:
    """A `newc` cpio archive (what the kernel unpacks as an initramfs) of (path, mode, data).

    A character device's data is its (major, minor) as two bytes.

    Written here because Debian has no `cpio` by default; the format is 110-byte ASCII headers,
    each name and body padded to 4 bytes, ended by a `TRAILER!!!` entry.
    """
    out = io.BytesIO()
    for ino, (name, mode, data) in enumerate([*files, ("TRAILER!!!", 0, b"")], start=1):
        encoded = name.encode() + b"\0"
        rdev = (0, 0)
        if mode & 0o170000 == CHARACTER:
            rdev, data = (data[0], data[1]), b""
        fields = (ino, mode, 0, 0, 1, 0, len(data), 0, 0, *rdev, len(encoded), 0)
        out.write(b"070701" + b"".join(b"%08X" % value for value in fields))
        out.write(encoded + b"\0" * (-(110 + len(encoded)) % 4))
        out.write(data + b"\0" * (-len(data) % 4))
    return out.getvalue()


DIRECTORY, REGULAR, SYMLINK, CHARACTER = 0o040000, 0o100000, 0o120000, 0o020000


def initramfs(release: str, modules: list[Path], modules_root: Path) -> bytes:
    """The gzip-compressed initramfs: busybox, modules, /init, inittab and the scripts."""
    entries: list[tuple[str, int, bytes]] = []
    for folder in ("bin", "sbin", "usr", "usr/bin", "usr/sbin", "etc", "etc/init.d", "etc/acpi",
                   "etc/acpi/PWRF", "lib", "lib/modules", "proc", "sys", "dev", "tmp", "run",
                   "mnt", "root"):
        entries.append((folder, DIRECTORY | 0o755, b""))
    # the kernel opens /dev/console for /init before devtmpfs is mounted
    entries.append(("dev/console", CHARACTER | 0o600, bytes((5, 1))))
    entries.append(("bin/busybox", REGULAR | 0o755, BUSYBOX.read_bytes()))
    entries.append(("bin/sh", SYMLINK | 0o777, b"busybox"))
    scripts = {"init": ("init", 0o755), "inittab": ("etc/inittab", 0o644),
               "rcS": ("etc/init.d/rcS", 0o755), "watch-disks": ("usr/sbin/watch-disks", 0o755),
               "power-button": ("etc/acpi/PWRF/00000080", 0o755)}
    for source, (target, mode) in scripts.items():
        entries.append((target, REGULAR | mode, (SCRIPTS / source).read_bytes()))
    names = []
    for module in modules:
        name = f"{module_name(module)}.ko"
        entries.append((f"lib/modules/{name}", REGULAR | 0o644, module_bytes(module)))
        names.append(name)
    entries.append(("etc/modules.load", REGULAR | 0o644, ("\n".join(names) + "\n").encode()))
    entries.append(("etc/guest-kernel", REGULAR | 0o644, f"{release}\n".encode()))
    entries.append(("etc/passwd", REGULAR | 0o644, b"root::0:0:root:/root:/bin/sh\n"))
    entries.append(("etc/group", REGULAR | 0o644, b"root:x:0:\n"))
    return gzip.compress(_cpio_newc(entries), compresslevel=9, mtime=0)


def build(cache: Path, refreshed: bool = False) -> Guest:
    """Build the guest into `cache/<key>/` unless that build exists; return it."""
    if not BUSYBOX.exists():
        raise GuestBuildError("busybox-static is not installed (apt-get install busybox-static)")
    package, version = kernel_package()
    key = cache_key(package, version)
    target = cache / key
    manifest = target / "guest.json"
    if manifest.exists():
        return _load(manifest)
    with tempfile.TemporaryDirectory(prefix="guest-", dir=cache.parent if cache.parent.exists()
                                     else None) as tmp:
        work = Path(tmp)
        work.chmod(0o755)  # apt-get download drops privileges to _apt, which must write here
        debs = work / "debs"
        debs.mkdir()
        debs.chmod(0o777)
        try:
            _run(["apt-get", "download", "-qq", f"{package}={version}"], cwd=debs)
        except GuestBuildError:
            if refreshed or os.geteuid() != 0:
                raise
            # stale package lists name a version the mirror no longer has: refresh them once
            _run(["apt-get", "update", "-qq"])
            return build(cache, refreshed=True)
        deb = next(debs.glob("*.deb"))
        root = work / "root"
        _run(["dpkg-deb", "-x", str(deb), str(root)])
        kernels = sorted((root / "boot").glob("vmlinuz-*"))
        if not kernels:
            raise GuestBuildError(f"{deb.name} holds no boot/vmlinuz-*")
        release = kernels[0].name.removeprefix("vmlinuz-")
        modules_root = next(p for p in (root / "lib/modules", root / "usr/lib/modules")
                            if p.exists()) / release
        order = load_order(modules_root, MODULES)
        staged = work / "out"
        staged.mkdir()
        shutil.copyfile(kernels[0], staged / "vmlinuz")
        (staged / "initrd.img").write_bytes(initramfs(release, order, modules_root))
        (staged / "guest.json").write_text(json.dumps({
            "kernel_release": release, "kernel_package": f"{package}={version}", "key": key,
            "modules": [module_name(p) for p in order]}, indent=1))
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.rmtree(target, ignore_errors=True)
        os.replace(staged, target)
    for old in cache.iterdir():  # keep only the current build
        if old.name != key and old.is_dir():
            shutil.rmtree(old, ignore_errors=True)
    return _load(manifest)


def _load(manifest: Path) -> Guest:
    info = json.loads(manifest.read_text())
    return Guest(manifest.parent / "vmlinuz", manifest.parent / "initrd.img",
                 info["kernel_release"], info["kernel_package"], info["key"])


if __name__ == "__main__":  # `python -m lab.guest_image DIR`: build (or find) the guest in DIR
    import sys

    built = build(Path(sys.argv[1]).resolve())
    print(f"{built.kernel}\n{built.initramfs}\n{built.kernel_release}")
