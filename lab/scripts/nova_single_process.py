"""Run nova-conductor or nova-scheduler as one process (lab only): `python nova_single_process.py
conductor|scheduler --config-file nova.conf`.

With one worker, oslo.service still forks it from a master process that holds a second copy of
Nova (~90 MiB of private memory each on a lab with two of them). nova-compute already runs
unforked (`no_fork=True`); this runs the conductor and the scheduler the same way.
"""

import functools
import sys

which = sys.argv.pop(1)
if which == "conductor":
    from nova.cmd import conductor as command
elif which == "scheduler":
    from nova.cmd import scheduler as command
else:
    sys.exit(f"nova_single_process.py: expected conductor or scheduler, not {which!r}")

command.service.serve = functools.partial(command.service.serve, no_fork=True)
sys.argv[0] = f"nova-{which}"
sys.exit(command.main())
