"""Make nbgrader's sqlite gradebook safe with several grading processes.

nbgrader's FAQ calls sqlite unsafe with several writers. The failure is a
deadlock: two transactions both read, then both try to write, and sqlite
answers one of them "database is locked" at once, without waiting. Here every
transaction on a sqlite database starts with `BEGIN IMMEDIATE`, which takes the
write lock up front: transactions are serialized, and a process that finds the
lock taken waits for it (up to `BUSY_TIMEOUT_S`) instead of failing. nbgrader
keeps its gradebook transactions short (none spans a kernel run), so the wait is
short too.
"""

from sqlalchemy import event
from sqlalchemy.engine import Engine

BUSY_TIMEOUT_S = 300


def _is_sqlite(dbapi_connection) -> bool:
    return type(dbapi_connection).__module__.startswith("sqlite3")


def _on_connect(dbapi_connection, _record) -> None:
    if _is_sqlite(dbapi_connection):
        dbapi_connection.isolation_level = None  # SQLAlchemy, not the driver, begins transactions
        dbapi_connection.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_S * 1000}")


def _on_begin(connection) -> None:
    if connection.dialect.name == "sqlite":
        connection.exec_driver_sql("BEGIN IMMEDIATE")


def serialize_sqlite_transactions() -> None:
    """Install the two listeners on every SQLAlchemy engine of this process (idempotent)."""
    if not event.contains(Engine, "connect", _on_connect):
        event.listen(Engine, "connect", _on_connect)
        event.listen(Engine, "begin", _on_begin)
