"""Shared fixtures: the Docker engine, captured outputs, and the leftover check."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable

import pytest

from tests.openstack_cloud import cloud  # noqa: F401  (the session's OpenStack cloud fixture)
from tests.support import unavailable
from tools.outputs import compare_with_saved, run_example


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--update-outputs", action="store_true",
                     help="rewrite docs/outputs/ from fresh example runs instead of comparing")


# --- Docker -----------------------------------------------------------------------------

_docker_before: dict[str, set[str]] | None = None


def _docker_inventory(client) -> dict[str, set[str]]:
    return {
        "containers": {c.id for c in client.containers.list(all=True)},
        "images": {i.id for i in client.images.list(all=True)},
        "networks": {n.id for n in client.networks.list()},
        "volumes": {v.id for v in client.volumes.list()},
    }


@pytest.fixture(scope="session")
def docker_client():
    """A client for the engine the examples use; the inventory is noted for the leftover check."""
    global _docker_before
    import docker
    from docker.errors import DockerException

    try:
        client = docker.from_env()
        client.ping()
    except DockerException as exc:
        unavailable(f"no Docker engine answers ({exc.__class__.__name__}); run `make test`")
    if _docker_before is None:
        _docker_before = _docker_inventory(client)
    return client


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    """Fail the run when it leaves a container, image, network or volume behind."""
    if _docker_before is None:
        return
    import docker

    after = _docker_inventory(docker.from_env())
    left = {kind: sorted(after[kind] - _docker_before[kind]) for kind in after}
    left = {kind: ids for kind, ids in left.items() if ids}
    if left:
        reporter = session.config.pluginmanager.get_plugin("terminalreporter")
        lines = [f"{kind}: {', '.join(i[:19] for i in ids)}" for kind, ids in left.items()]
        reporter.write_line("LEFTOVER Docker objects after the suite: " + "; ".join(lines),
                            red=True)
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


# --- Captured outputs -----------------------------------------------------------------------

@pytest.fixture
def check_output(request: pytest.FixtureRequest) -> Callable[..., str]:
    """Run an example like a reader; compare (or with --update-outputs, save) what it prints.

    Returns the fresh stdout so a test can assert on it too.
    """
    update = request.config.getoption("--update-outputs")
    # Against real DevStack or Docker Hub images the text legitimately differs from the lab's:
    # the workflows set CLOUDNOTES_COMPARE_OUTPUTS=0 and keep only the behaviour assertions.
    compare = os.environ.get("CLOUDNOTES_COMPARE_OUTPUTS", "1") != "0"

    def check(relpath: str, *, extra: Iterable[tuple[str, str]] = (),
              env: dict[str, str] | None = None, timeout: float = 300) -> str:
        result = run_example(relpath, env=env, timeout=timeout)
        assert result.returncode == 0, f"{relpath} exited {result.returncode}:\n{result.stderr}"
        if compare or update:
            compare_with_saved(relpath, result.stdout, extra=extra, update=update)
        return result.stdout

    return check
