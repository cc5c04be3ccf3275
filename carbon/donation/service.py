"""The donation, end to end: compute it (with, for a closed year, its restatement), sign it
off, and the history of sign-offs.

Orchestration only: the rules are carbon.donation.rules, the prices carbon.prices.rules
(through carbon.prices.service), the SQL carbon.donation.store (sign-offs and the
ledger content), carbon.closing.store (the year closed by a sign-off) and
Store.aggregate (the year's figures).
"""

from __future__ import annotations

import dataclasses
import hashlib
from collections.abc import Sequence
from datetime import date
from typing import TYPE_CHECKING

from sqlalchemy.engine import Connection

from carbon.budgets import store as stored_budgets
from carbon.closing import service as period_service
from carbon.core import calendar
from carbon.core.money import format_amount
from carbon.core.suggest import did_you_mean
from carbon.donation import rules
from carbon.donation import store as stored_donations
from carbon.donation.rules import (
    ClosedDonation,
    Donation,
    DonationError,
    DonationView,
    HistoryEntry,
    Restatement,
    YearData,
)
from carbon.prices import rules as price_tables
from carbon.prices.rules import Choice
from carbon.prices.service import all_prices
from carbon.store import team_history as teams_store

if TYPE_CHECKING:
    from carbon.store import Store


# ---- the year's figures (aggregated in SQL) ----------------------------------------------


def year_data(
    store: Store,
    conn: Connection,
    year: int,
    scopes: Sequence[int] = (),
    categories: Sequence[str] = (),
    through: int = 12,
    scope2: str = "location",
) -> YearData:
    """The ledger of `year` for the donation: months present (the whole year), kg per team and kg
    per factor of months 1..`through` (rules.counted_through: months not over yet are left out).
    `scope2` "market": scope 2 counted market-based (carbon/scope2/view.py) instead of the ledger's
    location-based figures."""
    first, last = f"{year:04d}-01", f"{year:04d}-12"
    months = tuple(m for m, _kg, _n in store.aggregate(conn, ["month"], first, last))
    if categories:
        known = [c for c, _kg, _n in store.aggregate(conn, ["category"], first, last)]
        for c in categories:
            if months and c not in known:
                close = [x for x in [did_you_mean(c, known)] if x]
                raise DonationError(
                    f"no category {c!r} in the ledger for {year}"
                    + (f" (did you mean {close[0]!r}?)" if close else "")
                    + f"; categories of {year}: {', '.join(known)}"
                )
    counted = f"{year:04d}-{max(through, 0):02d}"  # "YYYY-00": nothing is counted
    team_kg = {
        t: kg
        for t, kg, _n in store.aggregate(
            conn, ["team"], first, counted, scopes=scopes, categories=categories
        )
    }
    factor_rows = tuple(
        (kg, u, cat)
        for _f, u, cat, kg, _n in store.aggregate(
            conn,
            ["factor_id", "uncertainty_pct", "category"],
            first,
            counted,
            scopes=scopes,
            categories=categories,
        )
    )
    if scope2 == "market" and (not scopes or 2 in scopes):
        team_kg, factor_rows = _market_scope2(store, conn, year, first, counted, scopes, categories)
    everything = store.months_with_data(conn)
    span = (everything[0], everything[-1]) if everything else None
    # Each team's months with any entry (all scopes): its first month with data, for the forecast.
    team_months: dict[str, list[int]] = {}
    for t, m, _kg, _n in store.aggregate(conn, ["team", "month"], first, counted):
        team_months.setdefault(t, []).append(int(m[5:7]))
    # The forecast weighs months by the team's budget profile where the year has budgets.
    plan = stored_budgets.get_plan(conn, year)
    weights = {t.team: t.weights for t in plan.plan.teams} if plan is not None else {}
    return YearData(
        year,
        months,
        team_kg,
        factor_rows,
        tuple(store.team_ids(conn)),
        span,
        through,
        {t: tuple(ms) for t, ms in team_months.items()},
        weights,
        teams_store.retired(conn),
    )


