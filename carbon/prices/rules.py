"""Carbon price tables: read and validate them, merge shipped and user rows, choose a price.

A price table is a CSV (factors/README.md, "Other tables"): `year`, `price`,
`unit` (a currency per CO2e mass: `EUR / t CO2e`), `basis` (what the number
is: which market, which average, computed or published), `source`; optional
`key` (the short name `--basis` selects; default: the basis text), `region`,
`source_ref`, `notes`. The shipped table is factors/carbon_prices.csv.

Choosing a price (`choose`): the row of the requested basis (key or basis
text) for the requested year — a price of another year only when asked for
explicitly (`price_year`). Without a basis, the first of DEFAULT_BASES that
has the year, and the choice is said in a note: a user's price under another
key is never taken by default. A missing price is an error naming the years
that exist (and the other bases that have the year), never a silent zero.
"""

from __future__ import annotations

import json
import re
import shlex
from collections.abc import Iterable
from dataclasses import dataclass, fields
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from pathlib import Path

from carbon.core import limits
from carbon.core.lazy import lazy
from carbon.core.money import decimal_of
from carbon.core.resources import shipped_dir
from carbon.errors import InputError, NotFound, Problem, UnitError
from carbon.prices.records import PER_TONNE, Price  # noqa: F401  re-exported (the record lives in records.py)

units = lazy("carbon.core.units")  # pint: imported when a price is converted
csvfile = lazy("carbon.ingest.csvfile")  # pandas: imported when a price table is read

REQUIRED = ("year", "price", "unit", "basis", "source")
OPTIONAL = ("key", "region", "source_ref", "notes")
SHIPPED_FILE = "carbon_prices.csv"

# Default bases, in order of preference: the EU-wide auction average (the
# basis of the company's earlier donations; computed by the reference from
# EEX results, 2018-2022), then the German auction average (DEHSt/UBA, to 2025).
DEFAULT_BASES = ("eu_ets.auction.eu", "eu_ets.auction.de")

CURRENCIES = {"[currency_eur]": "EUR", "[currency_usd]": "USD", "[currency_gbp]": "GBP"}
KEY_RE = re.compile(r"^[A-Za-z0-9_.-]+$")


@dataclass(frozen=True)
class PriceImport:
    """What importing a price table did (carbon.prices.service.import_file)."""

    id: int
    source: str
    rows: int
    already_imported: bool = False
    keys: tuple[str, ...] = ()  # the basis keys imported (what --basis takes), sorted


def currency_of(unit: str) -> tuple[str, Decimal]:
    """("EUR", multiplier to EUR / t CO2e) for a price unit such as "EUR / kg CO2e".

    Raises UnitError unless the unit is one currency per CO2e mass.
    """
    parsed = units.parse(unit)
    dims = dict(parsed.dimensionality)
    currency = [CURRENCIES[d] for d, p in dims.items() if d in CURRENCIES and p == 1]
    if len(currency) != 1 or dims.get("[co2e]") != -1 or len(dims) != 2:
        raise UnitError(
            f"price unit {unit!r} is not a currency per CO2e mass; expected e.g. 'EUR / t CO2e' "
            f"(currencies: {', '.join(CURRENCIES.values())})"
        )
    cur = currency[0]
    return cur, decimal_of(units.multiplier(unit, f"{cur} / {PER_TONNE}"))


MAX_PRICE = Decimal(1_000_000)
MIN_PRICE = Decimal(
    "1e-6"
)  # per t CO2e: below this, a typing or unit error (and too many digits to keep)


def tidy(d: Decimal) -> Decimal:
    """A Decimal without trailing zeros, never in exponent form (80.0000 -> 80, 0.50 -> 0.5)."""
    d = d.normalize()
    return d.quantize(Decimal(1)) if d == d.to_integral_value() else d


def manual_price(value: str | float | Decimal, currency: str, year: int) -> Price:
    """The price given with --price (currency per t CO2e) for `year`."""
    cur = currency.strip().upper()
    if cur not in CURRENCIES.values():
        raise InputError(f"unknown currency {currency!r}; known: {', '.join(CURRENCIES.values())}")
    try:
        v = decimal_of(value)
    except InvalidOperation:
        raise InputError(f"--price: expected a number per tonne CO2e, got {value!r}") from None
    if not v.is_finite() or v < MIN_PRICE or v > MAX_PRICE:
        raise InputError(
            f"--price: expected a number per tonne CO2e from {MIN_PRICE} to {MAX_PRICE:,}, "
            f"got {value!r}"
        )
    return Price(
        "manual",
        year,
        tidy(v),
        cur,
        "price given on the command line (--price)",
        "command line",
        f"{cur} / {PER_TONNE}",
        origin="command line",
    )


