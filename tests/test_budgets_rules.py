"""Budget rules, pure: allocation, forecast, status, the nothing-allocated-yet case, band, alerts."""

import math

import pytest

from carbon.budgets import rules as budgets
from carbon.budgets.rules import (
    AT_RISK,
    FLAT,
    ON_TRACK,
    OVER,
    Actuals,
    BudgetPlan,
    TeamBudget,
    alerts,
    allocated_to_date,
    forecast,
    judge,
    month_allocation,
    monthly_allocations,
    share_to_date,
)
from carbon.budgets.status import status_report, team_status

SEASONAL = (2, 2, 2, 2, 2, 2, 1, 1, 2, 2, 2, 2)  # sum 22; lower in July and August
STARTS_IN_APRIL = (0, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1, 1)  # sum 9


def months(kg_by_month: dict[int, float], year: int = 2026) -> dict[str, float]:
    return {f"{year}-{m:02d}": kg for m, kg in kg_by_month.items()}


# The ledger holds entries in every month of January..June (for some team): no month is unknown.
H1 = tuple(f"2026-{m:02d}" for m in range(1, 7))


# ---- allocation -------------------------------------------------------------------


def test_flat_allocation():
    # 120 over 12 equal months: 10 a month.
    assert allocated_to_date(120.0, FLAT, 1) == pytest.approx(10.0, abs=1e-9)
    assert allocated_to_date(120.0, FLAT, 6) == pytest.approx(60.0, abs=1e-9)
    assert allocated_to_date(120.0, FLAT, 12) == 120.0
    assert month_allocation(120.0, FLAT, 8) == pytest.approx(10.0, abs=1e-9)


def test_seasonal_allocation():
    # Weights sum to 22. To October: 2*6 (Jan-Jun) + 1 + 1 (Jul, Aug) + 2 + 2 (Sep, Oct) = 18.
    # 100 x 18 / 22 = 81.818181818...
    assert allocated_to_date(100.0, SEASONAL, 10) == pytest.approx(900 / 11, abs=1e-9)
    # To June: 12 / 22 -> 54.545454...; to August: 14 / 22 -> 63.636363...
    assert allocated_to_date(100.0, SEASONAL, 6) == pytest.approx(600 / 11, abs=1e-9)
    assert allocated_to_date(100.0, SEASONAL, 8) == pytest.approx(700 / 11, abs=1e-9)
    # August alone: 100 x 1 / 22 = 4.545454...; January: 100 x 2 / 22.
    assert month_allocation(100.0, SEASONAL, 8) == pytest.approx(100 / 22, abs=1e-9)
    assert month_allocation(100.0, SEASONAL, 1) == pytest.approx(200 / 22, abs=1e-9)
    assert allocated_to_date(100.0, SEASONAL, 12) == 100.0


def test_monthly_allocations_add_up_to_the_budget():
    alloc = monthly_allocations(740.0, (60, 58, 62, 57, 53, 50, 38, 31, 69, 70, 65, 50))
    assert len(alloc) == 12 and math.fsum(alloc) == pytest.approx(740.0, abs=1e-9)
    # January: 740 x 60 / 663 = 66.968325...
    assert alloc[0] == pytest.approx(740 * 60 / 663, abs=1e-9)


def test_weights_are_checked():
    with pytest.raises(ValueError, match="12 monthly weights, got 11"):
        share_to_date((1,) * 11, 3)
    with pytest.raises(ValueError, match="all zero"):
        share_to_date((0,) * 12, 3)
    with pytest.raises(ValueError, match=">= 0"):
        share_to_date((1,) * 11 + (-1,), 3)
    with pytest.raises(ValueError, match="1..12"):
        share_to_date(FLAT, 13)


# ---- forecast and status ------------------------------------------------------------


def test_forecast_rule_from_design():
    # A worked example: budget 120, allocated 60 by June, actual 55.2 -> forecast
    # 55.2 / (60 / 120) = 110.4, below 120: on track.
    share = share_to_date(FLAT, 6)
    assert forecast(55.2, share) == pytest.approx(110.4, abs=1e-9)
    assert judge(120.0, 55.2, forecast(55.2, share))[0] == ON_TRACK


def test_forecast_with_a_seasonal_profile():
    # Share to October 18/22; actual 90 -> 90 x 22 / 18 = 110 > budget 100: at risk.
    fc = forecast(90.0, share_to_date(SEASONAL, 10))
    assert fc == pytest.approx(110.0, abs=1e-9)
    assert judge(100.0, 90.0, fc)[0] == AT_RISK


def test_status_boundaries():
    # Exactly at budget at year end: not over (over means strictly more), forecast = budget: on track.
    assert judge(100.0, 100.0, 100.0)[0] == ON_TRACK
    # Just over the budget: over, whatever the forecast.
    assert judge(100.0, 100.000001, 100.000001)[0] == OVER
    # Mid-year on a flat profile: actual 50 -> forecast exactly 100 = budget: on track ...
    assert judge(100.0, 50.0, forecast(50.0, share_to_date(FLAT, 6)))[0] == ON_TRACK
    # ... 50.0001 -> forecast 100.0002 > 100: at risk.
    assert judge(100.0, 50.0001, forecast(50.0001, share_to_date(FLAT, 6)))[0] == AT_RISK