def _market_scope2(
    store: Store,
    conn: Connection,
    year: int,
    first: str,
    counted: str,
    scopes: Sequence[int],
    categories: Sequence[str],
) -> tuple[dict, tuple]:
    """Team kg and factor rows with scope 2 market-based: the other scopes from the ledger, plus
    each team's market-based scope 2. Refuses (DonationError) a year where it cannot be computed."""
    from carbon.scope2 import rules as s2
    from carbon.scope2 import view as scope2_view

    if categories:
        raise DonationError(
            "--scope2 market counts scope 2 per team and month, not per category: "
            "give no --category with it"
        )
    found = scope2_view.figures(conn, first, counted) if counted >= first else {}
    missing = s2.notes_of(found)
    if missing:
        raise DonationError(
            f"no market-based scope 2 for {year} ({len(missing)} reason"
            f"{'s' if len(missing) != 1 else ''}): "
            + "; ".join(missing[:5])
            + ("; …" if len(missing) > 5 else "")
            + "; see docs/scope2.md, or count scope 2 location-based (the default)"
        )
    others = [s for s in (scopes or (1, 2, 3)) if s != 2]
    team_kg: dict[str, float] = {}
    factor_rows: list[tuple[float, float | None, str]] = []
    if others:
        team_kg = {
            t: kg for t, kg, _n in store.aggregate(conn, ["team"], first, counted, scopes=others)
        }
        factor_rows = [
            (kg, u, cat)
            for _f, u, cat, kg, _n in store.aggregate(
                conn, ["factor_id", "uncertainty_pct", "category"], first, counted, scopes=others
            )
        ]
    for t, (_loc, market) in s2.by_team(found).items():
        team_kg[t] = team_kg.get(t, 0.0) + market
    # Market-based figures have no factor uncertainty of their own: the scope-2 categories' defaults,
    # shared in proportion to their location-based kg.
    loc2 = [
        (cat, kg) for cat, kg, _n in store.aggregate(conn, ["category"], first, counted, scopes=[2])
    ]
    whole = sum(kg for _c, kg in loc2)
    market_total = s2.total(found.values())[1] or 0.0
    factor_rows += [(market_total * kg / whole, None, cat) for cat, kg in loc2 if whole > 0]
    return team_kg, tuple(factor_rows)


def ledger_hash(conn: Connection, year: int) -> str:
    """sha256 of the year's ledger content: per team, month, category, scope, activity and
    factor (its content fingerprint, not its id), the grams CO2e and the number of entries.

    Aggregated in SQL; grams are rounded so the summation order of a backend
    cannot change the hash.
    """
    digest = hashlib.sha256()
    for team, month, cat, scope, activity, fp, kg, n in stored_donations.ledger_content(conn, year):
        digest.update(
            "\x1f".join(
                [team, month, cat, str(scope), activity, fp, str(rules.grams(kg)), str(n)]
            ).encode("utf-8")
            + b"\n"
        )
    return digest.hexdigest()


# ---- the donation ------------------------------------------------------------------------


def _choice(
    store: Store,
    year: int,
    price: str | None,
    currency: str | None,
    basis: str | None,
    price_year: int | None,
    closed: ClosedDonation | None,
) -> Choice:
    if price is not None and (basis is not None or price_year is not None):
        raise DonationError(
            "give either --price (a price by hand) or --basis/--price-year (a price "
            "from the tables), not both"
        )
    if price is not None:
        return Choice(price_tables.manual_price(price, currency or "EUR", year))
    if basis is None and price_year is None and closed is not None:
        choice = Choice(
            closed.price,
            (
                f"price of the sign-off of {closed.closed_at:%Y-%m-%d} "
                f"(closed {year}); choose another with --price or --basis",
            ),
        )
    else:
        choice = price_tables.choose(all_prices(store), year, basis, price_year)
    if currency is not None and currency.strip().upper() != choice.price.currency:
        raise DonationError(
            f"the price of {choice.price.key} {choice.price.year} is in {choice.price.currency}, "
            f"not {currency.upper()}: carbon does not convert currencies (exchange rates "
            f"are data); give the price in {currency.upper()} with --price P --currency "
            f"{currency.upper()}"
        )
    return choice


def donation_view(
    store: Store,
    year: int,
    *,
    as_of: date,
    price: str | None = None,
    currency: str | None = None,
    basis: str | None = None,
    price_year: int | None = None,
    scopes: Sequence[int] = (),
    categories: Sequence[str] = (),
    actual_only: bool = False,
    allow_missing_months: bool = False,
    scope2: str | None = None,
) -> DonationView:
    """The donation of `year` (see carbon.donation.rules) and, for a closed year, the restatement.

    Without --price/--basis, a closed year is recomputed at its sign-off's
    price, and without --scope/--category at its sign-off's filters. The
    restatement always uses the closed method (its scopes, categories and price).
    """
    with store.engine.connect() as conn:
        closed = stored_donations.latest_close(conn, year)
        choice = _choice(store, year, price, currency, basis, price_year, closed)
        if (
            closed is not None
            and not scopes
            and not categories
            and (closed.scopes or closed.categories)
        ):
            scopes, categories = closed.scopes, closed.categories
            choice = Choice(
                choice.price,
                choice.notes
                + (
                    "scopes and categories of the sign-off; choose "
                    "others with --scope / --category",
                ),
            )
        if (
            scope2 is None
        ):  # a closed year at its sign-off's basis; else location-based (the default)
            scope2 = closed.scope2 if closed is not None else "location"
        data = year_data(
            store, conn, year, scopes, categories, rules.counted_through(year, as_of), scope2
        )
        d = _with_basis(
            rules.compute(
                data,
                choice,
                as_of,
                scopes=scopes,
                categories=categories,
                actual_only=actual_only,
                allow_missing_months=allow_missing_months,
            ),
            scope2,
        )
        if closed is None:
            return DonationView(d)
        return DonationView(d, closed, _restatement(store, conn, closed, as_of))


