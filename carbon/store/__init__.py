"""The database: engine, transactions, the core ledger's queries — with each feature's `store.py`
(carbon/budgets/store.py, …), the only code that speaks SQL.

SQLite file by default; PostgreSQL with the same code (SQLAlchemy Core).
The schema is versioned by Alembic revisions (carbon/migrations), applied on open.

- `schema.py`: the core ledger's tables (features add theirs to the same `metadata`).
- `migrate.py`: schema migrations (Alembic).
- `pgcopy.py`: PostgreSQL's binary COPY format, built with NumPy.
- `team_history.py`: teams renamed and retired.
- `duplicates.py`: queries of double counting across imports.
- `cloud_lines.py`: which import holds which cloud-bill usage line.
- `levers.py`: the ledger at the grain a what-if needs, from the monthly rollup (read only).
- `flights.py`, `pools.py`, `workdays.py`: the provenance tables of flights, shared-cost pools
  and the commuting calendar.
"""

from __future__ import annotations

import hashlib
import importlib
import os
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import MetaData, create_engine, delete, event, func, insert, select, update
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import ArgumentError, OperationalError, SQLAlchemyError

from carbon.core.lazy import lazy
from carbon.errors import NotFound, StoreError
from carbon.model import GASES, Batch, Factor, Team
from carbon.store import migrate
from carbon.store.schema import (
    ROLLUP_KEYS,  # noqa: F401
    batches,
    data_changes,
    factor_snapshots,
    id_watermarks,
    ledger,
    ledger_monthly,
    ledger_rows_of,
    metadata,
    teams,
    user_factors,  # noqa: F401
)
from carbon.store.schema import batch_of as _batch

pd = lazy("pandas")  # only imports write ledger rows; a report needs no pandas
np = lazy("numpy")

# Feature modules declare their tables on `metadata` when imported; a command imports only the
# ones it uses (opening a database needs none of them).
FEATURES = (
    "carbon.budgets.store",
    "carbon.factors.store",
    "carbon.store.cloud_lines",
    "carbon.donation.store",
    "carbon.store.duplicates",
    "carbon.scope2.store",
    "carbon.feeds.store",
    "carbon.store.flights",
    "carbon.closing.store",
    "carbon.metrics.store",
    "carbon.pack.store",
    "carbon.store.pools",
    "carbon.prices.store",
    "carbon.store.team_history",
    "carbon.serve.store",
    "carbon.store.workdays",
)
_duplicates = lazy("carbon.store.duplicates")
_flights = lazy("carbon.store.flights")
_pools = lazy("carbon.store.pools")
_workdays = lazy("carbon.store.workdays")


def declared_metadata() -> MetaData:
    """The whole schema the code declares: `metadata` with every feature module's tables (what
    the Alembic revisions must build; carbon/migrations/env.py, tests/test_migrations.py)."""
    for name in FEATURES:
        importlib.import_module(name)
    return metadata


pgcopy = lazy("carbon.store.pgcopy")  # NumPy too: imports on PostgreSQL only

DEFAULT_URL = "sqlite:///carbon.db"  # a file in the current directory

LEDGER_INSERT_COLUMNS = (
    "batch_id",
    "line",
    "team_id",
    "month",
    "activity",
    "category",
    "scope",
    "quantity",
    "unit",
    "co2e_kg",
    "factor_id",
    "row_key",
    "scope3_category",
)


def resolve_url(url: str | None) -> str:
    """The database URL: explicit, else $CARBON_DB, else ./carbon.db."""
    return url or os.environ.get("CARBON_DB") or DEFAULT_URL


# All writes go through Store.transaction(), one writer at a time: on SQLite a
# write transaction starts with BEGIN IMMEDIATE (so it never fails half-way
# with a stale snapshot; others wait up to the busy timeout), on PostgreSQL it
# takes a transaction-scoped advisory lock. Readers are never blocked.
WRITE_OPTION = "carbon_write"
_PG_WRITE_LOCK = 0x6361_7262  # "carb": the advisory lock key of carbon writers
# Keyed by the schema too: two carbon databases in two schemas of one PostgreSQL database do
# not wait for each other (never a NULL key: that would skip the lock).
_PG_LOCK_SQL = (
    f"SELECT pg_advisory_xact_lock({_PG_WRITE_LOCK}, coalesce(hashtext(current_schema()), 0))"
)
BUSY_TIMEOUT_S = 30
SQLITE_CACHE_KIB = 256 * 1024


def _sqlite_pragmas(dbapi_conn, _record) -> None:
    dbapi_conn.isolation_level = None  # let SQLAlchemy's begin event emit BEGIN (below)
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA journal_mode=WAL")  # readers never block the writer
    # FULL: a committed import survives a power loss too (NORMAL would only survive a killed
    # process); carbon commits once per import, so the extra sync costs nothing measurable.
    cur.execute("PRAGMA synchronous=FULL")
    # Up to 256 MB of page cache (SQLite's default is 2 MB), taken only as pages are read: an
    # import inserts each chunk's rows across the ledger's indexes, which at millions of rows
    # outgrow a small cache and turn every insert into a page read (bench/ingest.py).
    cur.execute(f"PRAGMA cache_size=-{SQLITE_CACHE_KIB}")
    cur.close()


