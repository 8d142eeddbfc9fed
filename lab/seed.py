"""What DevStack creates, recreated for the lab (find-or-create, so a warm `up` is a no-op).

Identity goes straight into Keystone's database (lab/scripts/keystone_seed.py, fed by
`keystone_spec`): projects service/demo/alt_demo, roles admin/member/reader/service and
Swift's ResellerAdmin, users demo/alt_demo and one user per service, the catalog in RegionOne.
The rest goes through the APIs with openstacksdk: flavors, the lab's bootable guest image (a
Debian kernel and a busybox initramfs, see lab/guest_image.py), the default security-group rule
templates, the `public` external network, and the demo project's `private` network with
`router1`.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from pathlib import Path

from lab.config import SERVICE_USERS
from lab.guest_image import IMAGE_NAME as GUEST_IMAGE_NAME
from lab.guest_image import Guest
from lab.layout import REGION, url

# The bootable guest (lab/guest_image.py): an `ami` disk whose `kernel_id`/`ramdisk_id` name an
# `aki` kernel and an `ari` initramfs, as Glance has stored Amazon-style images since Bexar.
IMAGE_NAME = GUEST_IMAGE_NAME
IMAGE_NOTE = ("cloudnotes lab: a Debian kernel and a busybox initramfs that print the guest's "
              "view of itself on the serial console (built offline from Debian packages)")
GUEST_COMMAND_LINE = "console=ttyS0 quiet"
GUEST_KEY_PROPERTY = "cloudnotes_guest_build"

# service name -> (type, url); Cinder is listed under both of DevStack's types.
CATALOG = {
    "glance": [("image", url("glance"))],
    "nova": [("compute", url("nova", "/v2.1"))],
    "neutron": [("network", url("neutron"))],
    "placement": [("placement", url("placement"))],
    "cinder": [("block-storage", url("cinder", "/v3")),
               ("volumev3", url("cinder", "/v3"))],
    "swift": [("object-store", url("swift", "/v1/AUTH_%(project_id)s"))],
}
SERVICE_NAMES = {("cinder", "volumev3"): "cinderv3"}

# DevStack's flavors (lib/nova) and the two tempest adds (m1.nano, m1.micro):
# name -> (id, ram MiB, disk GiB, vcpus)
FLAVORS = {
    "m1.tiny": ("1", 512, 1, 1),
    "m1.small": ("2", 2048, 20, 1),
    "m1.medium": ("3", 4096, 40, 2),
    "m1.large": ("4", 8192, 80, 4),
    "m1.xlarge": ("5", 16384, 160, 8),
    "cirros256": ("c1", 256, 1, 1),
    "ds512M": ("d1", 512, 5, 1),
    "ds1G": ("d2", 1024, 10, 1),
    "ds2G": ("d3", 2048, 10, 2),
    "ds4G": ("d4", 4096, 20, 4),
    "m1.nano": ("42", 192, 1, 1),
    "m1.micro": ("84", 256, 1, 1),
}

PUBLIC_CIDR, PUBLIC_GATEWAY = "172.24.4.0/24", "172.24.4.1"
PRIVATE_CIDR, PRIVATE_GATEWAY = "10.0.0.0/26", "10.0.0.1"

# Neutron's own seed (a migration we cannot run on SQLite): rules every new group gets.
SG_RULE_TEMPLATES = [
    {"direction": "egress", "ethertype": "IPv4", "used_in_default_sg": True,
     "used_in_non_default_sg": True, "description": "Legacy default SG rule for egress traffic"},
    {"direction": "egress", "ethertype": "IPv6", "used_in_default_sg": True,
     "used_in_non_default_sg": True, "description": "Legacy default SG rule for egress traffic"},
    {"direction": "ingress", "ethertype": "IPv4", "remote_group_id": "PARENT",
     "used_in_default_sg": True, "used_in_non_default_sg": False,
     "description": "Legacy default SG rule for ingress traffic"},
    {"direction": "ingress", "ethertype": "IPv6", "remote_group_id": "PARENT",
     "used_in_default_sg": True, "used_in_non_default_sg": False,
     "description": "Legacy default SG rule for ingress traffic"},
]


TRANSIENT_STATUS = (502, 503, 504)


def retry_transient(call: Callable[[], None], *, timeout: float = 120,
                    pause: float = 2.0, clock: Callable[[], float] = time.monotonic,
                    sleep: Callable[[float], None] = time.sleep) -> None:
    """Run an (idempotent) seed step, again while an API answers 502/503/504.

    At a cold start on a busy machine an API can be up before its keystonemiddleware can
    validate tokens: it answers 503 "The Keystone service is temporarily unavailable" for a
    few seconds. Every seed step only creates what is missing, so repeating it is safe.
    """
    from openstack.exceptions import HttpException

    deadline = clock() + timeout
    while True:
        try:
            call()
            return
        except HttpException as exc:
            if exc.status_code not in TRANSIENT_STATUS or clock() >= deadline:
                raise
        sleep(pause)


API_TIMEOUT = 60  # seconds any one request of the lab's own clients may take


def admin_connection(password: str):
    import openstack

    return openstack.connect(
        auth_url=url("keystone", "/v3"), username="admin", password=password,
        project_name="admin", user_domain_id="default", project_domain_id="default",
        region_name=REGION, identity_api_version="3", load_envvars=False,
        load_yaml_config=False, connect_retries=5, api_timeout=API_TIMEOUT)


def keystone_spec(sec: Mapping[str, str]) -> dict:
    """What lab/scripts/keystone_seed.py creates (passwords included: written under .lab/)."""
    catalog = []
    for name, entries in CATALOG.items():
        for kind, target in entries:
            catalog.append({"name": SERVICE_NAMES.get((name, kind), name), "type": kind,
                            "url": target, "description": f"lab {name}"})
    return {
        "region": REGION,
        "identity_url": url("keystone", "/v3"),
        "passwords": {k: sec[k] for k in ("admin", "demo", "alt_demo", *SERVICE_USERS)},
        "service_users": list(SERVICE_USERS),
        "catalog": catalog,
    }


def flavors(conn) -> None:
    have = {f.name for f in conn.compute.flavors(is_public=None)}
    for name, (fid, ram, disk, vcpus) in FLAVORS.items():
        if name not in have:
            conn.compute.create_flavor(name=name, id=fid, ram=ram, disk=disk, vcpus=vcpus)


def image(conn, guest: Guest, scratch: Path) -> None:
    """Upload the guest's kernel, initramfs and disk (replacing an older build of them)."""
    current = conn.image.find_image(IMAGE_NAME)
    if current is not None and current.properties.get(GUEST_KEY_PROPERTY) == guest.key:
        return
    for name in (IMAGE_NAME, f"{IMAGE_NAME}-kernel", f"{IMAGE_NAME}-initramfs"):
        for old in list(conn.image.images(name=name)):
            conn.image.delete_image(old)
    common = {"visibility": "public", "wait": True, "timeout": 120, "allow_duplicates": False,
              GUEST_KEY_PROPERTY: guest.key, "cloudnotes_lab": IMAGE_NOTE,
              "kernel_release": guest.kernel_release}
    kernel = conn.image.create_image(
        f"{IMAGE_NAME}-kernel", filename=str(guest.kernel), disk_format="aki",
        container_format="aki", **common)
    ramdisk = conn.image.create_image(
        f"{IMAGE_NAME}-initramfs", filename=str(guest.initramfs), disk_format="ari",
        container_format="ari", **common)
    disk = scratch / "guest-disk.img"
    with disk.open("wb") as handle:  # the guest never leaves its initramfs: an empty 1 MiB disk
        handle.truncate(1024 * 1024)
    conn.image.create_image(
        IMAGE_NAME, filename=str(disk), disk_format="ami", container_format="ami",
        kernel_id=kernel.id, ramdisk_id=ramdisk.id, os_command_line=GUEST_COMMAND_LINE,
        os_type="linux", hw_cdrom_bus="scsi", hw_scsi_model="virtio-scsi", **common)
    disk.unlink()