def _with_basis(d: Donation, scope2: str) -> Donation:
    """The donation with its scope-2 basis recorded and stated in its method."""
    from carbon.scope2 import rules as s2

    if scope2 not in s2.BASES:
        raise DonationError(f"--scope2 {scope2!r}: expected one of {', '.join(s2.BASES)}")
    line = (
        "Scope 2: market-based (contractual instruments, then the residual mix; docs/scope2.md)"
        if scope2 == s2.MARKET
        else "Scope 2: location-based (grid average of each region; the default)"
    )
    return dataclasses.replace(d, scope2=scope2, method=(*d.method, line))


def _restatement(
    store: Store, conn: Connection, closed: ClosedDonation, as_of: date
) -> Restatement:
    digest = ledger_hash(conn, closed.year)
    # A market-based scope 2 that can no longer be computed is an error here, never a restatement to 0.
    data = year_data(
        store, conn, closed.year, closed.scopes, closed.categories, scope2=closed.scope2
    )
    try:
        now = rules.compute(
            data,
            Choice(closed.price),
            max(as_of, date(closed.year + 1, 1, 1)),
            scopes=closed.scopes,
            categories=closed.categories,
            allow_missing_months=True,
        )
    except DonationError:
        # Everything the sign-off counted is gone: restate every team to zero.
        now = rules.Donation(
            closed.year, as_of, rules.COMPLETE, (), 12, closed.price, (), 0, (0, 0, 0), (0, 0, 0)
        )
    return rules.restate(closed, now, digest)


def close_year(
    store: Store,
    year: int,
    *,
    as_of: date,
    price: str | None = None,
    currency: str | None = None,
    basis: str | None = None,
    price_year: int | None = None,
    scopes: Sequence[int] = (),
    categories: Sequence[str] = (),
    allow_missing_months: bool = False,
    note: str = "",
    supersede: bool = False,
    scope2: str = "location",
) -> tuple[ClosedDonation, Donation]:
    """Sign off the donation of `year`: compute it and record it in one transaction.

    Refuses (DonationError, nothing written) a year not over (`as_of` not
    after its 31 December, whatever months have data), a year already
    closed unless `supersede`, and everything `compute` refuses. The price
    must be given (`price` or `basis`): a sign-off never takes a default.
    """
    if not rules.year_over(year, as_of):
        state = "has not begun" if year > as_of.year else "is not over"
        raise DonationError(
            f"{year} {state} (as of {as_of.isoformat()}): a sign-off records a complete "
            f"year's actual figures; close it from {year + 1}-01-01, once its data is in "
            f"('carbon donation --year {year}' shows the estimate to date)"
        )
    if price is None and basis is None:
        raise DonationError(
            "a sign-off records a decided price: give --price P [--currency EUR] or "
            "--basis NAME (see 'carbon prices list')"
        )
    now = calendar.today()
    if as_of > now:
        raise DonationError(
            f"--as-of {as_of.isoformat()} is after today ({now.isoformat()}): a sign-off is "
            f"recorded once the year is over, not ahead of it; close {year} from "
            f"{year + 1}-01-01 ('carbon donation --year {year} --as-of …' shows an estimate)"
        )
    choice = _choice(store, year, price, currency, basis, price_year, None)
    with store.transaction() as conn:
        earlier = stored_donations.latest_close(conn, year)
        if earlier is not None and not supersede:
            raise DonationError(
                f"{year} was closed on {earlier.closed_at:%Y-%m-%d %H:%M} UTC at "
                f"{format_amount(earlier.amount_cents, earlier.price.currency)}; the closed figure "
                "stands. Use --supersede to record a new sign-off (the earlier one stays in the history)"
            )
        data = year_data(store, conn, year, scopes, categories, scope2=scope2)
        d = _with_basis(
            rules.compute(
                data,
                choice,
                as_of,
                scopes=scopes,
                categories=categories,
                allow_missing_months=allow_missing_months,
            ),
            scope2,
        )
        digest = ledger_hash(conn, year)
        close_id = stored_donations.insert_close(conn, d, digest, note)
        # A signed-off year is closed: later writes into it are refused unless restated.
        period_service.lock_year(
            conn, year, f"donation of {year} signed off" + (f" ({note})" if note else "")
        )
        closed = [c for c in stored_donations.closes(conn, year) if c.id == close_id][0]
    return closed, d


def history(store: Store, as_of: date, year: int | None = None) -> list[HistoryEntry]:
    """Every sign-off, oldest first; the ones in force are checked against the ledger now."""
    with store.engine.connect() as conn:
        found = stored_donations.closes(conn, year)
        latest = {c.year: c.id for c in found}
        return [
            HistoryEntry(
                c,
                latest[c.year] != c.id,
                _restatement(store, conn, c, as_of) if latest[c.year] == c.id else None,
            )
            for c in found
        ]
