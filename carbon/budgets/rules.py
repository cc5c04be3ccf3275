"""Team carbon budgets: the records and the rules, pure (no database, no terminal).

carbon.budgets.status applies them to a month's actuals (team rows, company row, warnings).

All masses here are kg CO2e; a budget file's own unit is only used for display.

Rules (docs/architecture.md; README "Team carbon budgets"), for a month M of the budget year:

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

Months before a team's first data are unknown, not zero (carbon.budgets.forecast, docs/forecast.md):
for a team whose first month with data in the year is S (a company that starts in September,
a new team), the figures cover S..December, and every share above is taken over the months
known instead of January..M:

    budget covered     = budget × (weights of S..December) / (sum of the 12 weights)
    allocated to date  = budget × (weights of the known months S..M) / (sum of the 12 weights)
    forecast           = actual to date × (weights of S..December) / (weights of the known months)
    status             = as above, against the budget covered

A month without any entry in the whole ledger (a hole) is unknown too. A budgeted team with no
entry at all in January..M, while its profile allocated it something, has no verdict
(`no_data`): its figures are unknown, never "on track" on a zero. With data from January and
no hole, every figure is the one of the plain rule.

Forecast band: the band of the actual to date (carbon.core.uncertainty: per-factor
± %, combined in quadrature) scaled by the same factor as the forecast.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from carbon.budgets.records import FLAT, MONTHS, BudgetPlan, TeamBudget  # noqa: F401  re-exported (the records live in records.py)

ON_TRACK, AT_RISK, OVER, NO_DATA = "on_track", "at_risk", "over", "no_data"
# Exit codes of `carbon budget check`.
CHECK_OK, CHECK_WARN, CHECK_OVER, CHECK_NO_VERDICT = 0, 1, 2, 3

# Stated with every status (JSON `forecast_method`, the table's caption, the pack).
FORECAST_RULE = (
    "months before a team's first month with data (and months without any entry in the "
    "ledger) are unknown, not zero: actual, allocated to date and forecast cover the months "
    "from the team's first data to December, the budget scaled to them by its profile; "
    "forecast = actual to date × weights of those months ÷ weights of the months known "
    "(the same year-end figure as the donation)"
)


# ---- records -----------------------------------------------------------------------


@dataclass(frozen=True)
class Actuals:
    """The ledger, aggregated in SQL, for the budget year's January..month (kg CO2e).

    `by_team_month`: {team: {"YYYY-MM": kg}}; `by_team_activity`: {team: {key: kg}};
    `by_team_factor`: {team: [(kg, uncertainty_pct or None, category), ...]} one per factor;
    `months_with_data`: the months of January..month that hold any entry at all;
    `retired`: {team: first month without it} of the retired teams.
    """

    month: str
    by_team_month: Mapping[str, Mapping[str, float]] = field(default_factory=dict)
    by_team_activity: Mapping[str, Mapping[str, float]] = field(default_factory=dict)
    by_team_factor: Mapping[str, Sequence[tuple[float, float | None, str]]] = field(
        default_factory=dict
    )
    months_with_data: tuple[str, ...] = ()
    retired: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class TeamStatus:
    """A budgeted team at a month: every figure in kg CO2e.

    `forecast`, `forecast_low`, `forecast_high` and `share_used` are None when
    they cannot be computed (nothing allocated yet; a budget of 0; no data).
    `counted_from` is the team's first month with data ("YYYY-MM", None without data);
    `unknown_months` the months up to the month asked that are unknown (before it, or
    without any entry in the ledger); `budget_covered` the budget's share of the months
    from `counted_from` to December (the budget itself when counted from January).
    In `monthly`, an unknown month has None as actual and allocated.
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
    monthly: tuple[tuple[str, float | None, float | None], ...]  # (month, actual kg, allocated kg)
    counted_from: str | None = None
    unknown_months: tuple[str, ...] = ()
    budget_covered: float = 0.0
    # The last month covered when it is not December: the month before the team's retirement.
    counted_to: str | None = None

    @property
    def band_includes_budget(self) -> bool | None:
        """True when the forecast band straddles the budget: the status is marginal."""
        if self.forecast_low is None or self.forecast_high is None:
            return None
        return self.forecast_low <= self.budget <= self.forecast_high


