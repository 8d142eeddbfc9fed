"""The lab's ML2 mechanism driver and Cinder volume driver.

The binding decisions are pure functions, tested here directly; the drivers themselves
import Neutron and Cinder, which live only in the lab's venv, so they are exercised there
through a subprocess.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from lab.layout import default_layout
from tests.support import unavailable

pytestmark = pytest.mark.lab

PLUGINS = Path(__file__).resolve().parents[2] / "lab" / "plugins"
sys.path.insert(0, str(PLUGINS))
from cloudnotes_lab_plugins import binding  # noqa: E402

sys.path.remove(str(PLUGINS))


def test_binds_the_first_known_segment():
    segments = [{"id": "s1", "network_type": "opflex"},
                {"id": "s2", "network_type": "vxlan", "segmentation_id": 7},
                {"id": "s3", "network_type": "flat"}]
    assert binding.choose_segment(segments)["id"] == "s2"


def test_no_segment_to_bind():
    assert binding.choose_segment([]) is None
    assert binding.choose_segment([{"id": "s", "network_type": "opflex"}]) is None
    assert binding.choose_segment([{"network_type": "flat"}]) is None  # no id


def test_vif_details_say_plain_l2_without_filtering():
    details = binding.vif_details({"id": "s", "network_type": "flat"})
    assert details["port_filter"] is False
    assert details["connectivity"] == "l2"
    assert details["network_type"] == "flat"
    assert binding.VIF_TYPE_TAP == "tap" and binding.PORT_STATUS_ACTIVE == "ACTIVE"


def run_in_lab_venv(code: str, env: dict[str, str] | None = None) -> dict:
    python = default_layout().python
    if not python.exists():
        unavailable("the lab venv is not installed (python -m lab up installs it)")
    result = subprocess.run([str(python), "-W", "ignore", "-c", textwrap.dedent(code)],
                            capture_output=True, text=True, timeout=120, cwd="/",
                            env={**os.environ, **(env or {})})
    assert result.returncode == 0, result.stderr[-3000:]
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_ml2_driver_binds_through_neutrons_interface():
    out = run_in_lab_venv("""
        import json
        from importlib.metadata import entry_points
        from neutron_lib.plugins.ml2 import api
        (ep,) = [e for e in entry_points(group="neutron.ml2.mechanism_drivers")
                 if e.name == "cloudnotes_bind_all"]
        driver = ep.load()()
        driver.initialize()

        class Context:  # what ML2 hands bind_port: the port and the segments to bind
            current = {"id": "p1", "binding:vnic_type": "normal"}
            segments_to_bind = [{api.ID: "seg-a", api.NETWORK_TYPE: "weird"},
                                {api.ID: "seg-b", api.NETWORK_TYPE: "vxlan"}]
            calls = []
            def set_binding(self, segment_id, vif_type, vif_details, status=None):
                self.calls.append([segment_id, vif_type, vif_details, status])

        ctx = Context()
        driver.bind_port(ctx)
        print(json.dumps({"abstract": isinstance(driver, api.MechanismDriver),
                          "supports": driver._supports_port_binding,
                          "connectivity": driver.connectivity, "calls": ctx.calls}))
    """)
    assert out["abstract"] and out["supports"]
    assert out["connectivity"] == "l2"
    assert len(out["calls"]) == 1
    segment, vif_type, details, status = out["calls"][0]
    assert (segment, vif_type, status) == ("seg-b", "tap", "ACTIVE")
    assert details["bound_by"] == "cloudnotes-lab"


@pytest.mark.skipif(os.geteuid() != 0 or not Path("/dev/loop-control").exists(),
                    reason="loop devices need root")
def test_cinder_driver_keeps_volumes_in_files_and_attaches_loop_devices(tmp_path):
    out = run_in_lab_venv(f"""
        import json, os
        from pathlib import Path
        from cinder.volume import configuration, driver as volume_driver
        from cloudnotes_lab_plugins import cinder_driver

        conf = configuration.Configuration(volume_driver.volume_opts, config_group="lab")
        conf.append_config_values(cinder_driver.lab_opts)
        driver = cinder_driver.LabVolumeDriver(configuration=conf)
        driver.directory = Path({str(tmp_path)!r})
        driver.do_setup(None)
        driver.check_for_setup_error()
        volume = {{"id": "v1", "size": 1}}
        driver.create_volume(volume)
        path = driver._volume_file(volume)
        sizes = [path.stat().st_size]
        with path.open("r+b") as handle:
            handle.write(b"cloudnotes")
        driver.extend_volume(volume, 2)
        sizes.append(path.stat().st_size)
        info = driver.initialize_connection(volume, {{}})
        device = info["data"]["device_path"]
        backing = Path("/sys/block", Path(device).name, "loop", "backing_file").read_text()
        again = driver.initialize_connection(volume, {{}})["data"]["device_path"]
        driver.create_snapshot({{"id": "s1", "volume": volume}})
        driver.create_volume_from_snapshot({{"id": "v2", "size": 3}}, {{"id": "s1"}})
        clone = driver._volume_file({{"id": "v2"}})
        driver.terminate_connection(volume, {{}})
        detached = cinder_driver.loop_devices(path)
        driver.delete_snapshot({{"id": "s1"}})
        driver.delete_volume(volume)
        driver.delete_volume({{"id": "v2"}})
        stats = driver.get_volume_stats(refresh=True)
        print(json.dumps({{"sizes": sizes, "type": info["driver_volume_type"], "device": device,
                          "again": again, "backing": backing.strip(), "path": str(path),
                          "clone_size": clone.stat().st_size if clone.exists() else None,
                          "clone_head": None, "detached": detached,
                          "left": sorted(os.listdir({str(tmp_path)!r})),
                          "protocol": stats["storage_protocol"]}}))
    """)
    assert out["sizes"] == [1024 ** 3, 2 * 1024 ** 3]
    assert out["type"] == "local" and out["device"].startswith("/dev/loop")
    assert out["again"] == out["device"]  # one loop device per volume
    assert out["backing"] == out["path"]
    assert out["detached"] == []
    assert out["left"] == []
    assert out["protocol"] == "local"


def test_sqlite_lock_collisions_become_retryable_deadlocks(tmp_path):
    code = f"""
        import json, sqlite3
        from oslo_db import api, exception
        from oslo_db.sqlalchemy import engines
        engine = engines.create_engine("sqlite:///{tmp_path}/t.sqlite")
        with engine.begin() as conn:
            conn.exec_driver_sql("create table t (x int)")
        blocker = sqlite3.connect("{tmp_path}/t.sqlite", isolation_level=None)
        blocker.execute("BEGIN EXCLUSIVE")  # another process holding the database
        attempts = []

        @api.wrap_db_retry(max_retries=2, retry_interval=0.1, retry_on_deadlock=True)
        def write():
            attempts.append(1)
            if len(attempts) == 3:
                blocker.execute("ROLLBACK")
            with engine.begin() as conn:
                conn.exec_driver_sql("PRAGMA busy_timeout = 50")
                conn.exec_driver_sql("insert into t values (1)")

        try:
            write()
            outcome = "written"
        except exception.DBDeadlock:
            outcome = "DBDeadlock"
        except Exception as exc:
            outcome = type(exc).__name__
        print(json.dumps({{"outcome": outcome, "attempts": len(attempts)}}))
    """
    enabled = run_in_lab_venv(code, env={"CLOUDNOTES_LAB_SQLITE": "retry"})
    assert enabled == {"outcome": "written", "attempts": 3}  # retried until the lock went
    (tmp_path / "t.sqlite").unlink()
    plain = run_in_lab_venv(code, env={"CLOUDNOTES_LAB_SQLITE": ""})
    assert plain == {"outcome": "OperationalError", "attempts": 1}  # default: no retry
