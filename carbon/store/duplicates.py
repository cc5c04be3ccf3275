"""Queries of double counting across imports (rules: carbon.ledger.duplicates).

- Repeated rows: the new import's ledger rows whose `row_key` is also on a row
  of another import in one of the new import's months. The other imports'
  rows are found by probing the ledger's (row_key, month) index with the new
  import's keys, in its own months (both as subqueries, never as lists of
  parameters): the cost grows with the new file, not with the history.
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

from carbon.core import limits
from carbon.core.calendar import month_range
from carbon.core.lazy import lazy
from carbon.core.limits import FIRST_LINES
from carbon.model import Batch, EmployeeClash, RepeatedLine, RepeatedRows
from carbon.store.schema import (
    batch_of,
    batches,
    ledger,
    ledger_monthly,
    ledger_rows_of,
    metadata,
    teams,
)

np = lazy("numpy")
pd = lazy("pandas")  # imported on first use: opening a database needs neither

survey_employees = Table(
    "survey_employees",
    metadata,
    Column("batch_id", Integer, ForeignKey("batches.id", ondelete="CASCADE"), nullable=False),
    Column("employee", String(limits.EMPLOYEE_ID), nullable=False),
    Column("line", Integer, nullable=False),
    PrimaryKeyConstraint("batch_id", "employee"),
    Index("ix_survey_employees_employee", "employee"),
)

SURVEY = "commuting-survey"


PARTITION = 200_000  # rows fetched at a time: the keys are kept as arrays, never as row objects


def _columns(conn: Connection, query) -> tuple[np.ndarray, np.ndarray]:
    """The two integer columns of a query's rows, as int64 arrays.

    Read on the connection's own DBAPI cursor (same transaction), in partitions
    turned straight into arrays: no row object per ledger row (they cost more
    than the read). The query's values are months and ids the store read itself.
    """
    sql = str(query.compile(dialect=conn.dialect, compile_kwargs={"literal_binds": True}))
    dbapi = conn.connection.dbapi_connection
    # PostgreSQL: a server-side cursor, so the client holds one partition at a time.
    cursor = (
        dbapi.cursor(name="carbon_row_keys")
        if conn.dialect.name == "postgresql"
        else dbapi.cursor()
    )
    parts = []
    try:
        cursor.execute(sql)
        while part := cursor.fetchmany(PARTITION):
            parts.append(np.array(part, dtype=np.int64).reshape(-1, 2))
    finally:
        cursor.close()
    both = np.concatenate(parts) if parts else np.zeros((0, 2), dtype=np.int64)
    return both[:, 0].copy(), both[:, 1].copy()


def repeated_rows(
    conn: Connection,
    batch_id: int,
    exclude: Sequence[int] = (),
    *,
    total: int | None = None,
    first: int = FIRST_LINES,
) -> RepeatedRows | None:
    """Rows of import `batch_id` that repeat a row of another import (not in `exclude`), or None.

    The other imports' (batch, row_key) are read through the ledger's (row_key, month) index:
    only their rows in the new import's months whose key is one of the new import's keys. The
    new import's (line, row_key) are read through the primary key (ledger_rows_of) and probed against them in
    a hash table. `total`: the new import's data rows (counted in SQL when not given).
    """
    r, o = ledger_monthly, ledger
    # The new import's months and keys as subqueries, not lists of parameters: a file whose
    # date ranges spread over many years would pass PostgreSQL's 65,535-parameter limit.
    months = select(r.c.month).where(r.c.batch_id == batch_id).distinct()
    skip = sorted({batch_id, *exclude})
    others = [
        b
        for (b,) in conn.execute(select(r.c.batch_id).where(r.c.month.in_(months)).distinct())
        if b not in skip
    ]
    if not others:
        return None
    # The new import's keys through the primary key, within its id bounds (ledger_rows_of).
    # With `DISTINCT` or `row_key IS NOT NULL` SQLite's planner, given the statistics of a large
    # ledger, walked the whole (row_key, month) index in key order instead (2.6 s at 1 M rows
    # against 0.09 s): a cost that grows with the history. `IN` needs no DISTINCT, and a NULL
    # key matches nothing.
    mine = ledger_rows_of(batch_id)
    keys = select(o.c.row_key).where(mine)
    theirs_batch, theirs_key = _columns(
        conn,
        select(o.c.batch_id, o.c.row_key).where(
            o.c.month.in_(months), o.c.row_key.in_(keys), o.c.batch_id.not_in(skip)
        ),
    )
    if not len(theirs_key):
        return None  # no key of the new import is on another import's rows in its months
    table = pd.Index(pd.unique(theirs_key))
    line, key = _columns(
        conn,
        select(o.c.line, o.c.row_key).where(mine, o.c.row_key.is_not(None)),
    )
    hit = table.get_indexer(key) >= 0
    if not hit.any():
        return None
    lines = np.sort(pd.unique(line[hit]))
    if total is None:
        total = conn.execute(select(func.count(o.c.line.distinct())).where(mine)).scalar_one()
    shown = [int(x) for x in lines[:first]]
    hit_keys = pd.Index(pd.unique(key[hit]))
    every = sorted(pd.unique(theirs_batch[hit_keys.get_indexer(theirs_key) >= 0]).tolist())
    names = dict(
        conn.execute(
            select(batches.c.id, batches.c.source_name).where(batches.c.id.in_(every))
        ).all()
    )
    rows = conn.execute(
        select(
            o.c.line,
            o.c.row_key,
            teams.c.name,
            o.c.activity,
            func.sum(o.c.quantity),
            o.c.unit,
            func.min(o.c.month),
            func.max(o.c.month),
        )
        .select_from(o.join(teams, o.c.team_id == teams.c.id))
        .where(mine, o.c.line.in_(shown))
        .group_by(o.c.line, o.c.row_key, teams.c.name, o.c.activity, o.c.unit)
        .order_by(o.c.line)
    ).all()
    first_lines = []
    for ln, k, team, act, q, unit, m0, m1 in rows:
        held = sorted(set(theirs_batch[theirs_key == k].tolist()))
        if held:
            first_lines.append(
                RepeatedLine(
                    ln, team, act, float(q), unit, m0, m1, tuple((b, names[b]) for b in held)
                )
            )
    return RepeatedRows(
        len(lines), int(total), tuple(first_lines), tuple((b, names[b]) for b in every)
    )


def insert_employees(conn: Connection, batch_id: int, employees: Sequence[tuple[str, int]]) -> None:
    """Record a survey import's employees: (employee id, line)."""
    if employees:
        conn.execute(
            insert(survey_employees),
            [dict(batch_id=batch_id, employee=e, line=int(ln)) for e, ln in employees],
        )


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
        .select_from(
            n.join(o, (o.c.employee == n.c.employee) & (o.c.batch_id != n.c.batch_id)).join(
                batches, batches.c.id == o.c.batch_id
            )
        )
        .where(n.c.batch_id == batch_id)
        .order_by(n.c.line, o.c.batch_id)
    ).all()
    mine = set(months)
    out = []
    for employee, line, other, source, params in rows:
        overlap = tuple(m for m in _months(params) if m in mine)
        if overlap:
            out.append(EmployeeClash(employee, line, other, source, overlap))
    return out


def surveys_without_employees(
    conn: Connection, batch_id: int, months: Sequence[str]
) -> list[tuple[Batch, list[str]]]:
    """Survey imports of overlapping months whose employees were never recorded (imported
    before carbon kept them): (import, the overlapping months)."""
    known = select(survey_employees.c.batch_id).distinct()
    rows = conn.execute(
        select(batches)
        .where(batches.c.kind == SURVEY, batches.c.id != batch_id, batches.c.id.not_in(known))
        .order_by(batches.c.id)
    ).mappings()
    mine = set(months)
    out = []
    for row in rows:
        overlap = [m for m in _months(row["params"]) if m in mine]
        if overlap:
            out.append((batch_of(row), overlap))
    return out
