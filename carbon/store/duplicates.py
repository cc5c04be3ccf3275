"""Queries of double counting across imports (rules: carbon.duplicates).

- Repeated rows: the new import's ledger rows whose `row_key` is also on a row
  of another import, looked for only among the imports holding entries in the
  new import's months (found in the small monthly rollup), by one semi-join
  (`row_key IN (subquery)`: SQLite and PostgreSQL both hash or index the
  subquery once). No per-row loop, no index on the big table.
- `survey_employees`: the employee ids of each commuting-survey import, so a
  later survey can be checked against them.
"""

from __future__ import annotations

import json
from collections.abc import Sequence

from sqlalchemy import (
    Column,
    ForeignKey,
    Index,
    Integer,
    PrimaryKeyConstraint,
    String,
    Table,
    func,
    insert,
    select,
)
from sqlalchemy.engine import Connection

from carbon import limits
from carbon.duplicates import FIRST_LINES, EmployeeClash, RepeatedLine, RepeatedRows
from carbon.model import Batch
from carbon.periods import month_range
from carbon.store.schema import batches, ledger, ledger_monthly, metadata, teams

survey_employees = Table(
    "survey_employees", metadata,
    Column("batch_id", Integer, ForeignKey("batches.id", ondelete="CASCADE"), nullable=False),
    Column("employee", String(limits.EMPLOYEE_ID), nullable=False),
    Column("line", Integer, nullable=False),
    PrimaryKeyConstraint("batch_id", "employee"),
    Index("ix_survey_employees_employee", "employee"),
)

SURVEY = "commuting-survey"


def repeated_rows(conn: Connection, batch_id: int, exclude: Sequence[int] = (),
                  first: int = FIRST_LINES) -> RepeatedRows | None:
    """Rows of import `batch_id` that repeat a row of another import (not in `exclude`), or None."""
    r = ledger_monthly
    months = select(r.c.month).where(r.c.batch_id == batch_id).distinct()
    others = [b for (b,) in conn.execute(select(r.c.batch_id).where(r.c.month.in_(months),
                                                                    r.c.batch_id != batch_id).distinct())
              if b not in set(exclude)]
    if not others:
        return None
    n, o = ledger.alias("n"), ledger.alias("o")
    theirs = select(o.c.row_key).where(o.c.batch_id.in_(others), o.c.month.in_(months),
                                       o.c.row_key.is_not(None))
    mine = (n.c.batch_id == batch_id) & n.c.row_key.in_(theirs)
    count = conn.execute(select(func.count(n.c.line.distinct())).where(mine)).scalar_one()
    if not count:
        return None
    total = conn.execute(select(func.count(n.c.line.distinct())).where(n.c.batch_id == batch_id)).scalar_one()
    lines = [ln for (ln,) in conn.execute(select(n.c.line).where(mine).distinct().order_by(n.c.line).limit(first))]
    rows = conn.execute(
        select(n.c.line, n.c.row_key, teams.c.name, n.c.activity, func.sum(n.c.quantity), n.c.unit,
               func.min(n.c.month), func.max(n.c.month))
        .select_from(n.join(teams, n.c.team_id == teams.c.id))
        .where(n.c.batch_id == batch_id, n.c.line.in_(lines))
        .group_by(n.c.line, n.c.row_key, teams.c.name, n.c.activity, n.c.unit).order_by(n.c.line)).all()
    keys = {key for _l, key, *_rest in rows}
    holders: dict[int, set[tuple[int, str]]] = {}
    for key, b, source in conn.execute(
            select(o.c.row_key, o.c.batch_id, batches.c.source_name).distinct()
            .select_from(o.join(batches, o.c.batch_id == batches.c.id))
            .where(o.c.batch_id.in_(others), o.c.row_key.in_(list(keys)))):
        holders.setdefault(key, set()).add((b, source))
    first_lines = tuple(RepeatedLine(ln, team, act, float(q), unit, m0, m1, tuple(sorted(holders.get(key, ()))))
                        for ln, key, team, act, q, unit, m0, m1 in rows)
    every = conn.execute(
        select(o.c.batch_id, batches.c.source_name).distinct()
        .select_from(o.join(batches, o.c.batch_id == batches.c.id))
        .where(o.c.batch_id.in_(others), o.c.month.in_(months),
               o.c.row_key.in_(select(n.c.row_key).where(n.c.batch_id == batch_id)))
        .order_by(o.c.batch_id)).all()
    return RepeatedRows(count, total, first_lines, tuple((b, s) for b, s in every))


def insert_employees(conn: Connection, batch_id: int, employees: Sequence[tuple[str, int]]) -> None:
    """Record a survey import's employees: (employee id, line)."""
    if employees:
        conn.execute(insert(survey_employees),
                     [dict(batch_id=batch_id, employee=e, line=int(ln)) for e, ln in employees])


def _months(params: str) -> list[str]:
    given = json.loads(params or "{}")
    if not (given.get("from") and given.get("to")):
        return []
    return month_range(given["from"], given["to"])


def employee_clashes(conn: Connection, batch_id: int, months: Sequence[str]) -> list[EmployeeClash]:
    """Employees of survey import `batch_id` already in another survey import of overlapping months."""
    n, o = survey_employees.alias("n"), survey_employees.alias("o")
    rows = conn.execute(
        select(n.c.employee, n.c.line, o.c.batch_id, batches.c.source_name, batches.c.params)
        .select_from(n.join(o, (o.c.employee == n.c.employee) & (o.c.batch_id != n.c.batch_id))
                     .join(batches, batches.c.id == o.c.batch_id))
        .where(n.c.batch_id == batch_id).order_by(n.c.line, o.c.batch_id)).all()
    mine = set(months)
    out = []
    for employee, line, other, source, params in rows:
        overlap = tuple(m for m in _months(params) if m in mine)
        if overlap:
            out.append(EmployeeClash(employee, line, other, source, overlap))
    return out


def surveys_without_employees(conn: Connection, batch_id: int, months: Sequence[str]) -> list[tuple[Batch, list[str]]]:
    """Survey imports of overlapping months whose employees were never recorded (imported
    before carbon kept them): (import, the overlapping months)."""
    from carbon.store import _batch  # the store's row -> Batch

    known = select(survey_employees.c.batch_id).distinct()
    rows = conn.execute(select(batches).where(batches.c.kind == SURVEY, batches.c.id != batch_id,
                                              batches.c.id.not_in(known)).order_by(batches.c.id)).mappings()
    mine = set(months)
    out = []
    for row in rows:
        overlap = [m for m in _months(row["params"]) if m in mine]
        if overlap:
            out.append((_batch(row), overlap))
    return out
