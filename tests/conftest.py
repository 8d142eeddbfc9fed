"""Shared fixtures: the Docker engine, captured outputs and their stamps, the leftover check."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable

import pytest

from tests.openstack_cloud import (  # noqa: F401  (fixtures every folder uses)
    cloud,
    lab_session,
    openstack_stamp,
    severed,
)
from tests.support import unavailable
from tools import stamps
from tools.outputs import ROOT, compare_with_saved, output_path, run_example

# {output: [facts in which its saved stamp differs from this run]}, for the summary.
STAMP_NOTES = pytest.StashKey[dict[str, list[str]]]()


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


@pytest.fixture
def engine_severed(docker_client) -> Callable[..., str]:
    """Check that an example whose Docker engine stops answering right after the request
    matching `after` (by default its first container create; tests/fault_injection.py) exits 1
    with one stderr line that says so and names the label of what is left over, without a
    traceback; then remove what carries that label, as the next run of the example would
    (or tools/engine.py when it starts an engine). Returns the line."""
    from tests.fault_injection import run_severed
    from tools.engine import LABEL_KEY

    def check(relpath: str, label: str, after: str = r"POST .*/containers/create",
              args=()) -> str:
        result = run_severed(relpath, after, args=args)
        try:
            lines = result.stderr.splitlines()
            assert result.returncode == 1, f"exit {result.returncode}\n{result.stderr}"
            assert len(lines) == 1, f"{len(lines)} stderr lines:\n{result.stderr}"
            assert lines[0].startswith("error: the Docker engine stopped answering"), lines[0]
            assert f"; left over: what is labelled {LABEL_KEY}={label} " in lines[0], lines[0]
        finally:
            selector = {"label": f"{LABEL_KEY}={label}"}
            for container in docker_client.containers.list(all=True, filters=selector):
                container.remove(force=True)
            for network in docker_client.networks.list(filters=selector):
                network.remove()
            for image in docker_client.images.list(all=True, filters=selector):
                docker_client.images.remove(image.id, force=True)
        return lines[0]

    return check


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


# --- Stamps: what the outputs ran on (tools/stamps.py) ---------------------------------------

def pytest_configure(config: pytest.Config) -> None:
    config.stash[STAMP_NOTES] = {}


@pytest.fixture(scope="session")
def docker_stamp(docker_client) -> stamps.Stamp:
    return stamps.docker_stamp(docker_client)


@pytest.fixture
def run_stamp(request: pytest.FixtureRequest) -> stamps.Stamp:
    """The stamp of the backend this test's example runs against: the session's OpenStack cloud
    if the test uses it (OpenStack, BaaS), else the Docker engine if the test uses it or is
    marked `docker` (containers, microservices, FaaS). A test with neither has no backend to
    stamp its output with."""
    if "cloud" in request.fixturenames:
        return request.getfixturevalue("openstack_stamp")
    if "docker_client" in request.fixturenames or request.node.get_closest_marker("docker"):
        return request.getfixturevalue("docker_stamp")
    pytest.fail(f"{request.node.nodeid} saves an output but uses neither `cloud` nor the "
                "Docker engine (`docker_client`, marker docker): nothing says what its output "
                "ran on", pytrace=False)


@pytest.fixture
def note_stamp(request: pytest.FixtureRequest) -> Callable[[str, list[str]], None]:
    """Record in which facts a saved output's stamp differs from this run (for the summary)."""
    def note(relpath: str, differences: list[str]) -> None:
        """`relpath`: an example (`docker/x.py`: its saved output is meant) or a docs/ file."""
        if differences:
            shown = (relpath if relpath.startswith("docs/")
                     else output_path(relpath).relative_to(ROOT).as_posix())
            request.config.stash[STAMP_NOTES][shown] = differences

    return note


def pytest_terminal_summary(terminalreporter, exitstatus: int, config: pytest.Config) -> None:
    """List the outputs whose text still matches but whose stamp names other versions."""
    notes = config.stash.get(STAMP_NOTES, {})
    if not notes:
        return
    by_difference: dict[tuple[str, ...], list[str]] = {}
    for relpath, differences in sorted(notes.items()):
        by_difference.setdefault(tuple(differences), []).append(relpath)
    terminalreporter.section("output stamps: saved on other versions than this run")
    for differences, relpaths in by_difference.items():
        terminalreporter.write_line(f"{'; '.join(differences)} — {len(relpaths)} output(s), "
                                    f"text still equal: {', '.join(relpaths)}", yellow=True)


# --- Captured outputs -----------------------------------------------------------------------

@pytest.fixture
def check_output(request: pytest.FixtureRequest) -> Callable[..., str]:
    """Run an example like a reader; compare (or with --update-outputs, save) what it prints,
    and check (or save) the stamp of the run beside it.

    Returns the fresh stdout so a test can assert on it too.
    """
    update = request.config.getoption("--update-outputs")
    # Against real DevStack or Docker Hub images the text legitimately differs from the lab's:
    # the workflows set CLOUDNOTES_COMPARE_OUTPUTS=0 and keep only the behaviour assertions.
    compare = os.environ.get("CLOUDNOTES_COMPARE_OUTPUTS", "1") != "0"
    stamp = request.getfixturevalue("run_stamp") if compare or update else None
    note = request.getfixturevalue("note_stamp")

    def check(relpath: str, *, extra: Iterable[tuple[str, str]] = (),
              env: dict[str, str] | None = None, timeout: float = 300,
              args: Iterable[str] = ()) -> str:
        result = run_example(relpath, env=env, timeout=timeout, args=args)
        assert result.returncode == 0, f"{relpath} exited {result.returncode}:\n{result.stderr}"
        if stamp is not None:
            note(relpath, compare_with_saved(relpath, result.stdout, stamp=stamp, extra=extra,
                                             update=update))
        return result.stdout

    return check
