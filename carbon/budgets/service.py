"""Budgets, end to end: load a budget file into the store, and the status of a month.

Orchestration only: the file is read by carbon.budgets.file, the status computed
by carbon.budgets.status, the SQL is carbon.budgets.store.
"""

from __future__ import annotations

import dataclasses
import hashlib
from collections import defaultdict
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy.engine import Connection

from carbon.budgets import store as stored_budgets
from carbon.budgets.records import LoadOutcome
from carbon.budgets.rules import (
    Actuals,
    BudgetPlan,
    StatusReport,
    company_warning,
    monthly_allocations,
)
from carbon.budgets.status import status_report, team_window
from carbon.core import limits
from carbon.core.calendar import counted_through, month_label, parse_month, running_month
from carbon.core.lazy import lazy
from carbon.errors import InputError, NotFound, Problem
from carbon.model import FigureChange, retired_by
from carbon.store import team_history as teams_store

if TYPE_CHECKING:
    from carbon.budgets import target as budget_target
    from carbon.closing.rules import Restate
    from carbon.store import Store

budget_file = lazy("carbon.budgets.file")  # loading a budget file only: status reads none


def load_file(
    store: Store,
    path: Path | str,
    replace: bool = False,
    source: str | None = None,
    restate: Restate | None = None,
) -> LoadOutcome:
    """Validate a budget file and store it as its year's plan, in one transaction.

    Refuses (InputError, nothing written) a bad file, or a year already loaded
    from other content unless `replace`. The identical content again is a no-op.
    `source` names the file in messages and in the database (default: the path).
    A reload that changes a team's allocation of a closed month is refused
    (PeriodLocked) unless `restate`: the restatement records each allocation
    changed, before and after (kg CO2e).
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
        gone = teams_store.retired(conn)
        plan = budget_file.parse(text, name, team_ids, gone, teams_store.former_names(conn))
        earlier = stored_budgets.get_plan(conn, plan.year)
        existing = {t for t in team_ids if not retired_by(gone, t, month_label(plan.year, 1))}
        without = tuple(sorted(existing - {t.team for t in plan.teams}))
        warnings = []
        if plan.company_budget_kg is not None and plan.team_total_kg > plan.company_budget_kg:
            warnings.append(company_warning(plan))
        if earlier is not None and earlier.content_hash == digest:
            return LoadOutcome(
                earlier.plan,
                already_loaded=True,
                warnings=tuple(warnings),
                teams_without_budget=without,
            )
        if earlier is not None and not replace:
            when = f"{earlier.loaded_at:%Y-%m-%d %H:%M} UTC" if earlier.loaded_at else "earlier"
            raise InputError(
                f"{name}: budgets for {plan.year} are already loaded; nothing was loaded",
                [
                    Problem(
                        name,
                        _year_line(text),
                        None,
                        str(plan.year),
                        f"year: budgets for {plan.year} were loaded from {earlier.plan.source!r} "
                        f"({when}); use --replace to swap them for this file",
                    )
                ],
            )
        restatement = None
        if earlier is not None:
            restatement = _guard_closed(conn, name, earlier.plan, plan, restate)
        stored_budgets.replace_plan(conn, plan, name, digest, team_ids)
    return LoadOutcome(
        plan,
        replaced=earlier,
        warnings=tuple(warnings),
        teams_without_budget=without,
        restatement=restatement,
    )


def _guard_closed(
    conn: Connection, name: str, before: BudgetPlan, after: BudgetPlan, restate: Restate | None
):
    """Refuse, or record as a restatement, the monthly allocations of closed months that a reload
    changes (team budget × its profile's weight of the month, kg CO2e). None when none changes."""
    from carbon.closing import rules as lock_rules
    from carbon.closing import store as stored_locks

    months = [month_label(after.year, m) for m in range(1, 13)]
    hit = lock_rules.locked_months(stored_locks.list_locks(conn, active_only=True), months)
    if not hit:
        return None

    def allocations(plan: BudgetPlan) -> dict[str, tuple[float, ...]]:
        return {t.team: monthly_allocations(t.budget_kg, t.weights) for t in plan.teams}

    old, new = allocations(before), allocations(after)
    figures = []
    for month in sorted(hit):
        i = int(month[5:7]) - 1
        for team in sorted(set(old) | set(new)):
            b = old[team][i] if team in old else None
            a = new[team][i] if team in new else None
            if (b is None) != (a is None) or (b is not None and abs(a - b) > 1e-9):
                figures.append(FigureChange(month, team, "budget allocation (kg CO2e)", b, a))
    if not figures:
        return None
    changed = sorted({f.month for f in figures})
    if restate is None:
        shown = "; ".join(
            f"{f.month} {f.team} {lock_rules.figure(f.before)} → {lock_rules.figure(f.after)} kg"
            for f in figures[:5]
        )
        more = f" and {len(figures) - 5} more" if len(figures) > 5 else ""
        raise lock_rules.refusal(
            f"loading budget file {name} (allocations: {shown}{more})", {m: hit[m] for m in changed}
        )
    return stored_locks.record_restatement(
        conn, restate.by, restate.reason, [], [], changed, figures, action="budget"
    )


def _year_line(text: str) -> int | None:
    for no, line in enumerate(text.splitlines(), start=1):
        if line.strip().startswith("year"):
            return no
    return None


def actuals(
    store: Store, conn: Connection, year: int, month: int, team: str | None = None
) -> Actuals:
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
        conn, ["team", "factor_id", "uncertainty_pct", "category"], first, last, team=team
    ):
        by_factor[t].append((kg, u, cat))
    months = tuple(m for m, _kg, _n in store.aggregate(conn, ["month"], first, last))
    return Actuals(
        last,
        dict(by_month),
        dict(by_activity),
        dict(by_factor),
        months,
        teams_store.retired(conn),
    )


