"""examples/openstack/cinder/volume_snapshot.py: a snapshot of a volume, removed before it."""

from __future__ import annotations

import openstack
import pytest

from tests.support import load_example

pytestmark = pytest.mark.openstack
EXAMPLE = "openstack/cinder/volume_snapshot.py"


def test_a_volume_with_a_snapshot_cannot_be_deleted(user_conn):
    ex = load_example(EXAMPLE)
    volume = ex.create_volume(user_conn, "cloudnotes-volume-test-snap")
    try:
        volume = ex.wait_available(user_conn, volume)
        snap = ex.snapshot(user_conn, volume, "cloudnotes-snapshot-test-snap")
        try:
            snap = ex.wait_available(user_conn, snap)
            assert snap.volume_id == volume.id and snap.size == volume.size
            with pytest.raises(openstack.exceptions.BadRequestException):
                user_conn.block_storage.delete_volume(volume)
        finally:
            user_conn.block_storage.delete_snapshot(snap)
            user_conn.block_storage.wait_for_delete(snap, wait=120)
    finally:
        user_conn.block_storage.delete_volume(volume)
        user_conn.block_storage.wait_for_delete(volume, wait=120)


def test_output_matches_the_page(run_as):
    out = run_as(EXAMPLE)
    assert "snapshot cloudnotes-snapshot-" in out and ": 1 GiB, available, of volume" in out
    assert out.index("deleted the snapshot") < out.index("deleted the volume")


def test_unusable_cloud_is_one_line_on_stderr(bad_input):
    bad_input(EXAMPLE)


def test_cinder_stopping_midway_is_one_line_naming_it_and_the_leftovers(severed):
    line = severed(EXAMPLE, r"POST .*/snapshots$", "cinder")
    assert "cinder) either)" in line  # the cleanup could not reach it either
