"""examples/openstack/swift/object_metadata.py: metadata as headers; a bare POST replaces."""

from __future__ import annotations

import pytest

from tests.support import load_example

pytestmark = pytest.mark.openstack
EXAMPLE = "openstack/swift/object_metadata.py"


def test_bare_post_replaces_sdk_set_merges(user_conn):
    ex = load_example(EXAMPLE)
    container = "cloudnotes-container-test-meta"
    user_conn.object_store.create_container(name=container)
    try:
        user_conn.object_store.upload_object(container=container, name="o", data=b"x")
        user_conn.object_store.set_object_metadata("o", container=container, a="1", b="2")
        user_conn.object_store.set_object_metadata("o", container=container, b="3")
        meta = ex.object_metadata(user_conn, container, "o")
        assert (meta["a"], meta["b"]) == ("1", "3")
        assert ex.raw_post(user_conn, container, "o", {"X-Object-Meta-C": "4"}) == 202
        meta = ex.object_metadata(user_conn, container, "o")
        assert "a" not in meta and "b" not in meta and meta["c"] == "4"
    finally:
        for obj in user_conn.object_store.objects(container):
            user_conn.object_store.delete_object(obj, container=container)
        user_conn.object_store.delete_container(container)


def test_output_matches_the_page(run_as):
    out = run_as(EXAMPLE)
    assert "metadata: {'project': 'cloud-notes', 'tier': 'demo'}" in out
    assert "{'owner': 'alice', 'reviewed': 'yes', 'content-type': 'application/json'}" in out
    assert "(HTTP 202) naming one key: {'reviewed': 'again', 'content-type'" in out


def test_unusable_cloud_is_one_line_on_stderr(bad_input):
    bad_input(EXAMPLE)


def test_swift_stopping_midway_is_one_line_naming_it_and_the_leftovers(severed):
    line = severed(EXAMPLE, r"PUT .*/cloudnotes-container-\w+$", "swift")
    assert "swift) either)" in line  # the cleanup could not reach it either
