"""Gas parts of factor rows, and flights imported by airport code.

Gas parts: the CO2, CH4, N2O, HFC and other-gas parts of a factor's value.
Factor snapshots (which every ledger entry points to) and user factors get `gas_co2`, `gas_ch4`,
`gas_n2o`, `gas_hfcs` and `gas_other` (kg CO2e of the gas per activity unit, NULL: the row is not
split by gas). Existing rows state none: they stay "not split". No figure changes.

Flights: `flight_legs`, each flight row of a `carbon import flights` file as booked (route,
great-circle distance, uplift, band, class booked and used, passengers, return, rf, passenger-km),
keyed by its import and line. New table: no figure changes.

Shared-cost pools: `pool_shares`, the share of a pool (`--allocation`) each team received per
month and import, with the pool and its key. New table: no figure changes.

Commuting calendar: `commuting_days`, the working days a survey import used per month and
country (weekdays, public holidays, closure days, absence rate). New table: no figure changes.
Revision ID: 0015
Revises: 0012
Create Date: 2026-12-04
"""

import sqlalchemy as sa
from alembic import op

revision = "0015"
down_revision = "0012"
branch_labels = None
depends_on = None

FACTOR_TABLES = ("factor_snapshots", "user_factors")
GASES = ("gas_co2", "gas_ch4", "gas_n2o", "gas_hfcs", "gas_other")
TEAM_NAME, METRIC_NAME = 100, 64  # carbon/core/limits.py at this revision


def upgrade() -> None:
    for table in FACTOR_TABLES:
        for col in GASES:
            op.add_column(table, sa.Column(col, sa.Float()))
    op.create_table(
        "flight_legs",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column(
            "batch_id",
            sa.Integer(),
            sa.ForeignKey("batches.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("line", sa.Integer(), nullable=False),
        sa.Column("origin", sa.String(3), nullable=False),
        sa.Column("destination", sa.String(3), nullable=False),
        sa.Column("distance_km", sa.Float(), nullable=False),
        sa.Column("uplift", sa.Float(), nullable=False),
        sa.Column("band", sa.String(16), nullable=False),
        sa.Column("cabin", sa.String(16), nullable=False),
        sa.Column("cabin_used", sa.String(16), nullable=False),
        sa.Column("passengers", sa.SmallInteger(), nullable=False),
        sa.Column("round_trip", sa.Boolean(), nullable=False),
        sa.Column("rf", sa.Boolean(), nullable=False),
        sa.Column("passenger_km", sa.Float(), nullable=False),
    )
    op.create_index("ix_flight_legs_batch", "flight_legs", ["batch_id", "line"])
    op.create_table(
        "pool_shares",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column(
            "batch_id",
            sa.Integer(),
            sa.ForeignKey("batches.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("team_id", sa.Integer(), sa.ForeignKey("teams.id"), nullable=False),
        sa.Column("month", sa.String(7), nullable=False),
        sa.Column("pool", sa.String(TEAM_NAME), nullable=False),
        sa.Column("key", sa.String(METRIC_NAME), nullable=False),
        sa.Column("share", sa.Float(), nullable=False),
    )
    op.create_index("ix_pool_shares_batch", "pool_shares", ["batch_id", "month"])
    op.create_table(
        "commuting_days",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column(
            "batch_id",
            sa.Integer(),
            sa.ForeignKey("batches.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("month", sa.String(7), nullable=False),
        sa.Column("country", sa.String(2), nullable=False),
        sa.Column("weekdays", sa.Integer(), nullable=False),
        sa.Column("holidays", sa.Text(), nullable=False),
        sa.Column("closure_days", sa.Integer(), nullable=False),
        sa.Column("working_days", sa.Integer(), nullable=False),
        sa.Column("absence_rate", sa.Float(), nullable=False),
    )
    op.create_index("ix_commuting_days_batch", "commuting_days", ["batch_id", "month"])


def downgrade() -> None:
    op.drop_table("commuting_days")
    op.drop_table("pool_shares")
    op.drop_table("flight_legs")
    for table in FACTOR_TABLES:
        with op.batch_alter_table(table) as b:
            for col in reversed(GASES):
                b.drop_column(col)
