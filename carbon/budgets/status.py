"""A year's budget status at a month: every team's figures and verdict, the company row (pure).

The rules are in carbon.budgets.rules (allocation, forecast, status) and carbon.budgets.forecast (the months
counted: a team's first month with data, unknown months, the one year-end forecast). This
module applies them to the aggregated actuals; all masses are kg CO2e.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Iterable, Sequence

from carbon.budgets import forecast as fc
from carbon.budgets.rules import (
    NO_DATA,
    Actuals,
    BudgetPlan,
    CompanyStatus,
    StatusReport,
    TeamBudget,
    TeamStatus,
    company_warning,
    judge,
    monthly_allocations,
    share_to_date,
)
from carbon.core import uncertainty
from carbon.core.calendar import month_label


def team_window(actuals: Actuals, team: str, year: int, month: int) -> fc.Window:
    """The team's window at `month` (1-12): its first month with data, the months known."""
    prefix = f"{year:04d}-"
    mine = (int(k[5:7]) for k in actuals.by_team_month.get(team, {}) if k.startswith(prefix))
    ledger = (int(k[5:7]) for k in actuals.months_with_data if k.startswith(prefix))
    return fc.window(mine, ledger, month, fc.last_month(year, actuals.retired.get(team)))


def team_status(
    tb: TeamBudget, year: int, month: int, actuals: Actuals, top: int = 3
) -> TeamStatus:
    """One budgeted team at `month` (1-12) of `year`, from the aggregated actuals (kg CO2e)."""
    months = [month_label(year, m) for m in range(1, month + 1)]
    per_month = actuals.by_team_month.get(tb.team, {})
    win = team_window(actuals, tb.team, year, month)
    allocs = monthly_allocations(tb.budget_kg, tb.weights)
    no_data = win.first is None and tb.budget_kg * share_to_date(tb.weights, month) > 0
    if win.first is None and not no_data:
        # Nothing allocated to date and nothing recorded: nothing is unknown that the
        # profile counts on (the plain rule's "nothing allocated and nothing emitted").
        win = fc.Window(1, month, tuple(range(1, min(month, win.last) + 1)), win.last)
    known = set(win.known)
    actual = math.fsum(per_month.get(months[i - 1], 0.0) for i in win.known)
    by_act = actuals.by_team_activity.get(tb.team, {})
    ranked = sorted(by_act.items(), key=lambda kv: (-kv[1], kv[0]))[:top]
    sources = tuple((k, kg, kg / actual if actual > 0 else 0.0) for k, kg in ranked)
    monthly = tuple(
        (m, per_month.get(m, 0.0), allocs[i]) if i + 1 in known else (m, None, None)
        for i, m in enumerate(months)
    )
    unknown = tuple(month_label(year, i) for i in (*win.unknown_before, *win.holes))
    low = high = None
    if no_data:
        fcast, covered, allocated = None, 0.0, 0.0
        status = NO_DATA
        reason = (
            f"no emissions recorded for this team in {months[0]} to {months[-1]}: its figures are "
            "unknown, not zero (data not imported yet?); no verdict"
        )
    else:
        covered = tb.budget_kg * fc.share(tb.weights, win.covered)
        allocated = tb.budget_kg * fc.share(tb.weights, win.known)
        fcast = fc.year_end(actual, tb.weights, win)
        if win.first > 1 or win.last < fc.MONTHS:
            first = month_label(year, win.first)
            end = "December" if win.last == fc.MONTHS else month_label(year, win.last)
            status, reason = judge(
                covered, actual, fcast, f"the budget's share of {first} to {end}"
            )
            reason += (
                f" (counted from {first}"
                + ("" if win.first == 1 else ", the first month with data")
                + (f"; retired from {actuals.retired[tb.team]})" if win.last < fc.MONTHS else ")")
            )
        else:
            status, reason = judge(covered, actual, fcast)
        if fcast is not None and actual > 0:
            b = uncertainty.band(actuals.by_team_factor.get(tb.team, ())).scaled(fcast / actual)
            low, high = b.low, b.high
        elif fcast is not None:
            low = high = 0.0
    return TeamStatus(
        team=tb.team,
        budget=tb.budget_kg,
        allocated_to_date=allocated,
        actual_to_date=actual,
        forecast=fcast,
        forecast_low=low,
        forecast_high=high,
        status=status,
        reason=reason,
        remaining=(tb.budget_kg if no_data else covered) - actual,
        month_actual=per_month.get(months[-1], 0.0),
        month_allocated=allocs[month - 1],
        share_used=actual / covered if covered > 0 else None,
        flat=tb.flat,
        top_sources=sources,
        monthly=monthly,
        counted_from=None if win.first is None else month_label(year, win.first),
        unknown_months=unknown,
        budget_covered=covered,
        counted_to=month_label(year, win.last) if 0 < win.last < 12 else None,
    )


