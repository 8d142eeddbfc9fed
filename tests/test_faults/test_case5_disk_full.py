"""Case 5: the disk under the lab's stores is full.

For the duration of the test a small ext4 filesystem, filled to the last block, is
loop-mounted over the running lab's Glance store folder and over its Swift device (what is
there is hidden meanwhile, not touched; Swift writes an object into the device's tmp folder
and renames it into place, so the whole device is covered). An image upload and a Swift object
PUT must each fail with one stderr line naming the service, and nothing is left once the
filesystems are gone; the lab stays up: same pids, `lab status` healthy, during and after.
"""

from __future__ import annotations

import contextlib
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.test_faults.conftest import one_line, pids_of, short
from tests.test_faults.test_case2_partial_up import lab_command
from tools.outputs import run_example

pytestmark = pytest.mark.faults
SIZE = "4M"


@contextlib.contextmanager
def full_filesystem(over: Path, image: Path) -> Iterator[None]:
    """Loop-mount a small, completely filled ext4 over `over` until the block ends."""
    subprocess.run(["truncate", "-s", SIZE, str(image)], check=True)
    subprocess.run(["mkfs.ext4", "-q", "-F", "-m", "0", str(image)], check=True)
    subprocess.run(["mount", "-o", "loop", str(image), str(over)], check=True)
    try:
        # fill every block (dd stops at ENOSPC); the services run as root: no reserve is left
        subprocess.run(["dd", "if=/dev/zero", f"of={over / 'filler'}", "bs=64k"],
                       capture_output=True)
        subprocess.run(["sync", "-f", str(over)], check=True)
        yield
    finally:
        if subprocess.run(["umount", str(over)], capture_output=True).returncode != 0:
            subprocess.run(["umount", "--lazy", str(over)], check=True)


def test_a_full_disk_fails_uploads_in_one_line(running_lab, cloud, nothing_left, report,
                                               tmp_path):
    layout = running_lab.layout
    glance_store = layout.data / "glance" / "images"
    swift_device = layout.data / "swift" / "sdb1"
    before = pids_of(running_lab)
    env = {"OS_CLOUD": cloud.user}
    with full_filesystem(glance_store, tmp_path / "glance.img"), \
            full_filesystem(swift_device, tmp_path / "swift.img"):
        glance = one_line(run_example("openstack/glance/image_upload.py", env=env, timeout=300))
        swift = one_line(run_example("openstack/swift/object_metadata.py", env=env,
                                     timeout=300))
        during = lab_command("status")
    assert "the image service (glance) answered " in glance, glance
    assert "left over" not in glance, glance
    # Swift may accept the container and refuse what follows: the example then cannot tell
    # whether the container exists and names it; once the disk is back, nothing is there
    assert "the object-store service (swift) answered " in swift, swift
    assert during.returncode == 0, during.stdout
    assert pids_of(running_lab) == before, "a lab process died of the full disk"
    assert lab_command("status").returncode == 0
    assert nothing_left() == []
    report("5 disk full: Glance upload", short(glance))
    report("5 disk full: Swift PUT", short(swift))
