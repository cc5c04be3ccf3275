"""Team carbon budgets: the records and the rules, pure (no database, no terminal).

All masses here are kg CO2e; a budget file's own unit is only used for display.

Rules (DESIGN.md, "Budget file"), for a month M of the budget year:

    share to date      = (weights of January..M) / (sum of the 12 weights)
    allocated to date  = budget × share to date
    forecast           = actual to date ÷ share to date
                         (= actual to date ÷ (allocated to date ÷ budget), written so
                         that a budget of 0 does not divide 0 by 0)
    status             = over      when actual to date > budget
                         at_risk   when forecast > budget
                         on_track  otherwise

Nothing allocated yet (the weights of January..M are all zero, e.g. a team whose
profile starts in April): the forecast cannot be extrapolated and is None (JSON
null), never a division by zero. The status is then judged on the actual alone:
over when actual > budget; at_risk when anything was emitted (the team is ahead
of a profile that allowed it nothing yet: the limit of the rule above, whose
forecast grows without bound as the share goes to 0); on_track when nothing was
emitted. `reason` says which case applied.

Forecast band: the band of the actual to date (carbon.uncertainty: per-factor
± %, combined in quadrature) scaled by the same 1 ÷ share as the forecast.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from carbon import uncertainty
from carbon.periods import month_label

MONTHS = 12
FLAT: tuple[float, ...] = (1.0,) * MONTHS

ON_TRACK, AT_RISK, OVER = "on_track", "at_risk", "over"
# Exit codes of `carbon budget check`.
CHECK_OK, CHECK_WARN, CHECK_OVER = 0, 1, 2


# ---- records -----------------------------------------------------------------------

@dataclass(frozen=True)
class TeamBudget:
    """One team's annual budget (kg CO2e) and its 12 monthly weights (January first)."""

    team: str
    budget_kg: float
    weights: tuple[float, ...] = FLAT
    flat: bool = True  # the file said profile = "flat"
    origin: str = ""  # "file:line" of the team's table


@dataclass(frozen=True)
class BudgetPlan:
    """A year's budgets, as read from one budget file.

    `unit` is the file's CO2e unit (figures are shown in it); `kg_per_unit`
    converts it to kg. `company_budget_kg` is the optional company-level cap.
    """

    year: int
    unit: str
    kg_per_unit: float
    teams: tuple[TeamBudget, ...]
    company_budget_kg: float | None = None
    source: str = ""

    @property
    def team_total_kg(self) -> float:
        return sum(t.budget_kg for t in self.teams)

    def team(self, name: str) -> TeamBudget | None:
        return next((t for t in self.teams if t.team == name), None)


@dataclass(frozen=True)
class Actuals:
    """The ledger, aggregated in SQL, for the budget year's January..month (kg CO2e).

    `by_team_month`: {team: {"YYYY-MM": kg}}; `by_team_activity`: {team: {key: kg}};
    `by_team_factor`: {team: [(kg, uncertainty_pct or None, category), ...]} one per factor;
    `months_with_data`: the months of January..month that hold any entry at all.
    """

    month: str
    by_team_month: Mapping[str, Mapping[str, float]] = field(default_factory=dict)
    by_team_activity: Mapping[str, Mapping[str, float]] = field(default_factory=dict)
    by_team_factor: Mapping[str, Sequence[tuple[float, float | None, str]]] = field(default_factory=dict)
    months_with_data: tuple[str, ...] = ()


@dataclass(frozen=True)
class TeamStatus:
    """A budgeted team at a month: every figure in kg CO2e.

    `forecast`, `forecast_low`, `forecast_high` and `share_used` are None when
    they cannot be computed (nothing allocated yet; a budget of 0).
    """

    team: str
    budget: float
    allocated_to_date: float
    actual_to_date: float
    forecast: float | None
    forecast_low: float | None
    forecast_high: float | None
    status: str
    reason: str
    remaining: float
    month_actual: float
    month_allocated: float
    share_used: float | None
    flat: bool
    top_sources: tuple[tuple[str, float, float], ...]  # (activity, kg, share of actual)
    monthly: tuple[tuple[str, float, float], ...]  # (month, actual kg, allocated kg)

    @property
    def band_includes_budget(self) -> bool | None:
        """True when the forecast band straddles the budget: the status is marginal."""
        if self.forecast_low is None or self.forecast_high is None:
            return None
        return self.forecast_low <= self.budget <= self.forecast_high


@dataclass(frozen=True)
class CompanyStatus:
    """The optional company-level budget against the sum of team budgets (kg CO2e)."""

    budget: float
    team_budgets_total: float
    actual_to_date: float  # every team, budgeted or not

    @property
    def team_budgets_exceed(self) -> bool:
        return self.team_budgets_total > self.budget


