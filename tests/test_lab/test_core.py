"""Pieces of `up`/`down`/`status` that need no running cloud."""

from __future__ import annotations

import base64
import stat
import threading
import time
from pathlib import Path

import pytest

import lab
from lab import config, core, files, status
from lab.layout import Layout
from lab.plan import LabError, Plan

pytestmark = pytest.mark.lab


@pytest.fixture
def layout(tmp_path: Path) -> Layout:
    return Layout(tmp_path / "state")


def test_plan_runs_steps_after_their_dependencies():
    order: list[str] = []
    lock = threading.Lock()

    def step(name: str, delay: float = 0.0):
        def run():
            time.sleep(delay)
            with lock:
                order.append(name)
        return run

    plan = Plan(time.monotonic())
    plan.add("db", step("db", 0.2))
    plan.add("bus", step("bus"))
    plan.add("api", step("api"), after=("db", "bus"))
    plan.add("seed", step("seed"), after=("api",))
    plan.run()
    assert order.index("db") < order.index("api") < order.index("seed")
    assert order.index("bus") < order.index("api")


def test_plan_stops_at_the_first_failure_and_names_it(tmp_path):
    ran: list[str] = []

    def broken():
        raise LabError("glance", "exited with code 1", tmp_path / "glance.log")

    plan = Plan(time.monotonic())
    plan.add("glance", broken)
    plan.add("seed-image", lambda: ran.append("seed-image"), after=("glance",))
    with pytest.raises(LabError) as info:
        plan.run()
    assert info.value.service == "glance"
    assert info.value.log == tmp_path / "glance.log"
    assert ran == []


def test_plan_turns_unexpected_errors_into_lab_errors():
    def buggy():
        raise KeyError("flavor")

    plan = Plan(time.monotonic())
    plan.add("seed-flavors", buggy)
    with pytest.raises(LabError, match="seed-flavors: KeyError"):
        plan.run()


def test_wait_for_reports_a_dead_process(tmp_path):
    import subprocess

    plan = Plan(time.monotonic())
    child = subprocess.Popen(["false"])
    child.wait()
    with pytest.raises(LabError, match="exited with code 1"):
        plan.wait_for("keystone", lambda: False, tmp_path / "k.log", timeout=5, child=child)


def test_fernet_keys_look_like_keystone_manages(tmp_path):
    repo = tmp_path / "fernet-keys"
    files.write_fernet_keys(repo)
    assert sorted(p.name for p in repo.iterdir()) == ["0", "1"]
    assert stat.S_IMODE(repo.stat().st_mode) == 0o700
    for key in repo.iterdir():
        assert stat.S_IMODE(key.stat().st_mode) == 0o600
        assert len(base64.urlsafe_b64decode(key.read_bytes())) == 32
    before = (repo / "1").read_bytes()
    files.write_fernet_keys(repo)  # existing keys are kept (tokens stay valid)
    assert (repo / "1").read_bytes() == before


def test_secrets_are_created_once_and_private(layout):
    assert files.load_secrets(layout) is None
    first = files.load_secrets(layout, create=True)
    assert stat.S_IMODE(layout.secrets.stat().st_mode) == 0o600
    assert files.load_secrets(layout, create=True) == first


def test_write_files_puts_everything_under_the_state_folder(layout):
    for src in config.PASTE_FILES.values():  # what the services' wheels ship
        path = layout.venv / src
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(f"[pipeline:main]\n# {src}\n")
    sec = config.new_secrets()
    files.write_files(layout, sec)
    for rel in config.render(layout, sec):
        assert (layout.state / rel).is_file()
    for rel in config.PASTE_FILES:
        assert (layout.state / rel).read_text().startswith("[pipeline:main]")
    assert stat.S_IMODE(layout.clouds_yaml.stat().st_mode) == 0o600
    assert (layout.etc / "rabbitmq" / "enabled_plugins").read_text() == "[].\n"
    assert (layout.data / "glance" / "staging").is_dir()


def test_tail_returns_the_last_lines(tmp_path):
    log = tmp_path / "x.log"
    log.write_text("".join(f"line {i}\n" for i in range(100)))
    assert files.tail(log, 3).splitlines() == ["line 97", "line 98", "line 99"]
    assert files.tail(tmp_path / "missing.log") == ""


def test_status_of_a_lab_that_never_ran(layout):
    labo = core.Lab(layout)
    assert not labo.is_running()
    rows = status.status_rows(labo)
    assert {r[0] for r in rows} >= {"keystone", "nova-compute", "swift-proxy", "rabbitmq"}
    assert all(r[2] == "-" and r[3] == "stopped" for r in rows)
    assert labo.all_pids() == []


def test_down_without_pid_files_touches_nothing(layout, capsys):
    core.Lab(layout).down()
    assert "not running" in capsys.readouterr().out


def test_public_api():
    assert lab.CLOUDS_YAML.name == "clouds.yaml" and lab.CLOUDS_YAML.parent.name == ".lab"
    assert lab.clouds_yaml() == lab.CLOUDS_YAML
    env = lab.cloud_env("devstack-admin")
    assert env == {"OS_CLIENT_CONFIG_FILE": str(lab.CLOUDS_YAML), "OS_CLOUD": "devstack-admin"}
    with pytest.raises(ValueError):
        lab.cloud_env("nope")
    assert issubclass(lab.LabError, RuntimeError)
    assert callable(lab.is_running) and callable(lab.up) and callable(lab.down)


def test_missing_system_programs_are_named(layout, monkeypatch):
    monkeypatch.setattr(core, "PROGRAMS", {"/nonexistent/memcached": "memcached",
                                           "/bin/sh": "dash"})
    with pytest.raises(LabError, match="missing system packages: memcached") as info:
        core.Lab(layout)._check_programs()
    assert "dash" not in str(info.value)
