"""examples/docker/daemon_socket.py: the daemon serves HTTP on a unix socket; SDKs are clients."""

from __future__ import annotations

import docker
import pytest

from tests.support import load_example

pytestmark = pytest.mark.docker
EXAMPLE = "docker/daemon_socket.py"
# Engine, API, SDK and component versions differ between this machine and CI runners.
VOLATILE = [(r"\b\d+\.\d+(\.\d+)?([~+-][\w.~+-]*)?", "<version>")]


@pytest.fixture
def ex():
    return load_example(EXAMPLE)


def test_socket_path_honours_docker_host(ex, monkeypatch):
    monkeypatch.delenv("DOCKER_HOST", raising=False)
    assert ex.socket_path() == "/var/run/docker.sock"
    monkeypatch.setenv("DOCKER_HOST", "unix:///tmp/other.sock")
    assert ex.socket_path() == "/tmp/other.sock"
    monkeypatch.setenv("DOCKER_HOST", "tcp://127.0.0.1:2375")
    with pytest.raises(ValueError, match="not a unix"):
        ex.socket_path()


def test_raw_ping_over_the_unix_socket(docker_client, ex):
    status, body, headers = ex.raw_ping(ex.socket_path())
    assert (status, body) == (200, "OK")
    assert headers["Server"].startswith("Docker/")
    # The raw answer and the SDK's view come from the same daemon.
    assert headers["Api-Version"] == docker_client.version()["ApiVersion"]


def test_sdk_reports_client_and_server_versions(docker_client, ex):
    info = ex.sdk_versions(docker_client)
    assert info["sdk"] == docker.__version__
    assert info["engine"] == docker_client.version()["Version"]
    assert info["sdk_api"] == info["api"]  # the SDK negotiated the daemon's API version
    names = [name for name, _ in info["components"]]
    assert "Engine" in names, names


def test_output_matches_the_page(check_output):
    out = check_output(EXAMPLE, extra=VOLATILE)
    assert "GET /_ping -> 200 'OK'" in out


def test_no_engine_is_one_line_on_stderr(no_engine):
    no_engine(EXAMPLE)
