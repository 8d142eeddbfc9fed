"""lab/audit.py: its checks fail on planted violations (the running lab is audited in
tests/test_faults/test_exposure.py)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from lab import audit
from lab.layout import Layout

pytestmark = pytest.mark.lab


@pytest.fixture
def layout(tmp_path: Path) -> Layout:
    state = tmp_path / "state"
    (state / "etc" / "nova").mkdir(parents=True)
    (state / "data").mkdir()
    state.chmod(0o700)
    secrets = state / "secrets.json"
    secrets.write_text(json.dumps({"nova": "0123456789abcdef01234567",
                                   "swift_hash_prefix": "fedcba9876543210fedcba98"}))
    secrets.chmod(0o600)
    return Layout(state)


def test_a_readable_config_with_a_password_and_a_readable_database_are_flagged(layout):
    conf = layout.etc / "nova" / "nova.conf"
    conf.write_text("[keystone_authtoken]\npassword = 0123456789abcdef01234567\n")
    conf.chmod(0o644)
    database = layout.data / "nova_api.sqlite"
    database.write_bytes(audit.SQLITE_HEADER + b"\0" * 100)
    database.chmod(0o640)  # group-readable is exposed too
    harmless = layout.data / "readme.txt"
    harmless.write_text("no secret here\n")
    harmless.chmod(0o644)
    venv = layout.state / "venv" / "x.conf"  # installed packages are not read
    venv.parent.mkdir()
    venv.write_text("fedcba9876543210fedcba98")
    venv.chmod(0o644)
    found = audit.exposed_files(layout)
    assert found == ["data/nova_api.sqlite (640, holds a SQLite database)",
                     "etc/nova/nova.conf (644, holds a secret)"]
    conf.chmod(0o600)
    database.chmod(0o600)
    assert audit.exposed_files(layout) == []


def test_an_open_state_folder_is_flagged(layout):
    layout.state.chmod(0o755)
    assert audit.exposed_files(layout) == [f"{layout.state} (the state folder is 755, not 700)"]


def test_the_secrets_include_the_erlang_cookie_and_the_keys(layout):
    cookie = layout.data / "rabbitmq" / "home" / ".erlang.cookie"
    cookie.parent.mkdir(parents=True)
    cookie.write_text("ABCDEFGHIJKLMNOPQRST")
    key = layout.etc / "keystone" / "fernet-keys" / "0"
    key.parent.mkdir(parents=True)
    key.write_text("a-fernet-key-of-some-length=")
    assert audit.known_secrets(layout) >= {b"ABCDEFGHIJKLMNOPQRST",
                                           b"a-fernet-key-of-some-length=",
                                           b"0123456789abcdef01234567"}


SS = """\
udp   UNCONN 0      0            0.0.0.0:57245      0.0.0.0:*     users:(("swift-proxy-ser",pid=31387,fd=15))
tcp   LISTEN 0      4096       127.0.0.1:43080      0.0.0.0:*     users:(("swift-proxy-ser",pid=31387,fd=5))
tcp   LISTEN 0      4096           [::1]:39369         [::]:*     users:(("epmd",pid=30746,fd=4))
tcp   ESTAB  0      0          127.0.0.1:51234    127.0.0.1:40672 users:(("nova-compute",pid=648,fd=9))
tcp   LISTEN 0      4096               *:8080             *:*     users:(("someone-else",pid=4242,fd=3))
udp   UNCONN 0      0          192.0.2.2:5353       0.0.0.0:*     users:(("nova-compute",pid=648,fd=12))
tcp   LISTEN 0      128             [::]:40000         [::]:*     users:(("uwsgi",pid=337,fd=3),("uwsgi",pid=338,fd=3))
"""  # noqa: E501  (ss lines are this long)


def test_sockets_off_loopback_are_flagged_for_the_lab_pids_only():
    found = audit.off_loopback(SS, {31387, 30746, 648, 338})
    assert found == ["udp 0.0.0.0:57245 (swift-proxy-ser, pid 31387)",
                     "udp 192.0.2.2:5353 (nova-compute, pid 648)",
                     "tcp [::]:40000 (uwsgi, pid 337,338)"]
    assert audit.off_loopback(SS, {30746}) == []
