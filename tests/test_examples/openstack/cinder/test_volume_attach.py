"""examples/openstack/cinder/volume_attach.py: the attachment shows on both sides."""

from __future__ import annotations

import re

import pytest

pytestmark = pytest.mark.openstack
EXAMPLE = "openstack/cinder/volume_attach.py"


def test_attachment_is_recorded_by_nova_and_by_cinder(run_as, user_conn, cloud):
    out = run_as(EXAMPLE)
    volume = re.search(r"volume (cloudnotes-volume-\w+): 1 GiB, available", out).group(1)
    server = re.search(r"server (cloudnotes-server-\w+): ACTIVE", out).group(1)
    nova = re.search(rf"nova: +server {server} volume attachments:\n +volume (\S+) as (\S+)", out)
    cinder = re.search(rf"cinder: volume {volume} status (\S+), attachments:\n"
                       r" +server (\S+) as (\S+)", out)
    assert nova and cinder, out
    assert nova.group(1) == volume and cinder.group(2) == server
    assert cinder.group(1) == "in-use"
    assert nova.group(2) == cinder.group(3) and nova.group(2).startswith("/dev/")
    assert "detached: volume available, server attachments 0, volume attachments 0" in out
    assert re.search(rf"server {server}: ACTIVE, its OS booted", out)
    if cloud.is_lab:  # the lab's guest reports its disks: the volume really reached it
        device = nova.group(2).removeprefix("/dev/")
        assert re.search(rf"\| guest: disk attached: {device} 1024 MiB", out), out
        assert re.search(rf"\| guest: disk detached: {device} 1024 MiB", out), out
    assert user_conn.compute.find_server(server) is None
    # (no find_volume: Cinder rejects a name filter unless its resource_filters allow it)
    assert volume not in {v.name for v in user_conn.block_storage.volumes()}


def test_unusable_cloud_is_one_line_on_stderr(bad_input):
    bad_input(EXAMPLE)


def test_cinder_stopping_midway_is_one_line_naming_it_and_the_leftovers(severed):
    line = severed(EXAMPLE, r"POST .*/volumes$", "cinder")
    assert "cinder) either)" in line  # the cleanup could not reach it either
