"""carbon serve: access tokens (stored hashed) and the database's change counter (HTTP ETags).

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-04
"""

import sqlalchemy as sa
from alembic import op

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "api_tokens",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("name", sa.String(100), nullable=False, unique=True),
        sa.Column("token_sha256", sa.String(64), nullable=False, unique=True),
        sa.Column("team_id", sa.Integer(), sa.ForeignKey("teams.id")),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    changes = op.create_table(
        "data_changes",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("version", sa.BigInteger(), nullable=False),
        sa.Column("changed_at", sa.DateTime(timezone=True)),
    )
    op.bulk_insert(changes, [{"id": 1, "version": 1, "changed_at": None}])


def downgrade() -> None:
    op.drop_table("data_changes")
    op.drop_table("api_tokens")
