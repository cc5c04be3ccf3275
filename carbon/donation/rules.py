"""The annual offset donation: emissions × carbon price, with its method stated (pure).

Rules (README "Annual offset donation"):

- Emissions of the year: the ledger summed in SQL per team (optionally only
  some GHG scopes or categories), each team's kg rounded half-up to the gram.
  The company total is the sum of the team figures.
- Amount = total t CO2e × price per t, rounded half-up to the cent (money.py).
- Per team: the total cents allocated in proportion to the team emissions by
  largest remainder: team amounts sum exactly to the total.
- Range: the emission band of carbon.core.uncertainty (the one method, shared with
  the budget forecast) × the same price: low / central / high.
- A year with no data is an error, never 0 €. A past year with months missing
  (no entry at all that month) is an error too, unless allowed explicitly
  (`allow_missing_months`: the amount then covers the months present, flagged).
- A year is over only when `as_of` (today) is after its 31 December: the data
  never decides it (a yearly row spread pro rata puts data in December long
  before December is over). A year after `as_of` is an error.
- The year of `as_of` (not over): actual to date + forecast, flagged, or a
  refusal with `actual_only`. Actual to date counts only the months up to the
  last month completed before `as_of` (`counted_through`): data dated in a
  month not over yet (pro-rated into it) is not counted, and the method says
  so. Forecast: the one year-end rule of carbon.budgets.forecast, per team, M being the
  last counted month with data: actual over the team's known months (from its
  first month with data to M) × weights of its first month..December ÷ weights
  of the known months — the team's budget profile where the year's budget file
  gives it one (the figure of `budget status`), flat otherwise. Months before a
  team's first data are unknown, not zero: not counted, not extrapolated.
- A closed year (signed off with its price snapshot and the ledger's content
  hash) is never changed: `restate` compares the current ledger, at the closed
  method and price, with the closed figures, per team.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from carbon.budgets import forecast as fc
from carbon.core import calendar as periods
from carbon.core import uncertainty
from carbon.core.calendar import month_label
from carbon.core.money import allocate, decimal_of, format_amount, half_up, to_cents
from carbon.donation.records import COMPLETE, ClosedDonation  # noqa: F401  re-exported (the record lives in records.py)
from carbon.errors import DonationError, DonationNoData  # the errors live in carbon.errors
from carbon.prices.rules import Choice, Price

GRAMS_PER_TONNE = Decimal(1_000_000)
FORECAST, PARTIAL = "actual_to_date_plus_forecast", "partial"


# ---- records ------------------------------------------------------------------------


@dataclass(frozen=True)
class YearData:
    """What the store gathered for a year (kg CO2e, aggregated in SQL).

    `months`: months of the year with any ledger entry (all scopes, the whole
    year: the completeness check); `team_kg`: kg per team under the chosen
    filters, months 1..`through` only; `factor_rows`: (kg, uncertainty_pct or
    None, category) per factor under the filters, months 1..`through`
    (company-wide: one factor's error is shared by every team using it).
    `through` must be `counted_through(year, as_of)` wherever data exists
    between the two (compute checks it).
    """

    year: int
    months: tuple[str, ...]
    team_kg: dict[str, float]
    factor_rows: tuple[tuple[float, float | None, str], ...] = ()
    declared_teams: tuple[str, ...] = ()
    data_span: tuple[str, str] | None = None  # first and last month with data, any year
    through: int = 12  # team_kg and factor_rows cover months 1..through of the year
    # Months (1..through) in which each team has any entry (all scopes): its first month with data.
    team_months: Mapping[str, tuple[int, ...]] = field(default_factory=dict)
    # Each team's 12 budget weights from the year's budget file (absent: no budget, flat).
    team_weights: Mapping[str, tuple[float, ...]] = field(default_factory=dict)
    # {team: first month without it} of the retired teams: never forecast past that month.
    retired: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class TeamShare:
    """One team's emissions (grams CO2e) and its share of the amount (cents)."""

    team: str
    actual_g: int  # recorded in the ledger
    emissions_g: int  # counted: actual, or actual + forecast
    amount_cents: int
    counted_from: str = ""  # a forecast's first month with data of the team ("YYYY-MM")
    forecast_method: str = (
        ""  # a forecast's weights: carbon.budgets.forecast PROFILE, FLAT_RATE, FLAT_FALLBACK
    )


@dataclass(frozen=True)
class Donation:
    """The donation of a year, with everything needed to state its method."""

    year: int
    as_of: date
    status: str  # COMPLETE | FORECAST | PARTIAL
    months: tuple[str, ...]  # the months counted as actual
    last_month: int  # 1..12
    price: Price
    teams: tuple[TeamShare, ...]
    amount_cents: int
    range_cents: tuple[int, int, int]  # low, central, high
    range_g: tuple[int, int, int]
    scopes: tuple[int, ...] = ()
    categories: tuple[str, ...] = ()
    method: tuple[str, ...] = ()
    warnings: tuple[str, ...] = ()
    missing_months: tuple[str, ...] = ()
    teams_without_data: tuple[str, ...] = ()
    counted_through: int = 12  # the last month whose data may count (12 for a year over)
    not_counted: tuple[str, ...] = ()  # months with data after counted_through (not over yet)
    scope2: str = (
        "location"  # the scope-2 basis counted: "location" or "market" (carbon/scope2/rules.py)
    )
    # (team, months): months in which other teams have entries but the team has none (counted zero)
    team_gaps: tuple[tuple[str, tuple[str, ...]], ...] = ()

    @property
    def emissions_g(self) -> int:
        return sum(t.emissions_g for t in self.teams)

    @property
    def actual_g(self) -> int:
        return sum(t.actual_g for t in self.teams)

    @property
    def is_forecast(self) -> bool:
        return self.status == FORECAST


@dataclass(frozen=True)
class TeamRestated:
    team: str
    closed_g: int
    current_g: int
    closed_cents: int
    current_cents: int

    @property
    def difference_g(self) -> int:
        return self.current_g - self.closed_g

    @property
    def difference_cents(self) -> int:
        return self.current_cents - self.closed_cents


@dataclass(frozen=True)
class Restatement:
    """The current ledger against a closed year, at the closed method and price."""

    closed: ClosedDonation
    ledger_changed: bool
    current_hash: str
    teams: tuple[TeamRestated, ...] = field(default_factory=tuple)

    @property
    def difference_cents(self) -> int:
        return sum(t.difference_cents for t in self.teams)

    @property
    def difference_g(self) -> int:
        return sum(t.difference_g for t in self.teams)


@dataclass(frozen=True)
class DonationView:
    """A donation as computed now, and — for a closed year — the sign-off and its restatement.

    For a closed year the sign-off is the headline (what finance books); the
    donation computed now is the recomputed figure, shown next to it.
    """

    donation: Donation
    closed: ClosedDonation | None = None
    restatement: Restatement | None = None

    @property
    def restated(self) -> bool:
        """The year's ledger changed after its sign-off."""
        return self.restatement is not None and self.restatement.ledger_changed


@dataclass(frozen=True)
class HistoryEntry:
    """A sign-off, whether a later one replaced it, and (in force) its restatement now."""

    closed: ClosedDonation
    superseded: bool
    restatement: Restatement | None


# ---- rules ----------------------------------------------------------------------------


def grams(kg: float) -> int:
    """kg CO2e (a float from SQL) -> integer grams, rounded half-up as written."""
    return int(half_up(decimal_of(kg) * 1000))


def tonnes(g: int) -> Decimal:
    """Integer grams -> exact tonnes (6 decimals)."""
    return (Decimal(g) / GRAMS_PER_TONNE).quantize(Decimal("0.000001"))


def amount_cents(emissions_g: int, price_per_t: Decimal) -> int:
    """Amount for `emissions_g` grams CO2e at `price_per_t`, in cents, half-up."""
    return to_cents(Decimal(emissions_g) / GRAMS_PER_TONNE * price_per_t)


def forecast_g(actual_g: int, covered: float, known: float) -> int:
    """Year-end forecast in grams (half-up) = actual × covered ÷ known (carbon.budgets.forecast.ratio_any)."""
    if known <= 0:
        raise ValueError("the known months carry no weight")
    if covered == known:
        return actual_g
    return int(half_up(Decimal(actual_g) * decimal_of(covered) / decimal_of(known)))


def share(total_cents: int, team_g: Sequence[tuple[str, int]]) -> list[int]:
    """Team amounts (cents) in proportion to team grams, summing exactly to the total."""
    return allocate(total_cents, [g for _t, g in team_g])


def _describe_filters(scopes: Sequence[int], categories: Sequence[str]) -> str:
    parts = []
    parts.append(
        "GHG scope" + ("s " if len(scopes) > 1 else " ") + ", ".join(map(str, scopes))
        if scopes
        else "all GHG scopes"
    )
    parts.append("categories " + ", ".join(categories) if categories else "all categories")
    return " and ".join(parts)


def _t(g: int) -> str:
    return f"{tonnes(g):,.3f} t CO2e"


def _price_text(p: Price) -> str:
    return f"{p.value} {p.per_tonne_unit}"


def year_over(year: int, as_of: date) -> bool:
    """True when `as_of` is after 31 December of `year`: only the date decides, never the data."""
    return as_of > date(year, 12, 31)


def counted_through(year: int, as_of: date) -> int:
    """The last month of `year` (1..12) whose data counts as actual as of `as_of`.

    12 for a year over; for the year of `as_of`, the last month completed
    before it (0 in January: no month is over yet). Data dated later — a
    period spread pro rata into months not over — is not actual yet.
    Raises DonationError for a year after `as_of`.
    """
    if year > as_of.year:
        raise DonationError(
            f"{year} is after the as-of date {as_of.isoformat()}: no donation for a future year"
        )
    through = periods.counted_through(
        as_of, month_label(year, 12)
    )  # the one rule (carbon/core/calendar.py)
    return 0 if through < month_label(year, 1) else int(through[5:7])


def compute(
    data: YearData,
    choice: Choice,
    as_of: date,
    *,
    scopes: Sequence[int] = (),
    categories: Sequence[str] = (),
    actual_only: bool = False,
    allow_missing_months: bool = False,
) -> Donation:
    """The donation of `data.year` at `choice.price` (see the module docstring for the rules).

    Raises DonationError: year after `as_of`, no data, months missing, nothing
    under the filters, a year not over with `actual_only`.
    """
    year = data.year
    price = choice.price
    through = counted_through(year, as_of)
    current = through < 12
    if current and actual_only:
        raise DonationError(
            f"{year} is not over (as of {as_of.isoformat()}): a donation now would be actual to date + "
            "forecast, and --actual-only refuses it. Run again after 31 December, or without "
            "--actual-only for a flagged estimate"
        )
    of_year = sorted(m for m in data.months if m.startswith(f"{year:04d}-"))
    present = [m for m in of_year if int(m[5:7]) <= through]
    later = tuple(m for m in of_year if int(m[5:7]) > through)
    if any(through < int(m[5:7]) <= data.through for m in later) or any(
        data.through < int(m[5:7]) for m in present
    ):
        raise ValueError(
            f"the year's figures cover months 1..{data.through}; the donation as of "
            f"{as_of.isoformat()} counts months 1..{through}"
        )
    if current and through == 0:
        raise DonationError(
            f"{year} has just begun (as of {as_of.isoformat()}): no month of it is over, so "
            "there is no actual to date to count or forecast from"
        )
    if not present:
        if later:
            span = f"data exists only for {_span(later)}, months not over yet"
        elif data.data_span:
            span = f"data exists for {data.data_span[0]} to {data.data_span[1]}"
        else:
            span = "the ledger is empty"
        upto = f" up to {month_label(year, through)}" if current else ""
        raise DonationNoData(
            f"no emissions recorded for {year}{upto} ({span}): a donation for a year "
            "without data would be a silent 0"
        )
    last_month = int(present[-1][5:7])
    expected = [month_label(year, m) for m in range(1, (last_month if current else 12) + 1)]
    missing = tuple(m for m in expected if m not in present)
    warnings: list[str] = list(choice.notes)
    if missing:
        listed = ", ".join(missing)
        if not allow_missing_months and current:
            raise DonationError(
                f"{year} has no emissions recorded for {listed}: unknown, not zero; a forecast would "
                "cover only each team's months from its first data to December. Import the missing "
                "data, or pass --allow-missing-months to forecast from the months present (flagged)"
            )
        if not allow_missing_months:
            raise DonationError(
                f"{year} has no emissions recorded for {listed}: the donation would count "
                f"{'that month' if len(missing) == 1 else 'those months'} as zero. Import the missing "
                "data, or pass --allow-missing-months to compute from the months present (flagged)"
            )
        if current:
            warnings.append(
                f"INCOMPLETE YEAR: no data for {listed}: unknown, not zero. Each team's "
                "year-end figure covers the months from its first month with data to "
                "December: months before it are not counted; a month without any data "
                "after it is estimated at the team's run rate"
            )
        else:
            warnings.append(
                f"PARTIAL YEAR: no data for {listed}; the amount covers only the "
                f"{len(present)} months with data"
            )
    status = FORECAST if current else (PARTIAL if missing else COMPLETE)

    team_actual = sorted((t, grams(kg)) for t, kg in data.team_kg.items())
    if not team_actual or sum(g for _t, g in team_actual) == 0:
        raise DonationNoData(
            f"no emissions for {year} under {_describe_filters(scopes, categories)}: "
            "nothing to price (check --scope / --category)"
        )
    gaps = _team_gaps(data, team_actual, present, last_month)
    for t, months in gaps:
        warnings.append(
            f"{t}: no emissions recorded for {', '.join(months)} while other teams have some: "
            f"counted as zero in its {'actual to date and forecast' if current else 'emissions'} "
            "(data not imported yet?)"
        )
    how: dict[str, tuple[str, str]] = {}
    if status == FORECAST:
        team_counted = []
        known_months = [int(m[5:7]) for m in present]
        for t, g in team_actual:
            last = fc.last_month(year, data.retired.get(t))
            win = fc.window(data.team_months.get(t, known_months), known_months, last_month, last)
            r = fc.ratio_any(data.team_weights.get(t), win)
            if r is None:  # entries under the filters but none counted (cannot happen with a store)
                win = fc.Window(1, last_month, tuple(m for m in known_months if m <= last), last)
                r = fc.ratio_any(data.team_weights.get(t), win)
            if r is None:  # entries only after the team's retirement (booked by an older carbon):
                r = (1.0, 1.0, fc.FLAT_RATE)  # counted as they are, never extrapolated
            covered, known, method = r
            team_counted.append((t, forecast_g(g, covered, known)))
            how[t] = (month_label(year, win.first), method)
    else:
        team_counted = team_actual
    total_g = sum(g for _t, g in team_counted)
    total_cents = amount_cents(total_g, price.value)
    cents = share(total_cents, team_counted)
    teams = tuple(
        TeamShare(t, ga, gc, c, *how.get(t, ("", "")))
        for (t, ga), (_t, gc), c in zip(team_actual, team_counted, cents)
    )

    band = uncertainty.band(data.factor_rows)
    if band.central > 0:
        # The band's relative bounds applied to the counted total (for a forecast this is
        # the band of the actual scaled by 12 / M, as the budget forecast band is).
        low_g = int(half_up(Decimal(total_g) * decimal_of(band.low) / decimal_of(band.central)))
        high_g = int(half_up(Decimal(total_g) * decimal_of(band.high) / decimal_of(band.central)))
    else:
        low_g = high_g = total_g
    range_g = (low_g, total_g, high_g)
    range_cents = (amount_cents(low_g, price.value), total_cents, amount_cents(high_g, price.value))
    declared_without = tuple(sorted(set(data.declared_teams) - set(data.team_kg)))

    method = _method(
        year,
        as_of,
        status,
        present,
        last_month,
        team_actual,
        total_g,
        price,
        total_cents,
        range_cents,
        scopes,
        categories,
        through,
        later,
        teams,
    )
    return Donation(
        year,
        as_of,
        status,
        tuple(present),
        last_month,
        price,
        teams,
        total_cents,
        range_cents,
        range_g,
        tuple(scopes),
        tuple(categories),
        method,
        tuple(warnings),
        missing,
        declared_without,
        through,
        later,
        team_gaps=gaps,
    )


def _team_gaps(
    data: YearData, team_actual: Sequence[tuple[str, int]], present: Sequence[str], through: int
) -> tuple[tuple[str, tuple[str, ...]], ...]:
    """Per team, the months up to `through` after its first month with data (and before its
    retirement) in which other teams have entries but it has none (carbon.budgets.forecast.zero_months)."""
    known = [int(m[5:7]) for m in present]
    out = []
    for t, _g in team_actual:
        mine = data.team_months.get(t, known)
        win = fc.window(mine, known, through, fc.last_month(data.year, data.retired.get(t)))
        zeros = fc.zero_months(win, mine)
        if zeros:
            out.append((t, tuple(month_label(data.year, m) for m in zeros)))
    return tuple(out)


def _span(months: Sequence[str]) -> str:
    return months[0] if len(months) == 1 else f"{months[0]} to {months[-1]}"


def _method(
    year,
    as_of,
    status,
    present,
    last_month,
    team_actual,
    total_g,
    price: Price,
    total_cents,
    range_cents,
    scopes,
    categories,
    through,
    later,
    teams=(),
) -> tuple[str, ...]:
    cur = price.currency
    actual_g = sum(g for _t, g in team_actual)
    lines = [
        f"Emissions: {_describe_filters(scopes, categories)} of the ledger for {year}, "
        f"{present[0]} to {present[-1]} ({len(present)} month{'s' if len(present) != 1 else ''} "
        f"with data): {_t(actual_g)} recorded (each team's sum rounded half-up to the gram)."
    ]
    if status == FORECAST:
        lines.append(
            f"FORECAST: {year} is not over (as of {as_of.isoformat()}). Actual to date counts the months "
            f"up to {month_label(year, through)}, the last month completed"
            + (
                f"; the data dated {_span(later)} (months not over yet, e.g. a period spread pro rata into "
                "them) is not counted as actual"
                if later
                else ""
            )
            + f". Counted = actual to date + forecast, per team: actual of its months known (from its "
            f"first month with data to {present[-1]}) × weights of its first month with data to December "
            "÷ weights of the months known — the weights of the team's budget profile where the year's "
            "budget file gives one (the forecast of 'carbon budget status'), equal weights otherwise (a "
            f"flat run rate); months before a team's first data are unknown, not counted = {_t(total_g)}. "
            "The amount will change when the year is complete."
        )
        profiled = [t.team for t in teams if t.forecast_method == fc.PROFILE]
        flat = [t.team for t in teams if t.forecast_method != fc.PROFILE]
        fallback = [t.team for t in teams if t.forecast_method == fc.FLAT_FALLBACK]
        late = [
            f"{t.team} from {t.counted_from}"
            for t in teams
            if t.counted_from > month_label(year, 1)
        ]
        parts = ([f"the budget profile of {', '.join(profiled)}"] if profiled else []) + (
            [
                f"flat for {', '.join(flat)}"
                + (
                    f" ({', '.join(fallback)}: the profile gives the months known no weight)"
                    if fallback
                    else ""
                )
            ]
            if flat
            else []
        )
        lines.append(
            "Forecast weights: "
            + "; ".join(parts)
            + "."
            + (
                f" Counted from a later month (earlier months unknown): {'; '.join(late)}."
                if late
                else ""
            )
        )
    source = price.source + (f" ({price.source_ref})" if price.source_ref else "")
    lines.append(
        f"Price: {_price_text(price)}, {price.year}; basis: {price.basis}; source: {source}"
        + (f"; notes: {price.notes}" if price.notes else "")
        + "."
    )
    exact = tonnes(total_g) * price.value
    lines.append(
        f"Amount = {tonnes(total_g)} t × {price.value} {cur}/t = {exact} {cur}, rounded half-up "
        f"to the cent: {format_amount(total_cents, cur)}."
    )
    lines.append(
        "Per team: the amount in proportion to each team's emissions, largest remainder on "
        "cents; the team amounts sum exactly to the total."
    )
    lines.append(
        f"Range from the emission factors' uncertainty (± % per factor, combined in quadrature; "
        f"category defaults where a factor states none), same price: low "
        f"{format_amount(range_cents[0], cur)}, high {format_amount(range_cents[2], cur)}."
    )
    return tuple(lines)


def compare(closed: ClosedDonation, current: Donation) -> tuple[TeamRestated, ...]:
    """Every team of either, by name: its closed grams and cents against `current`'s (0 where absent)."""
    closed_by = {t: (g, c) for t, g, c in closed.teams}
    now_by = {t.team: (t.emissions_g, t.amount_cents) for t in current.teams}
    rows = []
    for team in sorted(set(closed_by) | set(now_by)):
        cg, cc = closed_by.get(team, (0, 0))
        ng, nc = now_by.get(team, (0, 0))
        rows.append(TeamRestated(team, cg, ng, cc, nc))
    return tuple(rows)


def restate(closed: ClosedDonation, current: Donation, current_hash: str) -> Restatement:
    """The current figures (computed at the closed method and price) against the closed ones, per team."""
    return Restatement(
        closed, current_hash != closed.ledger_hash, current_hash, compare(closed, current)
    )


def same_method(d: Donation, closed: ClosedDonation) -> bool:
    """Whether `d` was computed at the closed price (value, currency, basis key and year) and filters."""
    p, c = d.price, closed.price
    return (
        (p.key, p.year, p.value, p.currency) == (c.key, c.year, c.value, c.currency)
        and sorted(d.scopes) == sorted(closed.scopes)
        and sorted(d.categories) == sorted(closed.categories)
        and d.scope2 == closed.scope2
    )


def summary_line(d: Donation) -> str:
    """One line for logs and the report pack: "2025: 69,189.45 EUR for 936.765 t CO2e at 73.86 EUR / t CO2e"."""
    flag = " (FORECAST: actual to date + forecast)" if d.is_forecast else ""
    return (
        f"{d.year}: {format_amount(d.amount_cents, d.price.currency)} for {_t(d.emissions_g)} at "
        f"{_price_text(d.price)} ({d.price.key} {d.price.year}){flag}"
    )


__all__ = [
    "ClosedDonation",
    "Donation",
    "DonationError",
    "Restatement",
    "TeamRestated",
    "TeamShare",
    "YearData",
    "amount_cents",
    "compare",
    "compute",
    "counted_through",
    "forecast_g",
    "grams",
    "restate",
    "same_method",
    "share",
    "summary_line",
    "tonnes",
    "year_over",
]
