"""Import ids are never given twice: a watermark of the greatest one.

SQLite gives a new row the greatest rowid + 1, so once the latest import was removed
(`carbon imports remove`), the next import got its id again, and a restatement or a note citing
"import 7" then named another file. The table `id_watermarks` keeps the greatest import id ever
given (`Store.insert_batch` gives the next one past it, on both backends: PostgreSQL's sequence
never gave an id twice, and the two now number imports alike). Its starting value is the
greatest id this database still cites: of its imports, of the imports its restatements wrote,
and of those they removed. No figure changes.

Revision ID: 0025
Revises: 0024
Create Date: 2026-12-05
"""

import json

import sqlalchemy as sa
from alembic import op

revision = "0025"
down_revision = "0024"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "id_watermarks",
        sa.Column("name", sa.String(32), primary_key=True),
        sa.Column("last_id", sa.BigInteger(), nullable=False),
    )
    bind = op.get_bind()
    cited = [bind.execute(sa.text("SELECT max(id) FROM batches")).scalar() or 0]
    for written, removed in bind.execute(sa.text("SELECT batch_id, removed FROM restatements")):
        cited.append(written or 0)
        cited.extend(int(i) for i in json.loads(removed or "[]"))
    if max(cited) > 0:
        op.execute(
            sa.text(
                "INSERT INTO id_watermarks (name, last_id) VALUES ('batches', :last)"
            ).bindparams(last=max(cited))
        )


def downgrade() -> None:
    op.drop_table("id_watermarks")
