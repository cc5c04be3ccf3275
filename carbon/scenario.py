"""What-if scenarios, pure: levers applied to the ledger's entries and to the forecast.

Recorded months: the year's ledger entries (per team, month, activity, factor and
unit) are recomputed with the levers applied, in memory:
- `scale` multiplies the quantity, hence the emissions, of the matching entries
  (same factor: same value, vintage and region);
- `shift` moves `share` of the matching entries' quantity to the target activity:
  the remaining part keeps its factor; the moved part is priced with the target's
  factor resolved as an import would (the entry's region, the month's year as
  vintage), its quantity converted by pint from the entry's unit (refused when
  the units cannot convert, e.g. km -> hour).

Months not recorded yet: the budget forecast to year end (carbon.budgets.forecast,
actual to date ÷ the share of the budget profile allocated to date) is split over
the remaining months by the same profile and over activities in proportion to the
actual to date; the levers then apply to those forecast entries like to recorded ones.

Nothing is written: the result is a baseline and a scenario per team (kg CO2e).
"""

from __future__ import annotations

import fnmatch
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from carbon import budgets, units
from carbon.errors import FactorNotFound, InputError, Problem, UnitError
from carbon.factors import FactorTable
from carbon.periods import month_label
from carbon.scenario_file import Lever, Scenario

ROW_COLUMNS = ("team", "month", "activity", "category", "region", "vintage", "unit", "quantity", "co2e_kg")


@dataclass(frozen=True)
class TeamOutcome:
    """One team over the scenario's year (kg CO2e). `budget` None: the team has no budget."""

    team: str
    baseline_actual: float  # recorded months
    scenario_actual: float
    baseline: float  # year end: recorded months + forecast
    scenario: float
    budget: float | None
    baseline_status: str | None
    status: str | None

    @property
    def delta(self) -> float:
        return self.scenario - self.baseline


@dataclass(frozen=True)
class Outcome:
    scenario: Scenario
    last_recorded: str  # the last month of the year with data
    forecast_months: tuple[str, ...]
    teams: tuple[TeamOutcome, ...]
    company_budget: float | None
    notes: tuple[str, ...] = ()

    @property
    def baseline(self) -> float:
        return math.fsum(t.baseline for t in self.teams)

    @property
    def scenario_total(self) -> float:
        return math.fsum(t.scenario for t in self.teams)


def _matches(keys: np.ndarray, pattern: str) -> np.ndarray:
    """Which activity keys match a key or a pattern (* within a key), decided once per distinct key."""
    codes, uniq = pd.factorize(keys, use_na_sentinel=False)
    hit = np.array([fnmatch.fnmatchcase(str(k), pattern) for k in uniq], dtype=bool)
    return hit[codes] if len(codes) else np.zeros(0, dtype=bool)


def check_levers(scenario: Scenario, table: FactorTable) -> None:
    """Refuse levers naming no known activity, or a shift between units that cannot convert."""
    problems = []
    keys = np.array(table.keys(), dtype=object)
    for lv in scenario.levers:
        def bad(msg: str, key: str, lv=lv) -> None:
            problems.append(Problem(scenario.source, lv.line_of(key), f"lever.{key}", None, msg, key=True))
        if lv.source:
            matched = keys[_matches(keys, lv.source)]
            if not len(matched):
                hint = table.suggest(lv.source)
                bad(f"{lv.source!r} matches no activity{f' (did you mean {hint!r}?)' if hint else ''}; "
                    "see 'carbon factors list'", "from" if lv.kind == "shift" else "activity")
                continue
        if lv.kind != "shift":
            continue
        if lv.target not in table.by_key:
            hint = table.suggest(lv.target)
            bad(f"unknown activity {lv.target!r}{f' (did you mean {hint!r}?)' if hint else ''}", "to")
            continue
        dst = {units.activity_unit(f.unit).dimensionality for f in table.by_key[lv.target]}
        for k in matched:
            src = {units.activity_unit(f.unit).dimensionality for f in table.by_key[k]}
            if not src & dst:
                s = units.describe(units.activity_unit(table.by_key[k][0].unit))
                d = units.describe(units.activity_unit(table.by_key[lv.target][0].unit))
                bad(f"cannot shift {k} (per {s}) to {lv.target} (per {d}): the units do not convert", "to")
    if problems:
        raise InputError(f"{scenario.source}: scenario refused", problems)


