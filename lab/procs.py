"""Processes the lab starts: pid files that remember who they are, and stopping only those.

A pid file holds the pid, the process start time (field 22 of /proc/<pid>/stat, in clock
ticks since boot) and the command line. A recorded pid is treated as the lab's only while a
process with that pid, that start time and that command line exists, so a pid the kernel has
reused for something else is never signalled. Each service is started as the leader of its
own session, so its helpers (uWSGI workers, Erlang's children) share its process group and
are stopped with it.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import time
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass
from pathlib import Path

PROC = Path("/proc")


@dataclass(frozen=True)
class Record:
    """What `up` wrote about one process it started."""

    name: str
    pid: int
    start_time: int
    cmdline: tuple[str, ...]

    def to_json(self) -> str:
        return json.dumps(asdict(self) | {"cmdline": list(self.cmdline)})

    @classmethod
    def from_json(cls, text: str) -> Record:
        raw = json.loads(text)
        return cls(raw["name"], int(raw["pid"]), int(raw["start_time"]), tuple(raw["cmdline"]))


def read_stat(pid: int, proc: Path = PROC) -> list[str] | None:
    """The fields of /proc/<pid>/stat (field 1 = fields[0]), or None if there is no such pid."""
    try:
        raw = (proc / str(pid) / "stat").read_text()
    except (FileNotFoundError, ProcessLookupError, PermissionError):
        return None
    # comm (field 2) is in parentheses and may contain spaces: split after the last ')'.
    head, _, tail = raw.rpartition(")")
    pid_part, _, comm = head.partition(" (")
    return [pid_part, comm, *tail.split()]


def start_time(pid: int, proc: Path = PROC) -> int | None:
    fields = read_stat(pid, proc)
    return int(fields[21]) if fields else None


def process_group(pid: int, proc: Path = PROC) -> int | None:
    fields = read_stat(pid, proc)
    return int(fields[4]) if fields else None


def is_zombie(pid: int, proc: Path = PROC) -> bool:
    fields = read_stat(pid, proc)
    return bool(fields) and fields[2] == "Z"


def cmdline(pid: int, proc: Path = PROC) -> tuple[str, ...] | None:
    try:
        raw = (proc / str(pid) / "cmdline").read_bytes()
    except (FileNotFoundError, ProcessLookupError, PermissionError):
        return None
    return tuple(part.decode(errors="replace") for part in raw.split(b"\0") if part)


def is_same_process(record: Record, proc: Path = PROC) -> bool:
    """True while the recorded pid still names the process `up` started (not a reused pid).

    The start time must match exactly (it survives exec; a reused pid cannot have it). The
    command line must match too, allowing for what services do to it: a script shows up
    behind its interpreter (`python /venv/bin/nova-conductor ...`), a wrapper execs the real
    program (rabbitmq-server), and oslo.service renames its processes
    (`nova-conductor: master process [...]`). So it is enough that a program name among the
    first two recorded words is among the first two words now.
    """
    if start_time(record.pid, proc) != record.start_time or is_zombie(record.pid, proc):
        return False
    now = cmdline(record.pid, proc)
    if not now or not record.cmdline:
        return False
    if now == record.cmdline:
        return True
    return bool(program_names(record.cmdline) & program_names(now))


def program_names(argv: tuple[str, ...]) -> set[str]:
    """Base names of the first two words, without a trailing colon (`nova-api:`)."""
    names = set()
    for word in argv[:2]:
        for part in word.split()[:2]:
            name = Path(part).name.rstrip(":")
            if name and not name.startswith("-"):
                names.add(name)
    return names


def group_members(pgid: int, proc: Path = PROC) -> list[int]:
    """Pids whose process group is `pgid` (the leader and everything it forked)."""
    members = []
    for entry in proc.iterdir():
        if entry.name.isdigit() and process_group(int(entry.name), proc) == pgid:
            members.append(int(entry.name))
    return sorted(members)


def descendants(roots: set[int], proc: Path = PROC) -> set[int]:
    """`roots` and every process below them (by parent pid), e.g. Erlang's port programs,
    which start their own sessions and so are not in the leader's process group."""
    children: dict[int, list[int]] = {}
    for entry in proc.iterdir():
        if entry.name.isdigit():
            fields = read_stat(int(entry.name), proc)
            if fields:
                children.setdefault(int(fields[3]), []).append(int(entry.name))
    found, todo = set(roots), list(roots)
    while todo:
        for child in children.get(todo.pop(), []):
            if child not in found:
                found.add(child)
                todo.append(child)
    return found


