"""Tables and queries of business metrics: definitions, and monthly values per import.

A metrics file is an import (a batch of kind "metrics", listed and removed like
any other); its values go away with it (ON DELETE CASCADE on the batch).
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import (
    Column,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    func,
    insert,
    select,
    update,
)
from sqlalchemy.engine import Connection

from carbon.core import limits
from carbon.metrics.records import MetricDef, MetricValue
from carbon.store.schema import batches, metadata, teams

metric_defs = Table(
    "metric_defs",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("name", String(limits.METRIC_NAME), nullable=False, unique=True),
    Column("year_rule", String(8), nullable=False),
    Column("label", String(limits.METRIC_LABEL), nullable=False),
    Column("defined_at", DateTime(timezone=True), nullable=False),
)

metric_values = Table(
    "metric_values",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("batch_id", Integer, ForeignKey("batches.id", ondelete="CASCADE"), nullable=False),
    Column("metric_id", Integer, ForeignKey("metric_defs.id"), nullable=False),
    Column("team_id", Integer, ForeignKey("teams.id")),  # NULL: the whole company
    Column("month", String(7), nullable=False),
    Column("value", Float, nullable=False),
    Column("line", Integer, nullable=False),
    Index("ix_metric_values_month", "metric_id", "month"),
    Index("ix_metric_values_batch", "batch_id"),
)


def definitions(conn: Connection) -> dict[str, MetricDef]:
    """Every declared metric by name."""
    rows = conn.execute(
        select(metric_defs.c.name, metric_defs.c.year_rule, metric_defs.c.label).order_by(
            metric_defs.c.name
        )
    )
    return {n: MetricDef(n, r, lbl) for n, r, lbl in rows}


def define(conn: Connection, d: MetricDef) -> str:
    """Declare `d`, or update its rule and label. Returns "defined", "updated" or "unchanged"."""
    row = conn.execute(
        select(metric_defs.c.year_rule, metric_defs.c.label).where(metric_defs.c.name == d.name)
    ).first()
    if row is None:
        conn.execute(
            insert(metric_defs).values(
                name=d.name, year_rule=d.year_rule, label=d.label, defined_at=datetime.now(UTC)
            )
        )
        return "defined"
    if tuple(row) == (d.year_rule, d.label):
        return "unchanged"
    conn.execute(
        update(metric_defs)
        .where(metric_defs.c.name == d.name)
        .values(year_rule=d.year_rule, label=d.label)
    )
    return "updated"


def taken(
    conn: Connection, found: list[MetricValue], except_batches: set[int]
) -> dict[tuple, tuple[int, str]]:
    """(month, metric, team) of `found` already given by another import: -> (import id, source)."""
    if not found:
        return {}
    months = sorted({v.month for v in found})
    q = (
        select(
            metric_values.c.month,
            metric_defs.c.name,
            teams.c.name,
            batches.c.id,
            batches.c.source_name,
        )
        .select_from(
            metric_values.join(metric_defs, metric_values.c.metric_id == metric_defs.c.id)
            .outerjoin(teams, metric_values.c.team_id == teams.c.id)
            .join(batches, metric_values.c.batch_id == batches.c.id)
        )
        .where(metric_values.c.month >= months[0], metric_values.c.month <= months[-1])
    )
    wanted = {(v.month, v.metric, v.team) for v in found}
    out = {}
    for month, metric, team, bid, src in conn.execute(q):
        key = (month, metric, team or "")
        if key in wanted and bid not in except_batches:
            out[key] = (bid, src)
    return out


def insert_values(
    conn: Connection, batch_id: int, found: list[MetricValue], team_ids: dict[str, int]
) -> None:
    ids = {n: i for i, n in conn.execute(select(metric_defs.c.id, metric_defs.c.name))}
    if found:
        conn.execute(
            insert(metric_values),
            [
                dict(
                    batch_id=batch_id,
                    metric_id=ids[v.metric],
                    team_id=team_ids[v.team] if v.team else None,
                    month=v.month,
                    value=v.value,
                    line=v.line,
                )
                for v in found
            ],
        )


def values(
    conn: Connection, first_month: str, last_month: str
) -> dict[tuple[str, str], dict[str, float]]:
    """{(metric, team or ""): {month: value}} for months `first_month`..`last_month`."""
    q = (
        select(metric_defs.c.name, teams.c.name, metric_values.c.month, metric_values.c.value)
        .select_from(
            metric_values.join(
                metric_defs, metric_values.c.metric_id == metric_defs.c.id
            ).outerjoin(teams, metric_values.c.team_id == teams.c.id)
        )
        .where(metric_values.c.month >= first_month, metric_values.c.month <= last_month)
    )
    out: dict[tuple[str, str], dict[str, float]] = {}
    for metric, team, month, value in conn.execute(q):
        out.setdefault((metric, team or ""), {})[month] = value
    return out


def summary(conn: Connection) -> list[tuple[MetricDef, int, str | None, str | None]]:
    """Each metric with its number of values and first and last month."""
    q = (
        select(
            metric_defs.c.name,
            metric_defs.c.year_rule,
            metric_defs.c.label,
            func.count(metric_values.c.id),
            func.min(metric_values.c.month),
            func.max(metric_values.c.month),
        )
        .select_from(
            metric_defs.outerjoin(metric_values, metric_values.c.metric_id == metric_defs.c.id)
        )
        .group_by(metric_defs.c.name, metric_defs.c.year_rule, metric_defs.c.label)
        .order_by(metric_defs.c.name)
    )
    return [(MetricDef(n, r, lbl), c, lo, hi) for n, r, lbl, c, lo, hi in conn.execute(q)]


def batch_months(conn: Connection, batch_ids: set[int]) -> list[str]:
    """The months the metric values of imports `batch_ids` are given for, sorted."""
    if not batch_ids:
        return []
    q = (
        select(metric_values.c.month)
        .where(metric_values.c.batch_id.in_(sorted(batch_ids)))
        .distinct()
    )
    return sorted(m for (m,) in conn.execute(q))


def values_of_months(conn: Connection, months: list[str]) -> dict[tuple[str, str, str], float]:
    """{(month, metric, team or ""): value} of the metric values of `months` (every import)."""
    if not months:
        return {}
    q = (
        select(metric_values.c.month, metric_defs.c.name, teams.c.name, metric_values.c.value)
        .select_from(
            metric_values.join(
                metric_defs, metric_values.c.metric_id == metric_defs.c.id
            ).outerjoin(teams, metric_values.c.team_id == teams.c.id)
        )
        .where(metric_values.c.month.in_(months))
    )
    return {(m, metric, team or ""): float(v) for m, metric, team, v in conn.execute(q)}
