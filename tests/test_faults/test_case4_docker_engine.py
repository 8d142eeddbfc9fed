"""Case 4: the Docker engine restarts while a container example runs.

The engine is one the test starts itself, the way tools/engine.py starts one (recorded by pid
in a pid folder of its own), with its own socket, data and exec roots and its own bridge:
the machine's engine, which others use, is never stopped. `docker/pid_namespace.py` runs
against it until its container has started, then the engine stops (SIGTERM, by its recorded
pid), the example goes on and must exit 1 with one line saying the engine stopped answering
and what is left over; `ensure_engine` starts the engine again and, as whoever brings a
service back does, removes everything labelled by an example: nothing may be left.
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
import time
from pathlib import Path

import pytest

from lab import procs
from tests.fault_injection import Paused
from tests.test_faults.conftest import one_line, short
from tools.engine import LABEL_KEY, Engine, engine_answers, ensure_engine, stop_engine

pytestmark = pytest.mark.faults
BRIDGE = "cnfault0"  # the test engine's own bridge (dockerd --bridge none would delete docker0)
BRIDGE_ADDRESS = "198.18.250.1/24"  # RFC 2544 benchmarking range: routed nowhere here
EXAMPLE = "docker/pid_namespace.py"


@pytest.fixture
def test_engine(docker_client):
    """A dockerd of the test's own, with busybox copied in from the machine's engine."""
    if not shutil.which("dockerd"):
        pytest.skip("dockerd is not installed")
    root = Path(tempfile.mkdtemp(prefix="cn-engine-", dir="/tmp"))  # short: socket paths
    socket = f"unix://{root}/docker.sock"
    engine = Engine(("dockerd", "--host", socket, "--data-root", str(root / "data"),
                     "--exec-root", str(root / "exec"), "--pidfile", str(root / "dockerd.pid"),
                     "--bridge", BRIDGE, "--iptables=false", "--ip-masq=false",
                     "--shutdown-timeout", "2"),
                    socket, root / "dockerd.log", procs.PidDir(root / "pids"))
    subprocess.run(["ip", "link", "add", BRIDGE, "type", "bridge"], check=True)
    try:
        subprocess.run(["ip", "addr", "add", BRIDGE_ADDRESS, "dev", BRIDGE], check=True)
        ensure_engine(engine=engine)
        import docker

        client = docker.DockerClient(base_url=socket, timeout=60)
        client.images.load(b"".join(docker_client.images.get("busybox").save(named=True)))
        yield engine, client
    finally:
        stop_engine(engine)
        subprocess.run(["ip", "link", "delete", BRIDGE], capture_output=True)
        shutil.rmtree(root, ignore_errors=True)


def labelled(client) -> list[str]:
    selector = {"label": LABEL_KEY}
    return ([f"container {c.name}" for c in client.containers.list(all=True, filters=selector)]
            + [f"network {n.name}" for n in client.networks.list(filters=selector)]
            + [f"image {i.short_id}" for i in client.images.list(all=True, filters=selector)])


def test_the_engine_restarted_while_a_container_runs(test_engine, control, report):
    engine, client = test_engine
    run = Paused(EXAMPLE, r"POST .*/containers/\w+/start$", control,
                 env={"DOCKER_HOST": engine.base_url})
    try:
        run.wait_paused()
        running = client.containers.list(filters={"label": f"{LABEL_KEY}=docker/pid_namespace"})
        assert len(running) == 1, "the example's container is not running"
        assert stop_engine(engine), "the test's engine was not recorded as ours"
        assert not engine_answers(engine.base_url)
        started = time.monotonic()
        line = one_line(run.finish())
        exited = time.monotonic() - started
    finally:
        run.finish()
    assert line.startswith("error: the Docker engine stopped answering"), line
    assert f"left over: what is labelled {LABEL_KEY}=docker/pid_namespace" in line, line

    began = time.monotonic()
    removed = ensure_engine(engine=engine)  # back, and what the example left is removed
    back = time.monotonic() - began
    assert removed and all(r.startswith("container ") for r in removed), removed
    assert labelled(client) == []
    report("4 dockerd restarted", short(line), example_exit_s=round(exited, 1),
           engine_back_s=round(back, 1), removed=len(removed))