@dataclass(frozen=True)
class CompanyStatus:
    """The company: every team, budgeted or not (kg CO2e), and the optional company budget.

    `forecast` is the sum of the teams' year-end forecasts (carbon.budgets.forecast.year_end_any:
    a team's profile where it has one, flat otherwise), the same figure as the donation's;
    None when no team has data. `counted_from` is the company's first month with data
    (the earliest of its teams').
    """

    budget: float | None
    team_budgets_total: float
    actual_to_date: float  # every team, budgeted or not
    forecast: float | None = None
    counted_from: str | None = None
    # The budget of the months counted: the sum of the team budgets each scaled to the months
    # it is judged on (TeamStatus.budget_covered), the figure the forecasts are compared with.
    budget_covered: float | None = None

    @property
    def team_budgets_exceed(self) -> bool:
        return self.budget is not None and self.team_budgets_total > self.budget


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
    # Year-end forecast (kg, flat run rate) and first month with data of each team without a budget.
    unbudgeted: Mapping[str, tuple[float | None, str | None]] = field(default_factory=dict)
    # The last month counted as a whole ("YYYY-MM", carbon.core.calendar.counted_through): `month`
    # itself when it is over, the month before it when `month` is the running month.
    counted_through: str = ""


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


def judge(
    budget: float, actual_to_date: float, fcast: float | None, of: str = "the annual budget"
) -> tuple[str, str]:
    """(status, reason) from the rule in this module's docstring (any one mass unit); `of` names
    the budget judged against in the reason (the budget's share of the months covered)."""
    if actual_to_date > budget:
        return OVER, f"actual to date exceeds {of}"
    if fcast is None:
        if actual_to_date > 0:
            return AT_RISK, (
                "nothing allocated yet but emissions recorded: ahead of the profile "
                "(no forecast can be extrapolated)"
            )
        return (
            ON_TRACK,
            "nothing allocated and nothing emitted yet (no forecast can be extrapolated)",
        )
    if fcast > budget:
        return AT_RISK, f"forecast to year end exceeds {of}"
    return ON_TRACK, f"forecast to year end within {of}"


def company_warning(plan: BudgetPlan) -> str:
    """The warning when team budgets add up to more than the company budget (in the plan's unit)."""
    u = plan.kg_per_unit
    return (
        f"team budgets add up to {_fig(plan.team_total_kg / u)} {plan.unit}, more than the "
        f"company budget of {_fig(plan.company_budget_kg / u)} {plan.unit}"
    )


def _fig(v: float) -> str:
    """A figure for messages: 1 decimal from 10 up, else 2."""
    return f"{v:,.1f}" if abs(v) >= 10 else f"{v:,.2f}"


def alerts(report: StatusReport, warn_at: float = 0.8) -> tuple[int, tuple[Alert, ...]]:
    """(exit code, alerts) for `carbon budget check`.

    Level 2 when a team is over its budget; 1 when at risk, or when its actual
    to date is more than `warn_at` × its budget (the budget covered, for a team
    counted from a later month); 3 (no verdict) for a team without data. The
    exit code is 2 when any team is over, else the highest level (3 before 1:
    a team that could not be checked is not "at risk"; 0: every budgeted team
    on track). Teams without a budget never raise the level (reported apart).
    """
    u, unit = report.kg_per_unit, report.unit
    out = []
    for t in report.teams:
        fig = f"actual {_fig(t.actual_to_date / u)} of budget {_fig(t.budget / u)} {unit}"
        if t.counted_from is not None and t.budget_covered != t.budget:
            unknown = "" if t.counted_from.endswith("-01") else "; earlier months unknown"
            fig = (
                f"actual {_fig(t.actual_to_date / u)} of {_fig(t.budget_covered / u)} {unit}, the "
                f"budget's share of {t.counted_from} to {t.counted_to or 'December'} (annual "
                f"{_fig(t.budget / u)}{unknown}"
                + ("; retired after it" if t.counted_to else "")
                + ")"
            )
        if t.status == NO_DATA:
            out.append(Alert(t.team, CHECK_NO_VERDICT, f"no verdict: {t.reason}"))
        elif t.status == OVER:
            out.append(Alert(t.team, CHECK_OVER, f"over: {fig}"))
        elif t.status == AT_RISK:
            fc = (
                f", forecast {_fig(t.forecast / u)} {unit}"
                if t.forecast is not None
                else " (nothing allocated yet)"
            )
            out.append(Alert(t.team, CHECK_WARN, f"at risk: {fig}{fc}"))
        elif t.actual_to_date > warn_at * t.budget_covered:
            out.append(Alert(t.team, CHECK_WARN, f"past {warn_at * 100:g} % of its budget: {fig}"))
        else:
            out.append(Alert(t.team, CHECK_OK, f"on track: {fig}"))
    levels = {a.level for a in out}
    code = CHECK_OVER if CHECK_OVER in levels else max(levels, default=CHECK_OK)
    return code, tuple(out)
