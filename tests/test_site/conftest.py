"""The built site, shared by the build and browser tests: one strict build per session.

Building executes containers/start-latency, which starts containers (the Docker engine:
`docker_client`; without it the site tests skip, or fail under CI=true). The OpenStack
notebook (openstack/small-app) is not executed at build time: it is stored with the outputs of
its last run against the lab, which tests/test_examples/openstack/test_small_app_notebook.py
re-executes and compares (as for the examples' captured outputs).
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

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


@pytest.fixture(scope="session")
def browser():
    """Debian's Chromium through Playwright, one for the whole session (every site test that
    needs a browser shares it: Playwright's sync API runs one instance per thread)."""
    from tests.browser import launched_chromium

    with launched_chromium() as chromium:
        yield chromium