def _sqlite_begin(conn) -> None:
    immediate = conn.get_execution_options().get(WRITE_OPTION)
    conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


def is_memory_url(url: str) -> bool:
    """True for an in-memory SQLite database (`sqlite://`, `sqlite:///:memory:`): nothing
    written there outlives the process."""
    from sqlalchemy.engine import make_url

    try:
        u = make_url(url)
    except ArgumentError:
        return False
    return u.get_backend_name() == "sqlite" and (u.database or ":memory:") == ":memory:"


class Store:
    """An open database. Create with `Store.open(url)`."""

    def __init__(self, engine: Engine):
        self.engine = engine
        # Set by the command line: a write into an in-memory database is refused (it would be
        # reported as done, then lost when the command ends).
        self.refuse_memory_writes = False
        self._memory = False

    @classmethod
    def open(cls, url: str | None = None, *, init: bool = False) -> Store:
        """Open (and on first use create) the database at `url`.

        A database that is not a carbon database is refused (StoreError) unless `init`: one
        holding other tables and no carbon schema, and PostgreSQL's `postgres` and `template*`
        databases. An empty database (a new SQLite file) is created without asking."""
        url = resolve_url(url)
        try:
            if url.startswith("sqlite"):
                engine = create_engine(url, connect_args={"timeout": BUSY_TIMEOUT_S})
                event.listen(engine, "connect", _sqlite_pragmas)
                event.listen(engine, "begin", _sqlite_begin)
            else:
                engine = create_engine(url, pool_pre_ping=True)
        except (ArgumentError, ImportError) as exc:
            raise StoreError(f"cannot use database URL {url!r}: {exc}") from None
        event.listen(engine, "after_cursor_execute", _note_write)
        store = cls(engine)
        store._ensure_schema(init)
        store._memory = is_memory_url(url)
        return store

    def close(self) -> None:
        self.engine.dispose()

    @property
    def in_memory(self) -> bool:
        """True for an in-memory SQLite database (nothing written outlives the process)."""
        return self._memory

    @property
    def backend(self) -> str:
        return self.engine.dialect.name

    def _ensure_schema(self, init: bool = False) -> None:
        """Create the schema on first use, or migrate an older one (carbon/migrations).

        A database already at the current revision is only read: opening it takes no
        write lock, so reports run while an import is writing.
        """
        try:
            with self.engine.connect() as conn:
                rev = migrate.current(conn)
                if rev == migrate.head():
                    return
                if rev is None and not init:
                    self._refuse_foreign(conn)
            with self.transaction(count=False) as conn:  # the counter may not exist yet
                migrate.upgrade(conn)
        except OperationalError as exc:
            raise StoreError(f"cannot open the database {self.engine.url!r}: {exc.orig}") from None
        except StoreError:
            raise
        except SQLAlchemyError as exc:
            raise StoreError(f"cannot open the database {self.engine.url!r}: {exc}") from None

    def _refuse_foreign(self, conn: Connection) -> None:
        """Refuse to create carbon's schema in a database that is not meant for it (see `open`)."""
        from sqlalchemy import inspect

        url = self.engine.url
        name = url.database or ""
        hint = (
            "; run the command again with `carbon --init …` to create carbon's tables there anyway"
        )
        if url.get_backend_name() == "postgresql" and (
            name == "postgres" or name.startswith("template")
        ):
            raise StoreError(
                f"{name!r} is one of PostgreSQL's own databases (maintenance or template), not a "
                "carbon database: create one (createdb carbon) and use it in --db" + hint
            )
        foreign = sorted(inspect(conn).get_table_names())
        if foreign:
            shown = ", ".join(foreign[:5]) + (
                f" and {len(foreign) - 5} more" if len(foreign) > 5 else ""
            )
            raise StoreError(
                f"the database {url.render_as_string(hide_password=True)!r} holds tables of "
                f"another application ({shown}) and no carbon schema: not a carbon database; "
                "nothing was written. Point --db at a carbon database or an empty one" + hint
            )

    @contextmanager
    def transaction(self, count: bool = True) -> Iterator[Connection]:
        """One atomic unit of work: all of it is written, or none. One writer at a time.
        Each one that changed a row counts in `data_changes` (see `data_version`)."""
        if self._memory and self.refuse_memory_writes:
            raise StoreError(
                "the database is in memory (sqlite://): what this command writes would be lost "
                "when it ends; nothing was written. Use a file (sqlite:///carbon.db) or PostgreSQL"
            )
        with self.engine.connect() as conn:
            conn.execution_options(**{WRITE_OPTION: True})
            try:
                with conn.begin():
                    if conn.dialect.name == "postgresql":
                        conn.exec_driver_sql(_PG_LOCK_SQL)
                    conn.info.pop(_WROTE, None)
                    conn.info.pop(_AFTER_COMMIT, None)
                    yield conn
                    if count and conn.info.pop(_WROTE, False):
                        _count_change(conn)
                then = conn.info.get(_AFTER_COMMIT, [])
            finally:  # conn.info outlives the checkout: a rolled-back transaction leaves nothing
                conn.info.pop(_AFTER_COMMIT, None)
        for run in then:  # committed, and the connection back in the pool
            run()

    def data_version(self) -> int:
        """The change counter: it grows with every committed write (0 before the first)."""
        with self.engine.connect() as conn:
            return (
                conn.execute(select(data_changes.c.version).where(data_changes.c.id == 1)).scalar()
                or 0
            )

    # ---- teams -------------------------------------------------------------------
    def team_ids(self, conn: Connection) -> dict[str, int]:
        return {name: id_ for id_, name in conn.execute(select(teams.c.id, teams.c.name))}

    def add_team(self, conn: Connection, name: str) -> int:
        return conn.execute(
            insert(teams).values(name=name, created_at=_now()).returning(teams.c.id)
        ).scalar_one()

    def list_teams(self) -> list[Team]:
        with self.engine.connect() as conn:
            rows = conn.execute(
                select(teams.c.name, teams.c.created_at, teams.c.retired_from).order_by(
                    teams.c.name
                )
            )
            return [Team(n, c, r) for n, c, r in rows]

    # ---- batches -----------------------------------------------------------------
    def find_batch(self, conn: Connection, kind: str, content_hash: str) -> Batch | None:
        row = (
            conn.execute(
                select(batches).where(
                    batches.c.kind == kind, batches.c.content_hash == content_hash
                )
            )
            .mappings()
            .first()
        )
        return _batch(row) if row else None

    def batches_of_source(
        self, conn: Connection, kind: str, source_name: str
    ) -> list[tuple[Batch, str]]:
        rows = conn.execute(
            select(batches)
            .where(batches.c.kind == kind, batches.c.source_name == source_name)
            .order_by(batches.c.id)
        ).mappings()
        return [(_batch(r), r["params"]) for r in rows]

    def batches_of_kind(self, conn: Connection, kind: str) -> list[tuple[Batch, str]]:
        """Every import of a kind, with its params, oldest first."""
        rows = conn.execute(
            select(batches).where(batches.c.kind == kind).order_by(batches.c.id)
        ).mappings()
        return [(_batch(r), r["params"]) for r in rows]

    def insert_batch(
        self, conn: Connection, kind: str, source_name: str, content_hash: str, params: str = ""
    ) -> int:
        """A new import's row. Its id is past every id an import ever had, removed ones too
        (`id_watermarks`: SQLite would give the greatest id again once its row is removed), on
        both backends alike; every write holds the store's write lock, so ids are drawn in turn."""
        mark = conn.execute(
            select(id_watermarks.c.last_id).where(id_watermarks.c.name == "batches")
        ).scalar()
        top = conn.execute(select(func.max(batches.c.id))).scalar()
        new_id = max(mark or 0, top or 0) + 1
        if mark is None:
            conn.execute(insert(id_watermarks).values(name="batches", last_id=new_id))
        else:
            conn.execute(
                update(id_watermarks)
                .where(id_watermarks.c.name == "batches")
                .values(last_id=new_id)
            )
        return conn.execute(
            insert(batches)
            .values(
                id=new_id,
                kind=kind,
                source_name=source_name,
                content_hash=content_hash,
                params=params,
                imported_at=_now(),
                row_count=0,
                entry_count=0,
                co2e_kg=0.0,
                # ids only grow: every ledger row this import writes comes after this one
                ledger_id_min=select(func.coalesce(func.max(ledger.c.id), 0) + 1).scalar_subquery(),
            )
            .returning(batches.c.id)
        ).scalar_one()

    def finish_batch(self, conn: Connection, batch_id: int, row_count: int) -> Batch:
        """Record the batch's totals (computed in SQL from what was written)."""
        entries, total = conn.execute(
            select(
                func.coalesce(func.sum(ledger_monthly.c.entries), 0),
                func.coalesce(func.sum(ledger_monthly.c.co2e_kg), 0.0),
            ).where(ledger_monthly.c.batch_id == batch_id)
        ).one()
        conn.execute(
            update(batches)
            .where(batches.c.id == batch_id)
            .values(row_count=row_count, entry_count=entries, co2e_kg=total)
        )
        return self.get_batch(conn, batch_id)

    def get_batch(self, conn: Connection, batch_id: int) -> Batch:
        row = conn.execute(select(batches).where(batches.c.id == batch_id)).mappings().first()
        if row is None:
            raise NotFound(f"no import with ID {batch_id}; see 'carbon imports list'")
        return _batch(row)

    def list_batches(self) -> list[Batch]:
        with self.engine.connect() as conn:
            return [
                _batch(r) for r in conn.execute(select(batches).order_by(batches.c.id)).mappings()
            ]

    def remove_batch(self, conn: Connection, batch_id: int) -> Batch:
        """Delete a batch and everything it wrote."""
        batch = self.get_batch(conn, batch_id)
        conn.execute(delete(ledger_monthly).where(ledger_monthly.c.batch_id == batch_id))
        conn.execute(delete(ledger).where(ledger_rows_of(batch_id)))
        conn.execute(delete(user_factors).where(user_factors.c.batch_id == batch_id))
        conn.execute(
            delete(_duplicates.survey_employees).where(
                _duplicates.survey_employees.c.batch_id == batch_id
            )
        )
        _flights.remove(conn, batch_id)
        _pools.remove(conn, batch_id)
        _workdays.remove(conn, batch_id)
        conn.execute(delete(batches).where(batches.c.id == batch_id))
        return batch

    # ---- factors -----------------------------------------------------------------
    def user_factors(self, conn: Connection) -> list[Factor]:
        """User-imported factors, oldest batch first (a later import overrides)."""
        cols = [c for c in user_factors.c if c.name not in ("id", "batch_id")]
        rows = conn.execute(
            select(*cols).order_by(user_factors.c.batch_id, user_factors.c.id)
        ).mappings()
        return [Factor(**dict(r)) for r in rows]

    def insert_user_factors(self, conn: Connection, batch_id: int, factors: list[Factor]) -> None:
        conn.execute(
            insert(user_factors), [dict(_factor_dict(f), batch_id=batch_id) for f in factors]
        )

    def snapshot_ids(self, conn: Connection, factors: list[Factor]) -> list[int]:
        """Ids of stored copies of these factors, storing the new ones.

        A ledger entry points to an immutable snapshot, so a later change to a
        factor table never changes a past figure.
        """
        ids = []
        for f in factors:
            fp = _fingerprint(f)
            found = conn.execute(
                select(factor_snapshots.c.id).where(factor_snapshots.c.fingerprint == fp)
            ).scalar_one_or_none()
            if found is None:
                found = conn.execute(
                    insert(factor_snapshots)
                    .values(fingerprint=fp, **_factor_dict(f))
                    .returning(factor_snapshots.c.id)
                ).scalar_one()
            ids.append(found)
        return ids

    # ---- ledger ------------------------------------------------------------------
    @contextmanager
    def ledger_writer(self, conn: Connection, batch_id: int) -> Iterator[LedgerWriter]:
        """A writer of a batch's ledger rows, chunk after chunk (`insert_ledger` for each).

        On PostgreSQL and a SQLite file each chunk is encoded in the caller's thread and written
        by a worker thread while the caller reads and validates the next one. The caller calls
        `wait()` before it uses `conn` itself; the writer waits for the last chunk (and raises
        its error) when the block ends. An in-memory SQLite database is written at once.
        """
        writer = LedgerWriter(self, conn, batch_id)
        try:
            yield writer
            writer.wait()
            writer.finish()
        finally:
            writer.wait(raise_error=False)  # never leave a COPY running on a failing transaction

    def insert_ledger(
        self, conn: Connection, batch_id: int, rows: pd.DataFrame | EncodedLedger | LedgerRecords
    ) -> None:
        """Bulk-insert ledger rows (columns: LEDGER_INSERT_COLUMNS less batch_id; row_key optional).

        The fast path of each backend, behind this one call: COPY on
        PostgreSQL (psycopg 3), the driver's executemany on plain tuples
        elsewhere. No per-row ORM objects. `rows` may come already encoded for COPY
        (`encode_ledger`: the chunk writer encodes in the caller's thread).
        """
        cols = ", ".join(LEDGER_INSERT_COLUMNS)
        rows = _prepared(conn, batch_id, rows)
        if isinstance(rows, EncodedLedger):
            if rows.data is None:
                return
            cursor = conn.connection.dbapi_connection.cursor()
            named = ", ".join(rows.columns)
            with cursor.copy(f"COPY ledger ({named}) FROM STDIN (FORMAT BINARY)") as copy:
                for block in pgcopy.blocks(rows.data):
                    copy.write(block)
            conn.info[_WROTE] = True  # COPY bypasses the statement events
        elif rows.records:
            mark = "?" if conn.dialect.paramstyle == "qmark" else "%s"
            marks = ", ".join([mark] * len(LEDGER_INSERT_COLUMNS))
            conn.exec_driver_sql(f"INSERT INTO ledger ({cols}) VALUES ({marks})", rows.records)
        else:
            return
        # the batch's upper id bound (schema.ledger_rows_of): the ledger's greatest id, read
        # from the primary key's last entry, once per chunk
        conn.execute(
            update(batches)
            .where(batches.c.id == batch_id)
            .values(ledger_id_max=select(func.max(ledger.c.id)).scalar_subquery())
        )

    @staticmethod
    def rollup_part(rows: pd.DataFrame) -> pd.DataFrame:
        """The monthly rollup of some ledger rows: ROLLUP_KEYS (the unit among them: quantities
        are summed per unit), quantity (sum), co2e_kg (sum, kg CO2e), entries (count)."""
        return (
            rows.groupby(list(ROLLUP_KEYS), sort=False, observed=True)
            .agg(
                quantity=("quantity", "sum"),
                co2e_kg=("co2e_kg", "sum"),
                entries=("co2e_kg", "count"),
            )
            .reset_index()
        )

    def insert_rollup(self, conn: Connection, batch_id: int, parts: list[pd.DataFrame]) -> None:
        """Add a batch's monthly rollup, from the parts of its chunks (`rollup_part`), merged so
        the batch has one rollup row per key however many chunks it was read in."""
        parts = [p for p in parts if not p.empty]
        if not parts:
            return
        sums = ("quantity", "co2e_kg", "entries")
        grouped = (
            pd.concat(parts, ignore_index=True)
            .groupby(list(ROLLUP_KEYS), sort=False)[list(sums)]
            .sum()
            .reset_index()
        )
        grouped = _scope3_nulls(grouped)
        records = [
            dict(zip(ROLLUP_KEYS, key), batch_id=batch_id, quantity=q, co2e_kg=kg, entries=int(n))
            for *key, q, kg, n in zip(*(grouped[c].tolist() for c in (*ROLLUP_KEYS, *sums)))
        ]
        conn.execute(insert(ledger_monthly), records)

    def months_with_data(self, conn: Connection) -> list[str]:
        m = ledger_monthly.c.month
        return [x for (x,) in conn.execute(select(m).distinct().order_by(m))]

    def month_totals(self, conn: Connection, month: str, team: str | None = None):
        """(team, category, scope, kg CO2e, entries) for a month: aggregated in SQL."""
        r = ledger_monthly
        q = (
            select(
                teams.c.name, r.c.category, r.c.scope, func.sum(r.c.co2e_kg), func.sum(r.c.entries)
            )
            .select_from(r.join(teams, r.c.team_id == teams.c.id))
            .where(r.c.month == month)
            .group_by(teams.c.name, r.c.category, r.c.scope)
        )
        if team is not None:
            q = q.where(teams.c.name == team)
        return [tuple(r) for r in conn.execute(q)]

    def month_sources(self, conn: Connection, month: str, team: str | None = None) -> list[dict]:
        """Where a month's figures come from: per team, activity, factor, import and activity unit.

        Rows (dicts): team, activity, quantity and quantity_unit (the activity as imported, its
        unit as written, spread to the month), region, year, value, unit (of the factor), source,
        boundary, import_id, import_source, co2e_kg, entries — aggregated in SQL. The ledger is
        read only for the imports that wrote the month (found in the rollup, by the batch index).
        """
        r, l, f, b = ledger_monthly, ledger, factor_snapshots, batches  # noqa: E741  l: the ledger table
        in_month = select(r.c.batch_id).where(r.c.month == month).distinct()
        keys = (
            teams.c.name,
            l.c.activity,
            f.c.id,
            f.c.region,
            f.c.year,
            f.c.value,
            f.c.unit,
            f.c.source,
            f.c.boundary,
            b.c.id,
            b.c.source_name,
            l.c.unit,
        )
        q = (
            select(
                teams.c.name.label("team"),
                l.c.activity,
                func.sum(l.c.quantity).label("quantity"),
                l.c.unit.label("quantity_unit"),
                f.c.region,
                f.c.year,
                f.c.value,
                f.c.unit,
                f.c.source,
                f.c.boundary,
                b.c.id.label("import_id"),
                b.c.source_name.label("import_source"),
                func.sum(l.c.co2e_kg).label("co2e_kg"),
                func.count().label("entries"),
            )
            .select_from(
                l.join(teams, l.c.team_id == teams.c.id)
                .join(f, l.c.factor_id == f.c.id)
                .join(b, l.c.batch_id == b.c.id)
            )
            .where(l.c.batch_id.in_(in_month), l.c.month == month)
            .group_by(*keys)
            .order_by(teams.c.name, func.sum(l.c.co2e_kg).desc(), l.c.activity, l.c.unit)
        )
        if team is not None:
            q = q.where(teams.c.name == team)
        return [dict(row) for row in conn.execute(q).mappings()]

    def aggregate(
        self,
        conn: Connection,
        by: Sequence[str],
        first_month: str,
        last_month: str,
        *,
        team: str | None = None,
        scopes: Sequence[int] | None = None,
        categories: Sequence[str] | None = None,
    ) -> list[tuple]:
        """Sum kg CO2e over months `first_month`..`last_month` ("YYYY-MM"), grouped in SQL.

        `by` names the grouping, in order, among: team, month, category, scope,
        activity, factor_id, uncertainty_pct (of the factor used), scope3_category. Returns tuples
        (*values of `by`, kg CO2e, number of entries).
        """
        r = ledger_monthly
        dims = {
            "team": teams.c.name,
            "month": r.c.month,
            "category": r.c.category,
            "scope": r.c.scope,
            "activity": r.c.activity,
            "factor_id": r.c.factor_id,
            "uncertainty_pct": factor_snapshots.c.uncertainty_pct,
            "scope3_category": r.c.scope3_category,
        }
        unknown = [b for b in by if b not in dims]
        if unknown:
            raise ValueError(f"cannot group by {unknown}")
        cols = [dims[b] for b in by]
        source = r.join(teams, r.c.team_id == teams.c.id)
        if "uncertainty_pct" in by:
            source = source.join(factor_snapshots, r.c.factor_id == factor_snapshots.c.id)
        q = (
            select(*cols, func.sum(r.c.co2e_kg), func.sum(r.c.entries))
            .select_from(source)
            .where(r.c.month >= first_month, r.c.month <= last_month)
        )
        if team is not None:
            q = q.where(teams.c.name == team)
        if scopes:
            q = q.where(r.c.scope.in_(list(scopes)))
        if categories:
            q = q.where(r.c.category.in_(list(categories)))
        if cols:
            q = q.group_by(*cols).order_by(*cols)
        return [tuple(r) for r in conn.execute(q)]


