"""examples/serverless/baas.py: notes kept in Swift, reached with a Keystone token."""

from __future__ import annotations

import re

import pytest

from tools.outputs import run_example

EXAMPLE = "serverless/baas.py"
VOLATILE = [(r"AUTH_[0-9a-f]{32}", "AUTH_<project>")]


@pytest.mark.openstack
def test_notes_are_stored_and_read_back_through_swift_with_a_token(baas_cloud, check_output,
                                                                  monkeypatch):
    out = check_output(EXAMPLE, env=baas_cloud, extra=VOLATILE)
    assert re.search(r"^Keystone signed in '\w+' \(project '\w+'\); token expires ", out, re.M)
    bucket = re.search(r"^Swift container (cloudnotes-baas-[0-9a-f]{12}) in account AUTH_",
                       out, re.M)[1]
    assert out.count("\nsaved notes/") == 3
    assert "listed 3 notes: ['notes/1.json', 'notes/2.json', 'notes/3.json']" in out
    assert "(same as saved: True)" in out
    # Swift itself enforces Keystone's token: the same URL without it is refused
    assert "without a token:     401 Unauthorized" in out
    assert "with Keystone token: 200 OK" in out
    assert out.rstrip().endswith("cleaned up: 3 objects and the container deleted")

    import openstack

    for key, value in baas_cloud.items():
        monkeypatch.setenv(key, value)
    conn = openstack.connect(cloud=baas_cloud["OS_CLOUD"])
    assert bucket not in {c.name for c in conn.object_store.containers()}


@pytest.mark.openstack  # needs no cloud, but belongs with the OpenStack client tests
@pytest.mark.parametrize("env, expected", [
    ({"OS_CLOUD": ""}, "error: OS_CLOUD is not set"),
    ({"OS_CLOUD": "cloudnotes-no-such-cloud"}, "error: no such cloud in clouds.yaml"),
])
def test_an_unusable_cloud_gives_one_error_line(env, expected):
    result = run_example(EXAMPLE, env=env, timeout=60)
    assert result.returncode == 1
    assert result.stderr.count("\n") == 1 and result.stderr.startswith(expected), result.stderr
    assert result.stdout == ""


@pytest.mark.openstack
def test_swift_stopping_midway_is_one_line_naming_it_and_the_leftovers(severed):
    line = severed(EXAMPLE, r"PUT .*/cloudnotes-baas-\w+$", "swift")
    assert "swift) either)" in line  # the cleanup could not reach it either
