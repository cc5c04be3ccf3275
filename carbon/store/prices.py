"""Tables and queries of carbon prices and donation sign-offs.

- `price_imports`, `user_prices`: price tables a user imported (`carbon prices
  import`); a later import overrides an earlier row of the same basis and year.
- `donation_closes`, `donation_close_teams`: signed-off donations with the
  price snapshot (value as exact decimal text, unit, basis, source), the
  ledger's content hash of the year and the per-team figures. A sign-off is
  never updated: a new one for the same year (`supersede`) is added, and the
  latest one of a year is the one in force.

Amounts are integer cents, emissions integer grams CO2e. The year's figures
are aggregated in SQL (Store.aggregate); the rules are in carbon.donation.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timezone
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import (
    BigInteger, Column, DateTime, ForeignKey, Integer, PrimaryKeyConstraint, String, Table, Text,
    func, insert, select,
)
from sqlalchemy.engine import Connection

from carbon import donation as rules
from carbon import limits
from carbon import prices as price_tables
from carbon.donation import ClosedDonation, Donation, DonationError, Restatement, YearData
from carbon.money import format_amount
from carbon.prices import Choice, Price
from carbon.store.budgets import get_plan
from carbon.store import team_history as stored_teams
from carbon.store import locks as stored_locks
from carbon.store.schema import factor_snapshots, ledger_monthly, metadata, teams
from carbon.suggest import did_you_mean

if TYPE_CHECKING:  # carbon.store imports this module: no runtime import back
    from carbon.store import Store

price_imports = Table(
    "price_imports", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("source_name", String(limits.SOURCE_NAME), nullable=False),
    Column("content_hash", String(64), nullable=False, unique=True),
    Column("imported_at", DateTime(timezone=True), nullable=False),
    Column("row_count", Integer, nullable=False),
)

user_prices = Table(
    "user_prices", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("import_id", Integer, ForeignKey("price_imports.id", ondelete="CASCADE"), nullable=False),
    Column("key", String(limits.PRICE_KEY), nullable=False),
    Column("year", Integer, nullable=False),
    Column("value", String(limits.PRICE_VALUE), nullable=False),  # exact decimal text, currency per t CO2e
    Column("currency", String(8), nullable=False),
    Column("unit", String(limits.UNIT), nullable=False),  # as written in the file
    Column("basis", Text, nullable=False),
    Column("source", Text, nullable=False),
    Column("region", String(limits.REGION), nullable=False),
    Column("source_ref", Text, nullable=False),
    Column("notes", Text, nullable=False),
    Column("origin", String(limits.ORIGIN), nullable=False),
)

donation_closes = Table(
    "donation_closes", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("year", Integer, nullable=False),
    Column("closed_at", DateTime(timezone=True), nullable=False),
    Column("status", String(40), nullable=False),
    Column("emissions_g", BigInteger, nullable=False),
    Column("amount_cents", BigInteger, nullable=False),
    Column("currency", String(8), nullable=False),
    Column("price_key", String(limits.PRICE_KEY), nullable=False),
    Column("price_year", Integer, nullable=False),
    Column("price_value", String(limits.PRICE_VALUE), nullable=False),  # exact decimal text, per t CO2e
    Column("price_unit", String(limits.UNIT), nullable=False),
    Column("basis", Text, nullable=False),
    Column("source", Text, nullable=False),
    Column("region", String(limits.REGION), nullable=False),
    Column("source_ref", Text, nullable=False),
    Column("price_notes", Text, nullable=False),
    Column("price_origin", String(limits.ORIGIN), nullable=False),
    Column("scopes", Text, nullable=False),  # JSON list; [] = all
    Column("categories", Text, nullable=False),  # JSON list; [] = all
    Column("ledger_hash", String(64), nullable=False),
    Column("note", Text, nullable=False),
)

donation_close_teams = Table(
    "donation_close_teams", metadata,
    Column("close_id", Integer, ForeignKey("donation_closes.id", ondelete="CASCADE"), nullable=False),
    Column("team", String(limits.TEAM_NAME), nullable=False),  # the name at sign-off (the record outlives ids)
    Column("emissions_g", BigInteger, nullable=False),
    Column("amount_cents", BigInteger, nullable=False),
    PrimaryKeyConstraint("close_id", "team"),
)

# The scope-2 basis of a sign-off on the market basis (carbon/scope2.py); no row: location-based.
donation_close_scope2 = Table(
    "donation_close_scope2", metadata,
    Column("close_id", Integer, ForeignKey("donation_closes.id", ondelete="CASCADE"), primary_key=True),
    Column("basis", String(16), nullable=False),
)


def _utc(at: datetime | None) -> datetime | None:
    if at is not None and at.tzinfo is None:
        at = at.replace(tzinfo=timezone.utc)  # SQLite drops the zone; we store UTC
    return at


# ---- price tables ---------------------------------------------------------------------

@dataclass(frozen=True)
class PriceImport:
    """What `import_file` did."""

    id: int
    source: str
    rows: int
    already_imported: bool = False
    keys: tuple[str, ...] = ()  # the basis keys imported (what --basis takes), sorted


def user_price_rows(conn: Connection) -> list[Price]:
    """User-imported prices, oldest import first (a later one overrides)."""
    u = user_prices
    rows = conn.execute(select(u).order_by(u.c.import_id, u.c.id)).mappings()
    return [Price(r["key"], r["year"], Decimal(r["value"]), r["currency"], r["basis"], r["source"], r["unit"],
                  r["region"], r["source_ref"], r["notes"], r["origin"]) for r in rows]


def all_prices(store: "Store") -> list[Price]:
    """Shipped prices overridden by the user's imported ones (same basis and year)."""
    with store.engine.connect() as conn:
        user = user_price_rows(conn)
    return price_tables.merge(price_tables.load_shipped(), user)


