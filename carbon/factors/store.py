"""The compiled factor table kept in the database, so a command does not rebuild it.

- `factor_table_cache`: the built table (shipped factors overridden by the user's, plus the
  derived ones, and the region hierarchy) as JSON text, under the fingerprint of everything it
  was built from (carbon.factors.service.fingerprint). A row whose fingerprint is not today's is
  never read: it is replaced by the next build.
- beside it, under a key derived from the same fingerprint, pint's answers a command has needed
  (carbon/factors/conversions.py): kept while the table is, replaced with it.

It is a cache, not data: writing it counts no change (`data_changes`), and a write that cannot
happen at once (a read-only database, another writer holding the lock) is skipped, never waited
for and never an error of the command that built the table.
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import Column, DateTime, String, Table, Text, delete, insert, select
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import SQLAlchemyError

from carbon.store import BUSY_TIMEOUT_S, WRITE_OPTION
from carbon.store.schema import metadata

factor_table_cache = Table(
    "factor_table_cache",
    metadata,
    Column("fingerprint", String(64), primary_key=True),
    Column("built_at", DateTime(timezone=True), nullable=False),
    Column("body", Text, nullable=False),
)

# SQLite's busy timeout while the cache is written (ms): 0 gives up at once when another
# connection holds the write lock. The engine's own timeout is restored afterwards.
_NO_WAIT_MS = 0
# PostgreSQL: how long the cache write may wait for a row lock of a concurrent cache write.
_PG_LOCK_TIMEOUT = "100ms"


def read(conn: Connection, fingerprint: str) -> str | None:
    """The cached table's JSON text under `fingerprint`, or None."""
    return conn.execute(
        select(factor_table_cache.c.body).where(factor_table_cache.c.fingerprint == fingerprint)
    ).scalar_one_or_none()


def write(engine: Engine, fingerprint: str, body: str, keep: tuple[str, ...] = ()) -> bool:
    """Keep `body` under `fingerprint`, dropping every other row but those under `keep`, in a
    short transaction of its own. Returns False, having written nothing, when the database
    refuses or would make the write wait."""
    try:
        with engine.connect() as conn:
            sqlite = conn.dialect.name == "sqlite"
            raw = conn.connection.dbapi_connection  # a PRAGMA outside SQLAlchemy's transaction
            if sqlite:
                raw.execute(f"PRAGMA busy_timeout = {_NO_WAIT_MS}")
            conn.execution_options(**{WRITE_OPTION: True})  # SQLite: BEGIN IMMEDIATE
            try:
                with conn.begin():
                    if conn.dialect.name == "postgresql":
                        conn.exec_driver_sql(f"SET LOCAL lock_timeout = '{_PG_LOCK_TIMEOUT}'")
                    conn.execute(
                        delete(factor_table_cache).where(
                            factor_table_cache.c.fingerprint.not_in(keep)
                        )
                    )
                    conn.execute(
                        insert(factor_table_cache).values(
                            fingerprint=fingerprint, built_at=datetime.now(UTC), body=body
                        )
                    )
            finally:
                if sqlite:
                    raw.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_S * 1000}")
    except SQLAlchemyError:
        return False
    return True