def test_nothing_allocated_yet():
    # Profile starting in April; at February nothing is allocated: no forecast, no division.
    share = share_to_date(STARTS_IN_APRIL, 2)
    assert share == 0.0 and forecast(10.0, share) is None
    assert judge(100.0, 0.0, None) == (ON_TRACK, judge(100.0, 0.0, None)[1])
    assert "nothing allocated" in judge(100.0, 0.0, None)[1]
    # Emissions before any allocation: ahead of the profile -> at risk (reason says why).
    status, reason = judge(100.0, 5.0, None)
    assert status == AT_RISK and "nothing allocated yet" in reason
    # More than the whole budget: over.
    assert judge(100.0, 150.0, None)[0] == OVER


def test_nothing_allocated_yet_in_a_team_status():
    tb = TeamBudget("Video", 900.0, STARTS_IN_APRIL, flat=False)
    acts = Actuals(
        "2026-02",
        {"Video": months({1: 5.0, 2: 7.0})},
        {"Video": {"x": 12.0}},
        {"Video": [(12.0, 10.0, "infrastructure")]},
        ("2026-01", "2026-02"),
    )
    s = team_status(tb, 2026, 2, acts)
    assert s.allocated_to_date == 0.0 and s.actual_to_date == 12.0
    assert s.forecast is None and s.forecast_low is None and s.forecast_high is None
    assert s.band_includes_budget is None
    assert s.status == AT_RISK and s.month_allocated == 0.0 and s.month_actual == 7.0


def test_budget_of_zero():
    # A zero budget (this team should emit nothing): any emission is over; share used undefined.
    tb = TeamBudget("People", 0.0)
    none = team_status(tb, 2026, 3, Actuals("2026-03", months_with_data=("2026-01",)))
    assert none.status == ON_TRACK and none.share_used is None and none.forecast == 0.0
    some = team_status(tb, 2026, 3, Actuals("2026-03", {"People": months({2: 1.0})}))
    assert some.status == OVER


# ---- forecast band --------------------------------------------------------------------


def test_band_width_from_known_uncertainty():
    # Two factors: 600 kg at ±5 % (30 kg) and 400 kg at ±10 % (40 kg), independent:
    # half-width sqrt(30² + 40²) = 50 kg around 1,000 kg. At June on a flat profile the
    # share is 1/2: forecast 2,000 kg, band 1,900 - 2,100 kg.
    tb = TeamBudget("Platform", 2500.0)
    acts = Actuals(
        "2026-06",
        {"Platform": months({1: 1000.0})},
        {},
        {"Platform": [(600.0, 5.0, "infrastructure"), (400.0, 10.0, "commuting")]},
        H1,
    )
    s = team_status(tb, 2026, 6, acts)
    assert s.forecast == pytest.approx(2000.0, abs=1e-9)
    assert s.forecast_low == pytest.approx(1900.0, abs=1e-9)
    assert s.forecast_high == pytest.approx(2100.0, abs=1e-9)
    assert s.band_includes_budget is False and s.status == ON_TRACK


def test_band_uses_category_default_when_factor_states_none():
    # factors/default_uncertainty.csv: streaming 50 %. 100 kg -> ±50 kg; share 1/2 -> 200 ± 100.
    tb = TeamBudget("Video", 250.0)
    acts = Actuals(
        "2026-06", {"Video": months({1: 100.0})}, {}, {"Video": [(100.0, None, "streaming")]}, H1
    )
    s = team_status(tb, 2026, 6, acts)
    assert (s.forecast_low, s.forecast, s.forecast_high) == pytest.approx((100.0, 200.0, 300.0))
    assert s.band_includes_budget is True  # 250 lies inside: on track, but marginal


# ---- the report -------------------------------------------------------------------


def plan(*teams: TeamBudget, company: float | None = None) -> BudgetPlan:
    return BudgetPlan(2026, "kg CO2e", 1.0, tuple(teams), company, "test.toml")


