"""The guest builder's pieces: the initramfs archive, module order, the cache key."""

from __future__ import annotations

import gzip
import shutil
import subprocess
from pathlib import Path

import pytest

from lab import guest_image

pytestmark = pytest.mark.lab


def fake_module(path: Path, depends: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"\x7fELF...\0license=GPL\0depends=" + depends.encode() + b"\0vermagic=x\0")
    return path


def test_dependencies_come_from_modinfo(tmp_path: Path):
    ko = fake_module(tmp_path / "virtio_net.ko", "net_failover,virtio")
    assert guest_image.module_dependencies(ko.read_bytes()) == ["net_failover", "virtio"]
    assert guest_image.module_dependencies(fake_module(tmp_path / "a.ko", "").read_bytes()) == []


def test_modules_load_after_what_they_need_and_builtins_need_no_file(tmp_path: Path):
    kernel = tmp_path / "kernel"
    fake_module(kernel / "drivers/virtio/virtio_ring.ko", "")
    fake_module(kernel / "drivers/virtio/virtio.ko", "virtio_ring")
    fake_module(kernel / "drivers/net/net_failover.ko", "failover")
    fake_module(kernel / "net/core/failover.ko", "")
    fake_module(kernel / "drivers/net/virtio_net.ko", "net_failover,virtio,crc32c")
    (tmp_path / "modules.builtin").write_text("kernel/lib/crc32c.ko\n")
    order = [p.name for p in guest_image.load_order(tmp_path, ("virtio_net", "virtio"))]
    assert order.index("virtio_ring.ko") < order.index("virtio.ko") < order.index("virtio_net.ko")
    assert order.index("failover.ko") < order.index("net_failover.ko") < order.index(
        "virtio_net.ko")
    assert order.count("virtio.ko") == 1
    with pytest.raises(guest_image.GuestBuildError, match="no module sr_mod"):
        guest_image.load_order(tmp_path, ("sr_mod",))


def headers(archive: bytes) -> dict[str, tuple[int, int, int]]:
    """{name: (mode, rdev major, rdev minor)} read back from newc headers."""
    found, offset = {}, 0
    while True:
        fields = [int(archive[offset + 6 + 8 * i:offset + 14 + 8 * i], 16) for i in range(13)]
        size, namesize = fields[6], fields[11]
        name = archive[offset + 110:offset + 110 + namesize - 1].decode()
        if name == "TRAILER!!!":
            return found
        found[name] = (fields[1], fields[9], fields[10])
        offset += 110 + namesize + (-(110 + namesize) % 4)
        offset += size + (-size % 4)


@pytest.mark.skipif(not Path("/bin/busybox").exists(), reason="busybox-static is not installed")
def test_the_archive_is_a_newc_cpio_that_busybox_reads(tmp_path: Path):
    archive = guest_image._cpio_newc([
        ("etc", guest_image.DIRECTORY | 0o755, b""),
        ("etc/inittab", guest_image.REGULAR | 0o644, b"::sysinit:/etc/init.d/rcS\n"),
        ("bin/sh", guest_image.SYMLINK | 0o777, b"busybox"),
        ("dev/console", guest_image.CHARACTER | 0o600, bytes((5, 1))),
    ])
    listing = subprocess.run(["/bin/busybox", "cpio", "-t", "-v"], input=archive,
                             capture_output=True, timeout=10)
    names = listing.stdout.decode()
    assert "etc/inittab" in names and "bin/sh -> busybox" in names
    assert "crw------- 0/0" in names
    assert headers(archive)["dev/console"] == (guest_image.CHARACTER | 0o600, 5, 1)
    out = tmp_path / "out"
    out.mkdir()
    subprocess.run(["/bin/busybox", "cpio", "-i", "-d"], input=archive, cwd=out, check=True,
                   capture_output=True, timeout=10)
    assert (out / "etc/inittab").read_bytes() == b"::sysinit:/etc/init.d/rcS\n"


@pytest.mark.skipif(not Path("/bin/busybox").exists(), reason="busybox-static is not installed")
def test_the_initramfs_holds_init_and_the_scripts(tmp_path: Path):
    module = fake_module(tmp_path / "virtio.ko", "")
    archive = gzip.decompress(guest_image.initramfs("6.1.0-test", [module], tmp_path))
    names = subprocess.run(["/bin/busybox", "cpio", "-t"], input=archive, capture_output=True,
                           timeout=10).stdout.decode().split()
    for expected in ("init", "etc/inittab", "etc/init.d/rcS", "usr/sbin/watch-disks",
                     "etc/acpi/PWRF/00000080", "bin/busybox", "lib/modules/virtio.ko",
                     "etc/modules.load", "dev/console"):
        assert expected in names


def test_the_cache_key_follows_every_input(tmp_path: Path, monkeypatch):
    key = guest_image.cache_key("linux-image-6.1.0-50-cloud-amd64", "6.1.176-1")
    assert key == guest_image.cache_key("linux-image-6.1.0-50-cloud-amd64", "6.1.176-1")
    assert key != guest_image.cache_key("linux-image-6.1.0-50-cloud-amd64", "6.1.177-1")
    scripts = tmp_path / "guest"
    shutil.copytree(guest_image.SCRIPTS, scripts)
    monkeypatch.setattr(guest_image, "SCRIPTS", scripts)
    (scripts / "rcS").write_text((scripts / "rcS").read_text() + "\n# changed\n")
    assert guest_image.cache_key("linux-image-6.1.0-50-cloud-amd64", "6.1.176-1") != key


def test_the_guest_scripts_are_valid_shell():
    for name in ("init", "rcS", "watch-disks", "power-button"):
        result = subprocess.run(["/bin/sh", "-n", str(guest_image.SCRIPTS / name)],
                                capture_output=True, text=True, timeout=10)
        assert result.returncode == 0, f"{name}: {result.stderr}"


def test_xz_compressed_modules_are_found_and_unpacked(tmp_path: Path):
    """Debian 13's kernels ship modules as .ko.xz: the initramfs gets them decompressed."""
    import lzma

    plain = fake_module(tmp_path / "virtio.ko.tmp", "")
    (tmp_path / "drivers").mkdir()
    packed = tmp_path / "drivers" / "virtio.ko.xz"
    packed.write_bytes(lzma.compress(plain.read_bytes()))
    plain.unlink()
    fake_module(tmp_path / "drivers" / "virtio_net.ko", "virtio")
    order = guest_image.load_order(tmp_path, ("virtio_net",))
    assert [guest_image.module_name(p) for p in order] == ["virtio", "virtio_net"]
    assert guest_image.module_bytes(order[0]).startswith(b"\x7fELF")
    archive = gzip.decompress(guest_image.initramfs("6.12.0-test", order, tmp_path))
    names = subprocess.run(["/bin/busybox", "cpio", "-t"], input=archive, capture_output=True,
                           timeout=10).stdout.decode().split()
    assert "lib/modules/virtio.ko" in names and "lib/modules/virtio_net.ko" in names
