"""Fixtures shared by the Docker example tests: leftovers by label, the no-engine run."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from tools.outputs import run_example

LABEL_KEY = "cloudnotes.example"
NO_ENGINE = {"DOCKER_HOST": "unix:///nonexistent.sock"}


@pytest.fixture
def labelled(docker_client) -> Callable[[str], list[str]]:
    """Return a function listing every Docker object that carries an example's label.

    ``labelled("docker/pid_namespace")`` -> e.g. ``["container 1a2b3c4d5e6f"]``; empty when
    the example cleaned up after itself.
    """

    def find(example: str) -> list[str]:
        flt = {"label": f"{LABEL_KEY}={example}"}
        found = [f"container {c.short_id}" for c in
                 docker_client.containers.list(all=True, filters=flt)]
        found += [f"image {i.short_id}" for i in docker_client.images.list(all=True, filters=flt)]
        found += [f"network {n.short_id}" for n in docker_client.networks.list(filters=flt)]
        found += [f"volume {v.short_id}" for v in docker_client.volumes.list(filters=flt)]
        return found

    return find


@pytest.fixture
def no_engine() -> Callable[[str], None]:
    """Return a check: run an example against a missing socket; one stderr line, exit 1."""

    def check(relpath: str) -> None:
        result = run_example(relpath, env=NO_ENGINE, timeout=60)
        lines = result.stderr.strip().splitlines()
        assert result.returncode == 1, f"{relpath} exited {result.returncode}"
        assert len(lines) == 1, f"{relpath} wrote {len(lines)} stderr lines:\n{result.stderr}"
        assert lines[0].startswith("error: "), lines[0]
        assert "Traceback" not in result.stderr
        assert result.stdout == "", f"{relpath} printed before failing:\n{result.stdout}"

    return check
