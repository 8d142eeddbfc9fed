"""Port-binding decisions of the lab's ML2 mechanism driver, free of Neutron imports.

A real mechanism driver (Open vSwitch, OVN, ...) binds a port only when an agent on the
port's host can wire it up. The lab has no agents, so it binds every port on the first segment
of a network type it knows as a plain tap device, which Nova's libvirt driver creates and hands
to the guest itself, and reports the port ACTIVE at once. No bridge or router is behind it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

# Neutron's names, repeated here so this module imports nothing from Neutron.
# A tap device that nova-compute's libvirt driver creates and plugs itself (no agent, no bridge):
# the guest gets a real virtio NIC with the port's MAC address; its packets go nowhere.
VIF_TYPE_TAP = "tap"
PORT_STATUS_ACTIVE = "ACTIVE"
NETWORK_TYPE_KEY = "network_type"
SEGMENT_ID_KEY = "id"

# Network types the lab's ml2_conf.ini enables (and `local`, kept for hand-made setups).
BINDABLE_TYPES = frozenset({"flat", "vlan", "vxlan", "geneve", "gre", "local"})

# Every vNIC type Nova may ask for: without agents there is no hardware to refuse.
SUPPORTED_VNIC_TYPES = ("normal", "direct", "macvtap", "baremetal", "direct-physical",
                        "virtio-forwarder", "smart-nic", "vdpa", "accelerator-direct",
                        "accelerator-direct-physical", "remote-managed")


def choose_segment(segments: Iterable[Mapping[str, Any]]) -> Mapping[str, Any] | None:
    """Return the first segment the lab can bind, or None when none is of a known type."""
    for segment in segments:
        if segment.get(NETWORK_TYPE_KEY) in BINDABLE_TYPES and segment.get(SEGMENT_ID_KEY):
            return segment
    return None


def vif_details(segment: Mapping[str, Any]) -> dict[str, Any]:
    """The binding details Nova receives: no port filtering, plain L2, a lab marker."""
    return {
        "port_filter": False,
        "connectivity": "l2",
        "bound_by": "cloudnotes-lab",
        "network_type": segment.get(NETWORK_TYPE_KEY),
    }
