"""The cloud the BaaS example uses: the local OpenStack lab, or an external cloud (OS_CLOUD).

The OpenStack tests have a fuller session fixture in tests/test_examples/openstack/conftest.py
(it also starts the lab); fixtures there are not visible here, so this one only *uses* a
cloud that is already there and reports it missing otherwise (a failure under CI=true).
"""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from tests.support import ROOT, unavailable

USE_LAB = os.environ.get("CLOUDNOTES_LAB", "1") != "0"


@pytest.fixture(scope="session")
def baas_cloud() -> dict[str, str]:
    """Environment for running the BaaS example against a cloud that answers."""
    if USE_LAB:
        status = subprocess.run([sys.executable, "-m", "lab", "status"], cwd=ROOT,
                                capture_output=True, text=True, timeout=120)
        if status.returncode != 0:
            unavailable("the OpenStack lab is not running (`make lab-up`)")
        from lab.layout import default_layout

        env = {"OS_CLIENT_CONFIG_FILE": str(default_layout().clouds_yaml), "OS_CLOUD": "devstack"}
    else:
        if not os.environ.get("OS_CLOUD"):
            unavailable("CLOUDNOTES_LAB=0 but OS_CLOUD names no cloud")
        env = {"OS_CLOUD": os.environ["OS_CLOUD"]}
        if os.environ.get("OS_CLIENT_CONFIG_FILE"):
            env["OS_CLIENT_CONFIG_FILE"] = os.environ["OS_CLIENT_CONFIG_FILE"]
    import openstack

    saved = {k: os.environ.get(k) for k in env}
    os.environ.update(env)
    try:
        conn = openstack.connect(cloud=env["OS_CLOUD"])
        conn.session.get_token()
        conn.object_store.get_endpoint()
    except Exception as exc:
        unavailable(f"the OpenStack cloud does not answer ({exc.__class__.__name__})")
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
    return env
