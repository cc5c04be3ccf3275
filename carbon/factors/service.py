"""The factor table a command uses: built once, then read back from the database.

Building the table (reading factors/*.csv with pandas, checking every unit with pint, deriving
the cloud and streaming factors) costs a few tenths of a second and the imports of pandas and
pint; every command that resolves a factor needs it. The built table is kept in the database
(carbon/factors/store.py) under the fingerprint of all it was built from:

- the shipped files it reads: every factors/*.csv (factor tables, coefficients, the region
  hierarchy), by name and content;
- the user's imported factors (`carbon factors import`), every field of every row, in order;
- the code that builds it: the modules named in BUILDERS and pint's unit definitions.

A change to any of them gives another fingerprint, so the kept table is never read again and
the next command rebuilds it: a kept table is never stale. The fingerprint is read from the
files themselves (about 0.5 MB hashed, a few milliseconds); no date or counter is trusted.

Keeping the table is best effort: a database that cannot be written to at once (read only,
another writer holding its lock, in memory) keeps nothing and the command goes on.
"""

from __future__ import annotations

import hashlib
from importlib.util import find_spec
from pathlib import Path

from carbon.core.resources import shipped_dir
from carbon.factors import store as kept
from carbon.factors import tables
from carbon.factors.conversions import Conversions
from carbon.model import Factor
from carbon.store import WRITE_OPTION, Store, after_commit

_PACKAGE = Path(__file__).resolve().parent.parent  # carbon/
# The modules whose code decides the built table's rows (reading, checking, deriving, the
# record's fields, the cached form): a change to one of them is a change of the table.
BUILDERS = (
    "factors/tables.py",
    "factors/derived.py",
    "factors/swd.py",
    "factors/regions.py",
    "factors/service.py",
    "factors/conversions.py",
    "prices/rules.py",
    "prices/records.py",
    "core/money.py",
    "core/units.py",
    "core/units.txt",
    "core/limits.py",
    "core/resources.py",
    "ingest/csvfile.py",
    "model.py",
)
# pint's definition files carbon/core/units.py loads: a pint upgrade may change a conversion.
PINT_FILES = ("__init__.py", "default_en.txt", "constants_en.txt")

# The table of the fingerprint last seen in this process (`carbon serve` asks many times).
_last: dict[str, tables.FactorTable] = {}


def fingerprint(user: list[Factor]) -> str | None:
    """The SHA-256 (hex) of what the table is built from (see the module docstring), given the
    user's imported factors; None when a file cannot be read (then nothing is kept)."""
    h = hashlib.sha256(b"carbon factor table 1\0")
    try:
        for path in sorted(shipped_dir("factors").glob("*.csv")):
            _add(h, "shipped/" + path.name, path.read_bytes())
        for name in BUILDERS:
            _add(h, "code/" + name, (_PACKAGE / name).read_bytes())
        spec = find_spec("pint")
        if spec is None or spec.origin is None:
            return None
        pint_dir = Path(spec.origin).parent
        for name in PINT_FILES:
            _add(h, "pint/" + name, (pint_dir / name).read_bytes())
    except OSError:
        return None
    for f in user:
        _add(h, "user", repr([getattr(f, n) for n in tables.FACTOR_FIELDS]).encode())
    return h.hexdigest()


def _add(h, label: str, data: bytes) -> None:
    """One named part of the fingerprint: its label and length first, so no two different
    sequences of parts hash the same bytes."""
    h.update(f"{label}\0{len(data)}\0".encode())
    h.update(data)


def factor_table(store: Store, conn=None, prefer: tuple[str, ...] = ()) -> tables.FactorTable:
    """Shipped factors overridden by the user's imported ones, plus derived factors; choosing by
    `prefer` (--prefer-source) within a series. Read on `conn` when given (an import's
    transaction sees the factors it is importing), else on a connection of its own.

    The table kept in the database is used when its fingerprint is today's; otherwise the table
    is built and kept for the next command. Built inside a write (an import's transaction, which
    may yet be refused), it is kept once that transaction has committed: a refused import leaves
    the database exactly as it was, its cache included."""
    if conn is None:
        with store.engine.connect() as c:
            table = _table(store, c)[1]
    else:
        table = _table(store, conn)[1]
    return table.preferring(prefer) if prefer else table


