"""Schema migrations (Alembic): bring any carbon database to the current schema.

Revisions live in carbon/migrations/versions/, one per schema change, each
keeping every stored figure unchanged (tests/test_migrations.py). A database
created by a newer carbon (an unknown revision) is refused, never guessed at.
"""

from __future__ import annotations

import ast
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import inspect, text
from sqlalchemy.engine import Connection

from carbon.errors import StoreError

if TYPE_CHECKING:
    from alembic.config import Config

MIGRATIONS = Path(__file__).resolve().parent.parent / "migrations"

# Alembic is imported only when a database needs a migration: opening a database already at the
# head costs one SQL query (`current`) and a read of the revision files' ids (`head`).


def _config(conn: Connection | None = None) -> Config:
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    if conn is not None:
        cfg.attributes["connection"] = conn
    return cfg


def _assigned(tree: ast.Module, name: str) -> str | None:
    for node in tree.body:
        if (
            isinstance(node, ast.Assign)
            and len(node.targets) == 1
            and isinstance(node.targets[0], ast.Name)
            and node.targets[0].id == name
            and isinstance(node.value, ast.Constant)
        ):
            return node.value.value
    return None


def _header(text: str) -> ast.Module:
    """A revision file's statements before its first function, where Alembic's identifiers are
    assigned (parsing only them is most of the cost of opening a database); the whole file when
    that cut is not valid Python on its own."""
    cut = text.find("\ndef ")
    try:
        return ast.parse(text if cut < 0 else text[:cut])
    except SyntaxError:
        return ast.parse(text)


@lru_cache(maxsize=1)
def head() -> str:
    """The newest revision this carbon knows: the one no revision file names as its
    `down_revision` (read from the files' assignments, without importing Alembic)."""
    revisions, parents = set(), set()
    for path in (MIGRATIONS / "versions").glob("*.py"):
        tree = _header(path.read_text(encoding="utf-8"))
        rev = _assigned(tree, "revision")
        if rev is None:
            continue
        revisions.add(rev)
        down = _assigned(tree, "down_revision")
        if down is not None:
            parents.add(down)
    heads = revisions - parents
    if len(heads) != 1:  # a branched history: let Alembic say what is wrong
        from alembic.script import ScriptDirectory

        return ScriptDirectory.from_config(_config()).get_current_head()
    return heads.pop()


def current(conn: Connection) -> str | None:
    """The database's revision (None for an empty database): one query of alembic_version."""
    if not inspect(conn).has_table("alembic_version"):
        return None
    rows = conn.execute(text("SELECT version_num FROM alembic_version")).scalars().all()
    if len(rows) > 1:  # several heads: Alembic's own answer (it refuses them)
        from alembic.runtime.migration import MigrationContext

        return MigrationContext.configure(conn).get_current_revision()
    return rows[0] if rows else None


def upgrade(conn: Connection, target: str = "head") -> None:
    """Upgrade the database on `conn` to `target` (in the caller's transaction)."""
    from alembic import command
    from alembic.script import ScriptDirectory

    rev = current(conn)
    script = ScriptDirectory.from_config(_config())
    if rev is None and inspect(conn).has_table("teams"):
        raise StoreError(
            "the database has carbon-like tables but no schema revision: not a carbon database?"
        )
    if rev is not None:
        try:
            script.get_revision(rev)
        except Exception:
            raise StoreError(
                f"the database is at schema revision {rev!r}, newer than this carbon "
                f"(newest known: {head()}): upgrade carbon"
            ) from None
    if rev != script.get_current_head() or target != "head":
        command.upgrade(_config(conn), target)
