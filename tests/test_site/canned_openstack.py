"""A canned OpenStack API on 127.0.0.1 for the stamp probe's tests: Keystone v3 password auth
(with a catalog naming one compute endpoint), Nova's version document and `os-hypervisors`.

The answers are shaped like the real APIs' (Keystone's and Nova's API references) so that the
probe runs through openstacksdk and keystoneauth exactly as against a cloud: version discovery
for the compute microversion, then a microversioned hypervisor listing as admin.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass
class CannedCloud:
    max_microversion: str = "2.100"
    hypervisors: list[dict] = field(default_factory=lambda: [
        {"id": "5d7ae5b3-8d1c-4d0a-9d4b-000000000001", "hypervisor_hostname": "compute-1",
         "hypervisor_type": "QEMU", "hypervisor_version": 8002002, "state": "up",
         "status": "enabled", "host_ip": "192.0.2.10",
         "service": {"host": "compute-1", "id": "svc-1", "disabled_reason": None}}])
    hypervisors_forbidden: bool = False
    url: str = ""

    def version_doc(self) -> dict:
        return {"id": "v2.1", "status": "CURRENT", "version": self.max_microversion,
                "min_version": "2.1", "updated": "2013-07-23T11:33:21Z",
                "links": [{"rel": "self", "href": f"{self.url}/compute/v2.1/"}]}

    def token(self) -> dict:
        domain = {"id": "default", "name": "Default"}
        return {"token": {
            "methods": ["password"], "expires_at": "2099-01-01T00:00:00.000000Z",
            "issued_at": "2026-01-01T00:00:00.000000Z",
            "user": {"id": "u-admin", "name": "admin", "domain": domain},
            "project": {"id": "p-admin", "name": "admin", "domain": domain},
            "roles": [{"id": "r-admin", "name": "admin"}],
            "catalog": [{"type": "compute", "name": "nova", "id": "s-compute", "endpoints": [
                {"id": "e-compute", "interface": "public", "region": "RegionOne",
                 "region_id": "RegionOne", "url": f"{self.url}/compute/v2.1"}]}],
        }}


def _handler(cloud: CannedCloud):
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args) -> None:  # keep the test output clean
            pass

        def _send(self, status: int, body: dict, headers: dict[str, str] | None = None) -> None:
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            for name, value in (headers or {}).items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(data)

        def do_GET(self) -> None:
            path = self.path.split("?", 1)[0].rstrip("/")
            if path == "/identity/v3":
                self._send(200, {"version": {
                    "id": "v3.14", "status": "stable", "updated": "2020-04-07T00:00:00Z",
                    "links": [{"rel": "self", "href": f"{cloud.url}/identity/v3/"}],
                    "media-types": [{"base": "application/json",
                                     "type": "application/vnd.openstack.identity-v3+json"}]}})
            elif path == "/compute":
                self._send(200, {"versions": [cloud.version_doc()]})
            elif path == "/compute/v2.1":
                self._send(200, {"version": cloud.version_doc()})
            elif path == "/compute/v2.1/os-hypervisors/detail":
                if cloud.hypervisors_forbidden:
                    self._send(403, {"forbidden": {"code": 403, "message": "Policy doesn't "
                                                   "allow os_compute_api:os-hypervisors:list"}})
                else:
                    self._send(200, {"hypervisors": cloud.hypervisors})
            else:
                self._send(404, {"itemNotFound": {"code": 404, "message": path}})

        def do_POST(self) -> None:
            self.rfile.read(int(self.headers.get("Content-Length", 0)))
            if self.path.rstrip("/") == "/identity/v3/auth/tokens":
                self._send(201, cloud.token(), {"X-Subject-Token": "canned-token"})
            else:
                self._send(404, {"error": self.path})

    return Handler


@contextmanager
def serve(cloud: CannedCloud) -> Iterator[CannedCloud]:
    """Serve `cloud` on a free loopback port for the duration of the block."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(cloud))
    cloud.url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield cloud
    finally:
        server.shutdown()
        server.server_close()


def connect(cloud: CannedCloud):
    """An openstacksdk connection to the canned cloud (no clouds.yaml involved)."""
    import openstack

    return openstack.connect(
        auth_type="password", auth={
            "auth_url": f"{cloud.url}/identity/v3", "username": "admin", "password": "x",
            "project_name": "admin", "user_domain_name": "Default",
            "project_domain_name": "Default"},
        region_name="RegionOne", identity_api_version="3", api_timeout=5,
        load_yaml_config=False, load_envvars=False)
