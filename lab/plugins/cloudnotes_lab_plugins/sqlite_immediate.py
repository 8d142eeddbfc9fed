"""Start every SQLite transaction of the lab's services with BEGIN IMMEDIATE.

oslo.db runs SQLite transactions as plain (deferred) BEGIN: a transaction that has read and
then wants to write fails at once with "database is locked" when another process wrote in
between, because SQLite cannot let it upgrade. Nova's API, conductor, scheduler and compute
all write the same cell database, so under load server builds failed that way. Taking the
write lock when the transaction begins makes writers queue instead (for up to
BUSY_TIMEOUT_MS), which is what a single-file database can offer.

Active only where CLOUDNOTES_LAB_SQLITE=immediate: the lab sets it for the services that run
on native threads (Keystone, Placement, Nova), never for eventlet ones (Cinder, Neutron,
Glance), where a blocking wait would stall the whole process, lock holder included. Loaded at
interpreter start by `cloudnotes_lab.pth`.
"""

from __future__ import annotations

import os

BUSY_TIMEOUT_MS = 20000
ENV = "CLOUDNOTES_LAB_SQLITE"


def install() -> None:
    import sqlite3

    from sqlalchemy import event
    from sqlalchemy.engine import Engine
    from sqlalchemy.pool import Pool

    def on_connect(dbapi_connection, _record) -> None:
        if isinstance(dbapi_connection, sqlite3.Connection):
            dbapi_connection.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")

    def on_begin(conn) -> None:
        if conn.dialect.name != "sqlite" or "in_transaction" in conn.info:
            return
        raw = conn.connection.dbapi_connection
        if getattr(raw, "isolation_level", "") is not None:
            return  # not an oslo.db engine: pysqlite emits its own BEGIN
        conn.exec_driver_sql("BEGIN IMMEDIATE")
        conn.info["in_transaction"] = True  # oslo.db's own listener then skips its BEGIN

    event.listen(Pool, "connect", on_connect)
    event.listen(Engine, "begin", on_begin, insert=True)


if os.environ.get(ENV) == "immediate":
    install()