def ledger_frame(batch_id: int, rows: pd.DataFrame) -> pd.DataFrame:
    """Ledger rows as they are written: LEDGER_INSERT_COLUMNS in order, the batch id on each, NULL
    row keys for a writer without row identities, rows in key order (`in_key_order`)."""
    frame = rows.assign(batch_id=batch_id)
    if "row_key" not in frame.columns:  # a writer without row identities: not compared
        frame = frame.assign(row_key=None)
    return _scope3_nulls(in_key_order(frame[list(LEDGER_INSERT_COLUMNS)]))


@dataclass(frozen=True)
class EncodedLedger:
    """Ledger rows in PostgreSQL's binary COPY form (`encode_ledger`); `data` None: no row.
    `columns`: the columns the stream holds, in order (the id first when the writer gave ids)."""

    data: np.ndarray | None
    columns: tuple[str, ...] = LEDGER_INSERT_COLUMNS


def encode_ledger(batch_id: int, rows: pd.DataFrame, first_id: int | None = None) -> EncodedLedger:
    """The COPY stream of ledger rows (pure: no database). The chunk writer builds it in the
    caller's thread, so its worker thread only streams bytes to the server: encoding beside
    the copy, rather than before it, shortens the worker's part, which the import waits for.
    With `first_id` the rows carry their ids, first_id, first_id + 1, ... in the order they are
    written (ids the writer reserved: `LedgerWriter._reserve`), instead of the server drawing
    each from the id sequence."""
    if rows.empty:
        return EncodedLedger(None)
    frame = ledger_frame(batch_id, rows)
    columns = LEDGER_INSERT_COLUMNS
    if first_id is not None:
        frame.insert(0, "id", np.arange(first_id, first_id + len(frame), dtype=np.int64))
        columns = ("id", *LEDGER_INSERT_COLUMNS)
    return EncodedLedger(pgcopy.encode(frame, columns, pgcopy.wire_types(ledger, columns)), columns)


