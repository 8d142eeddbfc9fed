"""Install missing Debian packages, the way the test command needs them on a fresh machine."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

from lab.programs import BUILD_PACKAGES, PROGRAMS, QEMU_USER

# command on PATH (or file) -> Debian package that provides it
NEEDED = {
    "docker": {"/usr/sbin/dockerd": "docker.io", "/bin/busybox": "busybox-static"},
    "browser": {
        "/usr/bin/chromium": "chromium",
        # Hangul in headless screenshots (the Horizon pages' Korean screenshots): without a CJK
        # font every glyph is a box
        "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc": "fonts-noto-cjk",
    },
    "lab": {**PROGRAMS, **BUILD_PACKAGES},
}


class SetupError(RuntimeError):
    """A one-line explanation of what is missing and how to get it."""


def is_debian_root() -> bool:
    debian = Path("/etc/debian_version").exists() and bool(shutil.which("apt-get"))
    return os.geteuid() == 0 and debian


def present(path: str) -> bool:
    """The file, or a command of that name anywhere on PATH (GitHub's runners keep dockerd in
    /usr/bin, Debian in /usr/sbin)."""
    return Path(path).exists() or bool(shutil.which(Path(path).name))


def missing_packages(groups: list[str]) -> list[str]:
    # busybox-static only feeds the offline stand-in images; with the real images it is not needed.
    real_images = os.environ.get("CLOUDNOTES_REAL_IMAGES") == "1"
    pkgs: list[str] = []
    for group in groups:
        for path, pkg in NEEDED[group].items():
            if real_images and pkg == "busybox-static":
                continue
            if not present(path) and pkg not in pkgs:
                pkgs.append(pkg)
    return pkgs


def ensure_packages(groups: list[str]) -> None:
    """apt-get install what `groups` need; elsewhere stop with one line naming the packages."""
    pkgs = missing_packages(groups)
    if not pkgs:
        return
    if not is_debian_root():
        raise SetupError(f"missing system packages: install {' '.join(pkgs)} (Debian/Ubuntu names)")
    print(f"prepare: apt-get install {' '.join(pkgs)}", flush=True)
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    lists = Path("/var/lib/apt/lists")
    if not any(lists.glob("*Packages*")):
        subprocess.run(["apt-get", "update", "-qq"], check=True, env=env)
    cmd = ["apt-get", "install", "-y", "-qq", "--no-install-recommends", *pkgs]
    if subprocess.run(cmd, env=env, stdout=subprocess.DEVNULL).returncode != 0:
        # A stale package list is the usual cause: refresh once and retry.
        subprocess.run(["apt-get", "update", "-qq"], check=True, env=env)
        subprocess.run(cmd, check=True, env=env, stdout=subprocess.DEVNULL)


def ensure_qemu_user() -> None:
    """Create the system user libvirtd's QEMU driver insists on at start-up.

    The QEMU driver looks its default user up before it reads qemu.conf (which the lab sets to
    root), so the user must exist. Debian's libvirt-daemon-system package creates it, but it
    also pulls in systemd and polkit, which a machine without systemd does not need.
    """
    import pwd

    try:
        pwd.getpwnam(QEMU_USER)
        return
    except KeyError:
        pass
    if not is_debian_root():
        raise SetupError(f"the system user {QEMU_USER} is missing: install "
                         "libvirt-daemon-system or create the user")
    print(f"prepare: creating the system user {QEMU_USER} (libvirt's QEMU driver)", flush=True)
    subprocess.run(["useradd", "--system", "--user-group", "--no-create-home", "--home-dir",
                    "/var/lib/libvirt", "--shell", "/usr/sbin/nologin", QEMU_USER], check=True)


def fail(message: str) -> None:
    print(f"prepare: {message}", file=sys.stderr)
    raise SystemExit(1)
