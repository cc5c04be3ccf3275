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
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace

from carbon.budgets import forecast as fc
from carbon.budgets import rules as budgets
from carbon.core.calendar import month_label
from carbon.errors import FactorNotFound, InputError, Problem, UnitError
from carbon.factors import swd
from carbon.factors.conversions import Conversions
from carbon.factors.tables import FactorTable
from carbon.scenarios.file import Lever, Scenario
from carbon.scenarios.records import Entry


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
    # Months up to the last recorded without any entry at all (holes): estimated, like the
    # forecast months (carbon/budgets/forecast.py), never zero.
    hole_months: tuple[str, ...] = ()

    @property
    def baseline(self) -> float:
        return math.fsum(t.baseline for t in self.teams)

    @property
    def scenario_total(self) -> float:
        return math.fsum(t.scenario for t in self.teams)


class _Matcher:
    """Which activity keys match a key or a pattern (* within a key), decided once per key."""

    def __init__(self, pattern: str):
        self.pattern = pattern
        self._seen: dict[str, bool] = {}

    def __call__(self, key: str) -> bool:
        hit = self._seen.get(key)
        if hit is None:
            hit = self._seen[key] = fnmatch.fnmatchcase(key, self.pattern)
        return hit


def check_levers(scenario: Scenario, table: FactorTable, answers: Conversions) -> None:
    """Refuse levers naming no known activity, or a shift between units that cannot convert."""
    problems = []
    views = swd.page_view_keys(
        table.by_key
    )  # priced per page weight at import: scaled, never a shift target
    keys = table.keys() + views

    def dims(key: str) -> set[str]:
        if key in views:
            return {answers.dimensions("view")}
        return {answers.activity_dimensions(f.unit) for f in table.by_key[key]}

    def per(key: str) -> str:  # an error's wording: pint is imported for it
        from carbon.core import units

        if key in views:
            return "view"
        return units.describe(units.activity_unit(table.by_key[key][0].unit))

    for lv in scenario.levers:

        def bad(msg: str, key: str, lv=lv) -> None:
            problems.append(
                Problem(scenario.source, lv.line_of(key), f"lever.{key}", None, msg, key=True)
            )

        matched: list[str] = []
        if lv.source:
            matched = [k for k in keys if fnmatch.fnmatchcase(k, lv.source)]
            if not matched:
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
                bad(
                    f"cannot shift {k} (per {per(k)}) to {lv.target} (per {per(lv.target)}): "
                    "the units do not convert",
                    "to",
                )
    if problems:
        raise InputError(f"{scenario.source}: scenario refused", problems)


def apply_levers(
    rows: Sequence[Entry], scenario: Scenario, table: FactorTable, answers: Conversions
) -> list[Entry]:
    """The entries with every lever applied in file order (a later lever sees the earlier ones' result)."""
    out = list(rows)
    for lv in scenario.levers:
        if not out:
            break
        teams, regions = set(lv.teams or ()), set(lv.regions or ())
        matches = _Matcher(lv.source) if lv.source else None

        def chosen(e: Entry, lv=lv, teams=teams, regions=regions, matches=matches) -> bool:
            return (
                e.month >= lv.start
                and (not teams or e.team in teams)
                and (not regions or e.region in regions)
                and (matches(e.activity) if matches else e.category == lv.category)
            )

        if lv.kind == "scale":
            out = [
                replace(e, quantity=e.quantity * lv.factor, co2e_kg=e.co2e_kg * lv.factor)
                if chosen(e)
                else e
                for e in out
            ]
            continue
        kept, moved = [], []
        for e in out:
            if chosen(e):
                moved.append(replace(e, quantity=e.quantity * lv.share))
                e = replace(
                    e, quantity=e.quantity * (1.0 - lv.share), co2e_kg=e.co2e_kg * (1.0 - lv.share)
                )
            kept.append(e)
        out = kept + _reprice(moved, lv, table, answers, scenario.source) if moved else kept
    return out


def _reprice(
    moved: Sequence[Entry], lv: Lever, table: FactorTable, answers: Conversions, source: str
) -> list[Entry]:
    """Shifted entries priced as `lv.target`: one resolution per (region, year), one unit
    conversion per (unit, factor unit); every resolution is checked before any conversion."""
    factors = {}
    for e in moved:
        region, year = e.region, int(e.month[:4])
        if (region, year) in factors:
            continue
        try:
            factors[region, year] = table.resolve(lv.target, region, year).factor
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
    mult: dict[tuple[str, str], float] = {}
    for e in moved:
        pair = (e.unit, factors[e.region, int(e.month[:4])].unit)
        if pair in mult:
            continue
        try:
            mult[pair] = answers.co2e_kg_per(*pair)
        except UnitError as exc:
            raise InputError(
                f"{source}: scenario refused",
                [
                    Problem(
                        source,
                        lv.line_of("to"),
                        "lever.to",
                        lv.target,
                        f"cannot shift entries in {pair[0]} to {lv.target}: {exc}",
                        key=True,
                    )
                ],
            ) from None
    out = []
    for e in moved:
        f = factors[e.region, int(e.month[:4])]
        out.append(
            replace(
                e,
                activity=lv.target,
                category=f.category,
                co2e_kg=e.quantity * f.value * mult[e.unit, f.unit],
            )
        )
    return out