def apply_levers(rows: pd.DataFrame, scenario: Scenario, table: FactorTable) -> pd.DataFrame:
    """The entries with every lever applied in file order (a later lever sees the earlier ones' result)."""
    out = rows.copy()
    for lv in scenario.levers:
        if out.empty:
            break
        mask = (out["month"] >= lv.start).to_numpy().copy()
        if lv.teams:
            mask &= out["team"].isin(lv.teams).to_numpy()
        if lv.regions:
            mask &= out["region"].isin(lv.regions).to_numpy()
        if lv.source:
            mask &= _matches(out["activity"].to_numpy(dtype=object), lv.source)
        else:
            mask &= (out["category"] == lv.category).to_numpy()
        if lv.kind == "scale":
            out.loc[mask, ["quantity", "co2e_kg"]] *= lv.factor
            continue
        moved = out.loc[mask].copy()
        out.loc[mask, ["quantity", "co2e_kg"]] *= (1.0 - lv.share)
        if moved.empty:
            continue
        moved["quantity"] *= lv.share
        out = pd.concat([out, _reprice(moved, lv, table, scenario.source)], ignore_index=True)
    return out


def _reprice(moved: pd.DataFrame, lv: Lever, table: FactorTable, source: str) -> pd.DataFrame:
    """Shifted entries priced as `lv.target`: one resolution per (region, year), one pint
    conversion per (unit, factor unit)."""
    years = moved["month"].str[:4].astype(int).to_numpy()
    value = np.full(len(moved), np.nan)
    category = np.empty(len(moved), dtype=object)
    funit = np.empty(len(moved), dtype=object)
    for (region, year), idx in pd.DataFrame({"r": moved["region"].to_numpy(), "y": years}) \
            .groupby(["r", "y"], sort=False).indices.items():
        try:
            f = table.resolve(lv.target, region, int(year)).factor
        except FactorNotFound as exc:
            raise InputError(f"{source}: scenario refused", [Problem(
                source, lv.line_of("to"), "lever.to", lv.target, f"{exc} (the shifted entries are in region "
                f"{region or 'any'}, {year})", key=True)]) from None
        value[idx], category[idx], funit[idx] = f.value, f.category, f.unit
    mult = np.full(len(moved), np.nan)
    pairs = pd.DataFrame({"u": moved["unit"].to_numpy(), "f": funit})
    for (u, fu), idx in pairs.groupby(["u", "f"], sort=False).indices.items():
        try:
            mult[idx] = units.co2e_kg_per(u, fu)
        except UnitError as exc:
            raise InputError(f"{source}: scenario refused", [Problem(
                source, lv.line_of("to"), "lever.to", lv.target, f"cannot shift entries in {u} to {lv.target}: {exc}",
                key=True)]) from None
    return moved.assign(activity=lv.target, category=category,
                        co2e_kg=moved["quantity"].to_numpy() * value * mult)


