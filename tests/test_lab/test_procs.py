"""Pid handling: `down` stops only processes the lab recorded and that are still the same."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from lab import procs

pytestmark = pytest.mark.lab

SLEEP = ["sleep", "60"]


@pytest.fixture
def pids(tmp_path: Path) -> procs.PidDir:
    return procs.PidDir(tmp_path / "pids")


@pytest.fixture
def stranger():
    """A process the lab did not start (stands for someone else's process)."""
    child = subprocess.Popen(SLEEP, start_new_session=True)
    deadline = time.monotonic() + 5
    while procs.cmdline(child.pid) != tuple(SLEEP) and time.monotonic() < deadline:
        time.sleep(0.01)  # until exec has happened
    yield child
    child.kill()
    child.wait()


def alive(pid: int) -> bool:
    return procs.read_stat(pid) is not None and not procs.is_zombie(pid)


def spawn(name: str, argv: list[str], pids: procs.PidDir, tmp_path: Path):
    return procs.spawn(name, argv, pids=pids, log=tmp_path / f"{name}.log",
                       env=os.environ, cwd=tmp_path)


def test_spawn_records_pid_start_time_and_command(pids, tmp_path):
    child = spawn("sleeper", SLEEP, pids, tmp_path)
    try:
        record = pids.get("sleeper")
        assert record.pid == child.pid
        assert record.start_time == procs.start_time(child.pid) > 0
        assert record.cmdline == tuple(SLEEP)
        assert procs.process_group(child.pid) == child.pid  # its own session and group
        assert pids.alive("sleeper")
    finally:
        procs.stop(pids.records(), pids=pids, log=lambda _m: None)
    assert child.wait(timeout=5) is not None
    assert pids.get("sleeper") is None


def test_stop_kills_the_whole_process_group(pids, tmp_path):
    child = spawn("shell", ["sh", "-c", "sleep 60 & sleep 60 & wait"], pids, tmp_path)
    deadline = time.monotonic() + 5
    while len(procs.group_members(child.pid)) < 3 and time.monotonic() < deadline:
        time.sleep(0.05)
    members = procs.group_members(child.pid)
    assert len(members) == 3
    stopped = procs.stop(pids.records(), pids=pids, log=lambda _m: None)
    assert stopped == ["shell"]
    child.wait(timeout=5)
    assert not any(alive(pid) for pid in members)


def test_a_reused_pid_is_never_signalled(pids, stranger):
    """A record whose pid now belongs to another process (other start time) is forgotten."""
    real = procs.start_time(stranger.pid)
    pids.write(procs.Record("old", stranger.pid, real - 1, tuple(SLEEP)))
    messages: list[str] = []
    assert procs.stop(pids.records(), pids=pids, log=messages.append) == []
    time.sleep(0.2)
    assert stranger.poll() is None, "a process the lab did not start was killed"
    assert pids.get("old") is None
    assert "no longer ours" in messages[0]


def test_a_different_command_line_is_not_ours(pids, stranger):
    """Same pid and start time but another program (e.g. a hand-edited pid file)."""
    record = procs.Record("fake", stranger.pid, procs.start_time(stranger.pid),
                          ("/usr/bin/memcached", "-l", "127.0.0.1"))
    assert not procs.is_same_process(record)
    pids.write(record)
    assert procs.stop(pids.records(), pids=pids, log=lambda _m: None) == []
    assert stranger.poll() is None


def test_a_script_seen_through_its_interpreter_is_still_ours(stranger):
    """`up` records argv; the kernel may show `python3 /path/script ...` for a script."""
    real = procs.cmdline(stranger.pid)
    record = procs.Record("s", stranger.pid, procs.start_time(stranger.pid),
                          ("/usr/bin/sleep-wrapper-that-is-not-this",))
    assert not procs.is_same_process(record)
    record = procs.Record("s", stranger.pid, procs.start_time(stranger.pid),
                          (f"/somewhere/{Path(real[0]).name}", "60"))
    assert procs.is_same_process(record)


def test_refresh_records_the_final_command_line(pids, tmp_path):
    child = spawn("exec", ["sh", "-c", "exec sleep 60"], pids, tmp_path)
    try:
        deadline = time.monotonic() + 5
        while procs.cmdline(child.pid) != tuple(SLEEP) and time.monotonic() < deadline:
            time.sleep(0.02)
        pids.refresh("exec")
        assert pids.get("exec").cmdline == tuple(SLEEP)
        assert pids.alive("exec")
    finally:
        procs.stop(pids.records(), pids=pids, log=lambda _m: None)
        child.wait(timeout=5)


def test_a_dead_process_is_forgotten(pids, tmp_path):
    child = spawn("short", ["true"], pids, tmp_path)
    child.wait(timeout=5)
    assert not pids.alive("short")
    assert procs.stop(pids.records(), pids=pids, log=lambda _m: None) == []
    assert pids.records() == []


def test_torn_pid_files_are_dropped(pids):
    pids.dir.mkdir(parents=True)
    (pids.dir / "broken.json").write_text("{not json")
    assert pids.records() == []
    assert not (pids.dir / "broken.json").exists()


def test_stat_parsing_survives_odd_process_names(tmp_path):
    fake = tmp_path / "proc" / "4242"
    fake.mkdir(parents=True)
    # fields 3-6 (state, ppid, pgrp, session), 7-21, then 22: start time
    fields = ["S", "1", "4242", "4242"] + ["0"] * 15 + ["987654"]
    (fake / "stat").write_text("4242 (a b) (c)) " + " ".join(fields) + "\n")
    proc = tmp_path / "proc"
    assert procs.read_stat(4242, proc)[1] == "a b) (c)"
    assert procs.start_time(4242, proc) == 987654
    assert procs.process_group(4242, proc) == 4242
    assert procs.read_stat(4243, proc) is None


def test_pss_is_read_from_smaps_rollup(tmp_path):
    fake = tmp_path / "proc" / "7"
    fake.mkdir(parents=True)
    (fake / "smaps_rollup").write_text("Rss:  2048 kB\nPss:  1536 kB\nShared_Clean: 0 kB\n")
    assert procs.pss_kib(7, tmp_path / "proc") == 1536
    assert procs.pss_kib(8, tmp_path / "proc") == 0
    assert procs.pss_kib(os.getpid()) > 0


def test_record_round_trip():
    record = procs.Record("x", 12, 345, (sys.executable, "-c", "pass"))
    assert procs.Record.from_json(record.to_json()) == record


def fake_process(proc: Path, pid: int, start: int, argv: list[str]) -> None:
    entry = proc / str(pid)
    entry.mkdir(parents=True)
    fields = ["S", "1", str(pid), str(pid)] + ["0"] * 15 + [str(start)]
    (entry / "stat").write_text(f"{pid} (x) " + " ".join(fields) + "\n")
    (entry / "cmdline").write_bytes(b"\0".join(a.encode() for a in argv) + b"\0")


def test_a_service_that_renames_itself_is_still_ours(tmp_path):
    proc = tmp_path / "proc"
    fake_process(proc, 50, 1000, ["nova-conductor: master process [/v/bin/nova-conductor]"])
    record = procs.Record("nova-conductor", 50, 1000,
                          ("/v/bin/python", "/v/bin/nova-conductor", "--config-file", "x"))
    assert procs.is_same_process(record, proc)
    # same name and pid but another start time: a reused pid
    assert not procs.is_same_process(procs.Record("nova-conductor", 50, 999, record.cmdline),
                                     proc)
    # same pid and start time but an unrelated program
    fake_process(proc, 51, 1000, ["/usr/sbin/sshd", "-D"])
    assert not procs.is_same_process(procs.Record("x", 51, 1000, record.cmdline), proc)


def test_descendants_follow_parent_pids(tmp_path):
    proc = tmp_path / "proc"
    for pid, ppid in ((10, 1), (11, 10), (12, 11), (13, 1)):
        entry = proc / str(pid)
        entry.mkdir(parents=True)
        (entry / "stat").write_text(f"{pid} (x) S {ppid} {pid} {pid} " + "0 " * 16 + "\n")
    assert procs.descendants({10}, proc) == {10, 11, 12}
    assert procs.descendants(set(), proc) == set()