# What else is computed from the same files and code, kept beside the table under keys derived
# from its fingerprint (so dropped with it): pint's answers a what-if asked
# (carbon/factors/conversions.py) and the shipped carbon prices, parsed (carbon/prices/service.py).
BESIDE = ("unit answers", "shipped prices")


def beside_key(name: str, table_fingerprint: str) -> str:
    """Where `name` (one of BESIDE) is kept beside the table of `table_fingerprint`."""
    return hashlib.sha256(f"carbon {name} 1\0{table_fingerprint}".encode()).hexdigest()


def read_beside(store: Store, conn, name: str) -> tuple[str | None, str | None]:
    """Today's fingerprint and what is kept as `name` beside its table (None: nothing kept,
    or no fingerprint, when a file cannot be read)."""
    key = fingerprint(store.user_factors(conn))
    return key, (None if key is None else kept.read(conn, beside_key(name, key)))


def keep_beside(store: Store, name: str, table_fingerprint: str | None, body: str) -> None:
    """Keep `body` as `name` beside the table of `table_fingerprint`; best effort, like the
    table itself (nothing for a database in memory). Call it outside any write transaction."""
    if table_fingerprint is None or store.in_memory:
        return
    others = tuple(beside_key(n, table_fingerprint) for n in BESIDE if n != name)
    kept.write(
        store.engine,
        beside_key(name, table_fingerprint),
        body,
        keep=(table_fingerprint, *others),
    )


def with_unit_answers(store: Store, conn) -> tuple[tables.FactorTable, Conversions]:
    """The factor table (as `factor_table`) and pint's answers kept beside it (`unit_answers`)."""
    key, table = _table(store, conn)
    body = None if key is None else kept.read(conn, beside_key("unit answers", key))
    return table, _answers(key, body)


def unit_answers(store: Store, conn) -> Conversions:
    """pint's answers kept beside today's factor table (none kept: an empty set, filled as
    questions are asked; `keep_unit_answers` keeps them)."""
    return _answers(*read_beside(store, conn, "unit answers"))


def _answers(key: str | None, body: str | None) -> Conversions:
    if body is not None:
        try:
            return Conversions.from_json(body, fingerprint=key)
        except ValueError:  # another layout: asked again and replaced
            pass
    return Conversions(fingerprint=key)


def keep_unit_answers(store: Store, answers: Conversions) -> None:
    """Keep `answers` beside their factor table when pint was asked something new."""
    if answers.added:
        keep_beside(store, "unit answers", answers.fingerprint, answers.to_json())


def _table(store: Store, conn) -> tuple[str | None, tables.FactorTable]:
    """Today's fingerprint and the table built from what it covers (kept, else built)."""
    user = store.user_factors(conn)
    key = fingerprint(user)
    table = _read_kept(conn, key)
    if table is None:
        table = tables.build_table(tables.merge(tables.load_shipped(), user))
        if key is not None:
            _last.clear()
            _last[key] = table
            if not store.in_memory:
                beside = tuple(beside_key(n, key) for n in BESIDE)

                def keep(key=key, table=table) -> None:
                    kept.write(store.engine, key, tables.table_json(table), keep=beside)

                if conn.get_execution_options().get(WRITE_OPTION):
                    after_commit(conn, keep)  # an import may yet be refused: kept if it is not
                else:
                    keep()
    return key, table


def _read_kept(conn, key: str | None) -> tables.FactorTable | None:
    """The table kept under `key` (in this process, else in the database), or None."""
    if key is None:
        return None
    if key in _last:
        return _last[key]
    body = kept.read(conn, key)
    if body is None:
        return None
    try:
        table = tables.table_from_json(body)
    except ValueError:  # written by another layout of the record: rebuilt and replaced
        return None
    _last.clear()
    _last[key] = table
    return table
