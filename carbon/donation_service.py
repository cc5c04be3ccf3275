"""The donation, end to end: compute it (with, for a closed year, its restatement), sign it
off, and the history of sign-offs.

Orchestration only: the rules are carbon.donation, the prices carbon.prices
(through carbon.price_service), the SQL carbon.store.donations (sign-offs and the
ledger content), carbon.store.locks (the year closed by a sign-off) and
Store.aggregate (the year's figures).
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from datetime import date
from typing import TYPE_CHECKING

from sqlalchemy.engine import Connection

from carbon import donation as rules
from carbon import period_service
from carbon import prices as price_tables
from carbon.donation import (
    ClosedDonation, Donation, DonationError, DonationView, HistoryEntry, Restatement, YearData,
)
from carbon.money import format_amount
from carbon.price_service import all_prices
from carbon.prices import Choice
from carbon.store import budgets as stored_budgets
from carbon.store import donations as stored_donations
from carbon.suggest import did_you_mean

if TYPE_CHECKING:
    from carbon.store import Store


# ---- the year's figures (aggregated in SQL) ----------------------------------------------

def year_data(store: "Store", conn: Connection, year: int, scopes: Sequence[int] = (),
              categories: Sequence[str] = (), through: int = 12) -> YearData:
    """The ledger of `year` for the donation: months present (the whole year), kg per team and kg
    per factor of months 1..`through` (rules.counted_through: months not over yet are left out)."""
    first, last = f"{year:04d}-01", f"{year:04d}-12"
    months = tuple(m for m, _kg, _n in store.aggregate(conn, ["month"], first, last))
    if categories:
        known = [c for c, _kg, _n in store.aggregate(conn, ["category"], first, last)]
        for c in categories:
            if months and c not in known:
                close = [x for x in [did_you_mean(c, known)] if x]
                raise DonationError(f"no category {c!r} in the ledger for {year}"
                                    + (f" (did you mean {close[0]!r}?)" if close else "")
                                    + f"; categories of {year}: {', '.join(known)}")
    counted = f"{year:04d}-{max(through, 0):02d}"  # "YYYY-00": nothing is counted
    team_kg = {t: kg for t, kg, _n in store.aggregate(conn, ["team"], first, counted, scopes=scopes,
                                                       categories=categories)}
    factor_rows = tuple((kg, u, cat) for _f, u, cat, kg, _n in store.aggregate(
        conn, ["factor_id", "uncertainty_pct", "category"], first, counted, scopes=scopes,
        categories=categories))
    everything = store.months_with_data(conn)
    span = (everything[0], everything[-1]) if everything else None
    # Each team's months with any entry (all scopes): its first month with data, for the forecast.
    team_months: dict[str, list[int]] = {}
    for t, m, _kg, _n in store.aggregate(conn, ["team", "month"], first, counted):
        team_months.setdefault(t, []).append(int(m[5:7]))
    # The forecast weighs months by the team's budget profile where the year has budgets.
    plan = stored_budgets.get_plan(conn, year)
    weights = {t.team: t.weights for t in plan.plan.teams} if plan is not None else {}
    return YearData(year, months, team_kg, factor_rows, tuple(store.team_ids(conn)), span, through,
                    {t: tuple(ms) for t, ms in team_months.items()}, weights)


def ledger_hash(conn: Connection, year: int) -> str:
    """sha256 of the year's ledger content: per team, month, category, scope, activity and
    factor (its content fingerprint, not its id), the grams CO2e and the number of entries.

    Aggregated in SQL; grams are rounded so the summation order of a backend
    cannot change the hash.
    """
    digest = hashlib.sha256()
    for team, month, cat, scope, activity, fp, kg, n in stored_donations.ledger_content(conn, year):
        digest.update("\x1f".join([team, month, cat, str(scope), activity, fp, str(rules.grams(kg)),
                                   str(n)]).encode("utf-8") + b"\n")
    return digest.hexdigest()


# ---- the donation ------------------------------------------------------------------------

def _choice(store: "Store", year: int, price: str | None, currency: str | None, basis: str | None,
            price_year: int | None, closed: ClosedDonation | None) -> Choice:
    if price is not None and (basis is not None or price_year is not None):
        raise DonationError("give either --price (a price by hand) or --basis/--price-year (a price "
                            "from the tables), not both")
    if price is not None:
        return Choice(price_tables.manual_price(price, currency or "EUR", year))
    if basis is None and price_year is None and closed is not None:
        choice = Choice(closed.price, (f"price of the sign-off of {closed.closed_at:%Y-%m-%d} "
                                       f"(closed {year}); choose another with --price or --basis",))
    else:
        choice = price_tables.choose(all_prices(store), year, basis, price_year)
    if currency is not None and currency.strip().upper() != choice.price.currency:
        raise DonationError(f"the price of {choice.price.key} {choice.price.year} is in {choice.price.currency}, "
                            f"not {currency.upper()}: carbon does not convert currencies (exchange rates "
                            f"are data); give the price in {currency.upper()} with --price P --currency "
                            f"{currency.upper()}")
    return choice


def donation_view(store: "Store", year: int, *, as_of: date, price: str | None = None,
                  currency: str | None = None, basis: str | None = None, price_year: int | None = None,
                  scopes: Sequence[int] = (), categories: Sequence[str] = (), actual_only: bool = False,
                  allow_missing_months: bool = False) -> DonationView:
    """The donation of `year` (see carbon.donation) and, for a closed year, the restatement.

    Without --price/--basis, a closed year is recomputed at its sign-off's
    price, and without --scope/--category at its sign-off's filters. The
    restatement always uses the closed method (its scopes, categories and price).
    """
    with store.engine.connect() as conn:
        closed = stored_donations.latest_close(conn, year)
        choice = _choice(store, year, price, currency, basis, price_year, closed)
        if closed is not None and not scopes and not categories and (closed.scopes or closed.categories):
            scopes, categories = closed.scopes, closed.categories
            choice = Choice(choice.price, choice.notes + ("scopes and categories of the sign-off; choose "
                                                          "others with --scope / --category",))
        data = year_data(store, conn, year, scopes, categories, rules.counted_through(year, as_of))
        d = rules.compute(data, choice, as_of, scopes=scopes, categories=categories, actual_only=actual_only,
                          allow_missing_months=allow_missing_months)
        if closed is None:
            return DonationView(d)
        return DonationView(d, closed, _restatement(store, conn, closed, as_of))


def _restatement(store: "Store", conn: Connection, closed: ClosedDonation, as_of: date) -> Restatement:
    digest = ledger_hash(conn, closed.year)
    data = year_data(store, conn, closed.year, closed.scopes, closed.categories)
    try:
        now = rules.compute(data, Choice(closed.price), max(as_of, date(closed.year + 1, 1, 1)),
                            scopes=closed.scopes, categories=closed.categories, allow_missing_months=True)
    except DonationError:
        # Everything the sign-off counted is gone: restate every team to zero.
        now = rules.Donation(closed.year, as_of, rules.COMPLETE, (), 12, closed.price, (), 0, (0, 0, 0),
                             (0, 0, 0))
    return rules.restate(closed, now, digest)


def close_year(store: "Store", year: int, *, as_of: date, price: str | None = None, currency: str | None = None,
               basis: str | None = None, price_year: int | None = None, scopes: Sequence[int] = (),
               categories: Sequence[str] = (), allow_missing_months: bool = False, note: str = "",
               supersede: bool = False) -> tuple[ClosedDonation, Donation]:
    """Sign off the donation of `year`: compute it and record it in one transaction.

    Refuses (DonationError, nothing written) a year not over (`as_of` not
    after its 31 December, whatever months have data), a year already
    closed unless `supersede`, and everything `compute` refuses. The price
    must be given (`price` or `basis`): a sign-off never takes a default.
    """
    if not rules.year_over(year, as_of):
        state = "has not begun" if year > as_of.year else "is not over"
        raise DonationError(f"{year} {state} (as of {as_of.isoformat()}): a sign-off records a complete "
                            f"year's actual figures; close it from {year + 1}-01-01, once its data is in "
                            f"('carbon donation --year {year}' shows the estimate to date)")
    if price is None and basis is None:
        raise DonationError("a sign-off records a decided price: give --price P [--currency EUR] or "
                            "--basis NAME (see 'carbon prices list')")
    choice = _choice(store, year, price, currency, basis, price_year, None)
    with store.transaction() as conn:
        earlier = stored_donations.latest_close(conn, year)
        if earlier is not None and not supersede:
            raise DonationError(
                f"{year} was closed on {earlier.closed_at:%Y-%m-%d %H:%M} UTC at "
                f"{format_amount(earlier.amount_cents, earlier.price.currency)}; the closed figure "
                "stands. Use --supersede to record a new sign-off (the earlier one stays in the history)")
        data = year_data(store, conn, year, scopes, categories)
        d = rules.compute(data, choice, as_of, scopes=scopes, categories=categories,
                          allow_missing_months=allow_missing_months)
        digest = ledger_hash(conn, year)
        close_id = stored_donations.insert_close(conn, d, digest, note)
        # A signed-off year is closed: later writes into it are refused unless restated.
        period_service.lock_year(conn, year, f"donation of {year} signed off" + (f" ({note})" if note else ""))
        closed = [c for c in stored_donations.closes(conn, year) if c.id == close_id][0]
    return closed, d


def history(store: "Store", as_of: date, year: int | None = None) -> list[HistoryEntry]:
    """Every sign-off, oldest first; the ones in force are checked against the ledger now."""
    with store.engine.connect() as conn:
        found = stored_donations.closes(conn, year)
        latest = {c.year: c.id for c in found}
        return [HistoryEntry(c, latest[c.year] != c.id,
                             _restatement(store, conn, c, as_of) if latest[c.year] == c.id else None)
                for c in found]
