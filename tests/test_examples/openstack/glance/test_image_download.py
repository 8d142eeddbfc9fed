"""examples/openstack/glance/image_download.py: the download matches os_hash_value."""

from __future__ import annotations

import re

import pytest

from tests.support import load_example

pytestmark = pytest.mark.openstack
EXAMPLE = "openstack/glance/image_download.py"


def test_download_is_byte_identical_and_verified(user_conn):
    ex = load_example(EXAMPLE)
    image = ex.upload(user_conn, "cloudnotes-image-test-download", ex.DATA)
    try:
        data = ex.download(user_conn, image)
        assert data == ex.DATA
        assert ex.verify(image, data)
        assert not ex.verify(image, data[:-1] + b"\x00")  # one changed byte is caught
    finally:
        user_conn.image.delete_image(image)


def test_output_matches_the_page(run_as):
    out = run_as(EXAMPLE)
    assert "the downloaded bytes match os_hash_value" in out
    glance, mine = re.search(r"os_hash_value +(\w+)\n +recomputed +(\w+)", out).groups()
    assert glance == mine and len(glance) == 128  # sha512
    md5_glance, md5_mine = re.search(r"md5 checksum +glance (\w+), recomputed (\w+)", out).groups()
    assert md5_glance == md5_mine


def test_unusable_cloud_is_one_line_on_stderr(bad_input):
    bad_input(EXAMPLE)


def test_glance_stopping_midway_is_one_line_naming_it_and_the_leftovers(severed):
    line = severed(EXAMPLE, r"POST .*/v2/images$", "glance")
    assert "glance) either)" in line  # the cleanup could not reach it either