@dataclass(frozen=True)
class LedgerRecords:
    """Ledger rows as plain tuples of LEDGER_INSERT_COLUMNS (`ledger_records`), for executemany."""

    records: list[tuple]


def ledger_records(batch_id: int, rows: pd.DataFrame) -> LedgerRecords:
    """The executemany parameters of ledger rows (pure: no database); `.tolist()` yields plain
    Python values, which every driver binds."""
    if rows.empty:
        return LedgerRecords([])
    frame = ledger_frame(batch_id, rows)
    return LedgerRecords(list(zip(*(frame[c].tolist() for c in LEDGER_INSERT_COLUMNS))))


def _prepared(
    conn: Connection,
    batch_id: int,
    rows: pd.DataFrame | EncodedLedger | LedgerRecords,
    first_id: int | None = None,
) -> EncodedLedger | LedgerRecords:
    """Ledger rows in the form this connection writes them: a binary COPY stream (PostgreSQL;
    with their ids from `first_id` on, when given) or executemany parameters (elsewhere); rows
    already in that form are returned as they are."""
    if _copies(conn):
        return rows if isinstance(rows, EncodedLedger) else encode_ledger(batch_id, rows, first_id)
    return rows if isinstance(rows, LedgerRecords) else ledger_records(batch_id, rows)


