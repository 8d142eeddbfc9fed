"""Fixtures every OpenStack example test shares: connections, runs as a given cloud, bad input.

The session's cloud (the local lab or an external one) and the leftover check live in
tests/openstack_cloud.py; its `cloud` fixture is registered in tests/conftest.py.
"""

from __future__ import annotations

import socket
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import yaml

from tests.openstack_cloud import VOLATILE, Cloud
from tools.outputs import run_example


@pytest.fixture(autouse=True)
def _needs_cloud(cloud: Cloud) -> None:
    """Every test in this folder runs against the session's cloud."""


@pytest.fixture(scope="session")
def user_conn(cloud: Cloud):
    return cloud.connect(cloud.user)


@pytest.fixture(scope="session")
def admin_conn(cloud: Cloud):
    return cloud.connect(cloud.admin)


@pytest.fixture(scope="session")
def other_conn(cloud: Cloud):
    return cloud.connect(cloud.other)


@pytest.fixture
def run_as(cloud: Cloud, check_output) -> Callable[..., str]:
    """Run an example as a reader would, as the cloud named `as_` (default: the user).

    Compares the output with docs/outputs (via `check_output`) after normalising VOLATILE and
    the test's own `extra` patterns; returns the fresh stdout.
    """
    def run(relpath: str, *, as_: str | None = None, extra=(), timeout: float = 600,
            args=()) -> str:
        return check_output(relpath, extra=[*extra, *VOLATILE], timeout=timeout,
                            env={"OS_CLOUD": as_ or cloud.user}, args=args)

    return run


# --- bad input ------------------------------------------------------------------------------

def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="session")
def bad_clouds(cloud: Cloud, tmp_path_factory) -> Iterator[Path]:
    """A clouds.yaml with a wrong password, a closed port and a port that never answers."""
    import openstack.config

    auth = dict(openstack.config.OpenStackConfig().get_one(cloud=cloud.user).config["auth"])
    common = {"identity_api_version": 3, "interface": "public", "api_timeout": 3}
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen(0)  # accepts nothing: requests to it time out
        path = tmp_path_factory.mktemp("clouds") / "clouds.yaml"
        path.write_text(yaml.safe_dump({"clouds": {
            "cloudnotes-wrong-password": {"auth": {**auth, "password": "not-the-password"},
                                          **common},
            "cloudnotes-unreachable": {
                "auth": {**auth, "auth_url": f"http://127.0.0.1:{_closed_port()}/v3"}, **common},
            "cloudnotes-silent": {
                "auth": {**auth, "auth_url": f"http://127.0.0.1:{silent.getsockname()[1]}/v3"},
                # nothing will ever answer: a short timeout (keystoneauth waits it out twice,
                # for discovery and for the token) says the same as a long one
                **common, "api_timeout": 1},
        }}))
        yield path


@pytest.fixture
def bad_input(bad_clouds: Path) -> Callable[[str], None]:
    """Check that an example turns each kind of unusable cloud into one stderr line + exit 1:
    unset OS_CLOUD, unknown cloud, wrong password, refused connection, endpoint timing out."""
    def check(relpath: str) -> None:
        cases = {
            "unset OS_CLOUD": ({"OS_CLOUD": ""}, "OS_CLOUD"),
            "unknown cloud": ({"OS_CLOUD": "cloudnotes-no-such-cloud"},
                              "cloudnotes-no-such-cloud"),
            "wrong password": ({"OS_CLOUD": "cloudnotes-wrong-password",
                                "OS_CLIENT_CONFIG_FILE": str(bad_clouds)}, "401"),
            "connection refused": ({"OS_CLOUD": "cloudnotes-unreachable",
                                    "OS_CLIENT_CONFIG_FILE": str(bad_clouds)}, "cannot reach"),
            "timeout": ({"OS_CLOUD": "cloudnotes-silent",
                         "OS_CLIENT_CONFIG_FILE": str(bad_clouds)}, "timed out"),
        }
        # the runs are independent: side by side, the silent port's timeout is waited out once
        with ThreadPoolExecutor(max_workers=len(cases)) as pool:
            results = dict(zip(cases, pool.map(
                lambda env: run_example(relpath, env=env, timeout=120),
                (env for env, _ in cases.values())), strict=True))
        for case, (_env, expected) in cases.items():
            result = results[case]
            lines = result.stderr.splitlines()
            assert result.returncode == 1, f"{case}: exit {result.returncode}\n{result.stderr}"
            assert len(lines) == 1, f"{case}: {len(lines)} stderr lines:\n{result.stderr}"
            assert lines[0].startswith("error: ") and expected in lines[0], f"{case}: {lines[0]}"
            assert result.stdout == "", f"{case}: printed {result.stdout!r}"

    return check

