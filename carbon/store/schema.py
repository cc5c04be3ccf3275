"""Tables of the core ledger. Feature store modules (carbon/budgets/store.py, carbon/prices/store.py, …)
add their own tables to the same `metadata` when imported (`carbon.store.FEATURES`;
`carbon.store.declared_metadata()` imports them all). The database is built and
upgraded by the Alembic revisions in carbon/migrations/versions: a change here
needs a revision there (tests/test_migrations.py checks they agree)."""

from __future__ import annotations

from datetime import UTC

from sqlalchemy import (
    BigInteger,
    Column,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    SmallInteger,
    String,
    Table,
    Text,
    UniqueConstraint,
    and_,
    select,
)

from carbon.core import limits
from carbon.model import GASES, Batch

metadata = MetaData()

teams = Table(
    "teams",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("name", String(limits.TEAM_NAME), nullable=False, unique=True),
    Column("created_at", DateTime(timezone=True), nullable=False),
    # The first month the team no longer exists (None: active). Its history stays; activity dated
    # from this month on is refused (carbon/store/teams.py).
    Column("retired_from", String(7)),
)

batches = Table(
    "batches",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("kind", String(32), nullable=False),
    Column("source_name", String(limits.SOURCE_NAME), nullable=False),
    Column("content_hash", String(64), nullable=False),
    Column("params", Text, nullable=False, default=""),
    Column("imported_at", DateTime(timezone=True), nullable=False),
    Column("row_count", Integer, nullable=False, default=0),
    Column("entry_count", Integer, nullable=False, default=0),
    Column("co2e_kg", Float, nullable=False, default=0.0),
    # Bounds of the ids of the import's ledger rows (`ledger_rows_of`): every row it wrote has
    # ledger_id_min <= id <= ledger_id_max. Rows of other imports may lie between (a lookup also
    # tests batch_id), none of its own outside. The ledger's greatest id + 1 when the import
    # starts (Store.insert_batch: ids only grow), its greatest id after each of its writes
    # (Store.insert_ledger). NULL or an empty range: no ledger row (migration 0024).
    Column("ledger_id_min", BigInteger),
    Column("ledger_id_max", BigInteger),
    # The same content is never stored twice (also guards concurrent imports).
    UniqueConstraint("kind", "content_hash", name="uq_batches_kind_hash"),
)

# The greatest id ever given to an import (name "batches"), kept by `Store.insert_batch`, which
# gives the next one: SQLite's rowids would reuse the greatest id once its row is removed, and an
# import id, once cited (a restatement, a ticket), must never name another import (migration
# 0025). Both backends draw ids this way, so they number imports alike.
id_watermarks = Table(
    "id_watermarks",
    metadata,
    Column("name", String(32), primary_key=True),
    Column("last_id", BigInteger, nullable=False),
)


def batch_of(row) -> Batch:
    """A `batches` row (a mapping) as its record."""
    at = row["imported_at"]
    if at is not None and at.tzinfo is None:
        at = at.replace(tzinfo=UTC)  # SQLite drops the zone; we store UTC
    return Batch(
        row["id"],
        row["kind"],
        row["source_name"],
        row["content_hash"],
        at,
        row["row_count"],
        row["entry_count"],
        row["co2e_kg"],
    )


factor_snapshots = Table(
    "factor_snapshots",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("fingerprint", String(64), nullable=False, unique=True),
    Column("activity", String(limits.ACTIVITY_KEY), nullable=False),
    Column("region", String(limits.REGION), nullable=False),
    Column("year", Integer, nullable=False),
    Column("value", Float, nullable=False),
    Column("unit", String(limits.UNIT), nullable=False),
    Column("category", String(limits.CATEGORY), nullable=False),
    Column("scope", SmallInteger, nullable=False),
    Column("source", Text, nullable=False),
    Column("uncertainty_pct", Float),
    Column("source_ref", Text, nullable=False),
    Column("boundary", Text, nullable=False),
    Column("origin", String(limits.ORIGIN), nullable=False),
    # The lifecycle split (carbon/factors/scope3.py) and the scope-3 category a row states (NULL: none).
    Column("part_generation", Float),
    Column("part_upstream", Float),
    Column("part_td", Float),
    Column("scope3_category", SmallInteger),
    # The parts per gas a row states (kg CO2e of each gas per unit; NULL: not split).
    *(Column(g, Float) for g in GASES),
)

user_factors = Table(
    "user_factors",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("batch_id", Integer, ForeignKey("batches.id", ondelete="CASCADE"), nullable=False),
    Column("activity", String(limits.ACTIVITY_KEY), nullable=False),
    Column("region", String(limits.REGION), nullable=False),
    Column("year", Integer, nullable=False),
    Column("value", Float, nullable=False),
    Column("unit", String(limits.UNIT), nullable=False),
    Column("category", String(limits.CATEGORY), nullable=False),
    Column("scope", SmallInteger, nullable=False),
    Column("source", Text, nullable=False),
    Column("uncertainty_pct", Float),
    Column("source_ref", Text, nullable=False),
    Column("boundary", Text, nullable=False),
    Column("origin", String(limits.ORIGIN), nullable=False),
    # The lifecycle split (carbon/factors/scope3.py) and the scope-3 category a row states (NULL: none).
    Column("part_generation", Float),
    Column("part_upstream", Float),
    Column("part_td", Float),
    Column("scope3_category", SmallInteger),
    # The parts per gas a row states (kg CO2e of each gas per unit; NULL: not split).
    *(Column(g, Float) for g in GASES),
)

