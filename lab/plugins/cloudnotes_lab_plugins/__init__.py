"""Drivers for the Cloud Notes OpenStack lab.

`binding` holds the pure decisions (which segment to bind, with what details) so they can be
unit-tested without Neutron; `ml2` wraps them in a Neutron ML2 mechanism driver; `cinder_driver`
is Cinder's fake volume driver minus the parts that need a block device or sudo.
"""