def status_report(
    plan: BudgetPlan,
    month: str,
    actuals: Actuals,
    declared_teams: Iterable[str],
    only_team: str | None = None,
) -> StatusReport:
    """Every declared team at `month` ("YYYY-MM" of the plan's year).

    Budgeted teams get a TeamStatus (see the module docstring for the unknown
    months and the no-data verdict); teams without a budget are listed apart
    with their actual and a flat year-end forecast, never with a budget of 0.
    The company (all teams) gets its actual and the sum of the team forecasts.
    `only_team` restricts the report to one team (and leaves out the company).
    """
    year, m = int(month[:4]), int(month[5:7])
    if year != plan.year:
        raise ValueError(f"month {month} is not in the budget year {plan.year}")
    names = set(declared_teams) | set(actuals.by_team_month)
    if only_team is not None:
        names = {only_team}
    statuses = tuple(
        team_status(tb, year, m, actuals)
        for tb in sorted(plan.teams, key=lambda t: t.team)
        if tb.team in names
    )
    budgeted = {t.team for t in plan.teams}
    without = tuple(
        (t, math.fsum(actuals.by_team_month.get(t, {}).values())) for t in sorted(names - budgeted)
    )
    unbudgeted = {}
    for t, kg in without:
        win = team_window(actuals, t, year, m)
        got = fc.year_end_any(kg, None, win)
        unbudgeted[t] = (
            None if got is None else got[0],
            None if win.first is None else month_label(year, win.first),
        )
    company = None
    if only_team is None:
        company = company_status(plan, year, m, actuals)
    warnings = unknown_month_warnings(year, m, actuals, statuses, company)
    for t in statuses:
        gaps = team_gaps(actuals, t.team, year, m)
        if gaps:
            warnings.append(
                f"{t.team}: no emissions recorded for {', '.join(gaps)} while other teams have "
                "some: counted as zero in its actual to date (data not imported yet?)"
            )
    if company is not None:
        company = dataclasses.replace(
            company, budget_covered=math.fsum(t.budget_covered for t in statuses)
        )
    if company is not None and company.team_budgets_exceed:
        warnings.append(company_warning(plan))
    return StatusReport(
        year,
        month,
        plan.unit,
        plan.kg_per_unit,
        statuses,
        without,
        company,
        tuple(warnings),
        unbudgeted,
        counted_through=month,
    )


def company_status(plan: BudgetPlan, year: int, month: int, actuals: Actuals) -> CompanyStatus:
    """The company at `month` (1-12): every team's actual, and the sum of the team forecasts."""
    total = math.fsum(kg for d in actuals.by_team_month.values() for kg in d.values())
    parts, firsts = [], []
    for team, per_month in sorted(actuals.by_team_month.items()):
        win = team_window(actuals, team, year, month)
        tb = plan.team(team)
        actual = math.fsum(per_month.get(month_label(year, i), 0.0) for i in win.known)
        got = fc.year_end_any(actual, tb.weights if tb is not None else None, win)
        if got is not None:
            parts.append(got[0])
            firsts.append(win.first)
    forecast = math.fsum(parts) if parts else None
    first = month_label(year, min(firsts)) if firsts else None
    return CompanyStatus(plan.company_budget_kg, plan.team_total_kg, total, forecast, first)


def unknown_month_warnings(
    year: int,
    month: int,
    actuals: Actuals,
    statuses: Sequence[TeamStatus],
    company: CompanyStatus | None,
) -> list[str]:
    """Warnings naming the unknown months: before the company's first data, holes, late teams."""
    out = []
    have = {int(k[5:7]) for k in actuals.months_with_data if k.startswith(f"{year:04d}-")}
    first = min(have) if have else None
    if first is not None and first > 1:
        out.append(
            f"no emissions recorded before {month_label(year, first)} (the first month with data): "
            f"{fc.month_names(year, range(1, first))} are unknown, not zero; each team's figures "
            "cover the months from its first data to December, its budget scaled to them"
        )
    if first is not None:
        holes = [i for i in range(first, month + 1) if i not in have]
        if holes:
            out.append(
                f"no emissions recorded at all for {fc.month_names(year, holes)}: unknown, not zero; "
                "left out of the actual and allocated to date, estimated in the forecast"
            )
    for t in statuses:
        if t.status == NO_DATA:
            out.append(
                f"{t.team}: no emissions recorded in {year} up to {month_label(year, month)}: "
                "no verdict (its figures are unknown, not zero)"
            )
        elif (
            first is not None
            and t.counted_from is not None
            and t.counted_from > month_label(year, first)
        ):
            out.append(
                f"{t.team}: no emissions recorded before {t.counted_from} while other teams have "
                f"some from {month_label(year, first)}: counted from {t.counted_from}, the earlier "
                "months unknown (data not imported yet?)"
            )
    return out


def team_gaps(actuals: Actuals, team: str, year: int, month: int) -> list[str]:
    """Months up to `month` (1-12), after the team's first month with data and before its
    retirement, in which other teams have entries but this team has none: likely data not
    imported yet, not a true zero (a team without entries this year has no gaps)."""
    mine = (
        int(k[5:7]) for k in actuals.by_team_month.get(team, {}) if k.startswith(f"{year:04d}-")
    )
    win = team_window(actuals, team, year, month)
    return [month_label(year, i) for i in fc.zero_months(win, mine)]
