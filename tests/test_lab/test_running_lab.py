"""`python -m lab status` against a running lab (started by `make test` or by hand)."""

from __future__ import annotations

import subprocess
import sys

import pytest
import yaml

import lab
from lab.layout import default_layout
from lab.services import all_services
from tests.support import ROOT, unavailable

pytestmark = pytest.mark.openstack


def test_status_reports_every_service_healthy():
    if not lab.is_running():
        unavailable("the OpenStack lab is not running (python -m lab up)")
    result = subprocess.run([sys.executable, "-m", "lab", "status"], cwd=ROOT,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr
    lines = result.stdout.splitlines()
    for name, service in all_services(default_layout()).items():
        (line,) = [x for x in lines if x.split()[:1] == [name]]
        assert line.rstrip().endswith("healthy"), line
        if service.endpoint:
            assert service.endpoint in line
    assert "hypervisor: QEMU " in result.stdout and "via libvirt " in result.stdout
    memory = next(x for x in lines if "MiB PSS" in x)
    assert 200 < int(memory.split()[1]) < 4096
    clouds = yaml.safe_load(lab.CLOUDS_YAML.read_text())["clouds"]
    assert {"devstack", "devstack-admin", "devstack-alt-demo"} <= set(clouds)
