"""Prepare what the test suite needs: `python -m tools.prepare [docker] [browser] [lab]`.

On a fresh Debian/Ubuntu machine as root it installs missing apt packages, starts dockerd
when no engine answers, and builds the offline images; anywhere else it stops with one line
naming what to install. CLOUDNOTES_REAL_IMAGES=1 skips the offline images (GitHub runners
pull the real ones).
"""

from __future__ import annotations

import os
import sys

from tools.system import SetupError, ensure_packages

ALL = ("docker", "browser", "lab")


def main(argv: list[str]) -> int:
    groups = argv or list(ALL)
    unknown = set(groups) - set(ALL)
    if unknown:
        print(f"prepare: unknown part(s) {sorted(unknown)}; choose from {ALL}", file=sys.stderr)
        return 2
    try:
        ensure_packages(groups)
        if "lab" in groups:
            from tools.system import ensure_qemu_user

            ensure_qemu_user()
        if "docker" in groups:
            from tools.engine import ensure_engine
            from tools.images import ensure_images

            ensure_engine()
            if os.environ.get("CLOUDNOTES_REAL_IMAGES") != "1":
                ensure_images()
    except SetupError as exc:
        print(f"prepare: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