def parse_rows(name: str, rows: list[dict[str, str]], lines: Iterable[int]) -> list[Price]:
    """Validate price rows (text) into Prices; InputError listing every problem."""
    problems: list[Problem] = []
    out: list[Price] = []
    seen: dict[tuple[str, int], int] = {}
    for row, line in zip(rows, lines):
        line = int(line)
        bad = len(problems)

        def problem(col: str, msg: str) -> None:
            problems.append(Problem(name, line, col, row.get(col, ""), msg))  # noqa: B023  called in this iteration only

        year_text = row["year"].strip()
        year = int(year_text) if re.fullmatch(r"\d{4}", year_text) else None
        if year is None:
            problem("year", "expected the year the price applies to, four digits")
        value = None
        try:
            value = Decimal(row["price"].strip())
        except InvalidOperation:
            pass
        if value is None or not value.is_finite() or value <= 0:
            problem("price", "expected a positive number (a price per unit of CO2e)")
            value = None
        elif value > MAX_PRICE:
            # Beyond any carbon price on record by orders of magnitude: a typing or unit error.
            problem("price", f"implausibly large: over {MAX_PRICE:,} per unit of CO2e")
            value = None
        unit = row["unit"].strip()
        currency, mult = "", Decimal(1)
        try:
            currency, mult = currency_of(unit)
        except UnitError as exc:
            problem("unit", str(exc))
        basis = row["basis"].strip()
        if not basis:
            problem("basis", "expected what the price is (market, average, computed or published)")
        source = row["source"].strip()
        if not source:
            problem("source", "expected the document the price comes from (a price needs a source)")
        key_cell = (row.get("key") or "").strip()
        key = key_cell or basis  # a file without keys names each price by its basis
        if key_cell and not KEY_RE.match(key):
            problem(
                "key",
                "expected a short name of letters, digits, '.', '_' or '-', e.g. eu_ets.auction.eu",
            )
        elif long := limits.too_long(key, limits.PRICE_KEY):
            problem(
                "key" if key_cell else "basis",
                f"{long} for the price's name; give a short key such as eu_ets.auction.eu"
                + ("" if key_cell else " in a 'key' column"),
            )
        region = (row.get("region") or "").strip()
        if long := limits.too_long(region, limits.REGION):
            problem("region", f"{long}; expected a code such as EU or DE")
        if value is not None and currency and not MIN_PRICE <= value * mult <= MAX_PRICE:
            problem(
                "price",
                f"expected a price per tonne CO2e from {MIN_PRICE} to {MAX_PRICE:,} "
                f"(this one is {value * mult:,} {currency} per t CO2e)",
            )
        if len(problems) > bad:
            continue
        ident = (key, year)
        if ident in seen:
            problems.append(
                Problem(
                    name,
                    line,
                    "year",
                    year_text,
                    f"duplicate of line {seen[ident]} (same basis and year)",
                )
            )
            continue
        seen[ident] = line
        out.append(
            Price(
                key,
                year,
                tidy(value * mult),
                currency,
                basis,
                source,
                unit,
                region,
                (row.get("source_ref") or "").strip(),
                (row.get("notes") or "").strip(),
                limits.clip(f"{name}:{line}"),
            )
        )
    if problems:
        raise InputError(f"{name}: price table refused", problems)
    return out


def read_file(path: Path | str, display_name: str | None = None) -> tuple[list[Price], str]:
    """Read a price CSV. Returns its prices and the content hash (sha256)."""
    info, frame, lines = csvfile.read_small(Path(path), REQUIRED, OPTIONAL, display_name)
    if frame.empty:
        raise InputError(f"{info.name}: no price rows after the header")
    return parse_rows(info.name, frame.to_dict("records"), lines), info.sha256


@lru_cache(maxsize=1)
def _shipped() -> tuple[Price, ...]:
    path = shipped_dir("factors") / SHIPPED_FILE
    return tuple(read_file(path, SHIPPED_FILE)[0])


def prices_json(prices: Iterable[Price]) -> str:
    """`prices` as JSON text (every field; the value as its exact decimal text)."""
    return json.dumps(
        [
            {**{f.name: getattr(p, f.name) for f in fields(Price)}, "value": str(p.value)}
            for p in prices
        ]
    )


