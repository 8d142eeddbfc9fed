"""Cinder's fake volume driver, made usable without a block device or sudo (lab only).

`cinder.tests.fake_driver.FakeLoggingVolumeDriver` accepts create, delete, extend, snapshot,
attach and detach while doing nothing. Creating a volume from an image, though, makes Cinder
convert the image onto the volume's device path with qemu-img and dd under sudo, which fails
where there is no LVM volume group. This subclass skips that copy: the volume is created and
reports `available`, but (like every volume of the fake driver) holds no data.
"""

from __future__ import annotations

from cinder import exception
from cinder.tests.fake_driver import FakeLoggingVolumeDriver
from oslo_log import log

LOG = log.getLogger(__name__)


class LabVolumeDriver(FakeLoggingVolumeDriver):
    """FakeLoggingVolumeDriver whose image copies never touch a device."""

    VERSION = "1.0.0-cloudnotes-lab"

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.backend_name = self.configuration.safe_get("volume_backend_name") or "fake"

    def copy_image_to_volume(self, context, volume, image_service, image_id,
                             disable_sparse=False):
        """Pretend the image was written: the fake volume has no storage to write to."""
        LOG.info("cloudnotes lab: not copying image %s onto volume %s (fake driver)",
                 image_id, volume["id"])

    def copy_image_to_encrypted_volume(self, context, volume, image_service, image_id):
        """Same as copy_image_to_volume: nothing to write."""
        self.copy_image_to_volume(context, volume, image_service, image_id)

    def copy_volume_to_image(self, context, volume, image_service, image_meta):
        """Refuse clearly: a fake volume has no bytes to upload to Glance."""
        raise exception.VolumeDriverException(
            message="the lab's fake volume driver holds no data to upload as an image")
