"""examples/openstack/nova/flavors.py: flavors are fixed sizes, listed smallest first."""

from __future__ import annotations

import pytest

from tests.support import load_example

pytestmark = pytest.mark.openstack
EXAMPLE = "openstack/nova/flavors.py"


def test_flavors_are_sorted_by_size_and_public(user_conn):
    flavors = load_example(EXAMPLE).list_flavors(user_conn)
    assert flavors, "the cloud has no flavors"
    sizes = [(f.ram, f.vcpus, f.disk) for f in flavors]
    assert sizes == sorted(sizes)
    assert all(f.is_public for f in flavors)
    assert {f.name for f in flavors} == {f.name for f in user_conn.compute.flavors()}


def test_output_matches_the_page(run_as, user_conn):
    out = run_as(EXAMPLE)
    count = len(list(user_conn.compute.flavors()))
    assert out.rstrip().endswith(f"{count} flavors")
    assert len(out.strip().splitlines()) == count + 2  # header + rows + count


def test_unusable_cloud_is_one_line_on_stderr(bad_input):
    bad_input(EXAMPLE)
