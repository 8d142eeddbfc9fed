"""examples/openstack/cinder/volume_extend.py: volumes grow, never shrink."""

from __future__ import annotations

import re

import pytest

pytestmark = pytest.mark.openstack
EXAMPLE = "openstack/cinder/volume_extend.py"


def test_output_matches_the_page(run_as, user_conn):
    out = run_as(EXAMPLE)
    sizes = re.findall(r"volume (cloudnotes-volume-\w+): (\d) GiB, available", out)
    assert [size for _, size in sizes] == ["1", "2"], out
    assert "shrinking back to 1 GiB: refused, HTTP 400" in out
    assert sizes[0][0] not in {v.name for v in user_conn.block_storage.volumes()}


def test_unusable_cloud_is_one_line_on_stderr(bad_input):
    bad_input(EXAMPLE)


def test_cinder_stopping_midway_is_one_line_naming_it_and_the_leftovers(severed):
    line = severed(EXAMPLE, r"POST .*/volumes$", "cinder")
    assert "cinder) either)" in line  # the cleanup could not reach it either
