"""Nova's database setup in one process instead of four `nova-manage` runs.

Equivalent to `nova-manage api_db sync`, `cell_v2 map_cell0 --database_connection CELL0`,
`cell_v2 create_cell --name cell1` and `db sync`. Run with the lab venv's Python:
`python nova_cells.py <nova.conf> <cell0 sqlalchemy url>`.
"""

import sys
import warnings

warnings.simplefilter("ignore")

from nova import config, objects  # noqa: E402
from nova.cmd import manage  # noqa: E402
from oslo_log import log as logging  # noqa: E402


def main() -> int:
    conf, cell0 = sys.argv[1], sys.argv[2]
    manage.CONF.register_cli_opts([manage.category_opt, manage.post_mortem_opt])
    config.parse_args(["nova-manage", "--config-file", conf, "db", "sync"])
    logging.setup(manage.CONF, "nova")
    objects.register_all()
    cells = manage.CellV2Commands()
    steps = [
        ("api_db sync", manage.ApiDbCommands().sync),
        ("cell_v2 map_cell0", lambda: cells.map_cell0(database_connection=cell0)),
        ("cell_v2 create_cell", lambda: cells.create_cell(name="cell1")),
        ("db sync", manage.DbCommands().sync),
    ]
    for name, step in steps:
        result = step()
        if result not in (None, 0):
            print(f"nova-manage {name} failed with {result}", file=sys.stderr)
            return 1
        print(f"nova-manage {name}: ok", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
