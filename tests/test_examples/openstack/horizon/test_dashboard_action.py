"""examples/openstack/horizon/dashboard_action.py: the API calls behind "Launch Instance"."""

from __future__ import annotations

import re

import pytest

pytestmark = pytest.mark.openstack
EXAMPLE = "openstack/horizon/dashboard_action.py"
VOLATILE = [(r"/v2\.1/[0-9a-f]{32}/", "/v2.1/"), (r"/quotas/[0-9a-f]{32}", "/quotas/<project>")]


def test_the_dialog_reads_four_services_then_posts_one_server(run_as, user_conn):
    out = run_as(EXAMPLE, extra=VOLATILE)
    dialog, launch = out.split('pressing "Launch"')
    calls = re.findall(r"^  (GET|POST|PUT|DELETE) +(\S+) -> (\d+)$", dialog, re.M)
    paths = [path for _, path, _ in calls]
    for needle in ("/flavors/detail", "/v2/images", "/v2.0/networks", "/v2.0/security-groups",
                   "/os-keypairs", "/limits", "/v2.0/quotas/", "/os-availability-zone"):
        assert any(needle in path for path in paths), (needle, paths)
    assert {method for method, _, _ in calls} == {"GET"}
    assert all(status == "200" for _, _, status in calls), calls
    # Pressing "Launch" is exactly one request: the form already holds every id it needs.
    sent = re.findall(r"^  (GET|POST|PUT|DELETE) +(\S+) -> (\d+)$", launch, re.M)
    assert len(sent) == 1 and sent[0][0] == "POST" and sent[0][1].endswith("/servers"), sent
    assert sent[0][2] == "202"
    assert re.search(r"is ACTIVE; its console: '\S+ login:'", launch), launch  # it booted
    assert "deleted the instance" in launch
    name = re.search(r"instance (cloudnotes-server-\w+)", out).group(1)
    assert user_conn.compute.find_server(name) is None


def test_unusable_cloud_is_one_line_on_stderr(bad_input):
    bad_input(EXAMPLE)


def test_nova_stopping_midway_is_one_line_naming_it_and_the_leftovers(severed):
    line = severed(EXAMPLE, r"POST .*/servers$", "nova")
    assert "nova) either)" in line  # the cleanup could not reach it either
