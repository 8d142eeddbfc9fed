"""A Cinder volume driver that keeps each volume in a sparse file (lab only).

Real backends export a volume over iSCSI, NVMe-oF, NFS or RBD; none of those kernel paths exist
on the lab's machines. This driver stores every volume as a sparse file under
`[fake] lab_volumes_dir` and, when Nova attaches it, exposes the file as a loop device and hands
Nova a `local` connection (`driver_volume_type: local`, `device_path: /dev/loopN`), which Nova's
libvirt driver attaches to the guest as a block device: the disk appears inside the guest.
Snapshots and clones are file copies, an extend grows the file, a volume made from an image holds
the image's bytes (converted to raw with qemu-img), and a volume can be uploaded as an image.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

from cinder import exception
from cinder.volume import driver
from oslo_config import cfg
from oslo_log import log

LOG = log.getLogger(__name__)
GIB = 1024 ** 3

lab_opts = [
    cfg.StrOpt("lab_volumes_dir", help="Where the lab's volume and snapshot files live."),
]
cfg.CONF.register_opts(lab_opts, group="backend_defaults")


def _run(*argv: str) -> str:
    result = subprocess.run(argv, capture_output=True, text=True, timeout=120)
    if result.returncode != 0:
        raise exception.VolumeDriverException(
            message=f"{' '.join(argv[:2])} failed: {result.stderr.strip() or result.returncode}")
    return result.stdout


def loop_devices(path: Path) -> list[str]:
    """The loop devices currently backed by `path` (`losetup -j`)."""
    out = _run("losetup", "--associated", str(path), "--output", "NAME", "--noheadings")
    return [line.strip() for line in out.splitlines() if line.strip()]


def sparse_copy(source: Path, target: Path, size_gib: int) -> None:
    """Copy a volume file keeping its holes, then grow it to `size_gib` if that is larger."""
    _run("cp", "--sparse=always", str(source), str(target))
    if size_gib * GIB > target.stat().st_size:
        os.truncate(target, size_gib * GIB)


class LabVolumeDriver(driver.VolumeDriver):
    """Volumes as sparse files, attached through loop devices."""

    VERSION = "2.0.0-cloudnotes-lab"

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.configuration.append_config_values(lab_opts)
        self.backend_name = self.configuration.safe_get("volume_backend_name") or "lab"
        configured = self.configuration.safe_get("lab_volumes_dir")
        self.directory = Path(configured or Path(cfg.CONF.state_path) / "volumes")

    # --- files ----------------------------------------------------------------------------
    def _volume_file(self, volume) -> Path:
        return self.directory / f"volume-{volume['id']}.img"

    def _snapshot_file(self, snapshot) -> Path:
        return self.directory / f"snapshot-{snapshot['id']}.img"

    def do_setup(self, context):
        self.directory.mkdir(parents=True, exist_ok=True)
        self.directory.chmod(0o700)

    def check_for_setup_error(self):
        if not shutil.which("losetup") or not Path("/dev/loop-control").exists():
            raise exception.VolumeBackendAPIException(
                data="the lab's volume driver needs losetup and /dev/loop-control")

    def create_volume(self, volume):
        path = self._volume_file(volume)
        with path.open("wb") as handle:
            handle.truncate(volume["size"] * GIB)
        path.chmod(0o600)
        return {"provider_location": str(path)}

    def delete_volume(self, volume):
        path = self._volume_file(volume)
        for device in loop_devices(path) if path.exists() else []:
            _run("losetup", "--detach", device)
        path.unlink(missing_ok=True)

    def extend_volume(self, volume, new_size):
        path = self._volume_file(volume)
        os.truncate(path, new_size * GIB)
        for device in loop_devices(path):  # an attached volume: the loop device grows too
            _run("losetup", "--set-capacity", device)

    def create_snapshot(self, snapshot):
        sparse_copy(self._volume_file(snapshot["volume"]), self._snapshot_file(snapshot), 0)

    def delete_snapshot(self, snapshot):
        self._snapshot_file(snapshot).unlink(missing_ok=True)

    def create_volume_from_snapshot(self, volume, snapshot):
        sparse_copy(self._snapshot_file(snapshot), self._volume_file(volume), volume["size"])
        return {"provider_location": str(self._volume_file(volume))}

    def create_cloned_volume(self, volume, src_vref):
        sparse_copy(self._volume_file(src_vref), self._volume_file(volume), volume["size"])
        return {"provider_location": str(self._volume_file(volume))}

    # --- images ---------------------------------------------------------------------------
    def copy_image_to_volume(self, context, volume, image_service, image_id,
                             disable_sparse=False):
        """Write the image's bytes onto the volume (qemu-img converts any format to raw)."""
        with tempfile.NamedTemporaryFile(dir=self.directory, suffix=".image") as download:
            image_service.download(context, image_id, download)
            download.flush()
            _run("qemu-img", "convert", "-O", "raw", download.name, str(self._volume_file(volume)))
        os.truncate(self._volume_file(volume), max(volume["size"] * GIB,
                                                   self._volume_file(volume).stat().st_size))

    def copy_image_to_encrypted_volume(self, context, volume, image_service, image_id):
        raise exception.VolumeDriverException(message="the lab has no encrypted volumes")

    def copy_volume_to_image(self, context, volume, image_service, image_meta):
        """Upload the volume as a raw or qcow2 image."""
        disk_format = image_meta.get("disk_format") or "raw"
        if disk_format not in ("raw", "qcow2"):
            raise exception.VolumeDriverException(
                message=f"the lab uploads volumes as raw or qcow2, not {disk_format}")
        source = self._volume_file(volume)
        with tempfile.NamedTemporaryFile(dir=self.directory, suffix=".upload") as staged:
            _run("qemu-img", "convert", "-O", disk_format, str(source), staged.name)
            meta = {"disk_format": disk_format, "container_format": "bare"}
            with open(staged.name, "rb") as data:
                image_service.update(context, image_meta["id"], meta, data)

    # --- attachments ----------------------------------------------------------------------
    def initialize_connection(self, volume, connector, **kwargs):
        """A loop device over the volume's file: Nova attaches it as a local block device."""
        path = self._volume_file(volume)
        devices = loop_devices(path)
        device = devices[0] if devices else _run(
            "losetup", "--find", "--show", "--direct-io=on", str(path)).strip()
        LOG.info("cloudnotes lab: volume %s is %s", volume["id"], device)
        return {"driver_volume_type": "local",
                "data": {"device_path": device, "volume_id": volume["id"]}}

    def terminate_connection(self, volume, connector, **kwargs):
        path = self._volume_file(volume)
        for device in loop_devices(path) if path.exists() else []:
            _run("losetup", "--detach", device)

    def create_export(self, context, volume, connector):
        pass

    def ensure_export(self, context, volume):
        pass

    def remove_export(self, context, volume):
        pass

    # --- capacity -------------------------------------------------------------------------
    def _update_volume_stats(self):
        usage = shutil.disk_usage(self.directory if self.directory.exists() else "/")
        self._stats = {
            "volume_backend_name": self.backend_name,
            "vendor_name": "Cloud Notes lab",
            "driver_version": self.VERSION,
            "storage_protocol": "local",
            "total_capacity_gb": round(usage.total / GIB, 2),
            "free_capacity_gb": round(usage.free / GIB, 2),
            "reserved_percentage": 0,
            "thin_provisioning_support": True,
            "thick_provisioning_support": False,
            "max_over_subscription_ratio": 20.0,
            "multiattach": False,
        }