@dataclass(frozen=True)
class StatusReport:
    """Every team at a month: budgeted teams with their status, the others without."""

    year: int
    month: str
    unit: str
    kg_per_unit: float
    teams: tuple[TeamStatus, ...]
    teams_without_budget: tuple[tuple[str, float], ...]  # (team, actual to date kg)
    company: CompanyStatus | None = None
    warnings: tuple[str, ...] = ()


@dataclass(frozen=True)
class Alert:
    """One line of `carbon budget check`: a team, its level (0, 1, 2) and why."""

    team: str
    level: int
    message: str


# ---- rules ---------------------------------------------------------------------------

def check_weights(weights: Sequence[float]) -> tuple[float, ...]:
    """The 12 weights as floats; ValueError unless 12 finite, non-negative, not all zero."""
    if len(weights) != MONTHS:
        raise ValueError(f"expected {MONTHS} monthly weights, got {len(weights)}")
    out = tuple(float(w) for w in weights)
    if any(not math.isfinite(w) or w < 0 for w in out):
        raise ValueError("monthly weights must be finite numbers >= 0")
    if sum(out) <= 0:
        raise ValueError("monthly weights are all zero: nothing could ever be allocated")
    return out


def share_to_date(weights: Sequence[float], month: int) -> float:
    """Fraction of the annual budget allocated for January..`month` (1-12), in [0, 1]."""
    if not 1 <= month <= MONTHS:
        raise ValueError(f"month must be 1..12, got {month}")
    w = check_weights(weights)
    if month == MONTHS:
        return 1.0  # exact, whatever the rounding of the partial sum
    return math.fsum(w[:month]) / math.fsum(w)


def allocated_to_date(budget: float, weights: Sequence[float], month: int) -> float:
    """Budget allocated for January..`month` (same unit as `budget`)."""
    return budget * share_to_date(weights, month)


def month_allocation(budget: float, weights: Sequence[float], month: int) -> float:
    """Budget allocated to `month` (1-12) alone (same unit as `budget`)."""
    w = check_weights(weights)
    return budget * w[month - 1] / math.fsum(w)


def monthly_allocations(budget: float, weights: Sequence[float]) -> tuple[float, ...]:
    """The budget split over the 12 months (same unit as `budget`); sums to the budget."""
    return tuple(month_allocation(budget, weights, m) for m in range(1, MONTHS + 1))


def forecast(actual_to_date: float, share: float) -> float | None:
    """Year-end forecast = actual to date ÷ share allocated to date; None when the share is 0."""
    if share <= 0:
        return None
    return actual_to_date / share


def judge(budget: float, actual_to_date: float, fcast: float | None) -> tuple[str, str]:
    """(status, reason) from the rule in this module's docstring (any one mass unit)."""
    if actual_to_date > budget:
        return OVER, "actual to date exceeds the annual budget"
    if fcast is None:
        if actual_to_date > 0:
            return AT_RISK, ("nothing allocated yet but emissions recorded: ahead of the profile "
                             "(no forecast can be extrapolated)")
        return ON_TRACK, "nothing allocated and nothing emitted yet (no forecast can be extrapolated)"
    if fcast > budget:
        return AT_RISK, "forecast to year end exceeds the annual budget"
    return ON_TRACK, "forecast to year end within the annual budget"


def team_status(tb: TeamBudget, year: int, month: int, actuals: Actuals, top: int = 3) -> TeamStatus:
    """One budgeted team at `month` (1-12) of `year`, from the aggregated actuals (kg CO2e)."""
    months = [month_label(year, m) for m in range(1, month + 1)]
    per_month = actuals.by_team_month.get(tb.team, {})
    actual = math.fsum(per_month.get(m, 0.0) for m in months)
    share = share_to_date(tb.weights, month)
    allocated = tb.budget_kg * share
    fcast = forecast(actual, share)
    status, reason = judge(tb.budget_kg, actual, fcast)
    low = high = None
    if fcast is not None:
        b = uncertainty.band(actuals.by_team_factor.get(tb.team, ())).scaled(1.0 / share)
        low, high = b.low, b.high
    by_act = actuals.by_team_activity.get(tb.team, {})
    ranked = sorted(by_act.items(), key=lambda kv: (-kv[1], kv[0]))[:top]
    sources = tuple((k, kg, kg / actual if actual > 0 else 0.0) for k, kg in ranked)
    allocs = monthly_allocations(tb.budget_kg, tb.weights)
    return TeamStatus(
        team=tb.team, budget=tb.budget_kg, allocated_to_date=allocated, actual_to_date=actual,
        forecast=fcast, forecast_low=low, forecast_high=high, status=status, reason=reason,
        remaining=tb.budget_kg - actual, month_actual=per_month.get(months[-1], 0.0),
        month_allocated=allocs[month - 1],
        share_used=actual / tb.budget_kg if tb.budget_kg > 0 else None, flat=tb.flat,
        top_sources=sources,
        monthly=tuple((m, per_month.get(m, 0.0), allocs[i]) for i, m in enumerate(months)),
    )


