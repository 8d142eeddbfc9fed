"""Case 1: a lab API dies in the middle of an example that has already created something.

For each API in turn (Nova, Neutron, Cinder, Glance, the Swift proxy, Keystone) an example
runs until its first create has been answered, then stops (tests/fault_injection.py); the test
checks that the resource exists, kills the API's processes (SIGKILL, by the pid `up` recorded)
and lets the example go on. The example must exit 1 with one stderr line that names the
service that stopped answering (as the catalog names it) and the resource it could not delete.
Then `lab up` restarts the dead API only and ends with its sweep (lab/sweep.py): the rule is
that whoever brings the service back removes what the examples could not. Nothing may be
left, in the APIs or on the host.
"""

from __future__ import annotations

import re
import time

import pytest

import lab as lab_api
from tests.fault_injection import Paused
from tests.test_faults.conftest import kill, one_line, pids_of, short

pytestmark = pytest.mark.faults

# service -> (process, example, cloud, the create after which it pauses, resource kind)
CASES = {
    "nova": ("nova-api", "openstack/nova/server_lifecycle.py", "devstack",
             r"POST .*/servers$", "servers"),
    "neutron": ("neutron-api", "openstack/neutron/network_subnet_router.py", "devstack",
                r"POST .*/networks$", "networks"),
    "cinder": ("cinder-api", "openstack/cinder/volume_extend.py", "devstack",
               r"POST .*/volumes$", "volumes"),
    "glance": ("glance", "openstack/glance/image_upload.py", "devstack",
               r"POST .*/v2/images$", "images"),
    "swift": ("swift-proxy", "openstack/swift/object_metadata.py", "devstack",
              r"PUT .*/cloudnotes-container-\w+$", "containers"),
    "keystone": ("keystone", "openstack/keystone/identity_admin.py", "devstack-admin",
                 r"POST .*/projects$", "projects"),
}


def created(cloud, name: str, kind: str) -> set[str]:
    """The resources of `kind` the cloud `name` holds whose name starts with cloudnotes-."""
    conn = cloud.connect(name)
    listing = {
        "servers": lambda: conn.compute.servers(), "networks": lambda: conn.network.networks(),
        "volumes": lambda: conn.block_storage.volumes(), "images": lambda: conn.image.images(),
        "containers": lambda: conn.object_store.containers(),
        "projects": lambda: conn.identity.projects(),
    }[kind]
    return {r.name for r in listing() if (r.name or "").startswith("cloudnotes-")}


@pytest.mark.parametrize("service", list(CASES))
def test_an_api_killed_midway(service, cloud, running_lab, control, nothing_left, report):
    process, example, as_, after, kind = CASES[service]
    before = created(cloud, as_, kind)
    run = Paused(example, after, control, env={"OS_CLOUD": as_})
    try:
        run.wait_paused()
        made = created(cloud, as_, kind) - before  # synchronised on the resource existing
        assert len(made) == 1, f"the example made {made or 'nothing'} before pausing"
        others = {n: p for n, p in pids_of(running_lab).items() if n != process}
        kill(running_lab, process)
        started = time.monotonic()
        line = one_line(run.finish())
        exited = time.monotonic() - started
    finally:
        run.finish()
    assert re.match(rf"error: cannot reach the \S+ service \({service}\): ", line), line
    assert "left over: " in line and made.pop() in line, line

    began = time.monotonic()
    lab_api.up()  # restarts the dead API only, then removes what was left over
    recovered = time.monotonic() - began
    after_up = pids_of(running_lab)
    assert process in after_up, f"{process} did not come back"
    assert {n: after_up.get(n) for n in others} == others, "lab up restarted live processes"
    assert nothing_left() == []
    report(f"1 {service} killed", short(line), example_exit_s=round(exited, 1),
           lab_up_s=round(recovered, 1))
