"""Destroy and undefine every domain of the lab's libvirtd; print the tap devices they used.

`lab down` runs this (with the lab venv's Python, which has the libvirt binding) after
nova-compute has stopped and before libvirtd does: libvirtd leaves running guests running when
it stops, and Nova creates its tap devices itself (libvirt does not remove them).

Run: `python libvirt_cleanup.py <libvirt connection URI>`; prints JSON
{"domains": [names], "taps": [devices]}.
"""

import json
import sys
import xml.etree.ElementTree as ElementTree

import libvirt


def main() -> int:
    libvirt.registerErrorHandler(lambda _ctx, _err: None, None)  # errors come as exceptions
    conn = libvirt.open(sys.argv[1])
    domains, taps = [], []
    for domain in conn.listAllDomains():
        tree = ElementTree.fromstring(domain.XMLDesc())
        taps += [t.get("dev") for t in tree.iterfind("devices/interface/target")
                 if t.get("dev", "").startswith("tap")]
        if domain.isActive():
            domain.destroy()
        if domain.isPersistent():
            domain.undefineFlags(libvirt.VIR_DOMAIN_UNDEFINE_NVRAM
                                 | libvirt.VIR_DOMAIN_UNDEFINE_MANAGED_SAVE)
        domains.append(domain.name())
    print(json.dumps({"domains": domains, "taps": taps}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
