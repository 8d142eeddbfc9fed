"""examples/openstack/swift/object_urls.py: every object has its own URL in the account."""

from __future__ import annotations

import re

import pytest

pytestmark = pytest.mark.openstack
EXAMPLE = "openstack/swift/object_urls.py"


def test_urls_are_account_container_object(run_as, user_conn):
    out = run_as(EXAMPLE)
    account = f"AUTH_{user_conn.current_project_id}"
    container = re.search(r"container +(cloudnotes-container-\w+)", out).group(1)
    paths = re.findall(r"^  (\S+) +\d+ bytes  (\S+)$", out, re.M)
    assert sorted(name for name, _ in paths) == [
        "hello.txt", "photos/cat.jpg", "reports/2026/summary.csv"]
    for name, path in paths:
        assert path == f"/v1/{account}/{container}/{name}"
    assert "download hello.txt with a token: b'hello from Cloud Notes\\n'" in out
    assert "GET hello.txt without a token: 401 Unauthorized" in out
    assert container not in {c.name for c in user_conn.object_store.containers()}


def test_unusable_cloud_is_one_line_on_stderr(bad_input):
    bad_input(EXAMPLE)


def test_swift_stopping_midway_is_one_line_naming_it_and_the_leftovers(severed):
    line = severed(EXAMPLE, r"PUT .*/cloudnotes-container-\w+$", "swift")
    assert "swift) either)" in line  # the cleanup could not reach it either
