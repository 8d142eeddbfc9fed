"""An ML2 mechanism driver that binds every port without an agent (lab only).

Loaded by Neutron through the `neutron.ml2.mechanism_drivers` entry point
`cloudnotes_bind_all`. Nova waits for a bound port before a server goes ACTIVE, so without
this driver (and without agents) every boot would fail with "binding failed".
"""

from __future__ import annotations

from neutron_lib.api.definitions import portbindings
from neutron_lib.plugins.ml2 import api
from oslo_log import log

from cloudnotes_lab_plugins import binding

LOG = log.getLogger(__name__)


class BindEveryPortDriver(api.MechanismDriver):
    """Bind each port on its first known segment with vif_type 'tap', status ACTIVE."""

    def initialize(self) -> None:
        LOG.info("cloudnotes lab: binding every port without agents")

    @property
    def connectivity(self) -> str:
        return portbindings.CONNECTIVITY_L2

    def bind_port(self, context) -> None:
        vnic_type = context.current.get(portbindings.VNIC_TYPE, portbindings.VNIC_NORMAL)
        if vnic_type not in binding.SUPPORTED_VNIC_TYPES:
            LOG.debug("cloudnotes lab: not binding vnic_type %s", vnic_type)
            return
        segment = binding.choose_segment(context.segments_to_bind)
        if segment is None:
            LOG.warning("cloudnotes lab: no bindable segment for port %s", context.current["id"])
            return
        context.set_binding(segment[api.ID], binding.VIF_TYPE_TAP,
                            binding.vif_details(segment),
                            status=binding.PORT_STATUS_ACTIVE)
