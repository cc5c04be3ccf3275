"""Integrity: duplicate rows and employees across imports, period locks and restatements.

- ledger.row_key: a 64-bit hash of an activity row's identity (date, end, team,
  activity, quantity, unit, region), the same on every month the row is spread
  over; NULL for rows imported before this revision (see docs/integrity.md: the
  ledger keeps the month, not the date, so it cannot be rebuilt).
- survey_employees: the employee ids of each commuting-survey import. Empty for
  surveys imported before this revision (the ledger never kept the ids).
- period_locks: closed months ("YYYY-MM") and years ("YYYY"); every year already
  signed off by `donation close` is locked here at its sign-off time.
- restatements, restatement_teams: a write into a locked period, who/when/why and
  the per-team, per-month difference in kg CO2e.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-30
"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Nullable, no default: an instant change on SQLite and PostgreSQL, however big the ledger.
    op.add_column("ledger", sa.Column("row_key", sa.BigInteger(), nullable=True))
    op.create_table(
        "survey_employees",
        sa.Column(
            "batch_id",
            sa.Integer(),
            sa.ForeignKey("batches.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("employee", sa.String(200), nullable=False),
        sa.Column("line", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("batch_id", "employee"),
    )
    op.create_index("ix_survey_employees_employee", "survey_employees", ["employee"])
    locks = op.create_table(
        "period_locks",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("period", sa.String(7), nullable=False),
        sa.Column("origin", sa.String(32), nullable=False),
        sa.Column("locked_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("locked_by", sa.String(200), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("reopened_at", sa.DateTime(timezone=True)),
        sa.Column("reopened_by", sa.String(200)),
        sa.Column("reopen_reason", sa.Text()),
    )
    op.create_table(
        "restatements",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("by", sa.String(200), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("action", sa.String(32), nullable=False),
        sa.Column("batch_id", sa.Integer()),
        sa.Column("removed", sa.Text(), nullable=False),
        sa.Column("periods", sa.Text(), nullable=False),
    )
    op.create_table(
        "restatement_teams",
        sa.Column(
            "restatement_id",
            sa.Integer(),
            sa.ForeignKey("restatements.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("month", sa.String(7), nullable=False),
        sa.Column("team", sa.String(100), nullable=False),
        sa.Column("before_kg", sa.Float(), nullable=False),
        sa.Column("after_kg", sa.Float(), nullable=False),
        sa.PrimaryKeyConstraint("restatement_id", "month", "team"),
    )
    # Years signed off before this revision are locked as of their first sign-off.
    conn = op.get_bind()
    closes = sa.table(
        "donation_closes",
        sa.column("year", sa.Integer()),
        sa.column("closed_at", sa.DateTime(timezone=True)),
    )
    first = conn.execute(
        sa.select(closes.c.year, sa.func.min(closes.c.closed_at))
        .group_by(closes.c.year)
        .order_by(closes.c.year)
    ).all()
    if first:
        op.bulk_insert(
            locks,
            [
                dict(
                    period=f"{year:04d}",
                    origin="donation close",
                    locked_at=at,
                    locked_by="donation close",
                    reason=f"donation of {year} signed off (lock added by the upgrade to {revision})",
                )
                for year, at in first
            ],
        )


def downgrade() -> None:
    for table in ("restatement_teams", "restatements", "period_locks"):
        op.drop_table(table)
    op.drop_index("ix_survey_employees_employee", "survey_employees")
    op.drop_table("survey_employees")
    op.drop_column("ledger", "row_key")