def _threads(conn: Connection) -> bool:
    """Whether the chunk writer writes in a worker thread on this connection: PostgreSQL's COPY,
    and a SQLite file (its driver releases the GIL while SQLite inserts each row). An in-memory
    SQLite database (SQLAlchemy gives it one connection per thread) writes at once."""
    from sqlalchemy.pool import SingletonThreadPool

    if _copies(conn):
        return True
    return conn.dialect.name == "sqlite" and not isinstance(conn.engine.pool, SingletonThreadPool)


def _copies(conn: Connection) -> bool:
    """Whether the ledger is written by binary COPY on this connection (PostgreSQL, psycopg 3)."""
    return conn.dialect.name == "postgresql" and conn.dialect.driver == "psycopg"


class LedgerWriter:
    """Store.ledger_writer's writer: one chunk in flight at most (in a worker thread where
    `threaded`)."""

    def __init__(self, store: Store, conn: Connection, batch_id: int):
        self.store, self.conn, self.batch_id = store, conn, batch_id
        self.threaded = _threads(conn)
        self._job: threading.Thread | None = None
        self._error: BaseException | None = None
        self._written = 0  # ledger rows handed to the database so far
        self._next_id: int | None = None  # PostgreSQL: the next id this writer gives (`_reserve`)
        self._first_id = 0  # PostgreSQL: the id drawn from the sequence at the first chunk
        self._before: int | None = None  # the ledger's greatest id when the first chunk came
        self._dropped = False  # the row-key index is dropped until `restore_index`

    def _bulk_load(self, rows: int) -> None:
        """Drop the row-key index before the next `rows` once this import has written
        BULK_LOAD_ROWS rows and at least as many as the ledger held before it: the rest are written
        without it, and `restore_index` builds it again at the end, in the same transaction
        (a refused import rolls the drop back with everything else). Called between chunks,
        with no chunk in flight. On PostgreSQL the drop locks the ledger table until the import
        commits: what reads it then waits (the flight legs of `report sources`; reports and
        budgets read the monthly rollup, not the ledger), docs/scaling.md."""
        if self.conn.dialect.name not in ("sqlite", "postgresql") or self._dropped:
            return
        if self._before is None:
            self._before = self.conn.execute(select(func.max(ledger.c.id))).scalar() or 0
        if (
            self._written >= BULK_LOAD_ROWS[self.conn.dialect.name]
            and self._before <= self._written
        ):
            _row_key_index().drop(self.conn)
            self._dropped = True
        self._written += rows

    def restore_index(self) -> None:
        """Build the row-key index again if `_bulk_load` dropped it (the block's normal end)."""
        if self._dropped:
            _row_key_index().create(self.conn)
            self._dropped = False

    def _reserve(self, rows: int) -> int | None:
        """PostgreSQL: the first of `rows` ids for the next chunk (None elsewhere: SQLite's rowid).

        Drawing each row's id from the ledger's sequence on the server (the column's default)
        cost 0.7 s of 3.3 s per million rows written (docs/scaling.md). The writer draws one id
        from the sequence at its first chunk, numbers its rows on from it, and sets the sequence
        to its last id when its block ends (`finish`). No other session draws from the sequence
        in between: every ledger write holds the store's write lock (Store.transaction), and
        ids still only grow (a batch's id bounds rely on it). A refused import leaves a gap."""
        if not _copies(self.conn):
            return None
        if self._next_id is None:  # the connection is free: nothing is in flight yet
            self._next_id = self._first_id = self.conn.exec_driver_sql(_NEXT_LEDGER_ID).scalar_one()
        first = self._next_id
        self._next_id += rows
        return first

    def finish(self) -> None:
        """The block's normal end, the last chunk in: the row-key index built again
        (`_bulk_load`), the ledger's id sequence moved past the ids given (`_reserve`)."""
        self.restore_index()
        if self._next_id is not None and self._next_id > self._first_id:
            self.conn.exec_driver_sql(_SET_LEDGER_ID, {"last": self._next_id - 1})
        self._next_id = None

    def write(self, rows: pd.DataFrame) -> None:
        """Insert `rows` (as Store.insert_ledger); in a worker thread where `threaded` (PostgreSQL,
        a SQLite file), after the previous chunk is in."""
        if not self.threaded:
            self.wait()
            self._bulk_load(len(rows))
            self.store.insert_ledger(self.conn, self.batch_id, rows)
            return
        first_id = self._reserve(len(rows))
        # encoded here, while the previous chunk is written
        prepared = _prepared(self.conn, self.batch_id, rows, first_id)
        self.wait()
        self._bulk_load(len(rows))

        def run() -> None:
            try:
                self.store.insert_ledger(self.conn, self.batch_id, prepared)
            except BaseException as exc:  # handed to the caller's thread by wait()
                self._error = exc

        self._job = threading.Thread(target=run, name="carbon-ledger-copy", daemon=True)
        self._job.start()

    def wait(self, raise_error: bool = True) -> None:
        """Until the chunk in flight is written; raises its error (once)."""
        if self._job is not None:
            self._job.join()
            self._job = None
        error, self._error = self._error, None
        if error is not None and raise_error:
            raise error


