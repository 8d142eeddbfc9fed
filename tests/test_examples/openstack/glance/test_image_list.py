"""examples/openstack/glance/image_list.py: Glance filters by tag and by property itself."""

from __future__ import annotations

import re

import pytest

from tests.support import load_example

pytestmark = pytest.mark.openstack
EXAMPLE = "openstack/glance/image_list.py"


@pytest.fixture
def tagged(user_conn):
    ex = load_example(EXAMPLE)
    run_tag = "cloudnotes-list-testfilters"
    try:
        yield ex, run_tag, ex.make_images(user_conn, run_tag)
    finally:
        for image in user_conn.image.images(tag=[run_tag]):
            user_conn.image.delete_image(image)


def test_filters_select_on_the_server(user_conn, tagged):
    ex, run_tag, images = tagged
    assert len(images) == 3
    assert ex.by_tags(user_conn, run_tag) == [f"{run_tag}-{p}" for p in ("alpha", "beta", "gamma")]
    assert ex.by_tags(user_conn, run_tag, "linux") == [f"{run_tag}-alpha", f"{run_tag}-beta"]
    assert ex.by_tags(user_conn, run_tag, "bsd") == [f"{run_tag}-gamma"]
    assert ex.by_property(user_conn, run_tag, "cloudnotes_topic", "compute") == [
        f"{run_tag}-alpha", f"{run_tag}-gamma"]
    assert ex.by_property(user_conn, run_tag, "cloudnotes_topic", "storage") == [f"{run_tag}-beta"]


def test_output_matches_the_page(run_as, user_conn):
    out = run_as(EXAMPLE)
    tag = re.search(r"\?tag=(cloudnotes-list-\w+):", out).group(1)
    assert f"?tag={tag}&cloudnotes_topic=compute: ['{tag}-alpha', '{tag}-gamma']" in out
    assert not list(user_conn.image.images(tag=[tag]))


def test_unusable_cloud_is_one_line_on_stderr(bad_input):
    bad_input(EXAMPLE)


def test_glance_stopping_midway_is_one_line_naming_it_and_the_leftovers(severed):
    line = severed(EXAMPLE, r"POST .*/v2/images$", "glance")
    assert "glance) either)" in line  # the cleanup could not reach it either
