"""Views of the ledger: aggregations run in SQL, shaped into records here."""

from __future__ import annotations

import dataclasses
from collections import defaultdict
from datetime import date
from typing import TYPE_CHECKING

from carbon.core.calendar import counted_through, month_label, parse_month
from carbon.core.lazy import lazy
from carbon.errors import CarbonError, InputError, NotFound
from carbon.factors import scope3
from carbon.model import MonthlyReport, TeamMonth, retired_by
from carbon.scope2 import view as scope2_view
from carbon.store import Store
from carbon.store import team_history as stored_teams

if TYPE_CHECKING:
    from carbon.factors.conversions import Conversions

factor_service = lazy("carbon.factors.service")  # the trace only: a report reads no factor table


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
    return MonthlyReport(
        month,
        tuple(
            TeamMonth(
                t,
                total.get(t, 0.0),
                dict(sorted(cats[t].items())),
                dict(sorted(scopes[t].items())),
                entries.get(t, 0),
                dict(sorted(cells[t].items())),
            )
            for t in names
        ),
    )


def monthly_report(
    store: Store, month: str, team: str | None = None, today: date | None = None
) -> MonthlyReport:
    """Emissions of `month` ("YYYY-MM") per team, by category and scope (kg CO2e).

    Raises NotFound when the month (or the team) has no data: an empty month is
    reported as missing, never as zero. The running month (not over as of `today`,
    default the date: carbon.core.calendar.counted_through) is reported as partial, with a warning.
    """
    try:
        year, m = parse_month(month)
    except ValueError as exc:
        raise InputError(f"--month: {exc}") from None  # a malformed month is input
    with store.engine.connect() as conn:
        team_names = store.team_ids(conn)
        if team is not None and team not in team_names:
            raise NotFound(stored_teams.unknown_team(conn, team))
        rows = store.month_totals(conn, month, team)
        if not rows:
            months = store.months_with_data(conn)
            span = (
                f"data exists for {months[0]} to {months[-1]}" if months else "the ledger is empty"
            )
            who = f" for team {team!r}" if team else ""
            gone = stored_teams.retired(conn)
            if team is not None and retired_by(gone, team, month):
                raise NotFound(
                    f"team {team!r} was retired from {gone[team]}: it has no emissions in {month} "
                    f"(its history stays in the months before; {span})"
                )
            raise NotFound(f"no emissions recorded for {month}{who} ({span})")
        # A team retired at or before the month is not "without data": it no longer exists.
        declared = [team] if team else stored_teams.active_names(conn, month)
        scope3_rows = store.aggregate(
            conn, ["scope3_category"], month, month, team=team, scopes=[3]
        )
        both = scope2_view.figures(conn, month, month, team)
    report = shape_month(month, rows, declared)
    by_s3 = scope3.sums(scope3_rows)
    today = today or date.today()
    partial = counted_through(today, month) != month_label(year, m)
    warnings = (
        (
            f"{month} is not over (today is {today.isoformat()}): its figures are partial, the data "
            f"received so far; figures counted as a whole month stop at {counted_through(today)}",
        )
        if partial
        else ()
    )
    return dataclasses.replace(
        report,
        team=team,
        by_scope3_category=by_s3,
        scope2=tuple(both.values()),
        partial=partial,
        warnings=warnings,
    )