class PidDir:
    """The lab's pid files: <dir>/<name>.json, one per started process."""

    def __init__(self, directory: Path, proc: Path = PROC):
        self.dir = directory
        self.proc = proc

    def path(self, name: str) -> Path:
        return self.dir / f"{name}.json"

    def write(self, record: Record) -> None:
        self.dir.mkdir(parents=True, exist_ok=True)
        tmp = self.path(record.name).with_suffix(".tmp")
        tmp.write_text(record.to_json())
        tmp.replace(self.path(record.name))

    def records(self) -> list[Record]:
        out = []
        for path in sorted(self.dir.glob("*.json")) if self.dir.exists() else []:
            try:
                out.append(Record.from_json(path.read_text()))
            except (ValueError, KeyError):
                path.unlink(missing_ok=True)  # a torn or foreign file: not a process of ours
        return out

    def get(self, name: str) -> Record | None:
        path = self.path(name)
        if not path.exists():
            return None
        try:
            return Record.from_json(path.read_text())
        except (ValueError, KeyError):
            return None

    def alive(self, name: str) -> bool:
        record = self.get(name)
        return record is not None and is_same_process(record, self.proc)

    def refresh(self, name: str) -> None:
        """Re-record a process's command line as it is now (after exec and renames).

        Only done while its start time still matches, i.e. while it is the same process.
        """
        record = self.get(name)
        if record is None or start_time(record.pid, self.proc) != record.start_time:
            return
        now = cmdline(record.pid, self.proc)
        if now:
            self.write(Record(record.name, record.pid, record.start_time, now))

    def remove(self, name: str) -> None:
        self.path(name).unlink(missing_ok=True)


def open_log(path: Path, mode: int = 0o600):
    """Open a log file for appending; a new one is created with `mode` (logs quote configs)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    return os.fdopen(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, mode), "ab")


def spawn(name: str, argv: list[str], *, pids: PidDir, log: Path, env: Mapping[str, str],
          cwd: Path, umask: int = -1) -> subprocess.Popen:
    """Start argv as the leader of a new session, output appended to `log`; record it.

    `umask` is the child's (-1: this process's): what it creates gets those permissions.
    """
    with open_log(log) as out:
        child = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=out,
                                 stderr=subprocess.STDOUT, env=dict(env), cwd=cwd,
                                 start_new_session=True, umask=umask)
    started = None
    for _ in range(100):  # /proc/<pid>/stat exists as soon as fork returns; be safe anyway
        started = start_time(child.pid, pids.proc)
        if started is not None:
            break
        time.sleep(0.01)
    # The command line as the kernel shows it after exec (the first word is resolved later
    # by is_same_process, which tolerates programs that rename themselves).
    pids.write(Record(name, child.pid, started or 0, tuple(argv)))
    return child


def _signal_group(pgid: int, sig: int) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pgid, sig)


def stop(records: Iterable[Record], *, pids: PidDir, grace: float = 10.0,
         log=print) -> list[str]:
    """Stop the recorded processes that are still ours (TERM, then KILL after `grace` s).

    A record whose pid is gone or now belongs to another process is only forgotten.
    Returns the names that were signalled.
    """
    ours: list[Record] = []
    for record in records:
        if is_same_process(record, pids.proc):
            ours.append(record)
        else:
            log(f"  {record.name}: pid {record.pid} is gone or no longer ours; forgetting it")
            pids.remove(record.name)
    for record in ours:
        if process_group(record.pid, pids.proc) == record.pid:
            _signal_group(record.pid, signal.SIGTERM)
        else:
            os.kill(record.pid, signal.SIGTERM)
    deadline = time.monotonic() + grace
    pending = list(ours)
    while pending and time.monotonic() < deadline:
        _reap()
        pending = [r for r in pending if _group_alive(r, pids.proc)]
        if pending:
            time.sleep(0.1)
    for record in pending:
        log(f"  {record.name}: still running after {grace:.0f}s, sending SIGKILL")
        if is_same_process(record, pids.proc) or group_members(record.pid, pids.proc):
            _signal_group(record.pid, signal.SIGKILL)
    _reap()
    for record in ours:
        pids.remove(record.name)
    return [r.name for r in ours]


def _group_alive(record: Record, proc: Path) -> bool:
    """Whether the leader or any member of its group (still ours) is alive."""
    if is_same_process(record, proc):
        return True
    return any(not is_zombie(pid, proc) for pid in group_members(record.pid, proc))


def _reap() -> None:
    """Collect exited children of this process (when `up` itself started them)."""
    while True:
        try:
            pid, _ = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            return


def pss_kib(pid: int, proc: Path = PROC) -> int:
    """Proportional set size of one process from /proc/<pid>/smaps_rollup (KiB), 0 if gone."""
    try:
        for line in (proc / str(pid) / "smaps_rollup").read_text().splitlines():
            if line.startswith("Pss:"):
                return int(line.split()[1])
    except (FileNotFoundError, ProcessLookupError, PermissionError):
        pass
    return 0
