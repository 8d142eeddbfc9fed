"""Start a Docker engine when none answers (fresh CI machines have only the client)."""

from __future__ import annotations

import os
import shutil
import subprocess
import time
from pathlib import Path

import docker
from docker.errors import DockerException

from tools.system import SetupError, is_debian_root

LOG = Path(".cache/dockerd.log")


def engine_answers() -> bool:
    try:
        docker.from_env(timeout=5).ping()
        return True
    except DockerException:
        return False


def ensure_engine(timeout: float = 60) -> None:
    """Ping the engine named by DOCKER_HOST (or the default socket); start dockerd if needed."""
    if engine_answers():
        return
    if os.environ.get("DOCKER_HOST"):
        raise SetupError(f"no Docker engine answers at DOCKER_HOST={os.environ['DOCKER_HOST']}")
    if not (is_debian_root() and shutil.which("dockerd")):
        raise SetupError("no Docker engine answers: install docker.io and start dockerd")
    LOG.parent.mkdir(parents=True, exist_ok=True)
    print("prepare: starting dockerd", flush=True)
    with LOG.open("ab") as log:
        # Its own session: the engine outlives this process, as a system daemon would.
        subprocess.Popen(
            ["dockerd", "--host", "unix:///var/run/docker.sock"],
            stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
        )
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if engine_answers():
            return
        time.sleep(0.5)
    tail = LOG.read_text(errors="replace").splitlines()[-5:]
    raise SetupError(f"dockerd did not answer within {timeout:.0f}s: {' | '.join(tail)}")