@dataclass(frozen=True)
class Baseline:
    """The recorded entries and the forecast entries of the year, and each team's window."""

    recorded: tuple[Entry, ...]
    forecast: tuple[Entry, ...]
    windows: Mapping[str, fc.Window]
    notes: tuple[str, ...]


def baseline(
    rows: Sequence[Entry],
    year: int,
    through: int,
    weights: Mapping[str, Sequence[float]],
    retired: Mapping[str, str] | None = None,
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
    ledger_months = {int(e.month[5:7]) for e in rows}
    by_team: dict[str, list[Entry]] = defaultdict(list)
    for e in rows:
        by_team[e.team].append(e)
    windows: dict[str, fc.Window] = {}
    future: list[Entry] = []
    for team in sorted(by_team):
        mine = by_team[team]
        win = fc.window(
            {int(e.month[5:7]) for e in mine},
            ledger_months,
            through,
            fc.last_month(year, (retired or {}).get(team)),
        )
        windows[team] = win
        actual = math.fsum(e.co2e_kg for e in mine)
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
        to_date = _to_date(mine)
        for m in estimated:
            k = remaining * w[m - 1] / rest_w / actual
            label = month_label(year, m)
            future.extend(
                replace(e, month=label, quantity=e.quantity * k, co2e_kg=e.co2e_kg * k)
                for e in to_date
            )
    return Baseline(tuple(rows), tuple(future), windows, tuple(notes))


def _to_date(entries: Sequence[Entry]) -> list[Entry]:
    """`entries` summed over their months per activity, category, region, vintage and unit."""
    groups: dict[tuple, list[Entry]] = defaultdict(list)
    for e in entries:
        groups[e.activity, e.category, e.region, e.vintage, e.unit].append(e)
    return [
        replace(
            g[0],
            quantity=math.fsum(e.quantity for e in g),
            co2e_kg=math.fsum(e.co2e_kg for e in g),
        )
        for _, g in sorted(groups.items())
    ]


def run(
    scenario: Scenario,
    recorded: Sequence[Entry],
    last_month: int,
    table: FactorTable,
    plan: budgets.BudgetPlan | None,
    teams: Sequence[str],
    answers: Conversions | None = None,
    retired: Mapping[str, str] | None = None,
) -> Outcome:
    """Baseline and scenario per team for the scenario's year (kg CO2e).

    `recorded`: the year's ledger entries up to `last_month` (1-12);
    `plan`: the year's budgets (profiles shape the forecast; status needs a budget);
    `answers`: pint's answers known so far (carbon.factors.conversions; new ones are added);
    `retired`: {team: first month without it}: nothing is forecast from that month on.
    The baseline of a team is the year-end forecast of `budget status` at `last_month`;
    its status is judged as there, against the budget's share of the months covered.
    """
    answers = Conversions() if answers is None else answers
    check_levers(scenario, table, answers)
    year = scenario.year
    weights = {t.team: t.weights for t in plan.teams} if plan else {}
    base_parts = baseline(recorded, year, last_month, weights, retired or {})
    notes = list(base_parts.notes)
    # Recorded and forecast entries go through the levers apart: a lever acts on each entry
    # alone, so the scenario's actual to date is the levers applied to the recorded ones.
    scen_recorded = apply_levers(base_parts.recorded, scenario, table, answers)
    scen_forecast = apply_levers(base_parts.forecast, scenario, table, answers)

    def sums(*parts: Sequence[Entry]) -> dict[str, float]:
        by_team: dict[str, list[float]] = defaultdict(list)
        for part in parts:
            for e in part:
                by_team[e.team].append(e.co2e_kg)
        return {t: math.fsum(v) for t, v in by_team.items()}

    b_act, s_act = sums(base_parts.recorded), sums(scen_recorded)
    b_all = sums(base_parts.recorded, base_parts.forecast)
    s_all = sums(scen_recorded, scen_forecast)
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
    have = {int(e.month[5:7]) for e in recorded}
    holes = tuple(
        month_label(year, m) for m in range(min(have, default=13), last_month + 1) if m not in have
    )
    return Outcome(
        scenario,
        month_label(year, last_month),
        forecast_months,
        tuple(out),
        plan.company_budget_kg if plan else None,
        tuple(notes),
        holes,
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
