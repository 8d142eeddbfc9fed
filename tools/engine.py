"""Start a Docker engine when none answers (fresh CI machines have only the client).

An engine started here is recorded like a lab process (lab/procs.py: pid, start time, command
line, in `.cache/pids/dockerd.json`), so that it, and only it, can be stopped or restarted
later by its pid; an engine somebody else started has no record and is never touched.

Whoever brings a service back removes what the examples could not while it was gone (the
lab does the same in `lab up`): an engine this module starts begins with no container of the
test suite running, so right after it answers, everything labelled `cloudnotes.example` that
an earlier engine left behind is removed.
"""

from __future__ import annotations

import os
import shutil
import time
from dataclasses import dataclass
from pathlib import Path

import docker
from docker.errors import DockerException

from lab import procs
from tools.system import SetupError, is_debian_root

LABEL_KEY = "cloudnotes.example"


@dataclass(frozen=True)
class Engine:
    """How a dockerd is started and recorded: its command line, where it answers, its log and
    the pid folder that remembers it (lab/procs.py: pid, start time, command line)."""

    argv: tuple[str, ...]
    base_url: str
    log: Path
    pids: procs.PidDir
    name: str = "dockerd"


SOCKET = "unix:///var/run/docker.sock"
DEFAULT = Engine(("dockerd", "--host", SOCKET), SOCKET, Path(".cache/dockerd.log"),
                 procs.PidDir(Path(".cache/pids")))


def engine_answers(base_url: str | None = None) -> bool:
    try:
        client = (docker.DockerClient(base_url=base_url, timeout=5) if base_url
                  else docker.from_env(timeout=5))
        client.ping()
        return True
    except DockerException:
        return False


# Pid files a daemon killed with the machine leaves behind: dockerd refuses to start while the
# pid in its file names any live process (after a reboot, often an unrelated one), and waits for a
# containerd that its stale file names
STALE_PID_FILES = {Path("/var/run/docker.pid"): "dockerd",
                   Path("/var/run/docker/containerd/containerd.pid"): "containerd"}


def remove_stale_pid_files(files: dict[Path, str] = STALE_PID_FILES,
                           proc: Path = procs.PROC) -> list[Path]:
    """Remove the pid files whose process is gone or is not the program that wrote them."""
    removed = []
    for path, program in files.items():
        try:
            pid = int(path.read_text().strip())
        except (OSError, ValueError):
            continue
        try:
            running = (proc / str(pid) / "comm").read_text().strip()
        except OSError:
            running = None
        if running != program:
            path.unlink(missing_ok=True)
            removed.append(path)
    return removed


def _exit_reason(code: int) -> str:
    return f"was killed by signal {-code}" if code < 0 else f"exited with code {code}"


def start_engine(engine: Engine = DEFAULT, timeout: float = 60, attempts: int = 2) -> procs.Record:
    """Start dockerd in its own session (it outlives this process, as a system daemon would),
    record its pid, and wait until it answers. A dockerd that exits at once is started once
    more (a daemon killed with the machine leaves state that its first successor may trip on)."""
    if engine is DEFAULT:
        for path in remove_stale_pid_files():
            print(f"prepare: removed the stale pid file {path}", flush=True)
    for attempt in range(1, attempts + 1):
        child = procs.spawn(engine.name, list(engine.argv), pids=engine.pids, log=engine.log,
                            env=os.environ, cwd=Path.cwd())
        deadline = time.monotonic() + timeout
        while child.poll() is None and time.monotonic() < deadline:
            if engine_answers(engine.base_url):
                engine.pids.refresh(engine.name)
                return engine.pids.get(engine.name)
            time.sleep(0.5)
        output = " | ".join(engine.log.read_text(errors="replace").splitlines()[-5:]) \
            or "no output"
        if child.returncode is None:
            raise SetupError(f"dockerd did not answer within {timeout:.0f}s "
                             f"(log {engine.log}): {output}")
        engine.pids.remove(engine.name)
        reason = _exit_reason(child.returncode)
        if attempt == attempts:
            raise SetupError(f"dockerd {reason} (log {engine.log}): {output}")
        print(f"prepare: dockerd {reason} ({output}); starting it once more", flush=True)
        time.sleep(2)
    raise SetupError("dockerd was not started (attempts < 1)")


def stop_engine(engine: Engine = DEFAULT, grace: float = 30) -> bool:
    """Stop the engine this module started (SIGTERM: it stops its containers first), and
    only that one; False when there is no such engine (no record, or its pid is not ours)."""
    record = engine.pids.get(engine.name)
    if record is None or not procs.is_same_process(record, engine.pids.proc):
        return False
    # its containerd runs in a session of its own and is killed only when dockerd is gone;
    # a dockerd started before that containerd is gone would talk to the dying one
    below = {pid: procs.start_time(pid) for pid in
             procs.descendants({record.pid}, engine.pids.proc) - {record.pid}}
    stopped = bool(procs.stop([record], pids=engine.pids, grace=grace, log=lambda _line: None))
    deadline = time.monotonic() + grace
    while any(procs.start_time(pid) == started and not procs.is_zombie(pid)
              for pid, started in below.items()):  # the same process, not a reused pid
        if time.monotonic() > deadline:
            raise SetupError(f"dockerd's helpers {sorted(below)} outlived it by {grace:.0f}s")
        time.sleep(0.1)
    return stopped


def remove_labelled(client: docker.DockerClient) -> list[str]:
    """Remove every container, network, volume and image labelled by an example."""
    selector = {"label": LABEL_KEY}
    removed = []
    for container in client.containers.list(all=True, filters=selector):
        container.remove(force=True)
        removed.append(f"container {container.name}")
    for network in client.networks.list(filters=selector):
        network.remove()
        removed.append(f"network {network.name}")
    for volume in client.volumes.list(filters=selector):
        volume.remove(force=True)
        removed.append(f"volume {volume.name}")
    for image in client.images.list(all=True, filters=selector):
        client.images.remove(image.id, force=True)
        removed.append(f"image {image.short_id}")
    return removed


def ensure_engine(timeout: float = 60, engine: Engine = DEFAULT) -> list[str]:
    """Ping the engine (DOCKER_HOST or the default socket for the default engine); start
    dockerd if none answers and then remove what examples left behind. Returns what was
    removed."""
    if engine_answers(None if engine is DEFAULT else engine.base_url):
        return []
    if engine is DEFAULT and os.environ.get("DOCKER_HOST"):
        raise SetupError(f"no Docker engine answers at DOCKER_HOST={os.environ['DOCKER_HOST']}")
    if not (is_debian_root() and shutil.which("dockerd")):
        raise SetupError("no Docker engine answers: install docker.io and start dockerd")
    print(f"prepare: starting dockerd ({engine.base_url})", flush=True)
    start_engine(engine, timeout=timeout)
    try:
        removed = remove_labelled(docker.DockerClient(base_url=engine.base_url, timeout=60))
    except (DockerException, OSError) as exc:
        print(f"prepare: could not remove what examples left behind: {exc}", flush=True)
        return []
    if removed:
        print(f"prepare: removed what examples left behind: {', '.join(removed)}", flush=True)
    return removed
