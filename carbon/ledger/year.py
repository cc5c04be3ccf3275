"""The year report: a calendar year's emissions per team x category x scope x month (kg CO2e),
its totals, the change against the year before, intensities, the factors used and the
restatements written into the year.

`shape` is pure (rows in, record out); `year_report` gathers the rows: sums in SQL through
`Store.aggregate`, the factors used from the factor snapshots, the restatements from the
period-lock tables. A month without data is `None` ("no data"), never 0.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import case, func, or_, select

from carbon.closing import store as stored_locks
from carbon.closing.rules import Restatement
from carbon.core.calendar import counted_through, month_label
from carbon.errors import NotFound
from carbon.factors import scope3
from carbon.factors.series import SeriesSwitch, switches
from carbon.metrics import intensity
from carbon.metrics.rules import Intensity
from carbon.model import GASES, Factor
from carbon.scope2.rules import Scope2
from carbon.scope2.view import figures as scope2_figures
from carbon.store import Store
from carbon.store.schema import factor_snapshots, ledger_monthly


@dataclass(frozen=True)
class Change:
    """Year-on-year change: this year's kg against the year before, over `months`."""

    months: tuple[str, ...]  # the months compared (labels of this year)
    kg: float
    previous_kg: float
    change_kg: float
    change_pct: float | None  # None when the previous figure is 0


@dataclass(frozen=True)
class YearReport:
    """A year's figures, kg CO2e. `by_month` is None for a month without data (never 0)."""

    year: int
    months: tuple[str, ...]
    cells: tuple[tuple[str, str, int, str, float], ...]  # (team, category, scope, month, kg)
    by_month: Mapping[str, float | None]
    by_team: Mapping[str, float]
    by_category: Mapping[str, float]
    by_scope: Mapping[str, float]
    total: float
    previous_months: tuple[str, ...]  # months of year-1 with data
    year_on_year: (
        Change | None
    )  # the whole year against the whole of year-1 (None: no data in year-1)
    like_for_like: Change | None  # only the months both years have data for
    intensities: tuple[Intensity, ...] = ()
    sources: tuple[Mapping, ...] = ()
    restatements: tuple[Restatement, ...] = ()
    # Series whose factor vintages used in year-1 and year differ in boundary or gas coverage:
    # the change across them can be a method change (carbon/factors/series.py).
    method_switches: tuple[SeriesSwitch, ...] = ()
    # Scope 3 by GHG Protocol category ("3.1", "3.3", ...; "" where carbon does not classify the
    # report category): (team, category, scope-3 category, month, kg), and the year's sums.
    scope3_cells: tuple[tuple[str, str, str, str, float], ...] = ()
    by_scope3_category: Mapping[str, float] = field(default_factory=dict)
    # Scope 2 both ways per (team, month) with scope 2 (carbon/scope2/rules.py): never added together.
    scope2: tuple[Scope2, ...] = ()
    # The last month counted (carbon.core.calendar.counted_through): December for a year over; for the
    # year in progress the last month over, and the months after it with data are `not_counted`.
    counted_through: str = ""
    not_counted: tuple[str, ...] = ()

    @property
    def in_progress(self) -> bool:
        """The year is not over: its figures are counted through `counted_through` only."""
        return bool(self.counted_through) and self.counted_through != self.months[-1]

    # Scopes 1 and 2 per gas, kg CO2e: {"1": {"co2": kg, "ch4": kg, "n2o": kg, "hfcs": kg, "other": kg,
    # "not_split": kg}, "2": {...}} from the gas parts of the factor rows used; "not_split" holds
    # the kg of rows whose source publishes no split (never apportioned by a guess). Scope 2 is
    # location-based (the ledger's).
    by_gas: Mapping[str, Mapping[str, float]] = field(default_factory=dict)


def months_of(year: int) -> tuple[str, ...]:
    """The twelve "YYYY-MM" labels of `year`."""
    return tuple(month_label(year, m) for m in range(1, 13))


