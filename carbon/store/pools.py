"""Table and queries of shared-cost pools: the shares by which an import split a pool's rows
(`--allocation`), per team and month, so `report sources` names the pool and the key of each
split entry (docs/allocation.md). They go away with their import (ON DELETE CASCADE, `remove`).
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import (
    Column,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    delete,
    insert,
    select,
)
from sqlalchemy.engine import Connection

from carbon.core import limits
from carbon.store.schema import metadata, teams

pool_shares = Table(
    "pool_shares",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("batch_id", Integer, ForeignKey("batches.id", ondelete="CASCADE"), nullable=False),
    Column("team_id", Integer, ForeignKey("teams.id"), nullable=False),
    Column("month", String(7), nullable=False),
    Column("pool", String(limits.TEAM_NAME), nullable=False),
    Column("key", String(limits.METRIC_NAME), nullable=False),  # the metric, or "shares"
    Column("share", Float, nullable=False),
    Index("ix_pool_shares_batch", "batch_id", "month"),
)


def insert_shares(
    conn: Connection,
    batch_id: int,
    used: Iterable[tuple[str, str, str, str, float]],
    team_ids: dict[str, int],
) -> None:
    """`used`: (team, month, pool, key, share) rows."""
    rows = [
        {"batch_id": batch_id, "team_id": team_ids[t], "month": m, "pool": p, "key": k, "share": s}
        for t, m, p, k, s in used
    ]
    if rows:
        conn.execute(insert(pool_shares), rows)


def remove(conn: Connection, batch_id: int) -> None:
    conn.execute(delete(pool_shares).where(pool_shares.c.batch_id == batch_id))


def month_shares(conn: Connection, month: str, team: str | None = None) -> list[dict]:
    """The pools split into `month` (of `team`): team, import id, pool, key, share."""
    p = pool_shares
    q = (
        select(
            teams.c.name.label("team"),
            p.c.batch_id.label("import_id"),
            p.c.pool,
            p.c.key,
            p.c.share,
        )
        .select_from(p.join(teams, p.c.team_id == teams.c.id))
        .where(p.c.month == month)
        .order_by(teams.c.name, p.c.batch_id, p.c.pool)
    )
    if team is not None:
        q = q.where(teams.c.name == team)
    return [dict(r) for r in conn.execute(q).mappings()]
