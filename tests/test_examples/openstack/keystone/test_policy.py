"""examples/openstack/keystone/policy.py: a member is refused admin operations with 403."""

from __future__ import annotations

import openstack
import pytest

from tools.outputs import run_example

pytestmark = pytest.mark.openstack
EXAMPLE = "openstack/keystone/policy.py"


def test_output_matches_the_page(run_as, admin_conn):
    out = run_as(EXAMPLE)
    assert "create a project: refused, HTTP 403 Forbidden" in out
    assert "list all users: refused, HTTP 403 Forbidden" in out
    assert "read my own project: allowed" in out
    assert not [p for p in admin_conn.identity.projects() if p.name.startswith("cloudnotes-")]


def test_the_same_calls_work_for_an_admin(admin_conn, user_conn):
    with pytest.raises(openstack.exceptions.ForbiddenException):
        list(user_conn.identity.users())
    assert any(u.name == "admin" for u in admin_conn.identity.users())


def test_refuses_to_demonstrate_as_an_admin(cloud):
    result = run_example(EXAMPLE, env={"OS_CLOUD": cloud.admin})
    assert result.returncode == 1 and "needs a non-admin user" in result.stderr
    assert result.stderr.count("\n") == 1


def test_unusable_cloud_is_one_line_on_stderr(bad_input):
    bad_input(EXAMPLE)