def network(conn) -> None:
    """Default rule templates, `public` (external), demo's `private` and `router1`."""
    net = conn.network
    if not list(net.default_security_group_rules()):
        for rule in SG_RULE_TEMPLATES:
            net.create_default_security_group_rule(**rule)
    admin_project = conn.identity.find_project("admin", domain_id="default")
    demo = conn.identity.find_project("demo", domain_id="default")
    public = net.find_network("public") or net.create_network(
        name="public", is_router_external=True, provider_network_type="flat",
        provider_physical_network="public", project_id=admin_project.id)
    if not net.find_subnet("public-subnet"):
        net.create_subnet(network_id=public.id, name="public-subnet", ip_version=4,
                          cidr=PUBLIC_CIDR, gateway_ip=PUBLIC_GATEWAY, is_dhcp_enabled=False,
                          allocation_pools=[{"start": "172.24.4.2", "end": "172.24.4.254"}],
                          project_id=admin_project.id)
    private = net.find_network("private", project_id=demo.id) or net.create_network(
        name="private", project_id=demo.id)
    subnet = net.find_subnet("private-subnet", project_id=demo.id) or net.create_subnet(
        network_id=private.id, name="private-subnet", ip_version=4, cidr=PRIVATE_CIDR,
        gateway_ip=PRIVATE_GATEWAY, project_id=demo.id)
    router = net.find_router("router1", project_id=demo.id)
    if router is None:
        router = net.create_router(name="router1", project_id=demo.id,
                                   external_gateway_info={"network_id": public.id})
        net.add_interface_to_router(router, subnet_id=subnet.id)
