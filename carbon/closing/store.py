"""Tables and queries of closed periods and restatements (rules: carbon.closing.rules).

- `period_locks`: one row per closing of a month ("YYYY-MM") or a year
  ("YYYY"); reopening fills its reopened_* columns, the row stays.
- `restatements`, `restatement_teams`: each write into a closed period, with
  who, when, why, and per locked month and team the kg CO2e before and after;
  `restatement_figures`: the other figures it changed (metric values, intensities).

The rules (is a month closed, may it be closed, the refusal) are carbon.closing.rules;
closing, reopening and the guard of every write are carbon.closing.service.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import UTC, datetime

from sqlalchemy import (
    Column,
    DateTime,
    Float,
    ForeignKey,
    Integer,
    PrimaryKeyConstraint,
    String,
    Table,
    Text,
    case,
    func,
    insert,
    select,
    update,
)
from sqlalchemy.engine import Connection

from carbon.closing.records import PeriodLock
from carbon.core import limits
from carbon.metrics.store import metric_values
from carbon.model import FigureChange, Restatement, TeamChange
from carbon.scope2.store import energy_attributes
from carbon.store.schema import ledger_monthly, metadata, teams

FIGURE_NAME = 120  # "kg CO2e per " + a metric name

period_locks = Table(
    "period_locks",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("period", String(7), nullable=False),  # "YYYY-MM" or "YYYY"
    Column("origin", String(32), nullable=False),
    Column("locked_at", DateTime(timezone=True), nullable=False),
    Column("locked_by", String(limits.PERSON), nullable=False),
    Column("reason", Text, nullable=False),
    Column("reopened_at", DateTime(timezone=True)),
    Column("reopened_by", String(limits.PERSON)),
    Column("reopen_reason", Text),
)

restatements = Table(
    "restatements",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("at", DateTime(timezone=True), nullable=False),
    Column("by", String(limits.PERSON), nullable=False),
    Column("reason", Text, nullable=False),
    Column("action", String(32), nullable=False),
    Column(
        "batch_id", Integer
    ),  # the import written (None for a removal); no FK: it may be removed later
    Column("removed", Text, nullable=False),  # JSON list of the import ids removed
    Column("periods", Text, nullable=False),  # JSON list of the locked months written into
)

restatement_teams = Table(
    "restatement_teams",
    metadata,
    Column(
        "restatement_id", Integer, ForeignKey("restatements.id", ondelete="CASCADE"), nullable=False
    ),
    Column("month", String(7), nullable=False),
    Column(
        "team", String(limits.TEAM_NAME), nullable=False
    ),  # the name then (the record outlives ids)
    Column("before_kg", Float, nullable=False),
    Column("after_kg", Float, nullable=False),
    PrimaryKeyConstraint("restatement_id", "month", "team"),
)

# Figures other than a team's kg CO2e that a restatement changed (a metric's value and the
# intensity it gives), before and after; NULL: no figure on that side.
restatement_figures = Table(
    "restatement_figures",
    metadata,
    Column(
        "restatement_id", Integer, ForeignKey("restatements.id", ondelete="CASCADE"), nullable=False
    ),
    Column("month", String(7), nullable=False),
    Column("team", String(limits.TEAM_NAME), nullable=False),  # "" for the company
    Column("figure", String(FIGURE_NAME), nullable=False),
    Column("before_value", Float),
    Column("after_value", Float),
    PrimaryKeyConstraint("restatement_id", "month", "team", "figure"),
)


def _utc(at: datetime | None) -> datetime | None:
    if at is not None and at.tzinfo is None:
        at = at.replace(tzinfo=UTC)  # SQLite drops the zone; we store UTC
    return at


def _lock(row) -> PeriodLock:
    return PeriodLock(
        row["id"],
        row["period"],
        row["origin"],
        _utc(row["locked_at"]),
        row["locked_by"],
        row["reason"],
        _utc(row["reopened_at"]),
        row["reopened_by"],
        row["reopen_reason"],
    )


def list_locks(conn: Connection, *, active_only: bool = False) -> list[PeriodLock]:
    """Every lock (or those in force), by period then id."""
    q = select(period_locks).order_by(period_locks.c.period, period_locks.c.id)
    if active_only:
        q = q.where(period_locks.c.reopened_at.is_(None))
    return [_lock(r) for r in conn.execute(q).mappings()]


def add_lock(conn: Connection, period: str, origin: str, by: str, reason: str) -> PeriodLock:
    """Close `period` ("YYYY-MM" or "YYYY"). The caller checks it is not closed already."""
    new_id = conn.execute(
        insert(period_locks)
        .values(
            period=period,
            origin=origin,
            locked_at=datetime.now(UTC),
            locked_by=by,
            reason=reason,
        )
        .returning(period_locks.c.id)
    ).scalar_one()
    return _lock(
        conn.execute(select(period_locks).where(period_locks.c.id == new_id)).mappings().one()
    )


def reopen(conn: Connection, lock: PeriodLock, by: str, reason: str) -> PeriodLock:
    """Record the reopening of `lock` (the row stays, with who, when and why)."""
    conn.execute(
        update(period_locks)
        .where(period_locks.c.id == lock.id)
        .values(reopened_at=datetime.now(UTC), reopened_by=by, reopen_reason=reason)
    )
    return _lock(
        conn.execute(select(period_locks).where(period_locks.c.id == lock.id)).mappings().one()
    )


def batch_months(conn: Connection, batch_ids: Sequence[int]) -> dict[int, list[str]]:
    """{import id: the months it holds entries, energy-attribute instruments or metric values in,
    sorted} (removing any of them changes a month's figures)."""
    if not batch_ids:
        return {}
    return _months_of(conn, list(batch_ids))


def _months_of(conn: Connection, batch_ids: list[int] | None) -> dict[int, list[str]]:
    """{import id: its months} of the ledger rollup and the energy-attribute instruments, for
    `batch_ids` (None: every import)."""
    r, e, v = ledger_monthly, energy_attributes, metric_values
    ledger = select(r.c.batch_id, r.c.month)
    instruments = select(e.c.batch_id, e.c.month)
    metrics = select(v.c.batch_id, v.c.month)  # a metric value changes its month's intensity
    if batch_ids is not None:
        ledger = ledger.where(r.c.batch_id.in_(batch_ids))
        instruments = instruments.where(e.c.batch_id.in_(batch_ids))
        metrics = metrics.where(v.c.batch_id.in_(batch_ids))
    both = ledger.union(instruments, metrics).subquery()  # UNION: distinct
    out: dict[int, list[str]] = {}
    for b, m in conn.execute(
        select(both.c.batch_id, both.c.month).order_by(both.c.batch_id, both.c.month)
    ):
        out.setdefault(b, []).append(m)
    return out


def all_batch_months(conn: Connection) -> dict[int, list[str]]:
    """{import id: its months} for every import (the rollup and the instruments are small)."""
    return _months_of(conn, None)


def record_restatement(
    conn: Connection,
    by: str,
    reason: str,
    added: Sequence[int],
    removed: Sequence[int],
    periods: Sequence[str],
    figures: Sequence[FigureChange] = (),
    action: str | None = None,
) -> Restatement:
    """Record a write into the closed months `periods` (the `added` imports written, the `removed`
    ones not yet deleted), with the per-month and per-team difference, and the other `figures` it
    changes (metrics, intensities); the restatement."""
    changes = team_changes(conn, list(periods), added, removed)
    kind = action or ("remove" if not added else ("replace" if removed else "import"))
    new_id = conn.execute(
        insert(restatements)
        .values(
            at=datetime.now(UTC),
            by=by,
            reason=reason,
            action=kind,
            batch_id=added[0] if added else None,
            removed=json.dumps(list(removed)),
            periods=json.dumps(sorted(periods)),
        )
        .returning(restatements.c.id)
    ).scalar_one()
    if changes:
        conn.execute(
            insert(restatement_teams),
            [
                dict(
                    restatement_id=new_id,
                    month=c.month,
                    team=c.team,
                    before_kg=c.before_kg,
                    after_kg=c.after_kg,
                )
                for c in changes
            ],
        )
    if figures:
        conn.execute(
            insert(restatement_figures),
            [
                dict(
                    restatement_id=new_id,
                    month=f.month,
                    team=f.team,
                    figure=f.figure,
                    before_value=f.before,
                    after_value=f.after,
                )
                for f in figures
            ],
        )
    return _restatements(conn, new_id)[0]


def team_changes(
    conn: Connection, months: Sequence[str], added: Sequence[int], removed: Sequence[int]
) -> list[TeamChange]:
    """Per month of `months` and team: kg CO2e without the `added` imports (before) and
    without the `removed` ones (after), aggregated in SQL; only teams whose figure changes."""
    r = ledger_monthly
    kg = r.c.co2e_kg
    before = func.sum(case((r.c.batch_id.in_(list(added) or [-1]), 0.0), else_=kg))
    after = func.sum(case((r.c.batch_id.in_(list(removed) or [-1]), 0.0), else_=kg))
    rows = conn.execute(
        select(r.c.month, teams.c.name, before, after)
        .select_from(r.join(teams, r.c.team_id == teams.c.id))
        .where(r.c.month.in_(list(months)))
        .group_by(r.c.month, teams.c.name)
        .order_by(r.c.month, teams.c.name)
    )
    return [
        TeamChange(m, t, float(b or 0.0), float(a or 0.0))
        for m, t, b, a in rows
        if (b or 0.0) != (a or 0.0)
    ]


def _restatements(conn: Connection, restatement_id: int | None = None) -> list[Restatement]:
    q = select(restatements).order_by(restatements.c.id)
    if restatement_id is not None:
        q = q.where(restatements.c.id == restatement_id)
    out = []
    for row in conn.execute(q).mappings().all():
        t = restatement_teams
        changes = tuple(
            TeamChange(m, team, b, a)
            for m, team, b, a in conn.execute(
                select(t.c.month, t.c.team, t.c.before_kg, t.c.after_kg)
                .where(t.c.restatement_id == row["id"])
                .order_by(t.c.month, t.c.team)
            )
        )
        f = restatement_figures
        figures = tuple(
            FigureChange(*r)
            for r in conn.execute(
                select(f.c.month, f.c.team, f.c.figure, f.c.before_value, f.c.after_value)
                .where(f.c.restatement_id == row["id"])
                .order_by(f.c.month, f.c.team, f.c.figure)
            )
        )
        out.append(
            Restatement(
                row["id"],
                _utc(row["at"]),
                row["by"],
                row["reason"],
                row["action"],
                row["batch_id"],
                tuple(json.loads(row["removed"])),
                tuple(json.loads(row["periods"])),
                changes,
                figures,
            )
        )
    return out


def list_restatements(conn: Connection) -> list[Restatement]:
    """Every restatement, oldest first, with its per-team changes."""
    return _restatements(conn)
