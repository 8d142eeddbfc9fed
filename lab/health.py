"""Readiness probes: plain HTTP, memcached, AMQP, and the services' own views (os-services)."""

from __future__ import annotations

import json
import socket
import subprocess
import urllib.error
import urllib.request
from datetime import datetime
from pathlib import Path
from typing import Any

from lab.layout import HOST, PORTS, Layout, url

SCRIPTS = Path(__file__).resolve().parent / "scripts"


def http_status(target: str, timeout: float = 2.0) -> int | None:
    """HTTP status of a GET (also for 3xx/4xx answers), None when nothing answers."""
    request = urllib.request.Request(target, headers={"Accept": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.status
    except urllib.error.HTTPError as exc:
        return exc.code
    except (OSError, ValueError):
        return None


def http_ok(target: str, accept: tuple[int, ...] = (200, 300)) -> bool:
    return http_status(target) in accept


def tcp_exchange(port: int, send: bytes, expect: bytes, timeout: float = 2.0) -> bool:
    """Connect to 127.0.0.1:port, send bytes, and check the answer starts with `expect`."""
    try:
        with socket.create_connection((HOST, port), timeout=timeout) as sock:
            if send:
                sock.sendall(send)
            if not expect:
                return True
            return sock.recv(64).startswith(expect)
    except OSError:
        return False


def memcached_ok() -> bool:
    return tcp_exchange(PORTS["memcached"], b"version\r\n", b"VERSION")


def amqp_ok() -> bool:
    """RabbitMQ answers an AMQP 0-9-1 header with a method frame (type 1): connection.start."""
    return tcp_exchange(PORTS["rabbitmq"], b"AMQP\x00\x00\x09\x01", b"\x01")


def epmd_ok() -> bool:
    # EPMD_NAMES_REQ (110): the answer starts with epmd's own port number (4 bytes).
    port = PORTS["epmd"]
    return tcp_exchange(port, b"\x00\x01n", port.to_bytes(4, "big"))


def rpc_consumers(layout: Layout, password: str, queues: list[str],
                  timeout: float = 20.0) -> dict[str, int]:
    """{queue: consumers} as RabbitMQ counts them (0 for a queue that does not exist).

    Asked with py-amqp from the lab's venv (a passive queue.declare answers the count); the
    password goes through stdin, never on a command line. Raises OSError when RabbitMQ does
    not answer.
    """
    try:
        result = subprocess.run(
            [str(layout.python), str(SCRIPTS / "rpc_consumers.py"),
             f"{HOST}:{PORTS['rabbitmq']}", *queues],
            input=json.dumps({"user": "cloudnotes", "password": password}),
            capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired as exc:
        raise OSError(f"RabbitMQ did not answer within {timeout:.0f}s") from exc
    if result.returncode != 0:
        lines = result.stderr.strip().splitlines()
        raise OSError(lines[-1] if lines else f"rpc_consumers exited {result.returncode}")
    return json.loads(result.stdout)


def port_free(port: int) -> bool:
    with socket.socket() as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((HOST, port))
        except OSError:
            return False
    return True


class Admin:
    """A tiny Keystone client for the probes (status must work without openstacksdk)."""

    def __init__(self, password: str):
        self.password = password
        self.token: str | None = None
        self.catalog: list[dict[str, Any]] = []
        self.project_id = ""

    def login(self) -> None:
        body = {"auth": {
            "identity": {"methods": ["password"], "password": {"user": {
                "name": "admin", "domain": {"id": "default"}, "password": self.password}}},
            "scope": {"project": {"name": "admin", "domain": {"id": "default"}}}}}
        request = urllib.request.Request(
            url("keystone", "/v3/auth/tokens"), data=json.dumps(body).encode(),
            headers={"Content-Type": "application/json"}, method="POST")
        with urllib.request.urlopen(request, timeout=10) as response:
            self.token = response.headers["X-Subject-Token"]
            token = json.load(response)["token"]
        self.catalog = token.get("catalog", [])
        self.project_id = token["project"]["id"]

    def get(self, target: str, timeout: float = 10.0) -> Any:
        if self.token is None:
            self.login()
        request = urllib.request.Request(target, headers={
            "X-Auth-Token": self.token, "Accept": "application/json"})
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return json.load(response)

    def compute_services(self, since: datetime | None = None) -> dict[str, str]:
        """{binary: 'up'|'down'} as nova-api sees its conductor, scheduler and compute.

        With `since` (UTC), a service whose last heartbeat is older counts as 'down': right
        after a restart the API still reports the previous process's heartbeat as 'up'.
        """
        data = self.get(url("nova", "/v2.1/os-services"))
        return {s["binary"]: _fresh_state(s, since) for s in data["services"]}

    def volume_services(self, since: datetime | None = None) -> dict[str, str]:
        data = self.get(url("cinder", f"/v3/{self.project_id}/os-services"))
        return {s["binary"]: _fresh_state(s, since) for s in data["services"]}

    def volume_heartbeats(self) -> dict[str, datetime | None]:
        """{binary: the UTC time of its last heartbeat (None: none yet)} as cinder-api sees it."""
        data = self.get(url("cinder", f"/v3/{self.project_id}/os-services"))
        return {s["binary"]: _utc(s.get("updated_at")) for s in data["services"]}

    def volume_pools(self) -> list[str]:
        """The pools cinder-scheduler knows: it places volumes only on backends listed here,
        and it hears of one only once cinder-volume has sent it its capabilities."""
        data = self.get(url("cinder", f"/v3/{self.project_id}/scheduler-stats/get_pools"))
        return [pool["name"] for pool in data.get("pools", [])]

    def hypervisors(self) -> list[str]:
        data = self.get(url("nova", "/v2.1/os-hypervisors"))
        return [h["hypervisor_hostname"] for h in data["hypervisors"]]


def _utc(stamp: str | None) -> datetime | None:
    """An API's UTC time stamp ('2026-12-02T14:24:02.000000', maybe with Z) as a naive datetime."""
    return datetime.fromisoformat(stamp.rstrip("Z")).replace(tzinfo=None) if stamp else None


def _fresh_state(service: dict[str, Any], since: datetime | None) -> str:
    state = service.get("state", "unknown")
    if since is None or state != "up":
        return state
    heartbeat = _utc(service.get("updated_at"))
    if heartbeat is None:
        return "down"
    return "up" if heartbeat >= since else "down"
