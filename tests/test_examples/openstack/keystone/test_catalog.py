"""examples/openstack/keystone/catalog.py: every service the examples use is in the catalog."""

from __future__ import annotations

import pytest

from tests.support import load_example

pytestmark = pytest.mark.openstack
EXAMPLE = "openstack/keystone/catalog.py"


def test_catalog_lists_each_service_with_a_public_url(user_conn):
    rows = load_example(EXAMPLE).catalog_endpoints(user_conn)
    public = {service for service, _, interface, url in rows
              if interface == "public" and url.startswith("http")}
    # Cinder registers as block-storage and/or volumev3 depending on the release.
    assert {"identity", "compute", "image", "network", "object-store"} <= public
    assert public & {"block-storage", "volumev3"}
    # The identity endpoint in the catalog is the one we authenticated against.
    identity = [url for service, _, interface, url in rows
                if service == "identity" and interface == "public"]
    assert any(user_conn.auth["auth_url"].rstrip("/").startswith(u.rstrip("/"))
               for u in identity), identity


def test_swift_endpoint_names_the_project_account(user_conn):
    rows = load_example(EXAMPLE).catalog_endpoints(user_conn)
    swift = [url for service, _, interface, url in rows
             if service == "object-store" and interface == "public"]
    assert swift and swift[0].endswith(f"AUTH_{user_conn.current_project_id}")


def test_output_matches_the_page(run_as):
    out = run_as(EXAMPLE)
    assert "object-store" in out and "compute" in out
    assert out.rstrip().splitlines()[-1].endswith("endpoints")


def test_unusable_cloud_is_one_line_on_stderr(bad_input):
    bad_input(EXAMPLE)
