"""Schema migrations (Alembic): bring any carbon database to the current schema.

Revisions live in carbon/migrations/versions/, one per schema change, each
keeping every stored figure unchanged (tests/test_migrations.py). A database
created by a newer carbon (an unknown revision) is refused, never guessed at.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import inspect
from sqlalchemy.engine import Connection

from carbon.errors import StoreError

MIGRATIONS = Path(__file__).resolve().parent.parent / "migrations"


def _config(conn: Connection | None = None) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    if conn is not None:
        cfg.attributes["connection"] = conn
    return cfg


@lru_cache(maxsize=1)
def head() -> str:
    """The newest revision this carbon knows."""
    return ScriptDirectory.from_config(_config()).get_current_head()


def current(conn: Connection) -> str | None:
    """The database's revision (None for an empty database)."""
    return MigrationContext.configure(conn).get_current_revision()


def upgrade(conn: Connection, target: str = "head") -> None:
    """Upgrade the database on `conn` to `target` (in the caller's transaction)."""
    rev = current(conn)
    script = ScriptDirectory.from_config(_config())
    if rev is None and inspect(conn).has_table("teams"):
        raise StoreError("the database has carbon-like tables but no schema revision: not a carbon database?")
    if rev is not None:
        try:
            script.get_revision(rev)
        except Exception:
            raise StoreError(f"the database is at schema revision {rev!r}, newer than this carbon "
                             f"(newest known: {head()}): upgrade carbon") from None
    if rev != script.get_current_head() or target != "head":
        command.upgrade(_config(conn), target)
