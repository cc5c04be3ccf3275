"""Run a scenario file against the store: read everything it needs, compute in memory, write nothing."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path

from carbon.budgets import store as stored_budgets
from carbon.core.calendar import counted_through, month_label, parse_month
from carbon.errors import CarbonError, InputError, NotFound
from carbon.factors import service as factor_service
from carbon.prices import rules as price_tables
from carbon.prices import service as price_service
from carbon.scenarios import file as scenario_file
from carbon.scenarios import rules
from carbon.store import Store, team_history
from carbon.store import levers as stored_levers


@dataclass(frozen=True)
class Result:
    outcome: rules.Outcome
    price: price_tables.Price
    price_notes: tuple[str, ...]
    team_donation_delta_cents: dict[str, int]
    donation_delta_cents: int
    unit: str  # the budget file's unit, else t CO2e
    kg_per_unit: float
    counted_through: str = (
        ""  # the last month counted as a whole (carbon.core.calendar.counted_through)
    )


def choose_price(
    store: Store,
    year: int,
    price: str | None = None,
    currency: str = "EUR",
    basis: str | None = None,
    price_year: int | None = None,
) -> price_tables.Choice:
    """The year's carbon price as `carbon donation` takes it; without one for the year (the
    current year has no published average yet), the latest earlier year of the default bases, said so."""
    if price is not None:
        return price_tables.Choice(price_tables.manual_price(price, currency, year))
    every = price_service.all_prices(store)
    try:
        return price_tables.choose(every, year, basis, price_year)
    except NotFound:
        if basis is not None or price_year is not None:
            raise
    latest = [
        (max(ys), -i, key)
        for i, key in enumerate(price_tables.DEFAULT_BASES)
        if (ys := [y for y in price_tables.years_of(every, key) if y < year])
    ]
    if latest:
        y, _, key = max(latest)  # the most recent year; the first default basis on a tie
        choice = price_tables.choose(every, year, key, y)
        return price_tables.Choice(
            choice.price,
            (
                f"no {year} price on the default bases: used the latest, {key} {y} "
                "(choose with --price, --basis, --price-year)",
            ),
        )
    return price_tables.choose(every, year)  # raises the donation's own error


def run_file(store: Store, path: Path | str, **options) -> Result:
    """Baseline vs scenario per team for the scenario file's year (see `run`). Raises
    InputError for a bad file or lever, NotFound when the year has no data."""
    with store.engine.connect() as conn:
        names, renamed = list(store.team_ids(conn)), team_history.renames(conn)
    return run(store, scenario_file.read(path, names, renamed), **options)


def run(
    store: Store,
    sc: scenario_file.Scenario,
    *,
    through: str | None = None,
    today: date | None = None,
    price: str | None = None,
    currency: str = "EUR",
    basis: str | None = None,
    price_year: int | None = None,
) -> Result:
    """Baseline vs scenario per team for `sc`'s year, counted through the last month over as of
    `today` (default: the date; carbon.core.calendar.counted_through, the rule of `budget status` and of
    the donation), or through `through` ("YYYY-MM") when that is earlier: a pack's month. Raises
    InputError for a lever naming an unknown team or activity, NotFound when the year has no data
    up to the month counted through."""
    first, last = month_label(sc.year, 1), month_label(sc.year, 12)
    if through is not None:
        try:
            y, m = parse_month(through)
        except ValueError as exc:
            raise InputError(f"--month: {exc}") from None
        if y != sc.year:
            raise InputError(f"--month: {through} is not in the scenario's year {sc.year}")
        last = month_label(y, m)
    last = counted_through(today or date.today(), last)
    with store.engine.connect() as conn:
        names = list(store.team_ids(conn))
        scenario_file.check_teams(sc, names, team_history.renames(conn))
        months = [m for m in store.months_with_data(conn) if first <= m <= last]
        if not months:
            upto = (
                f" counted through {last}"
                if last >= first
                else f": no month of {sc.year} is over yet"
            )
            raise NotFound(
                f"no emissions recorded in {sc.year}{upto}: nothing to compare a scenario with"
            )
        recorded = stored_levers.ledger_rows(conn, first, months[-1])
        table, answers = factor_service.with_unit_answers(store, conn)
        stored_plan = stored_budgets.get_plan(conn, sc.year)
        retired = team_history.retired(conn)
    plan = stored_plan.plan if stored_plan else None
    outcome = rules.run(
        sc, recorded, int(months[-1][5:7]), table, plan, names, answers, retired=retired
    )
    factor_service.keep_unit_answers(store, answers)
    choice = choose_price(store, sc.year, price, currency, basis, price_year)
    teams, company = rules.donation_deltas(outcome, choice.price.value)
    unit, per = (plan.unit, plan.kg_per_unit) if plan else ("t CO2e", 1000.0)
    return Result(
        outcome, choice.price, choice.notes, teams, company, unit, per, counted_through=last
    )


@dataclass(frozen=True)
class PackScenario:
    """One scenario of the pack's "levers" section: its result, or why it is not shown."""

    source: str
    name: str
    result: Result | None
    problem: str = ""
    sha256: str = ""  # the scenario file's content, as read with the config


def for_pack(
    store: Store, scenarios, month: str, today: date | None = None
) -> tuple[PackScenario, ...]:
    """The configured scenarios at the pack's `month`: each one of the month's year is run
    counted through `month` (the month before it while `month` is not over); another year's, or one that cannot be computed (e.g. no
    carbon price), is kept with the reason, never dropped in silence."""
    out = []
    for sc in scenarios:
        if sc.year != int(month[:4]):
            out.append(
                PackScenario(
                    sc.source,
                    sc.name,
                    None,
                    f"a scenario of {sc.year}, not of this pack's year {month[:4]}: not computed",
                    sc.sha256,
                )
            )
            continue
        try:
            out.append(
                PackScenario(
                    sc.source, sc.name, run(store, sc, through=month, today=today), sha256=sc.sha256
                )
            )
        except CarbonError as exc:
            detail = "; ".join(str(p) for p in getattr(exc, "problems", ()) or ())
            out.append(
                PackScenario(
                    sc.source, sc.name, None, f"{exc}{f': {detail}' if detail else ''}", sc.sha256
                )
            )
    return tuple(out)
