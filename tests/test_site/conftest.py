"""The built site, shared by the build and browser tests: one strict build per session.

Building executes the notebooks: containers/start-latency starts containers (the Docker
engine: `docker_client`) and openstack/small-app builds a small app on the OpenStack cloud
(the `cloud` fixture of the OpenStack tests: the local lab, started if needed, or the cloud
named by OS_CLOUD with CLOUDNOTES_LAB=0). Without them the site tests skip, or fail under
CI=true.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.test_examples.openstack.conftest import cloud  # noqa: F401 (a fixture, used below)
from tests.test_site.registry import ROOT


@dataclass
class SiteBuild:
    directory: Path
    returncode: int
    log: str
    seconds: float

    def problems(self) -> list[str]:
        """The log lines that make a strict build fail (warnings and errors, tracebacks)."""
        return [line for line in self.log.splitlines()
                if line.startswith(("WARNING", "ERROR", "Aborted", "Error", "Traceback"))
                or "Error:" in line]


def mkdocs_build(site_dir: Path, *, config: Path = ROOT / "mkdocs.yml", strict: bool = True,
                 timeout: float = 900) -> SiteBuild:
    """Run `mkdocs build` in a subprocess (as `make build` does) into `site_dir`."""
    started = time.monotonic()
    result = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict" if strict else "--no-strict",
         "--config-file", str(config), "--site-dir", str(site_dir)],
        cwd=ROOT, capture_output=True, text=True, timeout=timeout,
        env={**os.environ, "NO_MKDOCS_2_WARNING": "1"},
    )
    return SiteBuild(site_dir, result.returncode, result.stdout + result.stderr,
                     time.monotonic() - started)


@pytest.fixture(scope="session")
def strict_build(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory,
                 docker_client) -> SiteBuild:
    """`mkdocs build --strict` of the real project, once per session (whatever its result)."""
    request.getfixturevalue("cloud")  # sets OS_CLIENT_CONFIG_FILE / OS_CLOUD for the build
    return mkdocs_build(tmp_path_factory.mktemp("site-strict"))


@pytest.fixture(scope="session")
def site(strict_build: SiteBuild, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A built site to inspect. If the strict build failed (test_build says why), the other
    site tests still look at a lenient build, so one warning does not hide every other check."""
    if strict_build.returncode == 0:
        return strict_build.directory
    lenient = mkdocs_build(tmp_path_factory.mktemp("site-lenient"), strict=False)
    if lenient.returncode != 0:
        pytest.fail("the site does not build even without --strict:\n"
                    + "\n".join(lenient.problems()[-20:] or lenient.log.splitlines()[-20:]),
                    pytrace=False)
    return lenient.directory
