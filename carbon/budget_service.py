"""Budgets, end to end: load a budget file into the store, and the status of a month.

Orchestration only: the file is read by carbon.budget_file, the status computed
by carbon.budget_status, the SQL is carbon.store.budgets.
"""

from __future__ import annotations

import dataclasses
import hashlib
from collections import defaultdict
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy.engine import Connection

from carbon import budget_file, limits
from carbon.budget_status import status_report
from carbon.budgets import Actuals, StatusReport, company_warning
from carbon.errors import InputError, NotFound, Problem
from carbon.model import LoadOutcome
from carbon.periods import counted_through, month_label, parse_month, running_month
from carbon.store import budgets as stored_budgets
from carbon.store import team_history as teams_store

if TYPE_CHECKING:
    from carbon.store import Store


def load_file(store: "Store", path: Path | str, replace: bool = False,
              source: str | None = None) -> LoadOutcome:
    """Validate a budget file and store it as its year's plan, in one transaction.

    Refuses (InputError, nothing written) a bad file, or a year already loaded
    from other content unless `replace`. The identical content again is a no-op.
    `source` names the file in messages and in the database (default: the path).
    """
    path = Path(path)
    name = limits.clip(source or str(path), limits.SOURCE_NAME)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise NotFound(f"cannot read budget file {str(path)!r}: {exc.strerror or exc}") from None
    digest = hashlib.sha256(data).hexdigest()
    text = budget_file.decode(data, name)
    with store.transaction() as conn:
        team_ids = store.team_ids(conn)
        plan = budget_file.parse(text, name, team_ids)
        earlier = stored_budgets.get_plan(conn, plan.year)
        without = tuple(sorted(set(team_ids) - {t.team for t in plan.teams}))
        warnings = []
        if plan.company_budget_kg is not None and plan.team_total_kg > plan.company_budget_kg:
            warnings.append(company_warning(plan))
        if earlier is not None and earlier.content_hash == digest:
            return LoadOutcome(earlier.plan, already_loaded=True, warnings=tuple(warnings),
                               teams_without_budget=without)
        if earlier is not None and not replace:
            when = f"{earlier.loaded_at:%Y-%m-%d %H:%M} UTC" if earlier.loaded_at else "earlier"
            raise InputError(f"{name}: budgets for {plan.year} are already loaded; nothing was loaded", [
                Problem(name, _year_line(text), None, str(plan.year),
                        f"year: budgets for {plan.year} were loaded from {earlier.plan.source!r} "
                        f"({when}); use --replace to swap them for this file")
            ])
        stored_budgets.replace_plan(conn, plan, name, digest, team_ids)
    return LoadOutcome(plan, replaced=earlier, warnings=tuple(warnings), teams_without_budget=without)


def _year_line(text: str) -> int | None:
    for no, line in enumerate(text.splitlines(), start=1):
        if line.strip().startswith("year"):
            return no
    return None


def actuals(store: "Store", conn: Connection, year: int, month: int, team: str | None = None) -> Actuals:
    """The ledger of January..`month` of `year`, aggregated in SQL (kg CO2e)."""
    first, last = month_label(year, 1), month_label(year, month)
    by_month: dict[str, dict[str, float]] = defaultdict(dict)
    for t, m, kg, _n in store.aggregate(conn, ["team", "month"], first, last, team=team):
        by_month[t][m] = kg
    by_activity: dict[str, dict[str, float]] = defaultdict(dict)
    for t, a, kg, _n in store.aggregate(conn, ["team", "activity"], first, last, team=team):
        by_activity[t][a] = kg
    by_factor: dict[str, list] = defaultdict(list)
    for t, _fid, u, cat, kg, _n in store.aggregate(
            conn, ["team", "factor_id", "uncertainty_pct", "category"], first, last, team=team):
        by_factor[t].append((kg, u, cat))
    months = tuple(m for m, _kg, _n in store.aggregate(conn, ["month"], first, last))
    return Actuals(last, dict(by_month), dict(by_activity), dict(by_factor), months)


def status_at(store: "Store", month: str, team: str | None = None, today: date | None = None) -> StatusReport:
    """Budget status of every team (or `team`) at `month` ("YYYY-MM"), as of `today`.

    The running month is never counted as a whole month: the status of the month
    of `today` is the status counted through the month before it
    (carbon.periods.counted_through), said so in a warning and in `counted_through`.
    Raises NotFound when the month is malformed or has not started by `today`, no
    month of its year is over yet, its year has no budgets, the team is unknown,
    or the ledger holds nothing at all for the month counted through (its actual
    would otherwise read as a silent zero).
    """
    try:
        year, m = parse_month(month)
    except ValueError as exc:
        raise InputError(f"--month: {exc}") from None  # a malformed month is input
    month = month_label(year, m)
    today = today or date.today()
    this_month = running_month(today)
    if month > this_month:
        raise NotFound(f"{month} has not started (today is {today.isoformat()}): a budget status "
                       "reports a month that is over, or the current one")
    through = counted_through(today, month)
    if through < month_label(year, 1):
        raise NotFound(f"no month of {year} is over yet (today is {today.isoformat()}): {month} is the "
                       "running month, and a month not over is never counted as a whole month")
    with store.engine.connect() as conn:
        stored = stored_budgets.require_plan(conn, year)
        names = list(store.team_ids(conn))
        if team is not None and team not in names:
            raise NotFound(teams_store.unknown_team(conn, team))  # renamed, or a did-you-mean
        have = store.months_with_data(conn)
        if through not in have:
            span = f"data exists for {have[0]} to {have[-1]}" if have else "the ledger is empty"
            raise NotFound(f"no emissions recorded for {through} ({span}): a budget status would "
                           "count the missing month as zero")
        acts = actuals(store, conn, year, int(through[5:7]), team)
        active = teams_store.active_names(conn, month)  # a retired team is listed by its history only
    report = status_report(stored.plan, through, acts, active, only_team=team)
    if through != month:
        partial = (f"{month} is not over (today is {today.isoformat()}): counted through {through}, "
                   f"the last month over; {month}'s data so far is not counted")
        report = dataclasses.replace(report, month=month, warnings=(partial, *report.warnings))
    return report
