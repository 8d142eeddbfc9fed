"""The lab's Horizon: its settings, what its install redoes and when, and how it is served."""

from __future__ import annotations

import ast
import json
from pathlib import Path

import pytest

from lab import bench, config, horizon
from lab.layout import BASE_PORTS, PORTS, Layout, url
from lab.services import all_services

pytestmark = pytest.mark.lab

SECRETS = {name: f"pw-{name}-0123456789" for name in config.SECRET_NAMES}


def settings(text: str) -> dict:
    """The assignments of a rendered settings file, evaluated (they are all literals)."""
    tree = ast.parse(text)
    return {node.targets[0].id: ast.literal_eval(node.value) for node in tree.body
            if isinstance(node, ast.Assign)}


@pytest.fixture
def paths(tmp_path: Path) -> horizon.Paths:
    return horizon.Paths.of(Layout(tmp_path / "state"))


def test_settings_point_at_the_lab_and_mount_under_dashboard(paths):
    values = settings(horizon.render_settings(paths, SECRETS))
    assert values["WEBROOT"] == "/dashboard/"
    assert values["OPENSTACK_KEYSTONE_URL"] == url("keystone", "/v3")
    assert values["STATIC_ROOT"] == str(paths.home / "static")
    assert values["COMPRESS_OFFLINE"] is True and values["DEBUG"] is False
    assert values["ALLOWED_HOSTS"] == ["127.0.0.1", "localhost"]
    cache = values["CACHES"]["default"]
    assert cache["LOCATION"] == f"127.0.0.1:{PORTS['memcached']}"
    assert cache["KEY_PREFIX"] == horizon.SESSION_KEY_PREFIX
    assert values["SESSION_ENGINE"] == "django.contrib.sessions.backends.cache"
    assert values["LAUNCH_INSTANCE_DEFAULTS"] == {"create_volume": False}


def test_the_secret_key_comes_from_the_lab_secrets_and_reveals_none(paths):
    key = horizon.secret_key(SECRETS)
    assert len(key) == 64 and key == horizon.secret_key(dict(SECRETS))
    assert key != horizon.secret_key({**SECRETS, "admin": "another"})
    text = horizon.render_settings(paths, SECRETS)
    assert settings(text)["SECRET_KEY"] == key
    assert not [pw for pw in SECRETS.values() if pw in text]


def test_only_the_baked_settings_decide_a_new_compress(paths, tmp_path):
    want = horizon.wanted_marks(paths)
    # new passwords or another port offset change the runtime part only
    assert horizon.render_settings(paths, SECRETS) != horizon.render_settings(
        paths, {**SECRETS, "admin": "x"})
    assert horizon.wanted_marks(paths) == want
    moved = horizon.Paths(tmp_path / "elsewhere")  # STATIC_ROOT is baked in
    assert horizon.wanted_marks(moved)["static"] != want["static"]
    assert horizon.wanted_marks(moved)["venv"] == want["venv"]
    lock = tmp_path / "other.lock"
    lock.write_text(horizon.LOCK.read_text() + "extra==1\n")
    changed = horizon.wanted_marks(paths, lock)
    assert changed["venv"] != want["venv"] and changed["static"] != want["static"]


@pytest.mark.parametrize(("have", "expected"), [
    ({"venv": None, "static": None}, ["venv", "catalogues", "static"]),
    ({"venv": "old-lock", "static": "old-lock-baked"}, ["venv", "catalogues", "static"]),
    ({"venv": "lock", "static": None}, ["static"]),
    ({"venv": "lock", "static": "lock-old-baked"}, ["static"]),
    ({"venv": "lock", "static": "lock-baked"}, []),
])
def test_install_steps(have, expected):
    assert horizon.install_steps(have, {"venv": "lock", "static": "lock-baked"}) == expected


def test_marks_count_only_with_a_venv(paths):
    assert horizon.current_marks(paths) == {"venv": None, "static": None}
    paths.static.mkdir(parents=True)
    paths.static_mark.write_text("s\n")
    assert horizon.current_marks(paths) == {"venv": None, "static": None}
    paths.python.parent.mkdir(parents=True)
    paths.python.touch()
    paths.venv_mark.write_text("v\n")
    assert horizon.current_marks(paths) == {"venv": "v", "static": "s"}


