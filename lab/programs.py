"""What the lab needs from the system: programs it runs and the Debian packages that hold them.

One list for both readers: `lab up` checks it before starting (lab/core.py) and
`tools.prepare lab` installs what is missing from it (tools/system.py), plus the headers
that only building libvirt-python into the lab venv needs.
"""

# programs the lab runs from the system -> the Debian package that provides them
PROGRAMS = {
    "/usr/bin/memcached": "memcached",
    "/usr/lib/rabbitmq/bin/rabbitmq-server": "rabbitmq-server",
    "/usr/bin/epmd": "rabbitmq-server",  # erlang-base, pulled in by rabbitmq-server
    "/usr/bin/qemu-img": "qemu-utils",
    # the hypervisor under Nova: QEMU (software emulation) run by libvirtd
    "/usr/bin/qemu-system-x86_64": "qemu-system-x86",
    "/usr/sbin/libvirtd": "libvirt-daemon",
    "/usr/lib/x86_64-linux-gnu/libvirt/connection-driver/libvirt_driver_qemu.so":
        "libvirt-daemon-driver-qemu",
    "/usr/bin/genisoimage": "genisoimage",  # Nova's config drives
    "/bin/busybox": "busybox-static",  # the guest's userland
}
# building libvirt-python into the lab venv (lab/install.py)
BUILD_PACKAGES = {
    "/usr/include/libvirt/libvirt.h": "libvirt-dev",
    "/usr/bin/pkg-config": "pkg-config",
}
# libvirtd's QEMU driver refuses to start unless its default user exists (even when qemu.conf
# names root); Debian's libvirt-daemon-system creates it, tools.prepare does without systemd.
QEMU_USER = "libvirt-qemu"