def import_file(store: "Store", path: Path | str, source: str | None = None) -> PriceImport:
    """Validate a price CSV and store its rows, in one transaction; identical content is a no-op."""
    name = limits.source_name(source or Path(path).name)
    rows, digest = price_tables.read_file(Path(path), name)
    with store.transaction() as conn:
        found = conn.execute(select(price_imports).where(price_imports.c.content_hash == digest)).mappings().first()
        if found is not None:
            return PriceImport(found["id"], found["source_name"], found["row_count"], already_imported=True)
        import_id = conn.execute(
            insert(price_imports).values(source_name=name, content_hash=digest,
                                         imported_at=datetime.now(timezone.utc), row_count=len(rows))
            .returning(price_imports.c.id)
        ).scalar_one()
        conn.execute(insert(user_prices), [
            dict(import_id=import_id, key=p.key, year=p.year, value=str(p.value), currency=p.currency,
                 unit=p.unit, basis=p.basis, source=p.source, region=p.region, source_ref=p.source_ref,
                 notes=p.notes, origin=p.origin) for p in rows])
    return PriceImport(import_id, name, len(rows), keys=tuple(price_tables.bases(rows)))


# ---- the year's figures (aggregated in SQL) ----------------------------------------------

def year_data(store: "Store", conn: Connection, year: int, scopes: Sequence[int] = (),
              categories: Sequence[str] = (), through: int = 12, scope2: str = "location") -> YearData:
    """The ledger of `year` for the donation: months present (the whole year), kg per team and kg
    per factor of months 1..`through` (rules.counted_through: months not over yet are left out).
    `scope2` "market": scope 2 counted market-based (carbon/scope2_view.py) instead of the ledger's
    location-based figures."""
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
    if scope2 == "market" and (not scopes or 2 in scopes):
        team_kg, factor_rows = _market_scope2(store, conn, year, first, counted, scopes, categories)
    everything = store.months_with_data(conn)
    span = (everything[0], everything[-1]) if everything else None
    # Each team's months with any entry (all scopes): its first month with data, for the forecast.
    team_months: dict[str, list[int]] = {}
    for t, m, _kg, _n in store.aggregate(conn, ["team", "month"], first, counted):
        team_months.setdefault(t, []).append(int(m[5:7]))
    # The forecast weighs months by the team's budget profile where the year has budgets.
    plan = get_plan(conn, year)
    weights = {t.team: t.weights for t in plan.plan.teams} if plan is not None else {}
    return YearData(year, months, team_kg, factor_rows, tuple(store.team_ids(conn)), span, through,
                    {t: tuple(ms) for t, ms in team_months.items()}, weights)


