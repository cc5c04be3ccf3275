"""Alembic environment: run by carbon.store.migrate() on an open connection."""

from __future__ import annotations

from alembic import context

from carbon.store import declared_metadata

config = context.config
connection = config.attributes.get("connection")
if connection is None:  # pragma: no cover - carbon always passes its connection
    raise RuntimeError(
        "carbon migrations run through carbon.store (Store.open), not the alembic CLI"
    )

context.configure(
    connection=connection,
    target_metadata=declared_metadata(),
    render_as_batch=True,
    compare_type=True,
)
with context.begin_transaction():
    context.run_migrations()
