"""Let oslo.db retry SQLite's "database is locked" like a MySQL deadlock (lab only).

The services were written for MySQL: where two transactions collide, MySQL reports a deadlock,
oslo.db raises DBDeadlock, and the write paths decorated with
`wrap_db_retry(retry_on_deadlock=True)` (instance updates in Nova, allocations in Placement,
...) simply try again. SQLite reports the same collision as "database is locked" (a
transaction that read and then wants to write cannot upgrade while another process writes),
which oslo.db passes on as a plain OperationalError: under load Nova builds then failed
with "Exhausted all hosts". This module adds the missing translation to oslo.db's exception
filters, so those paths retry instead.

(Starting every transaction with BEGIN IMMEDIATE was tried first and dropped: a request that
opens a second, read-only transaction while holding a write one then waits on itself.)

Active where CLOUDNOTES_LAB_SQLITE=retry (the lab sets it for its services); loaded at
interpreter start by `cloudnotes_lab.pth`.
"""

from __future__ import annotations

import os

ENV = "CLOUDNOTES_LAB_SQLITE"
LOCKED = r".*database is locked.*"


def install() -> None:
    from oslo_db import exception
    from oslo_db.sqlalchemy import exc_filters
    from sqlalchemy import exc as sqla_exc

    @exc_filters.filters("sqlite", sqla_exc.OperationalError, LOCKED)
    def _locked_is_a_deadlock(error, match, engine_name, is_disconnect):
        raise exception.DBDeadlock(error)


if os.environ.get(ENV) == "retry":
    install()