# An import that has written this many ledger rows (per backend), and at least as many as the
# ledger held before it (a first load, a history file), writes the rest without the ledger's
# row-key index and builds the index again at its end: at millions of rows, each chunk's keys
# land all over an index larger than the cache (SQLite's page cache, PostgreSQL's shared
# buffers), and one sorted build costs less (10 M rows on SQLite: 38.0 s inserted with the index
# against 30.5 s without it and built after; docs/scaling.md). On SQLite the two cost the same
# at 1 M rows, so a smaller import is written as it always was; on PostgreSQL the build (by
# parallel workers) already costs less from a few hundred thousand rows (1 M rows: 5.9 s
# against 5.2 s).
BULK_LOAD_ROWS = {"sqlite": 2_000_000, "postgresql": 200_000}


# The ledger's id sequence (PostgreSQL, a BIGSERIAL): one id drawn, then set past a writer's ids.
_NEXT_LEDGER_ID = "SELECT nextval(pg_get_serial_sequence('ledger', 'id'))"
_SET_LEDGER_ID = "SELECT setval(pg_get_serial_sequence('ledger', 'id'), %(last)s)"


def _row_key_index():
    """The ledger's row-key index, as the schema declares it (its drop and build use this)."""
    return next(i for i in ledger.indexes if i.name == "ix_ledger_row_key_month")


