"""Views of the ledger: aggregations run in SQL, shaped into records here."""

from __future__ import annotations

import dataclasses
from collections import defaultdict

from carbon import scope2_view, scope3
from carbon.errors import InputError, NotFound
from carbon.model import MonthlyReport, TeamMonth
from carbon.periods import parse_month
from carbon.store import Store
from carbon.store import team_history as stored_teams


def shape_month(month: str, rows, teams: list[str] | None = None) -> MonthlyReport:
    """(team, category, scope, kg, entries) rows -> MonthlyReport (pure).

    Teams listed in `teams` without rows appear with no entries (never dropped).
    """
    total: dict[str, float] = defaultdict(float)
    cats: dict[str, dict[str, float]] = defaultdict(lambda: defaultdict(float))
    scopes: dict[str, dict[str, float]] = defaultdict(lambda: defaultdict(float))
    entries: dict[str, int] = defaultdict(int)
    cells: dict[str, dict[tuple[str, str], float]] = defaultdict(lambda: defaultdict(float))
    for team, category, scope, kg, n in rows:
        total[team] += kg
        cells[team][(category, str(scope))] += kg
        cats[team][category] += kg
        scopes[team][str(scope)] += kg
        entries[team] += n
    names = sorted(set(total) | set(teams or []))
    return MonthlyReport(month, tuple(
        TeamMonth(t, total.get(t, 0.0), dict(sorted(cats[t].items())), dict(sorted(scopes[t].items())),
                  entries.get(t, 0), dict(sorted(cells[t].items())))
        for t in names
    ))


def monthly_report(store: Store, month: str, team: str | None = None) -> MonthlyReport:
    """Emissions of `month` ("YYYY-MM") per team, by category and scope (kg CO2e).

    Raises NotFound when the month (or the team) has no data: an empty month is
    reported as missing, never as zero.
    """
    try:
        parse_month(month)
    except ValueError as exc:
        raise InputError(f"--month: {exc}") from None  # a malformed month is input
    with store.engine.connect() as conn:
        team_names = store.team_ids(conn)
        if team is not None and team not in team_names:
            raise NotFound(stored_teams.unknown_team(conn, team))
        rows = store.month_totals(conn, month, team)
        if not rows:
            months = store.months_with_data(conn)
            span = f"data exists for {months[0]} to {months[-1]}" if months else "the ledger is empty"
            who = f" for team {team!r}" if team else ""
            raise NotFound(f"no emissions recorded for {month}{who} ({span})")
        # A team retired at or before the month is not "without data": it no longer exists.
        declared = [team] if team else stored_teams.active_names(conn, month)
        scope3_rows = store.aggregate(conn, ["scope3_category"], month, month, team=team, scopes=[3])
        both = scope2_view.figures(conn, month, month, team)
    report = shape_month(month, rows, declared)
    by_s3 = scope3.sums(scope3_rows)
    return dataclasses.replace(report, team=team, by_scope3_category=by_s3, scope2=tuple(both.values()))


def month_sources(store: Store, month: str, team: str | None = None) -> list[dict]:
    """Every figure of `month` traced to its factor (value, unit, source) and import.

    Raises NotFound when the month has no data (as monthly_report does).
    """
    report = monthly_report(store, month, team)  # same checks and errors
    del report
    with store.engine.connect() as conn:
        return store.month_sources(conn, month, team)


def month_series(store: Store, first_month: str, last_month: str, team: str | None = None) -> dict[str, float]:
    """kg CO2e per month from `first_month` to `last_month` (of `team`, else the company), in one
    query of the rollup; a month without entries is absent (unknown), never 0."""
    with store.engine.connect() as conn:
        return {m: kg for m, kg, n in store.aggregate(conn, ["month"], first_month, last_month, team=team) if n}


def month_activities(store: Store, month: str, team: str | None = None) -> list[tuple[str, float]]:
    """(activity, kg CO2e) of a month (of `team`, else the company), biggest first, from the rollup."""
    with store.engine.connect() as conn:
        rows = store.aggregate(conn, ["activity"], month, month, team=team)
    return sorted(((a, kg) for a, kg, n in rows if n), key=lambda r: (-r[1], r[0]))