def _market_scope2(store: "Store", conn: Connection, year: int, first: str, counted: str,
                   scopes: Sequence[int], categories: Sequence[str]) -> tuple[dict, tuple]:
    """Team kg and factor rows with scope 2 market-based: the other scopes from the ledger, plus
    each team's market-based scope 2. Refuses (DonationError) a year where it cannot be computed."""
    from carbon import scope2 as s2
    from carbon import scope2_view

    if categories:
        raise DonationError("--scope2 market counts scope 2 per team and month, not per category: "
                            "give no --category with it")
    found = scope2_view.figures(conn, first, counted) if counted >= first else {}
    missing = s2.notes_of(found)
    if missing:
        raise DonationError(f"no market-based scope 2 for {year} ({len(missing)} reason"
                            f"{'s' if len(missing) != 1 else ''}): " + "; ".join(missing[:5])
                            + ("; …" if len(missing) > 5 else "")
                            + "; see docs/scope2.md, or count scope 2 location-based (the default)")
    others = [s for s in (scopes or (1, 2, 3)) if s != 2]
    team_kg: dict[str, float] = {}
    factor_rows: list[tuple[float, float | None, str]] = []
    if others:
        team_kg = {t: kg for t, kg, _n in store.aggregate(conn, ["team"], first, counted, scopes=others)}
        factor_rows = [(kg, u, cat) for _f, u, cat, kg, _n in store.aggregate(
            conn, ["factor_id", "uncertainty_pct", "category"], first, counted, scopes=others)]
    for t, (_loc, market) in s2.by_team(found).items():
        team_kg[t] = team_kg.get(t, 0.0) + market
    # Market-based figures have no factor uncertainty of their own: the scope-2 categories' defaults,
    # shared in proportion to their location-based kg.
    loc2 = [(cat, kg) for cat, kg, _n in store.aggregate(conn, ["category"], first, counted, scopes=[2])]
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
    r, f = ledger_monthly, factor_snapshots
    # Each team under its first name: renaming a team does not change its figures.
    team_name, firsts = stored_teams.stable_name()
    keys = (team_name, r.c.month, r.c.category, r.c.scope, r.c.activity, f.c.fingerprint)
    q = (select(*keys, func.sum(r.c.co2e_kg), func.sum(r.c.entries))
         .select_from(r.join(teams, r.c.team_id == teams.c.id).join(f, r.c.factor_id == f.c.id)
                      .outerjoin(firsts, firsts.c.team_id == teams.c.id))
         .where(r.c.month >= f"{year:04d}-01", r.c.month <= f"{year:04d}-12")
         .group_by(*keys).order_by(*keys))
    digest = hashlib.sha256()
    for team, month, cat, scope, activity, fp, kg, n in conn.execute(q):
        digest.update("\x1f".join([team, month, cat, str(scope), activity, fp, str(rules.grams(kg)),
                                   str(n)]).encode("utf-8") + b"\n")
    return digest.hexdigest()


# ---- sign-offs ----------------------------------------------------------------------------

def _closed(row, team_rows) -> ClosedDonation:
    price = Price(row["price_key"], row["price_year"], Decimal(row["price_value"]), row["currency"],
                  row["basis"], row["source"], row["price_unit"], row["region"], row["source_ref"],
                  row["price_notes"], row["price_origin"])
    return ClosedDonation(row["id"], row["year"], _utc(row["closed_at"]), price, row["emissions_g"],
                          row["amount_cents"], tuple((t, g, c) for t, g, c in team_rows), row["ledger_hash"],
                          tuple(json.loads(row["scopes"])), tuple(json.loads(row["categories"])),
                          row["status"], row["note"])


def closes(conn: Connection, year: int | None = None) -> list[ClosedDonation]:
    """Every sign-off (of `year`, or all), by year then in the order made."""
    q = select(donation_closes).order_by(donation_closes.c.year, donation_closes.c.id)
    if year is not None:
        q = q.where(donation_closes.c.year == year)
    out = []
    # A sign-off stores each team's name of the day; it is shown and compared under the team's
    # current name, so a team renamed since is the same team, not one gone and one new.
    renamed = stored_teams.former_names(conn)
    for row in conn.execute(q).mappings().all():
        t = donation_close_teams
        team_rows = conn.execute(select(t.c.team, t.c.emissions_g, t.c.amount_cents)
                                 .where(t.c.close_id == row["id"]).order_by(t.c.team)).all()
        team_rows = sorted((renamed.get(n, n), g, c) for n, g, c in team_rows)
        basis = conn.execute(select(donation_close_scope2.c.basis)
                             .where(donation_close_scope2.c.close_id == row["id"])).scalar()
        out.append(dataclasses.replace(_closed(row, team_rows), scope2=basis or "location"))
    return out


def latest_close(conn: Connection, year: int) -> ClosedDonation | None:
    """The sign-off in force for `year` (the latest), or None."""
    found = closes(conn, year)
    return found[-1] if found else None