def status_report(plan: BudgetPlan, month: str, actuals: Actuals, declared_teams: Iterable[str],
                  only_team: str | None = None) -> StatusReport:
    """Every declared team at `month` ("YYYY-MM" of the plan's year).

    Budgeted teams get a TeamStatus (0 actual when they emitted nothing);
    teams without a budget are listed apart with their actual, never with a
    budget of 0. `only_team` restricts the report to one team.
    """
    year, m = int(month[:4]), int(month[5:7])
    if year != plan.year:
        raise ValueError(f"month {month} is not in the budget year {plan.year}")
    names = set(declared_teams) | set(actuals.by_team_month)
    if only_team is not None:
        names = {only_team}
    statuses = tuple(team_status(tb, year, m, actuals) for tb in sorted(plan.teams, key=lambda t: t.team)
                     if tb.team in names)
    budgeted = {t.team for t in plan.teams}
    without = tuple((t, math.fsum(actuals.by_team_month.get(t, {}).values()))
                    for t in sorted(names - budgeted))
    company = None
    if plan.company_budget_kg is not None and only_team is None:
        company = CompanyStatus(plan.company_budget_kg, plan.team_total_kg,
                                math.fsum(kg for d in actuals.by_team_month.values() for kg in d.values()))
    warnings = []
    missing = [month_label(year, i) for i in range(1, m + 1)
               if month_label(year, i) not in set(actuals.months_with_data)]
    if missing:
        warnings.append("no emissions recorded at all for " + ", ".join(missing)
                        + ": those months count as zero in the actual to date")
    for t in statuses:
        gaps = team_gaps(actuals, t.team, m)
        if gaps:
            warnings.append(f"{t.team}: no emissions recorded for {', '.join(gaps)} while other teams have "
                            "some: counted as zero in its actual to date (data not imported yet?)")
    if company is not None and company.team_budgets_exceed:
        warnings.append(company_warning(plan))
    return StatusReport(year, month, plan.unit, plan.kg_per_unit, statuses, without, company,
                        tuple(warnings))


def team_gaps(actuals: Actuals, team: str, month: int) -> list[str]:
    """Months up to `month` (1-12), after the team's first month with entries, in which other
    teams have entries but this team has none: likely data not imported yet, not a true zero."""
    mine = actuals.by_team_month.get(team, {})
    if not mine:
        return []  # a team with no entries at all this year shows 0 actual (and no gaps)
    first = min(mine)
    others = set(actuals.months_with_data)
    return [lbl for lbl in (month_label(int(first[:4]), i) for i in range(1, month + 1))
            if first < lbl and lbl in others and lbl not in mine]


def company_warning(plan: BudgetPlan) -> str:
    """The warning when team budgets add up to more than the company budget (in the plan's unit)."""
    u = plan.kg_per_unit
    return (f"team budgets add up to {_fig(plan.team_total_kg / u)} {plan.unit}, more than the "
            f"company budget of {_fig(plan.company_budget_kg / u)} {plan.unit}")


def _fig(v: float) -> str:
    """A figure for messages: 1 decimal from 10 up, else 2."""
    return f"{v:,.1f}" if abs(v) >= 10 else f"{v:,.2f}"


def alerts(report: StatusReport, warn_at: float = 0.8) -> tuple[int, tuple[Alert, ...]]:
    """(exit code, alerts) for `carbon budget check`.

    Level 2 when a team is over its budget; 1 when at risk, or when its actual
    to date is more than `warn_at` × its budget; the exit code is the highest
    level (0: every budgeted team on track). Teams without a budget never
    raise the level (they are reported apart).
    """
    u, unit = report.kg_per_unit, report.unit
    out = []
    for t in report.teams:
        fig = f"actual {_fig(t.actual_to_date / u)} of budget {_fig(t.budget / u)} {unit}"
        if t.status == OVER:
            out.append(Alert(t.team, CHECK_OVER, f"over: {fig}"))
        elif t.status == AT_RISK:
            fc = (f", forecast {_fig(t.forecast / u)} {unit}" if t.forecast is not None
                  else " (nothing allocated yet)")
            out.append(Alert(t.team, CHECK_WARN, f"at risk: {fig}{fc}"))
        elif t.actual_to_date > warn_at * t.budget:
            out.append(Alert(t.team, CHECK_WARN,
                             f"past {warn_at * 100:g} % of its budget: {fig}"))
        else:
            out.append(Alert(t.team, CHECK_OK, f"on track: {fig}"))
    code = max((a.level for a in out), default=CHECK_OK)
    return code, tuple(out)
