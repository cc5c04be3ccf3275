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

Months not recorded yet: the baseline is the one year-end forecast of `budget status`
(carbon.budgets.forecast: a team's figures cover its first month with data to December, earlier
months unknown, not zero; year end = actual over the known months × the weights of the
months covered ÷ the weights of the months known, its budget profile or flat). The
estimated part (year end − actual) is spread over the months not known by the same
weights and over activities in proportion to the actual to date; the levers then apply
to those forecast entries like to recorded ones. With no lever touching a team its
scenario equals that forecast.

Nothing is written: the result is a baseline and a scenario per team (kg CO2e).
"""

from __future__ import annotations

import fnmatch
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from carbon.budgets import forecast as fc
from carbon.budgets import rules as budgets
from carbon.core import units
from carbon.core.calendar import month_label
from carbon.errors import FactorNotFound, InputError, Problem, UnitError
from carbon.factors import swd
from carbon.factors.tables import FactorTable
from carbon.scenarios.file import Lever, Scenario

ROW_COLUMNS = (
    "team",
    "month",
    "activity",
    "category",
    "region",
    "vintage",
    "unit",
    "quantity",
    "co2e_kg",
)


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
    # The budget's share of the months the status is judged over (from the team's first month with
    # data to December, by its profile): the whole budget for a team with data from January.
    budget_covered: float | None = None

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
    views = swd.page_view_keys(
        table.by_key
    )  # priced per page weight at import: scaled, never a shift target
    keys = np.array(table.keys() + views, dtype=object)

    def dims(key: str) -> set:
        if key in views:
            return {units.parse("view").dimensionality}
        return {units.activity_unit(f.unit).dimensionality for f in table.by_key[key]}

    for lv in scenario.levers:

        def bad(msg: str, key: str, lv=lv) -> None:
            problems.append(
                Problem(scenario.source, lv.line_of(key), f"lever.{key}", None, msg, key=True)
            )

        if lv.source:
            matched = keys[_matches(keys, lv.source)]
            if not len(matched):
                hint = table.suggest(lv.source)
                bad(
                    f"{lv.source!r} matches no activity{f' (did you mean {hint!r}?)' if hint else ''}; "
                    "see 'carbon factors list'",
                    "from" if lv.kind == "shift" else "activity",
                )
                continue
        if lv.kind != "shift":
            continue
        if lv.target in views:
            bad(
                f"cannot shift to {lv.target}: its factor depends on each row's page weight, which a "
                "shifted entry does not have (scale it instead)",
                "to",
            )
            continue
        if lv.target not in table.by_key:
            hint = table.suggest(lv.target)
            bad(
                f"unknown activity {lv.target!r}{f' (did you mean {hint!r}?)' if hint else ''}",
                "to",
            )
            continue
        dst = dims(lv.target)
        for k in matched:
            if not dims(k) & dst:
                s = (
                    "view"
                    if k in views
                    else units.describe(units.activity_unit(table.by_key[k][0].unit))
                )
                d = units.describe(units.activity_unit(table.by_key[lv.target][0].unit))
                bad(
                    f"cannot shift {k} (per {s}) to {lv.target} (per {d}): the units do not convert",
                    "to",
                )
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
        out.loc[mask, ["quantity", "co2e_kg"]] *= 1.0 - lv.share
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
    for (region, year), idx in (
        pd.DataFrame({"r": moved["region"].to_numpy(), "y": years})
        .groupby(["r", "y"], sort=False)
        .indices.items()
    ):
        try:
            f = table.resolve(lv.target, region, int(year)).factor
        except FactorNotFound as exc:
            raise InputError(
                f"{source}: scenario refused",
                [
                    Problem(
                        source,
                        lv.line_of("to"),
                        "lever.to",
                        lv.target,
                        f"{exc} (the shifted entries are in region {region or 'any'}, {year})",
                        key=True,
                    )
                ],
            ) from None
        value[idx], category[idx], funit[idx] = f.value, f.category, f.unit
    mult = np.full(len(moved), np.nan)
    pairs = pd.DataFrame({"u": moved["unit"].to_numpy(), "f": funit})
    for (u, fu), idx in pairs.groupby(["u", "f"], sort=False).indices.items():
        try:
            mult[idx] = units.co2e_kg_per(u, fu)
        except UnitError as exc:
            raise InputError(
                f"{source}: scenario refused",
                [
                    Problem(
                        source,
                        lv.line_of("to"),
                        "lever.to",
                        lv.target,
                        f"cannot shift entries in {u} to {lv.target}: {exc}",
                        key=True,
                    )
                ],
            ) from None
    return moved.assign(
        activity=lv.target, category=category, co2e_kg=moved["quantity"].to_numpy() * value * mult
    )


@dataclass(frozen=True)
class Baseline:
    """The recorded entries and the forecast entries of the year, and each team's window."""

    recorded: pd.DataFrame
    forecast: pd.DataFrame
    windows: Mapping[str, fc.Window]
    notes: tuple[str, ...]