def _insert_close(conn: Connection, d: Donation, digest: str, note: str) -> int:
    p = d.price
    close_id = conn.execute(insert(donation_closes).values(
        year=d.year, closed_at=datetime.now(timezone.utc), status=d.status, emissions_g=d.emissions_g,
        amount_cents=d.amount_cents, currency=p.currency, price_key=p.key, price_year=p.year,
        price_value=str(p.value), price_unit=p.per_tonne_unit, basis=p.basis, source=p.source,
        region=p.region, source_ref=p.source_ref, price_notes=p.notes, price_origin=p.origin,
        scopes=json.dumps(list(d.scopes)), categories=json.dumps(list(d.categories)),
        ledger_hash=digest, note=note,
    ).returning(donation_closes.c.id)).scalar_one()
    conn.execute(insert(donation_close_teams), [
        dict(close_id=close_id, team=t.team, emissions_g=t.emissions_g, amount_cents=t.amount_cents)
        for t in d.teams])
    if d.scope2 != "location":
        conn.execute(insert(donation_close_scope2).values(close_id=close_id, basis=d.scope2))
    return close_id


# ---- the donation, end to end ----------------------------------------------------------------

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
                  allow_missing_months: bool = False, scope2: str | None = None) -> DonationView:
    """The donation of `year` (see carbon.donation) and, for a closed year, the restatement.

    Without --price/--basis, a closed year is recomputed at its sign-off's
    price, and without --scope/--category at its sign-off's filters. The
    restatement always uses the closed method (its scopes, categories and price).
    """
    with store.engine.connect() as conn:
        closed = latest_close(conn, year)
        choice = _choice(store, year, price, currency, basis, price_year, closed)
        if closed is not None and not scopes and not categories and (closed.scopes or closed.categories):
            scopes, categories = closed.scopes, closed.categories
            choice = Choice(choice.price, choice.notes + ("scopes and categories of the sign-off; choose "
                                                          "others with --scope / --category",))
        if scope2 is None:  # a closed year at its sign-off's basis; else location-based (the default)
            scope2 = closed.scope2 if closed is not None else "location"
        data = year_data(store, conn, year, scopes, categories, rules.counted_through(year, as_of), scope2)
        d = _with_basis(rules.compute(data, choice, as_of, scopes=scopes, categories=categories,
                                      actual_only=actual_only, allow_missing_months=allow_missing_months), scope2)
        if closed is None:
            return DonationView(d)
        return DonationView(d, closed, _restatement(store, conn, closed, as_of))


def _with_basis(d: Donation, scope2: str) -> Donation:
    """The donation with its scope-2 basis recorded and stated in its method."""
    from carbon import scope2 as s2

    if scope2 not in s2.BASES:
        raise DonationError(f"--scope2 {scope2!r}: expected one of {', '.join(s2.BASES)}")
    line = ("Scope 2: market-based (contractual instruments, then the residual mix; docs/scope2.md)"
            if scope2 == s2.MARKET else "Scope 2: location-based (grid average of each region; the default)")
    return dataclasses.replace(d, scope2=scope2, method=(*d.method, line))


def _restatement(store: "Store", conn: Connection, closed: ClosedDonation, as_of: date) -> Restatement:
    digest = ledger_hash(conn, closed.year)
    # A market-based scope 2 that can no longer be computed is an error here, never a restatement to 0.
    data = year_data(store, conn, closed.year, closed.scopes, closed.categories, scope2=closed.scope2)
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
               supersede: bool = False, scope2: str = "location") -> tuple[ClosedDonation, Donation]:
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
        earlier = latest_close(conn, year)
        if earlier is not None and not supersede:
            raise DonationError(
                f"{year} was closed on {earlier.closed_at:%Y-%m-%d %H:%M} UTC at "
                f"{format_amount(earlier.amount_cents, earlier.price.currency)}; the closed figure "
                "stands. Use --supersede to record a new sign-off (the earlier one stays in the history)")
        data = year_data(store, conn, year, scopes, categories, scope2=scope2)
        d = _with_basis(rules.compute(data, choice, as_of, scopes=scopes, categories=categories,
                                      allow_missing_months=allow_missing_months), scope2)
        digest = ledger_hash(conn, year)
        close_id = _insert_close(conn, d, digest, note)
        # A signed-off year is closed: later writes into it are refused unless restated.
        stored_locks.lock_year(conn, year, f"donation of {year} signed off" + (f" ({note})" if note else ""))
        closed = [c for c in closes(conn, year) if c.id == close_id][0]
    return closed, d


@dataclass(frozen=True)
class HistoryEntry:
    """A sign-off, whether a later one replaced it, and (in force) its restatement now."""

    closed: ClosedDonation
    superseded: bool
    restatement: Restatement | None


def history(store: "Store", as_of: date, year: int | None = None) -> list[HistoryEntry]:
    """Every sign-off, oldest first; the ones in force are checked against the ledger now."""
    with store.engine.connect() as conn:
        found = closes(conn, year)
        latest = {c.year: c.id for c in found}
        return [HistoryEntry(c, latest[c.year] != c.id,
                             _restatement(store, conn, c, as_of) if latest[c.year] == c.id else None)
                for c in found]
