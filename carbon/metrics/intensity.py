"""Intensities (kg CO2e per unit of a business metric) for a month and for a year.

The rules are in carbon/metrics/rules.py (pure); this module gathers the figures:
emissions per team and month from the ledger's rollup, metric values from the
metrics tables, both aggregated in SQL.

Which metrics are shown: for the company, every metric with a company value
(team empty) in any month; for a team, every metric with a value for that team.
Company intensities divide the company total; team intensities the team's.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date

from carbon.core.calendar import counted_through, month_label, month_range, parse_month
from carbon.core.figures import kept
from carbon.errors import NotFound
from carbon.metrics import rules
from carbon.metrics import store as stored
from carbon.metrics.rules import Intensity, MetricDef
from carbon.model import MonthlyReport
from carbon.store import Store

TREND_MONTHS = 12
COMPANY = ""


@dataclass(frozen=True)
class IntensityView:
    """Intensities of a month: the company's (or the one team's, with --team) and each team's,
    with the trend of the last 12 months: {(metric, team or ""): ((month, kg per unit or None), ...)}."""

    month: str
    company: tuple[Intensity, ...]
    teams: Mapping[str, tuple[Intensity, ...]]
    trend: Mapping[tuple[str, str], tuple[tuple[str, float | None], ...]]


def _back(month: str, n: int) -> str:
    y, m = parse_month(month)
    k = y * 12 + (m - 1) - n
    return month_label(k // 12, k % 12 + 1)


def shape(
    month: str,
    defs: Mapping[str, MetricDef],
    values: Mapping[tuple[str, str], Mapping[str, float]],
    kg: Mapping[tuple[str, str], float],
    only_team: str | None = None,
) -> IntensityView:
    """The intensities of `month` (pure).

    `values`: {(metric, team or ""): {month: value}} (all the months a metric has
    values for, at least the 12-month window); `kg`: {(team or "" for the
    company, month): kg CO2e}, for the 12 months ending with `month`.
    """
    window = month_range(_back(month, TREND_MONTHS - 1), month)
    trend: dict[tuple[str, str], tuple[tuple[str, float | None], ...]] = {}

    def series(metric: str, who: str) -> tuple[Intensity, ...]:
        d = defs[metric]
        vals = values[(metric, who)]
        trend[(metric, who)] = tuple(
            (
                m,
                rules.month_intensity(d, kg[(who, m)], vals.get(m)).kg_per_unit
                if (who, m) in kg
                else None,
            )
            for m in window
        )
        return (rules.month_intensity(d, kg.get((who, month), 0.0), vals.get(month)),)

    top_who = COMPANY if only_team is None else only_team
    top = tuple(
        i
        for (metric, who) in sorted(values)
        if who == top_who and metric in defs
        for i in series(metric, who)
    )
    teams: dict[str, tuple[Intensity, ...]] = {}
    if only_team is None:
        for metric, who in sorted(values):
            if who != COMPANY and metric in defs:
                teams[who] = teams.get(who, ()) + series(metric, who)
    return IntensityView(month, top, teams, trend)


def for_month(store: Store, report: MonthlyReport) -> IntensityView:
    """The intensities of a monthly report's month (and its team, with --team)."""
    month = report.month
    first = _back(month, TREND_MONTHS - 1)
    with store.engine.connect() as conn:
        defs = stored.definitions(conn)
        values = stored.values(conn, "0000-01", "9999-12")
        kg: dict[tuple[str, str], float] = {}
        for team, m, total, _n in store.aggregate(conn, ["team", "month"], first, month):
            kg[(team, m)] = total
            kg[(COMPANY, m)] = kg.get((COMPANY, m), 0.0) + total
    return shape(month, defs, values, kg, report.team)


def for_year(
    store: Store, year: int, team: str | None = None, today: date | None = None
) -> tuple[Intensity, ...]:
    """Yearly intensities of the company (or `team`): kg CO2e per unit of each metric's yearly
    aggregate (sum or mean of its monthly values), over the months that have a value, counted
    through the last month over as of `today` (default: the date), as the year report's totals:
    a running month's partial emissions never enter a yearly intensity."""
    first = month_label(year, 1)
    last = counted_through(today or date.today(), month_label(year, 12))
    if last < first:
        return ()
    with store.engine.connect() as conn:
        names = store.team_ids(conn)
        if team is not None and team not in names:
            from carbon.store import team_history

            raise NotFound(team_history.unknown_team(conn, team))  # renamed: names the new name
        defs = stored.definitions(conn)
        values = stored.values(conn, first, last)
        kg: dict[str, float] = {}
        for m, total, _n in store.aggregate(conn, ["month"], first, last, team=team):
            kg[m] = total
    who = team or COMPANY
    return tuple(
        rules.year_intensity(defs[metric], kg, vals)
        for (metric, w), vals in sorted(values.items())
        if w == who and metric in defs
    )


def to_list(items: tuple[Intensity, ...]) -> list[dict]:
    """The JSON form: [{"metric", "label", "value", "kg_per_unit"[, "note"]}], kg CO2e per unit."""
    out = []
    for i in items:
        d = {
            "metric": i.metric,
            "label": i.label,
            "value": i.value,
            "kg_per_unit": kept(i.kg_per_unit, 6),
        }
        if i.kg_per_unit is None:
            d["note"] = i.note
        if i.months or i.missing_months:
            d["months"] = list(i.months)
            d["missing_months"] = list(i.missing_months)
        out.append(d)
    return out