# The ledger: one row per activity line and month. It is the big table (millions
# of rows), bulk-loaded by COPY / executemany; its references (batch, team,
# factor snapshot) are ids the store itself has just read or written in the same
# transaction, so they carry no FOREIGN KEY: per-row constraint checks cost
# PostgreSQL 60 % of the import time. Store.remove_batch deletes a batch's rows
# explicitly, and a test checks the ledger holds no orphan.
ledger = Table(
    "ledger",
    metadata,
    Column(
        "id", BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True
    ),
    Column("batch_id", Integer, nullable=False),
    Column("line", Integer, nullable=False),
    Column("team_id", Integer, nullable=False),
    Column("month", String(7), nullable=False),
    Column("activity", String(limits.ACTIVITY_KEY), nullable=False),
    Column("category", String(limits.CATEGORY), nullable=False),
    Column("scope", SmallInteger, nullable=False),
    Column("quantity", Float, nullable=False),
    Column("unit", String(limits.UNIT), nullable=False),
    Column("co2e_kg", Float, nullable=False),
    Column("factor_id", Integer, nullable=False),
    # GHG Protocol scope-3 category (1..15; carbon/factors/scope3.py) of a scope-3 entry; NULL for scope 1 and 2.
    Column("scope3_category", SmallInteger),
    # Identity of the source row (carbon.ledger.duplicates.row_keys), on each month it is spread over;
    # NULL for rows imported before it was kept. Probed by (row_key, month) with a new import's
    # keys in its own months (carbon.store.duplicates), never compared with the whole history.
    Column("row_key", BigInteger),
    # Reports and what-ifs read ledger_monthly; the ledger itself is reached by batch (removal,
    # the repeated-row check) through its primary key, within the id bounds its batch keeps
    # (`ledger_rows_of`; migration 0024: no batch index to write on every row), and by row key
    # (the repeated-row check). The key leads its index (migration 0022): a bigint compares
    # faster than the month's text, and an import writes each chunk in key order
    # (Store.insert_ledger; on PostgreSQL in a few key-ordered runs, one per row layout:
    # pgcopy.encode), so its index inserts land next to each other.
    Index("ix_ledger_row_key_month", "row_key", "month"),
)


def ledger_rows_of(batch_id: int):
    """The condition "a ledger row of import `batch_id`", read through the primary key: its id
    within the bounds the import keeps (`batches.ledger_id_min/max`), then its batch_id. The
    bounds are an access path, never the answer: a row of another import inside them is left
    out by its batch_id."""
    bound = batches.c.id == batch_id
    return and_(
        ledger.c.id.between(
            select(batches.c.ledger_id_min).where(bound).scalar_subquery(),
            select(batches.c.ledger_id_max).where(bound).scalar_subquery(),
        ),
        ledger.c.batch_id == batch_id,
    )


# Monthly rollup of the ledger, written with it (one row per batch and ROLLUP_KEYS: team, month,
# category, scope, activity, factor, scope-3 category and activity unit). Reports and what-ifs read
# this table, so their cost does not grow with the number of ledger rows. The unit is a key
# because one factor's entries may be written in several units (kWh and MWh in one file): their
# quantities are summed per unit, never across units (migration 0020).
ledger_monthly = Table(
    "ledger_monthly",
    metadata,
    Column(
        "id", BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True
    ),
    Column("batch_id", Integer, ForeignKey("batches.id", ondelete="CASCADE"), nullable=False),
    Column("team_id", Integer, ForeignKey("teams.id"), nullable=False),
    Column("month", String(7), nullable=False),
    Column("category", String(limits.CATEGORY), nullable=False),
    Column("scope", SmallInteger, nullable=False),
    Column("activity", String(limits.ACTIVITY_KEY), nullable=False),
    Column("factor_id", Integer, ForeignKey("factor_snapshots.id"), nullable=False),
    Column("scope3_category", SmallInteger),  # as on the ledger
    Column("unit", String(limits.UNIT), nullable=False),  # the entries' unit, as on the ledger
    Column("quantity", Float, nullable=False),  # the entries' quantities summed, in `unit`
    Column("co2e_kg", Float, nullable=False),
    Column("entries", Integer, nullable=False),
    Index("ix_ledger_monthly_month_team", "month", "team_id"),
    Index("ix_ledger_monthly_batch", "batch_id"),
)

ROLLUP_KEYS = (
    "team_id",
    "month",
    "category",
    "scope",
    "activity",
    "factor_id",
    "scope3_category",
    "unit",
)


# One row: a counter every write transaction increments (Store.transaction), so a reader can tell
# in one query whether anything changed since it last looked (carbon serve's ETags).
data_changes = Table(
    "data_changes",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("version", BigInteger, nullable=False),
    Column("changed_at", DateTime(timezone=True)),
)