def month_sources(store: Store, month: str, team: str | None = None) -> list[dict]:
    """Every figure of `month` traced to its factor (value, unit, source) and import.

    Raises NotFound when the month has no data (as monthly_report does).
    """
    report = monthly_report(store, month, team)  # same checks and errors
    del report
    from carbon.store import flights as stored_flights
    from carbon.store import pools as stored_pools
    from carbon.store import workdays as stored_days

    with store.engine.connect() as conn:
        rows = store.month_sources(conn, month, team)
        legs = stored_flights.month_legs(conn, month, team)
        shares = stored_pools.month_shares(conn, month, team)
        calendars = stored_days.month_calendars(conn, month)
        answers = factor_service.unit_answers(store, conn)
    days: dict[int, list[dict]] = {}
    for c in calendars:
        days.setdefault(c["import_id"], []).append(
            {
                "country": c["country"],
                "weekdays": c["weekdays"],
                "public_holidays": [h for h in c["holidays"].split("; ") if h],
                "closure_days": c["closure_days"],
                "working_days": c["working_days"],
                "absence_rate": c["absence_rate"],
                "days_worked": round(c["working_days"] * (1 - c["absence_rate"]), 6),
            }
        )
    # Entries split from a shared-cost pool: the pool, its key and the team's share of the month.
    split: dict[tuple, list[dict]] = {}
    for x in shares:
        split.setdefault((x["team"], x["import_id"]), []).append(
            {"pool": x["pool"], "key": x["key"], "share": round(x["share"], 9)}
        )
    # Flights imported by airport code: each row's flights, as booked (route, distance, uplift,
    # band, class), so their passenger-km can be checked by hand.
    per: dict[tuple, list[dict]] = {}
    for g in legs:
        per.setdefault((g["team"], g["import_id"], g["activity"]), []).append(
            {
                "line": g["line"],
                "route": f"{g['origin']}-{g['destination']}",
                "distance_km": round(g["distance_km"], 3),
                "uplift_pct": round(g["uplift"] * 100, 6),
                "band": g["band"],
                "class": g["cabin"],
                "class_used": g["cabin_used"],
                "passengers": g["passengers"],
                "return": bool(g["round_trip"]),
                "rf": bool(g["rf"]),
                "passenger_km": round(g["passenger_km"], 6),
                "co2e_kg": round(g["co2e_kg"], 6),
            }
        )
    for r in rows:
        found = per.get((r["team"], r["import_id"], r["activity"]))
        if found:
            r["flights"] = found
        if r["import_id"] in days:
            r["working_days"] = days[r["import_id"]]
        if (r["team"], r["import_id"]) in split:
            r["allocations"] = split[(r["team"], r["import_id"])]
    out = [
        {**r, **in_factor_unit(r["quantity"], r["quantity_unit"], r["unit"], answers)} for r in rows
    ]
    factor_service.keep_unit_answers(store, answers)  # pint asked once per database
    return out


def in_factor_unit(
    quantity: float, quantity_unit: str, factor_unit: str, answers: Conversions
) -> dict:
    """{"factor_quantity", "factor_quantity_unit"}: the quantity in the unit the factor is per
    ("kg CO2e / kWh" -> kWh), so that factor_quantity × value is the figure (kg CO2e, for a factor
    in kg); None where the factor's unit is not "<CO2e mass> / <unit>". The conversion is pint's
    answer, kept beside the factor table (carbon/factors/conversions.py)."""
    per = factor_unit.split("/", 1)[1].strip() if "/" in factor_unit else ""
    try:
        factor = answers.multiplier(quantity_unit, per) if per else None
    except CarbonError:
        factor = None
    return {
        "factor_quantity": None if factor is None else quantity * factor,
        "factor_quantity_unit": per if factor is not None else None,
    }


def month_series(
    store: Store, first_month: str, last_month: str, team: str | None = None
) -> dict[str, float]:
    """kg CO2e per month from `first_month` to `last_month` (of `team`, else the company), in one
    query of the rollup; a month without entries is absent (unknown), never 0."""
    with store.engine.connect() as conn:
        return {
            m: kg
            for m, kg, n in store.aggregate(conn, ["month"], first_month, last_month, team=team)
            if n
        }


def month_activities(store: Store, month: str, team: str | None = None) -> list[tuple[str, float]]:
    """(activity, kg CO2e) of a month (of `team`, else the company), biggest first, from the rollup."""
    with store.engine.connect() as conn:
        rows = store.aggregate(conn, ["activity"], month, month, team=team)
    return sorted(((a, kg) for a, kg, n in rows if n), key=lambda r: (-r[1], r[0]))