def _change(months: Iterable[str], kg: float, previous: float) -> Change:
    pct = None if previous == 0 else (kg - previous) / previous * 100.0
    return Change(tuple(months), kg, previous, kg - previous, pct)


def shape(year: int, rows: Iterable[tuple], previous_rows: Iterable[tuple]) -> YearReport:
    """The year report from (team, category, scope, month, kg, entries) rows of `year` and
    (month, kg, entries) rows of `year - 1` (pure). Raises NotFound when `year` has no rows."""
    cells = tuple(sorted((t, c, int(s), m, float(kg)) for t, c, s, m, kg, _n in rows))
    if not cells:
        raise NotFound(f"no emissions recorded in {year}")
    month_kg: dict[str, float] = defaultdict(float)
    team: dict[str, float] = defaultdict(float)
    cat: dict[str, float] = defaultdict(float)
    scope: dict[str, float] = defaultdict(float)
    for t, c, s, m, kg in cells:
        month_kg[m] += kg
        team[t] += kg
        cat[c] += kg
        scope[str(s)] += kg
    months = months_of(year)
    total = sum(month_kg.values())
    prev = {m: float(kg) for m, kg, _n in previous_rows}
    yoy = like = None
    if prev:
        yoy = _change(months, total, sum(prev.values()))
        # Like-for-like: the same calendar months with data in both years, so a year that
        # started in September is not compared in full against four months.
        both = [m for m in months if m in month_kg and month_label(year - 1, int(m[5:])) in prev]
        if both:
            like = _change(
                both,
                sum(month_kg[m] for m in both),
                sum(prev[month_label(year - 1, int(m[5:]))] for m in both),
            )
    return YearReport(
        year,
        months,
        cells,
        {m: month_kg.get(m) for m in months},
        dict(sorted(team.items())),
        dict(sorted(cat.items())),
        dict(sorted(scope.items())),
        total,
        tuple(sorted(prev)),
        yoy,
        like,
    )


def scope3_view(rows: Iterable[tuple]) -> tuple[tuple, dict[str, float]]:
    """(scope3_cells, by_scope3_category) from (team, category, scope-3 category number or None,
    month, kg, entries) rows of scope 3 (pure)."""
    cells = tuple(sorted((t, c, scope3.label(n), m, float(kg)) for t, c, n, m, kg, _e in rows))
    by: dict[str, float] = defaultdict(float)
    for _t, _c, n, _m, kg in cells:
        by[n] += kg
    return cells, dict(sorted(by.items(), key=lambda kv: (kv[0] == "", int(kv[0][2:] or 0))))


def _sources(conn, first: str, last: str) -> tuple[dict, ...]:
    """The factors used in the months, with the kg CO2e each produced (summed in SQL)."""
    r, f = ledger_monthly, factor_snapshots
    cols = (
        f.c.activity,
        f.c.region,
        f.c.year,
        f.c.value,
        f.c.unit,
        f.c.scope,
        f.c.source,
        f.c.source_ref,
        f.c.boundary,
        f.c.origin,
    )
    q = (
        select(*cols, func.sum(r.c.co2e_kg).label("co2e_kg"))
        .select_from(r.join(f, r.c.factor_id == f.c.id))
        .where(r.c.month >= first, r.c.month <= last)
        .group_by(f.c.id, *cols)
        .order_by(f.c.activity, f.c.region, f.c.year)
    )
    return tuple(dict(row) for row in conn.execute(q).mappings())


GAS_NAMES = tuple(g.removeprefix("gas_") for g in GASES)