def prices_from_json(text: str) -> list[Price]:
    """The prices `prices_json` wrote; raises ValueError on any other text."""
    names = {f.name for f in fields(Price)}
    try:
        rows = json.loads(text)
        if not isinstance(rows, list) or any(set(r) != names for r in rows):
            raise ValueError("not a price list")
        return [Price(**{**r, "value": Decimal(r["value"])}) for r in rows]
    except (TypeError, InvalidOperation, AttributeError) as exc:
        raise ValueError(f"not a price list: {exc}") from None


def load_shipped() -> list[Price]:
    """The shipped prices (factors/carbon_prices.csv), read once per process."""
    return list(_shipped())


def merge(*layers: Iterable[Price]) -> list[Price]:
    """Later layers override earlier ones row by row (same key and year)."""
    merged: dict[tuple[str, int], Price] = {}
    for layer in layers:
        for p in layer:
            merged[p.ident] = p
    return sorted(merged.values(), key=lambda p: (p.key, p.year))


def _matches(p: Price, basis: str) -> bool:
    b = basis.strip().lower()
    return p.key.lower() == b or p.basis.lower() == b


def years_of(prices: Iterable[Price], basis: str) -> list[int]:
    """The years a basis has a price for, ascending."""
    return sorted({p.year for p in prices if _matches(p, basis)})


@dataclass(frozen=True)
class Choice:
    """The price chosen, and what the user should know about the choice."""

    price: Price
    notes: tuple[str, ...] = ()


def choose(
    prices: list[Price], year: int, basis: str | None = None, price_year: int | None = None
) -> Choice:
    """The price for emissions of `year`: of `basis` (key or basis text), or the default.

    `price_year` takes the price of another year, on purpose (said in a note).
    Raises NotFound naming the available years (or bases) when nothing fits.
    """
    want = price_year if price_year is not None else year
    if basis is not None:
        rows = [p for p in prices if _matches(p, basis)]
        if not rows:
            raise NotFound(
                f"no carbon price basis {basis!r}; known bases: {', '.join(bases(prices))} "
                "(see 'carbon prices list')"
            )
        found = [p for p in rows if p.year == want]
        if not found:
            have = ", ".join(str(y) for y in years_of(prices, basis))
            raise NotFound(
                f"no carbon price for {want} on basis {rows[0].key!r}; it has prices for: {have}. "
                f"Give a price with --price P, choose one of those years with --price-year, "
                "or import one with 'carbon prices import FILE'"
            )
        return Choice(found[0], _year_note(found[0], year))
    notes = []
    for default in DEFAULT_BASES:
        found = [p for p in prices if p.key == default and p.year == want]
        if found:
            if default != DEFAULT_BASES[0]:
                have = ", ".join(str(y) for y in years_of(prices, DEFAULT_BASES[0])) or "none"
                notes.append(
                    f"no {DEFAULT_BASES[0]} price for {want} (it has {have}); "
                    f"used the next default basis, {default}"
                )
            return Choice(found[0], tuple(notes) + _year_note(found[0], year))
    listing = "; ".join(
        f"{b}: {', '.join(str(y) for y in years_of(prices, b)) or 'none'}" for b in DEFAULT_BASES
    )
    # Only a default basis is ever taken without --basis. An imported price under another key
    # (a file in the original price-table format has no `key` column: its basis text is its key) is used
    # only when named, so "import one" alone would send the user back to this same error.
    others = sorted({p.key for p in prices if p.year == want and p.key not in DEFAULT_BASES})
    named = (
        f" Other bases have a {want} price, used only when named: "
        + ", ".join(f"--basis {shlex.quote(k)}" for k in others)
        + "."
        if others
        else ""
    )
    raise NotFound(
        f"no carbon price for {want} on the default bases ({listing}).{named} Give a price with "
        "--price P [--currency EUR], or name a basis with --basis KEY [--price-year YYYY] (the keys "
        "are in 'carbon prices list'). A price imported with 'carbon prices import FILE' is used "
        f"without --basis only if its `key` column is {' or '.join(DEFAULT_BASES)}; any other "
        "(a row without a `key` column is keyed by its basis text) needs --basis KEY"
    )


def _year_note(p: Price, year: int) -> tuple[str, ...]:
    if p.year == year:
        return ()
    return (
        f"the price is the {p.year} value of {p.key}, applied to {year} emissions (--price-year)",
    )


def bases(prices: Iterable[Price]) -> list[str]:
    """The distinct basis keys, sorted."""
    return sorted({p.key for p in prices})
