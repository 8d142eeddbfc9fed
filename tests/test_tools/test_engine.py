"""Starting dockerd (tools/engine.py): stale pid files, and an engine that dies at start."""

from __future__ import annotations

import pytest

from lab import procs
from tools.engine import Engine, remove_stale_pid_files, start_engine
from tools.system import SetupError


def test_stale_pid_files_are_removed_and_live_ones_kept(tmp_path):
    proc = tmp_path / "proc"
    (proc / "100").mkdir(parents=True)
    (proc / "100" / "comm").write_text("dockerd\n")
    (proc / "200").mkdir()
    (proc / "200" / "comm").write_text("python3\n")  # the pid was reused after a reboot
    live, reused, gone = tmp_path / "live.pid", tmp_path / "reused.pid", tmp_path / "gone.pid"
    live.write_text("100")
    reused.write_text("200")
    gone.write_text("300")
    files = {live: "dockerd", reused: "dockerd", gone: "containerd",
             tmp_path / "absent.pid": "dockerd"}

    removed = remove_stale_pid_files(files, proc=proc)

    assert sorted(removed) == sorted([reused, gone])
    assert live.exists() and not reused.exists() and not gone.exists()


def test_an_engine_that_exits_is_retried_then_reported_in_one_line(tmp_path):
    log = tmp_path / "dockerd.log"
    engine = Engine(("sh", "-c", "echo failed to start daemon: boom; exit 3"),
                    f"unix://{tmp_path}/no-engine.sock", log, procs.PidDir(tmp_path / "pids"))

    with pytest.raises(SetupError) as caught:
        start_engine(engine, timeout=20, attempts=2)

    message = str(caught.value)
    assert "exited with code 3" in message and "failed to start daemon: boom" in message
    assert "\n" not in message
    assert log.read_text().count("boom") == 2  # started twice
    assert engine.pids.get("dockerd") is None  # a dead engine is not remembered as ours
