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
    assert binding.VIF_TYPE_OTHER == "other" and binding.PORT_STATUS_ACTIVE == "ACTIVE"


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
    assert (segment, vif_type, status) == ("seg-b", "other", "ACTIVE")
    assert details["bound_by"] == "cloudnotes-lab"


def test_cinder_driver_skips_the_device_copy_only():
    out = run_in_lab_venv("""
        import json
        from cinder.tests.fake_driver import FakeLoggingVolumeDriver
        from cinder.volume import configuration, driver as volume_driver
        from cloudnotes_lab_plugins.cinder_driver import LabVolumeDriver

        conf = configuration.Configuration(volume_driver.volume_opts, config_group="fake")
        driver = LabVolumeDriver(configuration=conf)
        copied = driver.copy_image_to_volume(None, {"id": "v1"}, None, "img")
        try:
            driver.copy_volume_to_image(None, {"id": "v1"}, None, {})
            refused = ""
        except Exception as exc:
            refused = type(exc).__name__
        print(json.dumps({
            "subclass": issubclass(LabVolumeDriver, FakeLoggingVolumeDriver),
            "copied": copied, "refused": refused,
            "overrides": sorted(k for k in vars(LabVolumeDriver) if not k.startswith("__")),
        }))
    """)
    assert out["subclass"]
    assert out["copied"] is None
    assert out["refused"] == "VolumeDriverException"
    assert {"copy_image_to_volume", "copy_volume_to_image"} <= set(out["overrides"])


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
