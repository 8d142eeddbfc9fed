"""Create Neutron's schema on SQLite from its models (the alembic migrations need ALTER
TABLE on constraints, which SQLite lacks). `up` then runs `neutron-db-manage stamp heads`.

Run with the lab venv's Python: `python neutron_schema.py <sqlalchemy url>`.
"""

import sys
import warnings

warnings.simplefilter("ignore")

import sqlalchemy  # noqa: E402
from neutron.db.migration.models import head  # noqa: E402


def main() -> int:
    engine = sqlalchemy.create_engine(sys.argv[1])
    head.get_metadata().create_all(engine)
    with engine.connect() as conn:
        tables = len(sqlalchemy.inspect(conn).get_table_names())
    print(f"neutron schema: {tables} tables")
    return 0


if __name__ == "__main__":
    sys.exit(main())