def baseline(
    rows: pd.DataFrame, year: int, through: int, weights: Mapping[str, Sequence[float]]
) -> Baseline:
    """The year's baseline at month `through` (1-12): the recorded entries, and entries for
    the months the forecast estimates, built on the one year-end forecast (carbon.budgets.forecast).

    Per team: its window (first month with data, the months known; earlier months unknown,
    neither zero nor estimated), its year end = `forecast.year_end_any` of its actual over
    the known months with its budget profile (`weights`; flat without a budget, flat too
    where the profile gives the known months nothing), exactly the figure of `budget status`
    at `through`. The rest (year end − actual) is spread over the estimated months (holes
    and the months after `through`) by the same weights, and over the team's entries in
    proportion to its actual to date.
    """
    notes: list[str] = []
    ledger_months = {int(m[5:7]) for m in rows["month"].unique()} if len(rows) else set()
    windows: dict[str, fc.Window] = {}
    parts = []
    keys = ["team", "activity", "category", "region", "vintage", "unit"]
    for team, mine in rows.groupby("team", sort=True) if len(rows) else ():
        win = fc.window({int(m[5:7]) for m in mine["month"].unique()}, ledger_months, through)
        windows[team] = win
        actual = math.fsum(mine["co2e_kg"])
        got = fc.ratio_any(weights.get(team), win)
        if got is None:
            continue
        covered, known, method = got
        w = tuple(weights[team]) if method == fc.PROFILE else fc.FLAT
        if method == fc.FLAT_FALLBACK:
            notes.append(
                f"{team}: its budget profile allocates nothing to the months known: "
                "forecast at the flat run rate"
            )
        estimated = [m for m in win.covered if m not in win.known]
        rest_w = fc.weight(w, estimated)
        if covered == known or rest_w <= 0 or actual == 0:
            continue
        remaining = actual * covered / known - actual
        to_date = mine.groupby(keys, sort=True, as_index=False)[["quantity", "co2e_kg"]].sum()
        for m in estimated:
            k = remaining * w[m - 1] / rest_w / actual
            parts.append(
                to_date.assign(
                    month=month_label(year, m),
                    quantity=to_date["quantity"] * k,
                    co2e_kg=to_date["co2e_kg"] * k,
                )
            )
    future = (
        pd.concat(parts, ignore_index=True)[list(ROW_COLUMNS)]
        if parts
        else pd.DataFrame(columns=list(ROW_COLUMNS))
    )
    return Baseline(rows, future, windows, tuple(notes))


def run(
    scenario: Scenario,
    recorded: pd.DataFrame,
    last_month: int,
    table: FactorTable,
    plan: budgets.BudgetPlan | None,
    teams: Sequence[str],
) -> Outcome:
    """Baseline and scenario per team for the scenario's year (kg CO2e).

    `recorded`: the year's ledger entries (ROW_COLUMNS) up to `last_month` (1-12);
    `plan`: the year's budgets (profiles shape the forecast; status needs a budget).
    The baseline of a team is the year-end forecast of `budget status` at `last_month`;
    its status is judged as there, against the budget's share of the months covered.
    """
    check_levers(scenario, table)
    year = scenario.year
    weights = {t.team: t.weights for t in plan.teams} if plan else {}
    base_parts = baseline(recorded, year, last_month, weights)
    notes = list(base_parts.notes)
    base = pd.concat(
        [recorded.assign(kind="actual"), base_parts.forecast.assign(kind="forecast")],
        ignore_index=True,
    )
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
        st: dict[str, str | None] = {"b": None, "s": None}
        covered = None
        if tb is not None:
            win = base_parts.windows.get(team)
            if win is None or win.first is None:
                if tb.budget_kg * fc.share(tb.weights, range(1, last_month + 1)) > 0:
                    st = {"b": budgets.NO_DATA, "s": budgets.NO_DATA}
                    notes.append(
                        f"{team}: no emissions recorded in {year} up to {month_label(year, last_month)}: "
                        "no verdict (its figures are unknown, not zero)"
                    )
                    win = None
                else:
                    win = fc.Window(1, last_month, tuple(range(1, last_month + 1)))
            if win is not None:
                covered = tb.budget_kg * fc.share(tb.weights, win.covered)
                for label, act, total in (
                    ("b", b_act.get(team, 0.0), b_all.get(team, 0.0)),
                    ("s", s_act.get(team, 0.0), s_all.get(team, 0.0)),
                ):
                    st[label] = budgets.judge(covered, act, total)[0]
        out.append(
            TeamOutcome(
                team,
                b_act.get(team, 0.0),
                s_act.get(team, 0.0),
                b_all.get(team, 0.0),
                s_all.get(team, 0.0),
                budget,
                st["b"],
                st["s"],
                covered,
            )
        )
    forecast_months = tuple(month_label(year, m) for m in range(last_month + 1, 13))
    return Outcome(
        scenario,
        month_label(year, last_month),
        forecast_months,
        tuple(out),
        plan.company_budget_kg if plan else None,
        tuple(notes),
    )


def donation_deltas(outcome: Outcome, price_per_t) -> tuple[dict[str, int], int]:
    """Change of the donation (cents) per team and for the company at `price_per_t` (a Decimal
    per t CO2e): each figure rounded to the gram, then priced and rounded to the cent, as
    `carbon donation` does; the company's is the sum of the teams' grams."""
    from carbon.donation.rules import amount_cents, grams

    teams = {
        t.team: amount_cents(grams(t.scenario), price_per_t)
        - amount_cents(grams(t.baseline), price_per_t)
        for t in outcome.teams
    }
    base_g = sum(grams(t.baseline) for t in outcome.teams)
    scen_g = sum(grams(t.scenario) for t in outcome.teams)
    return teams, amount_cents(scen_g, price_per_t) - amount_cents(base_g, price_per_t)
