"""examples/openstack/keystone/auth_token.py: the token names the user, project, roles, expiry."""

from __future__ import annotations

import re

import pytest

from tests.support import load_example

pytestmark = pytest.mark.openstack
EXAMPLE = "openstack/keystone/auth_token.py"


def test_token_carries_user_project_roles_and_catalog(user_conn):
    ex = load_example(EXAMPLE)
    facts = ex.token_facts(user_conn)
    access = user_conn.session.auth.get_access(user_conn.session)
    assert facts["user"] == access.username and facts["project"] == access.project_name
    assert "member" in facts["roles"].split(", ") and "admin" not in facts["roles"]
    assert facts["lifetime (h)"] > 0
    assert facts["catalog entries"] >= 7  # identity, compute, image, network, volume, ...


def test_admin_token_has_the_admin_role(admin_conn):
    facts = load_example(EXAMPLE).token_facts(admin_conn)
    assert "admin" in facts["roles"].split(", ")


def test_output_matches_the_page(run_as):
    out = run_as(EXAMPLE)
    assert re.search(r"^  roles +.*\bmember\b", out, re.M), out
    assert re.search(r"^  expires at +\d{4}-", out, re.M), out


def test_unusable_cloud_is_one_line_on_stderr(bad_input):
    bad_input(EXAMPLE)
