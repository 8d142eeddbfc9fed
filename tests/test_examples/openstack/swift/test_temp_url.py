"""examples/openstack/swift/temp_url.py: a signed URL works without a token, until it expires."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.openstack
EXAMPLE = "openstack/swift/temp_url.py"
VOLATILE = [(r"temp_url_expires=\d+", "temp_url_expires=<unix time>")]


def test_temp_url_works_without_token_then_expires(run_as, user_conn):
    out = run_as(EXAMPLE, extra=VOLATILE)
    assert "plain URL, no token: HTTP 401" in out
    assert "temp URL, no token, in time: HTTP 200, body b'%PDF-1.4 stand-in invoice\\n'" in out
    assert "same signature on another path: HTTP 401" in out
    assert "temp URL after expiry: HTTP 401" in out
    assert "temp_url_sig=" in out
    assert not [c for c in user_conn.object_store.containers()
                if c.name.startswith("cloudnotes-temp-")]


def test_unusable_cloud_is_one_line_on_stderr(bad_input):
    bad_input(EXAMPLE)
