"""The lab's hypervisor pieces that need no running libvirtd: KVM choice, namespace, cleanup."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from lab import libvirt
from lab.layout import Layout

pytestmark = pytest.mark.lab

FLAGS = "flags\t\t: fpu vme de pse tsc msr pae mce cx8 apic sep mtrr {} sse sse2\n"


def test_kvm_needs_the_device_a_virtualisation_flag_and_no_pvm():
    assert libvirt.kvm_problem(FLAGS.format("vmx"), pvm_loaded=False, kvm_device=True) is None
    assert libvirt.kvm_problem(FLAGS.format("svm"), pvm_loaded=False, kvm_device=True) is None
    assert "no /dev/kvm" in libvirt.kvm_problem(FLAGS.format("vmx"), False, kvm_device=False)
    assert "vmx/svm" in libvirt.kvm_problem(FLAGS.format(""), False, True)
    assert "PVM" in libvirt.kvm_problem(FLAGS.format("vmx"), pvm_loaded=True, kvm_device=True)


def test_virt_type_defaults_to_emulation_and_rejects_nonsense():
    assert libvirt.virt_type({}) == "qemu"
    assert libvirt.virt_type({libvirt.VIRT_TYPE_ENV: "qemu"}) == "qemu"
    with pytest.raises(libvirt.VirtTypeError, match="choose qemu or kvm"):
        libvirt.virt_type({libvirt.VIRT_TYPE_ENV: "xen"})


def test_kvm_is_refused_where_it_cannot_run():
    # this kind of machine: /dev/kvm exists, but the host is nested PVM (and shows no vmx/svm)
    if not Path("/sys/module/kvm_pvm").exists():
        pytest.skip("not a nested PVM host")
    with pytest.raises(libvirt.VirtTypeError, match="use qemu"):
        libvirt.virt_type({libvirt.VIRT_TYPE_ENV: "kvm"})


def test_daemons_run_in_a_namespace_with_the_labs_folders(tmp_path: Path):
    layout = Layout(tmp_path)
    argv = libvirt.libvirtd_argv(layout)
    assert argv[0] == "/usr/bin/unshare" and "--mount" in argv and "--uts" in argv
    script_args = argv[argv.index(str(libvirt.NAMESPACE_SCRIPT)) + 1:]
    hostname, rest = script_args[0], script_args[1:]
    binds, program = rest[:rest.index("--")], rest[rest.index("--") + 1:]
    assert hostname == "cloudnotes-lab"
    targets = {bind.split(":", 1)[1]: Path(bind.split(":", 1)[0]) for bind in binds}
    assert set(targets) == {*libvirt.MOUNTS.values(), libvirt.CACHE_MOUNT, "/etc/hosts"}
    assert all(source.is_relative_to(tmp_path) for source in targets.values())
    assert program[0] == libvirt.LIBVIRTD
    assert "--uts" not in libvirt.virtlogd_argv(layout)


def test_the_namespace_script_binds_then_becomes_the_program(tmp_path: Path):
    """Run the script for real without mounting: a 0-bind call just execs the program."""
    result = subprocess.run(["/bin/sh", str(libvirt.NAMESPACE_SCRIPT), "-", "--", "echo", "hi"],
                            capture_output=True, text=True, timeout=10)
    assert result.returncode == 0 and result.stdout == "hi\n"


def test_unix_socket_probe(tmp_path: Path):
    import socket

    path = tmp_path / "sock"
    assert not libvirt.unix_socket_answers(path)
    with socket.socket(socket.AF_UNIX) as server:
        server.bind(str(path))
        server.listen(1)
        assert libvirt.unix_socket_answers(path)
    assert not libvirt.unix_socket_answers(path)  # a stale socket file refuses


def test_leftover_qemu_pids_only_trust_a_matching_command_line(tmp_path: Path):
    layout = Layout(tmp_path)
    pid_dir = libvirt.root(layout) / "run" / "qemu"
    pid_dir.mkdir(parents=True)
    sleeper = subprocess.Popen(["sleep", "30"])
    try:
        (pid_dir / "instance-00000001.pid").write_text(f"{sleeper.pid}\n")  # not a QEMU
        (pid_dir / "instance-00000002.pid").write_text("999999999\n")  # no such process
        assert libvirt.leftover_qemu_pids(layout) == []
    finally:
        sleeper.kill()
        sleeper.wait()


def test_saved_definitions_name_the_taps_to_remove(tmp_path: Path):
    layout = Layout(tmp_path)
    definitions = libvirt.root(layout) / "etc" / "qemu"
    definitions.mkdir(parents=True)
    (definitions / "instance-00000001.xml").write_text(
        "<domain><devices><interface type='ethernet'><target dev='tapcloudnotes0'/>"
        "</interface></devices></domain>")
    assert libvirt.forget_definitions(layout) == []  # no such device: nothing deleted
    assert not list(definitions.glob("*.xml"))


def test_the_namespace_script_never_renames_the_machine():
    """Asked for a host name outside a private UTS namespace, the script refuses."""
    import socket

    before = socket.gethostname()
    result = subprocess.run(["/bin/sh", str(libvirt.NAMESPACE_SCRIPT), "cloudnotes-test", "--",
                             "true"], capture_output=True, text=True, timeout=10)
    assert result.returncode == 1 and "refusing" in result.stderr
    assert socket.gethostname() == before


@pytest.mark.skipif(os.geteuid() != 0 or not Path("/dev/net/tun").exists(),
                    reason="tap devices need root and /dev/net/tun")
def test_the_inventory_sees_taps_and_files_and_delete_link_removes_a_tap(tmp_path: Path):
    from lab import inventory

    layout = Layout(tmp_path)
    (layout.data / "nova" / "instances" / "_base").mkdir(parents=True)
    (layout.data / "nova" / "instances" / "0c5a-instance").mkdir()
    (layout.data / "cinder" / "volumes").mkdir(parents=True)
    (layout.data / "cinder" / "volumes" / "volume-1.img").write_bytes(b"")
    subprocess.run(["ip", "tuntap", "add", "dev", "tapcloudnotes9", "mode", "tap"], check=True)
    try:
        found = inventory.host_objects(layout)
        assert "tapcloudnotes9" in found["tap devices"]
        assert found["instance folders"] == {"0c5a-instance"}
        assert found["volume files"] == {"volume-1.img"}
        assert found["libvirt domains"] == set()  # no libvirtd in this layout
    finally:
        assert libvirt.delete_link("tapcloudnotes9")
    assert "tapcloudnotes9" not in inventory.tap_devices()
