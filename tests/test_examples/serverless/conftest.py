"""The cloud the BaaS example uses: the session's OpenStack cloud (tests/openstack_cloud.py).

That fixture starts the local lab if it is not running (or uses the cloud named by OS_CLOUD
with CLOUDNOTES_LAB=0) and reports it missing otherwise (a failure under CI=true).
"""

from __future__ import annotations

import os

import pytest


@pytest.fixture(scope="session")
def baas_cloud(cloud) -> dict[str, str]:
    """Environment for running the BaaS example as the session cloud's non-admin user."""
    env = {"OS_CLOUD": cloud.user}
    if os.environ.get("OS_CLIENT_CONFIG_FILE"):
        env["OS_CLIENT_CONFIG_FILE"] = os.environ["OS_CLIENT_CONFIG_FILE"]
    return env
