"""Build Swift's account, container and object rings: one device, one replica, part power 8.

Run with the lab venv's Python: `python swift_rings.py <swift etc dir> <devices dir>
<account port> <container port> <object port>`. One process instead of nine
`swift-ring-builder` calls.
"""

import sys
from pathlib import Path

from swift.common.ring import RingBuilder

PART_POWER, REPLICAS, MIN_PART_HOURS = 8, 1, 1
DEVICE = "sdb1"


def build(etc: Path, kind: str, port: int) -> None:
    builder = RingBuilder(PART_POWER, REPLICAS, MIN_PART_HOURS)
    builder.add_dev({"id": 0, "region": 1, "zone": 1, "ip": "127.0.0.1", "port": port,
                     "device": DEVICE, "weight": 1.0, "meta": "cloudnotes-lab"})
    builder.rebalance()
    builder.save(str(etc / f"{kind}.builder"))
    builder.get_ring().save(str(etc / f"{kind}.ring.gz"))


def main() -> int:
    etc, devices = Path(sys.argv[1]), Path(sys.argv[2])
    ports = dict(zip(("account", "container", "object"), map(int, sys.argv[3:6]), strict=True))
    (devices / DEVICE).mkdir(parents=True, exist_ok=True)
    for kind, port in ports.items():
        build(etc, kind, port)
    return 0


if __name__ == "__main__":
    sys.exit(main())