def _by_gas(conn, first: str, last: str) -> dict[str, dict[str, float]]:
    """Scopes 1 and 2 per gas over the months (summed in SQL): each entry's kg times the share of its
    factor row's value each gas part is; the kg of rows stating no parts under "not_split"."""
    r, f = ledger_monthly, factor_snapshots
    split = or_(*(f.c[g].isnot(None) for g in GASES)) & (f.c.value > 0)
    cols = [
        func.sum(case((split, r.c.co2e_kg * func.coalesce(f.c[g], 0.0) / f.c.value), else_=0.0))
        for g in GASES
    ]
    q = (
        select(r.c.scope, *cols, func.sum(case((split, 0.0), else_=r.c.co2e_kg)))
        .select_from(r.join(f, r.c.factor_id == f.c.id))
        .where(r.c.month >= first, r.c.month <= last, r.c.scope.in_([1, 2]))
        .group_by(r.c.scope)
        .order_by(r.c.scope)
    )
    return {
        str(row[0]): {
            **{n: float(v or 0.0) for n, v in zip(GAS_NAMES, row[1:-1])},
            "not_split": float(row[-1] or 0.0),
        }
        for row in conn.execute(q)
    }


def _restatements_of(conn, months: tuple[str, ...]) -> tuple[Restatement, ...]:
    """Restatements that wrote into a month of the year (locked periods or team changes)."""
    inside = set(months)
    return tuple(
        x
        for x in stored_locks.list_restatements(conn)
        if inside & set(x.periods) or any(c.month in inside for c in x.changes)
    )


def year_report(store: Store, year: int, today: date | None = None) -> YearReport:
    """The year report of calendar `year` (kg CO2e), counted through the last month over as of
    `today` (default: the date; carbon.core.calendar.counted_through): a year in progress leaves out
    its running month and says so. Raises NotFound when the year has no data counted."""
    months = months_of(year)
    first = months[0]
    last = counted_through(today or date.today(), months[-1])
    with store.engine.connect() as conn:
        have = store.months_with_data(conn)
        later = tuple(m for m in have if last < m <= months[-1])
        rows = (
            store.aggregate(conn, ["team", "category", "scope", "month"], first, last)
            if last >= first
            else []
        )
        if not rows:
            span = f"data exists for {have[0]} to {have[-1]}" if have else "the ledger is empty"
            upto = f" counted through {last}" if last < months[-1] and last >= first else ""
            over = f" (no month of {year} is over yet)" if last < first else ""
            raise NotFound(f"no emissions recorded in {year}{upto}{over} ({span})")
        previous = store.aggregate(conn, ["month"], months_of(year - 1)[0], months_of(year - 1)[-1])
        s3rows = store.aggregate(
            conn, ["team", "category", "scope3_category", "month"], first, last, scopes=[3]
        )
        sources = _sources(conn, first, last)
        before = _sources(conn, months_of(year - 1)[0], months_of(year - 1)[-1])
        restated = _restatements_of(conn, months)
        both = tuple(scope2_figures(conn, first, last).values())
        gases = _by_gas(conn, first, last)
    report = shape(year, rows, previous)
    s3cells, by_s3 = scope3_view(s3rows)
    return YearReport(
        **{
            **report.__dict__,
            "intensities": intensity.for_year(store, year, today=today),
            "scope3_cells": s3cells,
            "by_scope3_category": by_s3,
            "sources": sources,
            "restatements": restated,
            "scope2": both,
            "by_gas": gases,
            "method_switches": spanning_switches(before, sources),
            "counted_through": last,
            "not_counted": later,
        }
    )


def spanning_switches(
    before: Iterable[Mapping], used: Iterable[Mapping]
) -> tuple[SeriesSwitch, ...]:
    """The switches among the factor rows used in two periods (rows as `_sources` gives them), pure."""
    rows = {
        (s["activity"], s["region"], s["year"]): Factor(
            s["activity"],
            s["region"],
            s["year"],
            s["value"],
            s["unit"],
            "",
            s["scope"],
            s["source"],
            boundary=s["boundary"],
        )
        for s in (*before, *used)
    }
    return tuple(switches(rows.values()))