_WROTE = "carbon_wrote"  # conn.info key: a statement of this transaction changed a row
_AFTER_COMMIT = "carbon_after_commit"  # conn.info key: what `after_commit` was given


def after_commit(conn: Connection, run) -> None:
    """Call `run()` once the write transaction of `conn` (Store.transaction) has committed, never
    if it is rolled back: for best-effort work that must not be part of it (a cache)."""
    conn.info.setdefault(_AFTER_COMMIT, []).append(run)


_DML = ("INSERT", "UPDATE", "DELETE")


def _note_write(conn, cursor, statement, parameters, context, executemany) -> None:
    """Mark the connection when a statement changed (or may have changed: rowcount -1) a row."""
    if statement.lstrip()[:6].upper() in _DML and cursor.rowcount != 0:
        conn.info[_WROTE] = True


def _count_change(conn: Connection) -> None:
    """Count a write transaction about to commit (one that changed a row)."""
    done = conn.execute(
        update(data_changes)
        .where(data_changes.c.id == 1)
        .values(version=data_changes.c.version + 1, changed_at=_now())
    )
    if done.rowcount == 0:
        conn.execute(insert(data_changes).values(id=1, version=1, changed_at=_now()))


def _now() -> datetime:
    return datetime.now(UTC)


def _factor_dict(f: Factor) -> dict:
    return dict(
        activity=f.activity,
        region=f.region,
        year=f.year,
        value=f.value,
        unit=f.unit,
        category=f.category,
        scope=f.scope,
        source=f.source,
        uncertainty_pct=f.uncertainty_pct,
        source_ref=f.source_ref,
        boundary=f.boundary,
        origin=f.origin,
        part_generation=f.part_generation,
        part_upstream=f.part_upstream,
        part_td=f.part_td,
        scope3_category=f.scope3_category,
        **{g: getattr(f, g) for g in GASES},
    )


