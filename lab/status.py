"""`python -m lab status`: each process's endpoint, pid and health, and the lab's memory."""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING

from lab import health, horizon, inventory, libvirt, procs, seed
from lab.files import load_secrets
from lab.layout import Layout
from lab.plan import say
from lab.services import RPC_QUEUES, WORKERS

if TYPE_CHECKING:
    from lab.core import Lab


def status_rows(lab: Lab) -> list[tuple[str, str, str, str]]:
    """(name, endpoint, pid, state) of every process. A worker is healthy when its API reports
    it up and RabbitMQ counts a consumer on its RPC queue (it can be asked to do something)."""
    sec = load_secrets(lab.layout)
    admin = health.Admin(sec["admin"]) if sec else None
    views: dict[str, dict[str, str]] = {}
    if admin:
        for api, fetch in (("compute", admin.compute_services),
                           ("volume", admin.volume_services)):
            try:
                views[api] = fetch()
            except Exception:
                views[api] = {}
    consumers: dict[str, int] | None = None
    if sec and lab.pids.alive("rabbitmq"):
        try:
            consumers = health.rpc_consumers(lab.layout, sec["rabbit"], list(RPC_QUEUES.values()))
        except OSError:
            consumers = None
    rows = []
    for name, service in lab.services.items():
        record = lab.pids.get(name)
        alive = record is not None and procs.is_same_process(record, lab.pids.proc)
        pid = str(record.pid) if alive else "-"
        if not alive:
            state = "stopped"
        elif service.probe is not None:
            state = "healthy" if service.probe() else "NOT ANSWERING"
        else:
            api, binary = WORKERS[name]
            state = {"up": "healthy", "down": "DOWN (per API)"}.get(
                views.get(api, {}).get(binary), "unknown (API unreachable)")
            if state == "healthy" and consumers is None:
                state = "unknown (RabbitMQ does not answer)"
            elif state == "healthy" and not consumers.get(RPC_QUEUES[name]):
                state = "NOT CONNECTED (no consumer on its RPC queue)"
        rows.append((name, service.endpoint or f"({WORKERS[name][0]} service)", pid, state))
    return rows


def hypervisor_line(lab: Lab) -> str:
    """`QEMU 7.2.22 (TCG: software emulation) via libvirt 9.0.0, 2 guests running`."""
    import configparser

    nova = configparser.ConfigParser(interpolation=None)
    nova.read(lab.layout.etc / "nova" / "nova.conf")
    virt_type = nova.get("libvirt", "virt_type", fallback="qemu")
    kind = {"qemu": "TCG: software emulation", "kvm": "KVM"}.get(virt_type, virt_type)
    found = libvirt.versions()
    guests = len(inventory.domains(lab.layout)) if lab.pids.alive("libvirtd") else 0
    return (f"QEMU {found.get('QEMU', '?')} ({kind}) via libvirt {found.get('libvirt', '?')}, "
            f"{guests} guest{'s' if guests != 1 else ''} running")


def print_status(lab: Lab) -> bool:
    rows = status_rows(lab)
    width = max(len(r[1]) for r in rows)
    for name, endpoint, pid, state in rows:
        say(f"  {name:<17} {endpoint:<{width}}  pid {pid:>7}  {state}")
    healthy = all(r[3] == "healthy" for r in rows)
    total = sum(procs.pss_kib(p) for p in lab.all_pids()) / 1024
    if any(r[2] != "-" for r in rows):
        say(f"  memory: {total:.0f} MiB PSS over {len(lab.all_pids())} processes")
    say(f"  hypervisor: {hypervisor_line(lab)}")
    say(f"  image {seed.IMAGE_NAME}: {seed.IMAGE_NOTE.split(': ', 1)[1]}")
    say(f"  clouds.yaml: {lab.layout.clouds_yaml} (devstack, devstack-admin, "
        "devstack-alt-demo = devstack-alt, devstack-system-admin)")
    say(f"  dashboard: {horizon.URL} (users demo and admin; passwords in clouds.yaml)")
    return healthy


def main_status(layout: Layout | None = None) -> int:
    from lab.core import Lab

    lab = Lab(layout)
    if not lab.pids.records():
        say("lab: not running")
        return 3
    say("lab: status")
    return 0 if print_status(lab) else 1


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main_status())
