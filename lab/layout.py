"""Where the lab keeps things and which loopback ports it uses (no side effects on import)."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
HOST = "127.0.0.1"
REGION = "RegionOne"
# The host name every service registers under (keeps outputs stable across machines).
SERVICE_HOST = "cloudnotes-lab"

# A second lab on the same machine (a contributor's, beside the one the tests use) can move every
# port by CLOUDNOTES_LAB_PORT_OFFSET together with its own CLOUDNOTES_LAB_DIR. 30000 keeps the two
# port sets apart (the base ports span 4369-25672).
PORT_OFFSET = int(os.environ.get("CLOUDNOTES_LAB_PORT_OFFSET", "0") or 0)

BASE_PORTS = {
    "keystone": 5000,
    "glance": 9292,
    "swift": 8080,
    "placement": 8778,
    "nova": 8774,
    "neutron": 9696,
    "cinder": 8776,
    "horizon": 8070,  # the dashboard under /dashboard (not 8000: `make serve` uses it)
    "swift-object": 6200,
    "swift-container": 6201,
    "swift-account": 6202,
    "memcached": 11211,
    "rabbitmq": 5672,
    "rabbitmq-dist": 25672,
    "epmd": 4369,
}
PORTS = {name: port + PORT_OFFSET for name, port in BASE_PORTS.items()}


@dataclass(frozen=True)
class Layout:
    """The lab's state folder: venv, etc, data, logs, pids, clouds.yaml."""

    state: Path

    @property
    def venv(self) -> Path:
        return self.state / "venv"

    @property
    def bin(self) -> Path:
        return self.venv / "bin"

    @property
    def python(self) -> Path:
        return self.bin / "python"

    @property
    def etc(self) -> Path:
        return self.state / "etc"

    @property
    def data(self) -> Path:
        return self.state / "data"

    @property
    def logs(self) -> Path:
        return self.state / "logs"

    @property
    def pids(self) -> Path:
        return self.state / "pids"

    @property
    def tmp(self) -> Path:
        return self.state / "tmp"

    @property
    def cache(self) -> Path:
        """Built once and kept across cold starts (the guest image)."""
        return self.state / "cache"

    @property
    def clouds_yaml(self) -> Path:
        return self.state / "clouds.yaml"

    @property
    def secrets(self) -> Path:
        return self.state / "secrets.json"

    @property
    def lock(self) -> Path:
        return self.state / "lock"

    @property
    def initialized(self) -> Path:
        """Marker: databases created and the cloud seeded (a warm `up` skips both)."""
        return self.data / "initialized"

    def sqlite(self, name: str) -> str:
        return f"sqlite:///{self.data / (name + '.sqlite')}"


def default_layout() -> Layout:
    """`.lab/` in the repository, or $CLOUDNOTES_LAB_DIR."""
    return Layout(Path(os.environ.get("CLOUDNOTES_LAB_DIR", ROOT / ".lab")).resolve())


def url(service: str, path: str = "") -> str:
    return f"http://{HOST}:{PORTS[service]}{path}"
