"""examples/openstack/nova/boot_vs_container.py: a VM boot beside a container start, one run."""

from __future__ import annotations

import json
import re
import shutil

import pytest

from tools.outputs import OUTPUTS

pytestmark = [pytest.mark.openstack, pytest.mark.docker]
EXAMPLE = "openstack/nova/boot_vs_container.py"
SAMPLES = OUTPUTS / "openstack" / "nova" / "boot_vs_container.json"  # the notebook plots them


def test_one_table_from_one_run_and_the_vm_is_the_slow_one(run_as, docker_client, request,
                                                             tmp_path):
    samples_file = tmp_path / "samples.json"
    out = run_as(EXAMPLE, args=["--json", str(samples_file)], timeout=900)
    rows = dict(re.findall(r"^(VM through Nova|VM under bare QEMU|container via Docker)"
                           r".*?\s+(\d+)\s+[\d.]+ s", out, re.M))
    assert rows == {"VM through Nova": "3", "VM under bare QEMU": "3",
                    "container via Docker": "6"}, out
    data = json.loads(samples_file.read_text())
    nova, qemu, containers = (sorted(data["samples"][k]) for k in ("nova", "qemu", "docker"))
    assert len(nova) == 3 and len(qemu) == 3 and len(containers) == 6
    median = {name: values[len(values) // 2] for name, values in
              (("nova", nova), ("qemu", qemu), ("docker", containers))}
    # a VM boots a kernel; a container starts a process; Nova adds its own work to the boot
    assert median["nova"] > median["qemu"] > median["docker"], median
    assert not docker_client.containers.list(all=True, filters={
        "label": "cloudnotes.example=openstack/nova/boot_vs_container.py"})
    if request.config.getoption("--update-outputs"):
        shutil.copyfile(samples_file, SAMPLES)


def test_unusable_cloud_is_one_line_on_stderr(bad_input):
    bad_input(EXAMPLE)


def test_nova_stopping_midway_is_one_line_naming_it_and_the_leftovers(severed):
    line = severed(EXAMPLE, r"POST .*/servers$", "nova", args=['--runs', '1'])
    assert "nova) either)" in line  # the cleanup could not reach it either
