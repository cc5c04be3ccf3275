"""The ledger's batch index replaced by id bounds kept on each batch.

Every ledger row written paid for an entry in `ix_ledger_batch` (a B-tree on SQLite: 0.5 s of
3.3 s to insert 1 M ledger rows, and more pages to commit; a BRIN on PostgreSQL, with its
summaries and the statistics the planner needed to choose it). A batch's rows are reached by a
few lookups only (removal, the repeated-row check, a month's flight legs), so each batch now
keeps the bounds of its rows' ids instead (`ledger_id_min`, `ledger_id_max`;
carbon/store/schema.py, `ledger_rows_of`), and those lookups read a range of the primary key,
then test batch_id.

The bounds of the batches already stored are their rows' smallest and largest ids, read through
the index before it is dropped; a batch without ledger rows keeps NULL bounds (no row). Every
stored figure is kept.

Revision ID: 0024
Revises: 0023
Create Date: 2026-12-05
"""

import sqlalchemy as sa
from alembic import op

revision = "0024"
down_revision = "0023"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("batches", sa.Column("ledger_id_min", sa.BigInteger()))
    op.add_column("batches", sa.Column("ledger_id_max", sa.BigInteger()))
    if op.get_bind().dialect.name == "postgresql":
        # one pass over the ledger (a BRIN finds a batch's ranges, not its rows' ids)
        op.execute(
            "UPDATE batches SET ledger_id_min = s.lo, ledger_id_max = s.hi "
            "FROM (SELECT batch_id, min(id) AS lo, max(id) AS hi FROM ledger GROUP BY batch_id) s "
            "WHERE s.batch_id = batches.id"
        )
    else:  # each batch's first and last id, read from the batch index (it holds the rowid)
        op.execute(
            "UPDATE batches SET "
            "ledger_id_min = (SELECT min(id) FROM ledger WHERE ledger.batch_id = batches.id), "
            "ledger_id_max = (SELECT max(id) FROM ledger WHERE ledger.batch_id = batches.id)"
        )
    op.drop_index("ix_ledger_batch", table_name="ledger")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.create_index(  # as 0023 left it
            "ix_ledger_batch",
            "ledger",
            ["batch_id"],
            postgresql_using="brin",
            postgresql_with={"autosummarize": "on"},
        )
        op.drop_column("batches", "ledger_id_max")
        op.drop_column("batches", "ledger_id_min")
        return
    op.create_index("ix_ledger_batch", "ledger", ["batch_id"])
    import sqlite3

    if sqlite3.sqlite_version_info >= (3, 35):
        # In place: a batch copy drops and recreates `batches`, and with foreign keys on (every
        # carbon connection) dropping it deletes the ledger rows that cascade from it.
        op.execute("ALTER TABLE batches DROP COLUMN ledger_id_max")
        op.execute("ALTER TABLE batches DROP COLUMN ledger_id_min")
        return
    with op.batch_alter_table("batches") as batch:  # pragma: no cover - SQLite before 3.35
        batch.drop_column("ledger_id_max")
        batch.drop_column("ledger_id_min")