def test_report_lists_teams_without_budget_apart_and_budgeted_teams_without_data_without_verdict():
    # Changed on purpose (unknown is not zero): a budgeted team with no entry at all (Finance)
    # used to read "on track" on a zero actual; its figures are unknown, so it has no verdict.
    p = plan(TeamBudget("Finance", 500.0), TeamBudget("Platform", 1200.0))
    acts = Actuals(
        "2026-06",
        {"Platform": months({m: 100.0 for m in range(1, 7)}), "People": months({3: 50.0})},
        {"Platform": {"power": 600.0}},
        {},
        H1,
    )
    rep = status_report(p, "2026-06", acts, ["Finance", "Platform", "People", "Sales"])
    assert [t.team for t in rep.teams] == ["Finance", "Platform"]
    finance = rep.teams[0]
    assert (
        finance.status == budgets.NO_DATA
        and finance.forecast is None
        and finance.counted_from is None
    )
    assert "unknown, not zero" in finance.reason
    assert alerts(rep)[0] == budgets.CHECK_NO_VERDICT
    # No budget is not a budget of 0: listed apart, with its actual.
    assert rep.teams_without_budget == (("People", 50.0), ("Sales", 0.0))
    # People, flat from its first month (March): 50 kg over March..June (4 months known),
    # covering March..December (10 months): 50 × 10 / 4 = 125 kg. Sales has no data: no forecast.
    assert rep.unbudgeted == {"People": (pytest.approx(125.0), "2026-03"), "Sales": (None, None)}
    platform = rep.teams[1]
    assert platform.top_sources == (("power", 600.0, 1.0),)
    assert platform.monthly[0] == ("2026-01", 100.0, 100.0) and len(platform.monthly) == 6
    # People counts from March while Platform has data from January: said, as is Finance.
    assert rep.warnings == (
        "Finance: no emissions recorded in 2026 up to 2026-06: no verdict (its figures "
        "are unknown, not zero)",
    )
    # Company: Platform 600 ÷ 6 × 12 = 1,200 (flat profile) + People 125 = 1,325 kg.
    assert rep.company.forecast == pytest.approx(1325.0) and rep.company.counted_from == "2026-01"
    assert rep.company.budget is None and rep.company.actual_to_date == 650.0


def test_report_warns_about_months_without_any_data_and_company_budget():
    # Data only from March: January and February are unknown, not zero (changed on purpose,
    # they used to count as zero, with a warning). A (700 flat) counts from March:
    # budget covered 700 × 10 / 12 = 583.33; allocated to date 700 × 1 / 12 = 58.33;
    # forecast 10 × 10 / 1 = 100 kg: on track. B has no data at all: no verdict.
    p = plan(TeamBudget("A", 700.0), TeamBudget("B", 400.0), company=1000.0)
    acts = Actuals("2026-03", {"A": months({3: 10.0})}, {}, {}, ("2026-03",))
    rep = status_report(p, "2026-03", acts, ["A", "B"])
    assert rep.warnings[0].startswith(
        "no emissions recorded before 2026-03 (the first month with data): "
        "2026-01, 2026-02 are unknown, not zero"
    )
    assert rep.warnings[1].startswith("B: no emissions recorded in 2026 up to 2026-03: no verdict")
    assert rep.company.team_budgets_exceed and "1,100.0 kg CO2e" in rep.warnings[2]
    assert rep.company.actual_to_date == 10.0 and rep.company.forecast == pytest.approx(100.0)
    a = rep.teams[0]
    assert (a.budget_covered, a.allocated_to_date, a.forecast) == pytest.approx(
        (7000 / 12, 700 / 12, 100.0)
    )
    assert a.status == ON_TRACK and a.counted_from == "2026-03"
    assert a.unknown_months == ("2026-01", "2026-02")
    assert a.monthly == (
        ("2026-01", None, None),
        ("2026-02", None, None),
        ("2026-03", 10.0, pytest.approx(700 / 12)),
    )


def test_report_refuses_a_month_of_another_year():
    with pytest.raises(ValueError, match="not in the budget year 2026"):
        status_report(plan(TeamBudget("A", 1.0)), "2025-12", Actuals("2025-12"), ["A"])


# ---- alerts -------------------------------------------------------------------------


def report_with(*statuses: tuple[str, float, float]):
    """(team, budget, actual to date at June, flat profile; data from January) -> report."""
    p = plan(*(TeamBudget(n, b) for n, b, _ in statuses))
    acts = Actuals(
        "2026-06", {n: months({1: 0.0, 6: a}) for n, _, a in statuses}, months_with_data=H1
    )
    return status_report(p, "2026-06", acts, [n for n, _, _ in statuses])


def test_alert_levels_and_exit_code():
    # June, flat: share 1/2. A: 30 of 100 -> forecast 60, 30 % used: ok.
    assert alerts(report_with(("A", 100.0, 30.0)))[0] == budgets.CHECK_OK
    # B: 60 of 100 -> forecast 120 > 100: at risk -> 1.
    code, found = alerts(report_with(("A", 100.0, 30.0), ("B", 100.0, 60.0)))
    assert code == 1 and [a.level for a in found] == [0, 1] and "at risk" in found[1].message
    # C: 101 of 100: over -> 2, whatever else.
    assert alerts(report_with(("A", 100.0, 30.0), ("B", 100.0, 60.0), ("C", 100.0, 101.0)))[0] == 2


def test_alert_warn_at_share_of_budget():
    # A: 45 of 100 at June -> forecast 90: on track, 45 % used.
    rep = report_with(("A", 100.0, 45.0))
    assert alerts(rep, warn_at=0.5)[0] == 0
    assert alerts(rep, warn_at=0.45)[0] == 0  # "past" the share means more than it
    code, found = alerts(rep, warn_at=0.4)
    assert code == 1 and "past 40 % of its budget" in found[0].message
