"""The seed's specification and the worker heartbeat rule, without a cloud."""

from __future__ import annotations

from datetime import datetime

import pytest

from lab import config, health, seed
from lab.layout import PORTS

pytestmark = pytest.mark.lab


def test_keystone_spec_matches_devstacks_catalog():
    sec = config.new_secrets()
    spec = seed.keystone_spec(sec)
    assert spec["region"] == "RegionOne"
    assert spec["identity_url"] == f"http://127.0.0.1:{PORTS['keystone']}/v3"
    types = {e["type"]: e for e in spec["catalog"]}
    assert set(types) == {"image", "compute", "network", "placement", "block-storage",
                          "volumev3", "object-store"}
    assert types["object-store"]["url"].endswith("/v1/AUTH_%(project_id)s")
    assert types["compute"]["url"].endswith("/v2.1")
    assert types["volumev3"]["name"] == "cinderv3"
    assert spec["service_users"] == list(config.SERVICE_USERS)
    assert spec["passwords"]["demo"] == sec["demo"]
    assert "rabbit" not in spec["passwords"]  # only what Keystone needs


def test_flavors_include_devstacks_and_tempests():
    assert seed.FLAVORS["m1.tiny"] == ("1", 512, 1, 1)
    assert seed.FLAVORS["m1.nano"][0] == "42" and seed.FLAVORS["m1.micro"][0] == "84"
    assert len({fid for fid, *_ in seed.FLAVORS.values()}) == len(seed.FLAVORS)


def test_default_rule_templates_are_neutrons_four():
    kinds = {(r["direction"], r["ethertype"]) for r in seed.SG_RULE_TEMPLATES}
    assert kinds == {("egress", "IPv4"), ("egress", "IPv6"), ("ingress", "IPv4"),
                     ("ingress", "IPv6")}
    assert all(r.get("remote_group_id") == "PARENT"
               for r in seed.SG_RULE_TEMPLATES if r["direction"] == "ingress")


def test_a_heartbeat_from_before_the_restart_does_not_count():
    since = datetime(2026, 1, 1, 12, 0, 0)
    old = {"state": "up", "updated_at": "2026-01-01T11:59:55.000000"}
    new = {"state": "up", "updated_at": "2026-01-01T12:00:03.000000"}
    assert health._fresh_state(old, None) == "up"
    assert health._fresh_state(old, since) == "down"
    assert health._fresh_state(new, since) == "up"
    assert health._fresh_state({"state": "down", "updated_at": None}, since) == "down"
    assert health._fresh_state({"state": "up", "updated_at": None}, since) == "down"


class _FakeClock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.now += seconds


def _http_error(status: int):
    from openstack.exceptions import HttpException

    return HttpException(message=f"HTTP {status}", http_status=status)


def test_a_seed_step_is_repeated_while_the_api_answers_503():
    clock, calls = _FakeClock(), []

    def step() -> None:
        calls.append(clock.now)
        if len(calls) < 3:
            raise _http_error(503)

    seed.retry_transient(step, clock=clock, sleep=clock.sleep)
    assert len(calls) == 3


def test_a_seed_step_fails_at_once_on_a_real_error_and_after_the_deadline():
    clock = _FakeClock()

    def forbidden() -> None:
        raise _http_error(403)

    with pytest.raises(Exception, match="403"):
        seed.retry_transient(forbidden, clock=clock, sleep=clock.sleep)
    assert clock.now == 0.0

    def unavailable() -> None:
        raise _http_error(503)

    with pytest.raises(Exception, match="503"):
        seed.retry_transient(unavailable, timeout=10, clock=clock, sleep=clock.sleep)
    assert clock.now >= 10


def test_the_quiet_cinder_worker_is_the_one_restarted_when_no_pool_appears():
    from lab.steps import quiet_volume_side

    now = datetime(2026, 1, 1, 12, 0, 0)
    assert quiet_volume_side({"cinder-scheduler": now}, now)[0] == "cinder-volume"
    stale = {"cinder-volume": datetime(2026, 1, 1, 11, 59, 0)}
    name, why = quiet_volume_side(stale, now)
    assert (name, why) == ("cinder-volume", "cinder-volume's last heartbeat is 60s old")
    fresh = {"cinder-volume": datetime(2026, 1, 1, 11, 59, 55)}
    name, why = quiet_volume_side(fresh, now)
    assert name == "cinder-scheduler" and "5s old, yet the scheduler lists no pool" in why


def test_volume_heartbeats_are_read_as_naive_utc():
    assert health._utc("2026-12-02T14:24:02.358318") == datetime(2026, 12, 2, 14, 24, 2, 358318)
    assert health._utc("2026-12-02T14:24:02Z") == datetime(2026, 12, 2, 14, 24, 2)
    assert health._utc(None) is None
