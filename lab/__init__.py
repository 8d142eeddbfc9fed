"""The local all-in-one OpenStack lab: real Keystone, Glance, Swift, Placement, Nova (libvirt
driver, QEMU guests), Neutron (ML2 without agents) and Cinder (file-backed volumes) on 127.0.0.1.

The API other code uses (see lab/README.md)::

    import lab
    if not lab.is_running():
        lab.up()            # raises lab.LabError naming the failed service
    env = lab.cloud_env()   # OS_CLIENT_CONFIG_FILE=.lab/clouds.yaml, OS_CLOUD=devstack
    lab.down()              # stops only the processes `up` recorded

Command line: `python -m lab up|down|status|bench`.
"""

from __future__ import annotations

from pathlib import Path

from lab.layout import default_layout

CLOUDS_YAML: Path = default_layout().clouds_yaml
CLOUDS = (
    "devstack", "devstack-admin", "devstack-alt-demo", "devstack-alt", "devstack-system-admin",
)


def __getattr__(name: str):
    if name == "LabError":
        from lab.core import LabError

        return LabError
    raise AttributeError(name)


def is_running() -> bool:
    """True when every lab process recorded by `up` is alive and the cloud was seeded."""
    from lab.core import Lab

    return Lab().is_running()


def up() -> None:
    """Start the lab (or report the running one). Raises LabError, having stopped the rest."""
    from lab.core import Lab

    Lab().up()


def down() -> None:
    """Stop exactly the processes `up` started."""
    from lab.core import Lab

    Lab().down()


def clouds_yaml() -> Path:
    return CLOUDS_YAML


def cloud_env(cloud: str = "devstack") -> dict[str, str]:
    """Environment variables that point openstacksdk and the CLI at the lab."""
    if cloud not in CLOUDS:
        raise ValueError(f"unknown cloud {cloud!r}; the lab has {CLOUDS}")
    return {"OS_CLIENT_CONFIG_FILE": str(CLOUDS_YAML), "OS_CLOUD": cloud}