def forecast_rows(rows: pd.DataFrame, year: int, last_month: int,
                  weights: Mapping[str, Sequence[float]]) -> tuple[pd.DataFrame, tuple[str, ...]]:
    """Entries for the months after `last_month` (1-12) of `year`, from the budget forecast.

    Per team: remaining = budgets.forecast(actual to date, share to date) − actual to
    date, split over the remaining months by the team's profile (`weights`, flat
    when absent) and over its entries in proportion to the actual to date.
    Returns the entries and notes (teams whose forecast cannot be computed).
    """
    notes = []
    if last_month >= 12 or rows.empty:
        return pd.DataFrame(columns=list(ROW_COLUMNS)), ()
    future = [month_label(year, m) for m in range(last_month + 1, 13)]
    keys = ["team", "activity", "category", "region", "vintage", "unit"]
    to_date = rows.groupby(keys, sort=True, as_index=False)[["quantity", "co2e_kg"]].sum()
    parts = []
    for team, mine in to_date.groupby("team", sort=True):
        w = tuple(weights.get(team, budgets.FLAT))
        actual = math.fsum(mine["co2e_kg"])
        year_end = budgets.forecast(actual, budgets.share_to_date(w, last_month))
        if year_end is None or actual <= 0:
            if year_end is None:
                notes.append(f"{team}: nothing allocated to date in its budget profile: no forecast, "
                             "the scenario covers its recorded months only")
            continue
        rest_w = math.fsum(w[last_month:])
        if rest_w <= 0:
            continue
        remaining = year_end - actual
        for i, m in enumerate(future):
            k = remaining * w[last_month + i] / rest_w / actual
            parts.append(mine.assign(month=m, quantity=mine["quantity"] * k, co2e_kg=mine["co2e_kg"] * k))
    if not parts:
        return pd.DataFrame(columns=list(ROW_COLUMNS)), tuple(notes)
    return pd.concat(parts, ignore_index=True)[list(ROW_COLUMNS)], tuple(notes)


def run(scenario: Scenario, recorded: pd.DataFrame, last_month: int, table: FactorTable,
        plan: budgets.BudgetPlan | None, teams: Sequence[str]) -> Outcome:
    """Baseline and scenario per team for the scenario's year (kg CO2e).

    `recorded`: the year's ledger entries (ROW_COLUMNS) up to `last_month` (1-12);
    `plan`: the year's budgets (profiles shape the forecast; status needs a budget).
    """
    check_levers(scenario, table)
    year = scenario.year
    weights = {t.team: t.weights for t in plan.teams} if plan else {}
    fc, notes = forecast_rows(recorded, year, last_month, weights)
    base = pd.concat([recorded.assign(kind="actual"), fc.assign(kind="forecast")], ignore_index=True)
    scen = apply_levers(base, scenario, table)

    def sums(frame: pd.DataFrame, kind: str | None = None) -> dict[str, float]:
        f = frame if kind is None else frame[frame["kind"] == kind]
        return {t: math.fsum(g) for t, g in f.groupby("team")["co2e_kg"]}

    b_act, s_act, b_all, s_all = sums(base, "actual"), sums(scen, "actual"), sums(base), sums(scen)
    out = []
    for team in sorted(set(teams) | set(b_all)):
        tb = plan.team(team) if plan else None
        if team not in b_all and tb is None:
            continue
        budget = tb.budget_kg if tb else None
        st = {}
        for label, act, total in (("b", b_act.get(team, 0.0), b_all.get(team, 0.0)),
                                  ("s", s_act.get(team, 0.0), s_all.get(team, 0.0))):
            st[label] = budgets.judge(budget, act, total)[0] if budget is not None else None
        out.append(TeamOutcome(team, b_act.get(team, 0.0), s_act.get(team, 0.0), b_all.get(team, 0.0),
                               s_all.get(team, 0.0), budget, st["b"], st["s"]))
    forecast_months = tuple(month_label(year, m) for m in range(last_month + 1, 13))
    return Outcome(scenario, month_label(year, last_month), forecast_months, tuple(out),
                   plan.company_budget_kg if plan else None, notes)


def donation_deltas(outcome: Outcome, price_per_t) -> tuple[dict[str, int], int]:
    """Change of the donation (cents) per team and for the company at `price_per_t` (a Decimal
    per t CO2e): each figure rounded to the gram, then priced and rounded to the cent, as
    `carbon donation` does; the company's is the sum of the teams' grams."""
    from carbon.donation import amount_cents, grams

    teams = {t.team: amount_cents(grams(t.scenario), price_per_t) - amount_cents(grams(t.baseline), price_per_t)
             for t in outcome.teams}
    base_g = sum(grams(t.baseline) for t in outcome.teams)
    scen_g = sum(grams(t.scenario) for t in outcome.teams)
    return teams, amount_cents(scen_g, price_per_t) - amount_cents(base_g, price_per_t)
