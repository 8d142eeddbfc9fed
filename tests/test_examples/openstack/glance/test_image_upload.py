"""examples/openstack/glance/image_upload.py: Glance keeps formats, properties, tags, size."""

from __future__ import annotations

import hashlib
import re

import pytest

from tests.support import load_example

pytestmark = pytest.mark.openstack
EXAMPLE = "openstack/glance/image_upload.py"


def test_upload_keeps_properties_tags_and_hash(user_conn):
    ex = load_example(EXAMPLE)
    image = ex.upload(user_conn, "cloudnotes-image-test-upload", ex.DATA)
    try:
        image = user_conn.image.get_image(image)
        assert image.status == "active" and image.size == len(ex.DATA)
        assert (image.disk_format, image.container_format) == ("raw", "bare")
        assert sorted(image.tags) == sorted(ex.TAGS)
        stored = {k: image.properties.get(k, getattr(image, k, None)) for k in ex.PROPERTIES}
        assert stored == ex.PROPERTIES
        assert image.hash_value == hashlib.new(image.hash_algo, ex.DATA).hexdigest()
    finally:
        user_conn.image.delete_image(image)


def test_output_matches_the_page(run_as, user_conn):
    out = run_as(EXAMPLE)
    assert "status           active" in out
    assert "property         cloudnotes_topic=glance" in out
    assert "tags             ['cloudnotes', 'example']" in out
    name = re.search(r"deleted (cloudnotes-image-\w+)", out).group(1)
    assert user_conn.image.find_image(name) is None


def test_unusable_cloud_is_one_line_on_stderr(bad_input):
    bad_input(EXAMPLE)


def test_glance_stopping_midway_is_one_line_naming_it_and_the_leftovers(severed):
    line = severed(EXAMPLE, r"POST .*/v2/images$", "glance")
    assert "glance) either)" in line  # the cleanup could not reach it either