@pytest.fixture
def fake_install(monkeypatch):
    """Record the expensive steps instead of running them (a venv is a folder with a python)."""
    calls: list[str] = []

    def venv(path: Path, log, lock, what) -> float:
        calls.append("venv")
        (path / "bin").mkdir(parents=True)
        (path / "bin" / "python").touch()
        (horizon.Paths(path.parent).site_packages / "openstack_dashboard" / "local").mkdir(
            parents=True)
        return 1.0

    monkeypatch.setattr(horizon, "install_venv", venv)
    monkeypatch.setattr(horizon, "compile_catalogues", lambda p: calls.append("catalogues"))

    def static(p: horizon.Paths) -> dict[str, float]:
        calls.append("static")
        p.static.mkdir(parents=True, exist_ok=True)
        return {"compress": 1.0}

    monkeypatch.setattr(horizon, "prepare_static", static)
    return calls


def test_install_runs_once_then_only_writes_the_settings(paths, fake_install):
    horizon.ensure_installed(paths, SECRETS, log=lambda _m: None)
    assert fake_install == ["venv", "catalogues", "static"]
    link = paths.site_packages / "openstack_dashboard" / "local" / "local_settings.py"
    assert link.is_symlink() and link.resolve() == paths.settings.resolve()
    assert paths.settings.stat().st_mode & 0o077 == 0  # it holds the secret key
    fake_install.clear()
    assert horizon.ensure_installed(paths, {**SECRETS, "admin": "new"}, log=lambda _m: None) \
        == {}
    assert fake_install == []
    assert settings(paths.settings.read_text())["SECRET_KEY"] == horizon.secret_key(
        {**SECRETS, "admin": "new"})


def test_a_new_lock_reinstalls_everything(paths, fake_install, tmp_path):
    horizon.ensure_installed(paths, SECRETS, log=lambda _m: None)
    fake_install.clear()
    lock = tmp_path / "new.lock"
    lock.write_text(horizon.LOCK.read_text().replace("horizon==", "horizon==9"))
    horizon.ensure_installed(paths, SECRETS, log=lambda _m: None, lock=lock)
    assert fake_install == ["venv", "catalogues", "static"]


def test_a_lost_static_folder_is_prepared_again(paths, fake_install):
    horizon.ensure_installed(paths, SECRETS, log=lambda _m: None)
    fake_install.clear()
    paths.static_mark.unlink()
    horizon.ensure_installed(paths, SECRETS, log=lambda _m: None)
    assert fake_install == ["static"]


def test_the_lock_pins_horizon_and_what_it_needs_besides():
    text = horizon.LOCK.read_text()
    assert horizon.version() == "27.0.0"
    for name in ("pymemcache==", "uwsgi==", "babel=="):
        assert f"\n{name}" in text, name
    services_uwsgi = [line for line in (horizon.HERE / "requirements.lock").read_text()
                      .splitlines() if line.startswith("uwsgi==")]
    assert services_uwsgi and services_uwsgi[0] in text.splitlines()  # one uWSGI build


def test_uwsgi_serves_the_dashboard_under_dashboard_on_loopback(paths):
    argv = horizon.uwsgi_argv(paths)
    assert argv[argv.index("--http-socket") + 1] == f"127.0.0.1:{PORTS['horizon']}"
    assert argv[argv.index("--mount") + 1] == (
        f"/dashboard={paths.site_packages / 'openstack_dashboard' / 'wsgi.py'}")
    assert "--manage-script-name" in argv
    # matched after /dashboard is stripped from the path
    assert argv[argv.index("--static-map") + 1] == f"/static={paths.static}"


def test_horizon_is_a_lab_service_with_its_own_port(tmp_path):
    service = all_services(Layout(tmp_path))["horizon"]
    assert service.endpoint == f"http://127.0.0.1:{PORTS['horizon']}/dashboard/"
    assert service.env["VIRTUAL_ENV"].endswith("horizon/venv")
    assert len(set(BASE_PORTS.values())) == len(BASE_PORTS)
    assert BASE_PORTS["horizon"] != 8000  # `make serve`


def test_the_benchmark_wipe_keeps_the_prepared_dashboard(tmp_path):
    layout = Layout(tmp_path)
    for folder in ("venv", "horizon/static", "data", "etc"):
        (tmp_path / folder).mkdir(parents=True)
    layout.secrets.write_text(json.dumps(SECRETS))
    bench.wipe(layout)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["horizon", "secrets.json", "venv"]
