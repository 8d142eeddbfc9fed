"""examples/openstack/swift/public_acl.py: the read ACL opens a container, and only it."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.openstack
EXAMPLE = "openstack/swift/public_acl.py"


def test_acl_lets_the_other_project_read_and_the_private_container_stays_closed(
        run_as, cloud, user_conn):
    out = run_as(EXAMPLE, extra=[(r"AUTH_\w+", "AUTH_<project>")])
    sections = out.split("read ACL")
    no_acl, one_user, public = sections[0], sections[1], sections[2]
    assert "reader GET" in no_acl and "note.txt -> 403" in no_acl
    assert "anonymous GET -> 401" in no_acl
    assert "/note.txt -> 200" in one_user.splitlines()[1]      # the reader, with its token
    assert "anonymous GET -> 401" in one_user                   # still nobody else
    assert "(no ACL) -> 403" in one_user                       # the other container: refused
    assert "note.txt -> 200" in public and "(listing) -> 200" in public
    assert "(no ACL) -> 401" in public
    assert not [c for c in user_conn.object_store.containers()
                if c.name.startswith(("cloudnotes-shared-", "cloudnotes-private-"))]


def test_refuses_two_clouds_of_the_same_project(cloud):
    from tools.outputs import run_example

    result = run_example(EXAMPLE, env={"OS_CLOUD": cloud.user,
                                       "CLOUDNOTES_OTHER_CLOUD": cloud.user})
    assert result.returncode == 1 and "same project" in result.stderr
    assert result.stderr.count("\n") == 1


def test_unusable_cloud_is_one_line_on_stderr(bad_input):
    bad_input(EXAMPLE)


def test_swift_stopping_midway_is_one_line_naming_it_and_the_leftovers(severed):
    line = severed(EXAMPLE, r"PUT .*/cloudnotes-shared-\w+$", "swift")
    assert "swift) either)" in line  # the cleanup could not reach it either