SPLIT_FIELDS = ("part_generation", "part_upstream", "part_td", "scope3_category", *GASES)


def in_key_order(frame):
    """The rows sorted by row_key (stable: a row's months keep their order), when every row has
    one; else as given.

    The ledger's repeated-row index leads with row_key (schema.py): rows written in key order
    insert next to each other in it instead of all over it, which at millions of rows is most of
    what the index costs an import. Nothing reads the ledger in id order (every query orders by
    what it shows), so the order rows are written in changes no figure or listing. (PostgreSQL's
    binary COPY then writes them grouped by layout, each group in key order: pgcopy.encode.)"""
    key = frame["row_key"].to_numpy()
    if key.dtype.kind not in "iu" or len(key) < 2:
        return frame
    return frame.take(np.argsort(key, kind="stable"))


def _scope3_nulls(frame):
    """Ledger frames carry "no scope-3 category" as 0 (an integer column groups and sums);
    the database keeps NULL."""
    s3 = frame["scope3_category"].to_numpy()
    return frame.assign(scope3_category=np.where(s3 > 0, s3, None).astype(object))


def _fingerprint(f: Factor) -> str:
    # The split fields count only when set, so a factor stored before they existed keeps its snapshot.
    d = _factor_dict(f)
    values = [v for k, v in d.items() if k not in SPLIT_FIELDS or v is not None]
    text = "\x1f".join(str(v) for v in values)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()
