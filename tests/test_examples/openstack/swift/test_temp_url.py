"""examples/openstack/swift/temp_url.py: a signed URL works without a token, until it expires."""

from __future__ import annotations

import re

import pytest

from tests.support import load_example

pytestmark = pytest.mark.openstack
EXAMPLE = "openstack/swift/temp_url.py"
VOLATILE = [(r"temp_url_expires=\d+", "temp_url_expires=<unix time>")]


def test_temp_url_works_without_token_then_expires(run_as, user_conn):
    out = run_as(EXAMPLE, extra=VOLATILE)
    assert "plain URL, no token: HTTP 401" in out
    assert "temp URL, no token, in time: HTTP 200, body b'%PDF-1.4 stand-in invoice\\n'" in out
    assert "same signature on another path: HTTP 401" in out
    assert "temp URL after expiry: HTTP 401" in out
    assert re.search(r"signed with HMAC-SHA256: \S+\?temp_url_sig=[0-9a-f]{64}&", out), out
    assert not [c for c in user_conn.object_store.containers()
                if c.name.startswith("cloudnotes-temp-")]


def test_the_signature_is_swifts_documented_hmac_sha256():
    # The example from Swift's tempurl middleware documentation (HMAC-SHA256, hex).
    ex = load_example(EXAMPLE)
    assert ex.DIGEST == "sha256"
    assert ex.sign("mykey", "GET", 1512508563, "/v1/AUTH_account/container/object") == (
        "732fcac368abb10c78a4cbe95c3fab7f311584532bf779abd5074e13cbe8b88b")


def test_unusable_cloud_is_one_line_on_stderr(bad_input):
    bad_input(EXAMPLE)


def test_swift_stopping_midway_is_one_line_naming_it_and_the_leftovers(severed):
    line = severed(EXAMPLE, r"PUT .*/cloudnotes-temp-\w+$", "swift")
    assert "swift) either)" in line  # the cleanup could not reach it either
