"""The ledger's month checked through its rollup; on PostgreSQL its batch index as a BRIN.

Two per-row costs of writing the ledger on PostgreSQL, measured by replaying an import's COPY
(docs/scaling.md): a 10 M-row import took 47.6 s with both, 35.8 s without.

- `ix_ledger_batch` becomes a BRIN index (block ranges, `autosummarize = on`): a batch's rows
  are written together, one after the other, so its pages are next to each other and a BRIN
  finds them, while a B-tree of 10 M equal keys per batch was a large part of writing them.
  Lookups by batch (removal, trace, the new import's keys) read the block ranges that may hold
  it. Each import summarises the ranges it wrote and, when it wrote a tenth of the ledger or
  more, refreshes the statistics the planner needs to choose a BRIN (Store.transaction).
- `ck_ledger_month` (a regular expression per row on PostgreSQL, GLOB and substr on SQLite) is
  dropped from the ledger, on both backends. Every write of ledger rows writes their monthly
  rollup, from the same rows, in the same transaction (carbon/store/__init__.py,
  `Store.insert_rollup`); the rollup keeps its month check, so a bad month still refuses the
  whole import (tests/test_bad_cells.py). On SQLite the check cost 0.47 s of 3.57 s to insert
  1 M ledger rows; dropping it copies the ledger once, at this upgrade (batch mode).

SQLite keeps its B-tree batch index (rows append to it). Every stored figure is kept.

Revision ID: 0023
Revises: 0022
Create Date: 2026-12-05
"""

from alembic import op

revision = "0023"
down_revision = "0022"
branch_labels = None
depends_on = None

MONTH_RE = "^[0-9]{4}-(0[1-9]|1[0-2])$"  # as 0018, on PostgreSQL
SQLITE_MONTH = (  # as 0018, on SQLite
    "length(month) = 7 AND month GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]' "
    "AND substr(month, 6, 2) BETWEEN '01' AND '12'"
)


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        # SQLite drops a CHECK only by copying the table (batch mode): once, at upgrade.
        with op.batch_alter_table("ledger", recreate="always") as batch:
            batch.drop_constraint("ck_ledger_month", type_="check")
        return
    op.drop_index("ix_ledger_batch", table_name="ledger")
    op.create_index(
        "ix_ledger_batch",
        "ledger",
        ["batch_id"],
        postgresql_using="brin",
        postgresql_with={"autosummarize": "on"},
    )
    op.drop_constraint("ck_ledger_month", "ledger", type_="check")


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        with op.batch_alter_table("ledger", recreate="always") as batch:
            batch.create_check_constraint("ck_ledger_month", SQLITE_MONTH)
        return
    op.create_check_constraint("ck_ledger_month", "ledger", f"month ~ '{MONTH_RE}'")
    op.drop_index("ix_ledger_batch", table_name="ledger")
    op.create_index("ix_ledger_batch", "ledger", ["batch_id"])