def status_at(
    store: Store, month: str, team: str | None = None, today: date | None = None
) -> StatusReport:
    """Budget status of every team (or `team`) at `month` ("YYYY-MM"), as of `today`.

    The running month is never counted as a whole month: the status of the month
    of `today` is the status counted through the month before it
    (carbon.core.calendar.counted_through), said so in a warning and in `counted_through`.
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
        raise NotFound(
            f"{month} has not started (today is {today.isoformat()}): a budget status "
            "reports a month that is over, or the current one"
        )
    through = counted_through(today, month)
    if through < month_label(year, 1):
        raise NotFound(
            f"no month of {year} is over yet (today is {today.isoformat()}): {month} is the "
            "running month, and a month not over is never counted as a whole month"
        )
    with store.engine.connect() as conn:
        stored = stored_budgets.require_plan(conn, year)
        names = list(store.team_ids(conn))
        if team is not None and team not in names:
            raise NotFound(teams_store.unknown_team(conn, team))  # renamed, or a did-you-mean
        have = store.months_with_data(conn)
        if through not in have:
            span = f"data exists for {have[0]} to {have[-1]}" if have else "the ledger is empty"
            which = f", the last month over ({month} is not over)" if through != month else ""
            raise NotFound(
                f"no emissions recorded for {through}{which} ({span}): a budget status would "
                "count the missing month as zero"
            )
        acts = actuals(store, conn, year, int(through[5:7]), team)
        active = teams_store.active_names(
            conn, month
        )  # a retired team is listed by its history only
    report = status_report(stored.plan, through, acts, active, only_team=team)
    if through != month:
        partial = (
            f"{month} is not over (today is {today.isoformat()}): counted through {through}, "
            f"the last month over; {month}'s data so far is not counted"
        )
        report = dataclasses.replace(report, month=month, warnings=(partial, *report.warnings))
    return report


def propose(
    store: Store,
    year: int,
    base_year: int,
    target: str,
    teams_by: str = "base",
    today: date | None = None,
) -> budget_target.Proposal:
    """A budget year proposed from a reduction target (carbon.budgets.target states the rules).

    The base year must be over and every one of its months hold data (a forgotten month would
    make the base, and every budget after it, too low). `teams_by` "base" splits by the teams'
    base-year emissions; "forecast" by their year-end forecast of the year before `year`
    (carbon.budgets.forecast, the rule of `budget status`). Raises InputError/NotFound; writes nothing.
    """
    from carbon.budgets import forecast
    from carbon.budgets import target as rules

    today = today or date.today()
    if teams_by not in ("base", "forecast"):
        raise InputError(f"--teams-by {teams_by!r}: expected 'base' or 'forecast'")
    if year <= base_year:
        raise InputError(
            f"--year {year}: the budget year must come after the base year {base_year}"
        )
    if base_year >= today.year:
        raise InputError(
            f"--base-year {base_year}: the base year must be over (today is {today.isoformat()})"
        )
    parsed = rules.parse_target(target, base_year)
    with store.engine.connect() as conn:
        with_data = set(store.months_with_data(conn))
        missing = [
            month_label(base_year, m)
            for m in range(1, 13)
            if month_label(base_year, m) not in with_data
        ]
        if missing:
            raise NotFound(
                f"base year {base_year} has no data for {', '.join(missing)}: a base year "
                "needs all twelve months (a missing month would make every budget too low)"
            )
        base = {
            t: kg
            for t, kg, _n in store.aggregate(
                conn, ["team"], month_label(base_year, 1), month_label(base_year, 12)
            )
        }
        base_kg = sum(base.values())
        if base_kg <= 0:
            raise NotFound(f"base year {base_year} holds no emissions: nothing to reduce from")
        prior = year - 1
        prior_complete = prior < today.year and all(
            month_label(prior, m) in with_data for m in range(1, 13)
        )
        profile_year = prior if prior_complete else base_year
        monthly: dict[str, list[float]] = defaultdict(lambda: [0.0] * 12)
        for t, m, kg, _n in store.aggregate(
            conn, ["team", "month"], month_label(profile_year, 1), month_label(profile_year, 12)
        ):
            monthly[t][parse_month(m)[1] - 1] = kg
        if teams_by == "base":
            basis, label = base, f"the {base_year} emissions"
        else:
            basis, label = (
                _forecast_basis(store, conn, prior, today, forecast),
                f"the {prior} year-end forecast",
            )
        teams = store.list_teams()
        declared = [
            t.name for t in teams if t.retired_from is None or t.retired_from > month_label(year, 1)
        ]
    retired = [t for t in basis if t not in declared and t in {x.name for x in teams}]
    basis = {t: kg for t, kg in basis.items() if t in declared or t in retired}
    return rules.propose(
        year=year,
        base_year=base_year,
        target=parsed,
        teams_by=teams_by,
        basis_label=label,
        base_kg=base_kg,
        basis=basis,
        monthly=dict(monthly),
        profile_year=profile_year,
        declared=declared,
        retired=retired,
    )


def _forecast_basis(
    store: Store, conn: Connection, year: int, today: date, forecast
) -> dict[str, float]:
    """Each team's year-end forecast of `year` (kg), through the last month that is over."""
    if year > today.year or (year == today.year and today.month == 1):
        raise NotFound(
            f"no month of {year} is over yet (today is {today.isoformat()}): use --teams-by base"
        )
    through = 12 if year < today.year else today.month - 1
    acts = actuals(store, conn, year, through)
    plan = stored_budgets.get_plan(conn, year)
    weights = (
        {t.team: (None if t.flat else t.weights) for t in plan.plan.teams}
        if plan is not None
        else {}
    )
    out = {}
    for team, months in acts.by_team_month.items():
        win = team_window(acts, team, year, through)  # budget status's window, retirement included
        got = forecast.year_end_any(sum(months.values()), weights.get(team), win)
        if got is not None:
            out[team] = got[0]
    if not out:
        raise NotFound(
            f"no team has data in {year} through {month_label(year, through)}: use --teams-by base"
        )
    return out
