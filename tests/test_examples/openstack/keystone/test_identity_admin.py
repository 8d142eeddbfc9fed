"""examples/openstack/keystone/identity_admin.py: a role assignment links user and project."""

from __future__ import annotations

import re

import pytest

from tests.support import load_example
from tools.outputs import run_example

pytestmark = pytest.mark.openstack
EXAMPLE = "openstack/keystone/identity_admin.py"


def test_output_matches_the_page_and_everything_is_removed(run_as, cloud, admin_conn):
    out = run_as(EXAMPLE, as_=cloud.admin)
    assert "assignments before: []" in out
    match = re.search(r"assignment: user (cloudnotes-user-\w+) has role 'member' in "
                      r"(cloudnotes-project-\w+)", out)
    assert match, out
    user, project = match.groups()
    assert admin_conn.identity.find_user(user) is None
    assert admin_conn.identity.find_project(project) is None


def test_assignment_is_visible_to_keystone(admin_conn):
    ex = load_example(EXAMPLE)
    project = ex.create_project(admin_conn, "cloudnotes-project-test-assign")
    try:
        user = ex.create_user(admin_conn, "cloudnotes-user-test-assign", project)
        try:
            ex.assign_role(admin_conn, project, user, "member")
            assert ex.assignments(admin_conn, project) == [(user.name, "member")]
            assert admin_conn.identity.validate_user_has_project_role(
                project, user, admin_conn.identity.find_role("member"))
        finally:
            admin_conn.identity.delete_user(user)
    finally:
        admin_conn.identity.delete_project(project)


def test_refuses_to_run_as_a_non_admin(cloud):
    result = run_example(EXAMPLE, env={"OS_CLOUD": cloud.user})
    assert result.returncode == 1
    assert result.stderr.count("\n") == 1 and "needs an admin cloud" in result.stderr


def test_unusable_cloud_is_one_line_on_stderr(bad_input):
    bad_input(EXAMPLE)


def test_keystone_stopping_midway_is_one_line_naming_it_and_the_leftovers(severed, cloud):
    line = severed(EXAMPLE, r"POST .*/projects$", "keystone", as_=cloud.admin)
    assert "keystone) either)" in line  # the cleanup could not reach it either
