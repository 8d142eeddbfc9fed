"""The Docker daemon is a server; the CLI and the Python SDK are only its clients.

`dockerd` listens on a unix socket (``/var/run/docker.sock`` unless ``DOCKER_HOST`` names
another ``unix://`` path) and speaks HTTP there: the Docker Engine API. This script first
talks to that socket with nothing but the standard library (a raw ``GET /_ping``), then asks
the same daemon for its version through the ``docker`` SDK, which sends the same kind of
HTTP requests for you. Nothing is created, so there is nothing to clean up.

Run it on a machine with a Docker engine:

    python daemon_socket.py
"""

from __future__ import annotations

import http.client
import os
import socket
import sys

import docker
from docker.errors import DockerException

DEFAULT_SOCKET = "/var/run/docker.sock"


class UnixHTTPConnection(http.client.HTTPConnection):
    """An ``http.client`` connection whose transport is a unix socket instead of TCP."""

    def __init__(self, path: str, timeout: float = 5.0) -> None:
        """Remember the socket path; the host name only fills the HTTP ``Host`` header.

        Args:
            path: Filesystem path of the daemon's unix socket.
            timeout: Seconds to wait for the daemon before giving up.
        """
        super().__init__("localhost", timeout=timeout)
        self.socket_path = path

    def connect(self) -> None:
        """Open the unix socket (called by ``http.client`` before the first request)."""
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        sock.settimeout(self.timeout)
        sock.connect(self.socket_path)
        self.sock = sock


def socket_path() -> str:
    """Return the daemon socket the clients use: ``DOCKER_HOST`` if set, else the default.

    Returns:
        The filesystem path of the unix socket.

    Raises:
        ValueError: ``DOCKER_HOST`` points to something other than a unix socket (e.g. tcp://).
    """
    host = os.environ.get("DOCKER_HOST", "")
    if not host:
        return DEFAULT_SOCKET
    if not host.startswith("unix://"):
        raise ValueError(f"DOCKER_HOST={host} is not a unix:// socket; this example needs one")
    return host.removeprefix("unix://")


def raw_ping(path: str) -> tuple[int, str, dict[str, str]]:
    """Send ``GET /_ping`` to the daemon by hand, with the standard library only.

    Args:
        path: The daemon's unix socket.

    Returns:
        The HTTP status, the body, and the response headers that identify the server.
    """
    conn = UnixHTTPConnection(path)
    try:
        conn.request("GET", "/_ping")
        response = conn.getresponse()
        body = response.read().decode()
        headers = {name: response.getheader(name, "") for name in ("Api-Version", "Server")}
        return response.status, body, headers
    finally:
        conn.close()


def sdk_versions(client: docker.DockerClient) -> dict[str, object]:
    """Ask the daemon for its version through the SDK and put the client's next to it.

    Args:
        client: A connected Docker SDK client.

    Returns:
        The SDK's own version, the API version it negotiated, the daemon's engine and API
        versions, and the versions of the components the daemon runs containers with.
    """
    server = client.version()
    return {
        "sdk": docker.__version__,
        "sdk_api": client.api.api_version,
        "engine": server["Version"],
        "api": server["ApiVersion"],
        "min_api": server.get("MinAPIVersion", "?"),
        "os_arch": f"{server.get('Os', '?')}/{server.get('Arch', '?')}",
        "components": [(c["Name"], c["Version"]) for c in server.get("Components", [])],
    }


def main() -> int:
    """Ping the daemon over its socket by hand, then through the SDK; print both views."""
    try:
        path = socket_path()
        status, body, headers = raw_ping(path)
        client = docker.from_env()
        info = sdk_versions(client)
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    except (DockerException, OSError) as exc:
        print(f"error: no Docker daemon answers ({' '.join(str(exc).split())})", file=sys.stderr)
        return 1

    print(f"daemon socket: {path}")
    print("1) raw HTTP over the unix socket (standard library only)")
    print(f"   GET /_ping -> {status} {body!r}")
    print(f"   Server header:      {headers['Server']}")
    print(f"   Api-Version header: {headers['Api-Version']}")
    print(f"2) the Python SDK (docker {info['sdk']}) sends the same kind of requests")
    print(f"   negotiated API version: {info['sdk_api']}")
    print(f"   daemon: Docker Engine {info['engine']}, API {info['api']} "
          f"(accepts clients down to {info['min_api']}), {info['os_arch']}")
    print("   components the daemon drives:")
    for name, version in info["components"]:
        print(f"     {name:<12} {version}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
