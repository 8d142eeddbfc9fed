"""`python -m lab up|down|status|bench` from the repository root."""

from __future__ import annotations

import sys

USAGE = """usage: python -m lab COMMAND

  up       install the services' venv if missing, start and seed the lab (idempotent)
  down     stop exactly the processes `up` started
  status   each service's endpoint, pid and health
  bench    cold start (wiped state), venv install time and memory (PSS)"""


def main(argv: list[str]) -> int:
    if len(argv) != 1 or argv[0] not in {"up", "down", "status", "bench"}:
        print(USAGE, file=sys.stderr)
        return 2
    from lab.core import Lab, LabError
    from lab.install import InstallError
    from lab.status import main_status

    command = argv[0]
    try:
        if command == "up":
            Lab().up()
        elif command == "down":
            Lab().down()
        elif command == "status":
            return main_status()
        else:
            from lab.bench import main as bench

            return bench()
    except (LabError, InstallError) as exc:
        print(f"lab: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
