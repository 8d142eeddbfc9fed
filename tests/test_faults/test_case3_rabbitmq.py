"""Case 3: RabbitMQ dies. An example started during the outage fails in one line within a
bounded time (its api_timeout), not a hang; `lab up` restarts RabbitMQ alone, and the Nova and
Cinder workers, which kept running, reconnect by themselves (oslo.messaging): `up` waits until
each consumes its RPC queue again and has a heartbeat from after the restart, and `lab status`
shows every one of them healthy. The time from RabbitMQ answering again to the last worker
reconnected is the recovery time reported.
"""

from __future__ import annotations

import re
import time

import pytest
import yaml

import lab as lab_api
from lab.services import RPC_QUEUES
from tests.test_faults.conftest import kill, one_line, pids_of, short
from tests.test_faults.test_case2_partial_up import lab_command
from tools.outputs import run_example

pytestmark = pytest.mark.faults
API_TIMEOUT = 10  # the clouds.yaml of the run during the outage: requests give up after 10 s


@pytest.fixture
def impatient_cloud(cloud, tmp_path):
    """The user's cloud with api_timeout 10 s in its clouds.yaml (the examples honour it)."""
    import openstack.config

    auth = dict(openstack.config.OpenStackConfig().get_one(cloud=cloud.user).config["auth"])
    path = tmp_path / "clouds.yaml"
    path.write_text(yaml.safe_dump({"clouds": {"cloudnotes-impatient": {
        "auth": auth, "identity_api_version": 3, "interface": "public",
        "region_name": "RegionOne", "api_timeout": API_TIMEOUT}}}))
    return {"OS_CLIENT_CONFIG_FILE": str(path), "OS_CLOUD": "cloudnotes-impatient"}


def test_rabbitmq_killed_workers_reconnect(running_lab, impatient_cloud, nothing_left, report,
                                           capsys):
    before = pids_of(running_lab)
    kill(running_lab, "rabbitmq")

    # an example that needs the bus (Cinder's API casts to its scheduler), during the outage
    started = time.monotonic()
    run = run_example("openstack/cinder/volume_extend.py", env=impatient_cloud,
                      timeout=20 * API_TIMEOUT)  # a hang fails here
    failed_after = time.monotonic() - started
    line = one_line(run)
    assert "(cinder)" in line.split(";")[0], line

    status = lab_command("status")
    assert re.search(r"^\s+rabbitmq\s.*\sstopped$", status.stdout, re.M), status.stdout

    capsys.readouterr()
    up_started = time.monotonic()
    lab_api.up()
    up_took = time.monotonic() - up_started
    said = capsys.readouterr().out
    after = pids_of(running_lab)
    assert after["rabbitmq"] != before["rabbitmq"]
    assert {n: p for n, p in after.items() if n != "rabbitmq"} == \
        {n: p for n, p in before.items() if n != "rabbitmq"}, "lab up restarted live processes"
    reconnect = [float(m) for m in re.findall(r"reconnected to rabbitmq, ([\d.]+)s after",
                                              said)]
    assert len(reconnect) == len(RPC_QUEUES), said
    status = lab_command("status")
    assert status.returncode == 0, status.stdout
    for worker in RPC_QUEUES:
        assert re.search(rf"^\s+{worker}\s.*\shealthy$", status.stdout, re.M), status.stdout
    assert nothing_left() == []
    report("3 rabbitmq killed", short(line), example_failed_after_s=round(failed_after, 1),
           workers_reconnected_after_s=max(reconnect), lab_up_s=round(up_took, 1))
