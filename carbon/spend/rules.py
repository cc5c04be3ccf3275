"""Purchases by spend: the tables (factors/spend/) and the rules that turn an amount into CO2e.

A spend row (month, team, category, amount, currency[, supplier, description]) becomes one
ledger entry, through the activity import's own path:

    average factor (US EPA Supply Chain GHG Emission Factors v1.2, kg CO2e per 2021 USD,
    purchaser price, with margins), for the NAICS code the category maps to:

        USD of the month   = amount ÷ (currency per EUR) × (USD per EUR)   (ECB monthly means;
                             no conversion for USD, one rate for EUR)
        2021 USD           = USD of the month × CPI-U(2021) ÷ CPI-U(month)  (BLS, annual 2021
                             average over the month's index: prices deflated to the factor's year)
        kg CO2e            = 2021 USD × the NAICS factor

    supplier-specific factor (kg CO2e per unit of a currency, from the supplier, --supplier-factors):
    the amount in that currency at the month's rates × the supplier's factor, no deflation (the
    supplier's figure is for its own year). It overrides the average for that supplier's rows.

The entry's activity is `spend.<category>` (or `spend.supplier.<supplier>`), its quantity the
converted amount and its unit the currency; the factor each entry points to states the NAICS
code, the source and the dollar year. Categories map to scope 3 category 3.1 (purchased goods and
services), 3.2 (capital goods) or another category the mapping states (hotels: 3.6).

Reading the shipped tables is this module's only I/O; `to_activities` is pure over frames.
"""

from __future__ import annotations

import csv
import io
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np
import pandas as pd

from carbon.core.resources import shipped_dir
from carbon.errors import InputError, Problem
from carbon.ingest import checks
from carbon.ingest.problems import ProblemLog
from carbon.model import Factor

REQUIRED = ("month", "team", "category", "amount", "currency")
OPTIONAL = ("supplier", "description")
DOLLAR_YEAR = 2021  # the EPA v1.2 factors are per 2021 USD (doi:10.23719/1528686)
FACTOR_VINTAGE = 2019  # the year of the GHG data behind them
EPA_SOURCE = "US EPA Supply Chain GHG Emission Factors v1.2 (USEEIO), with margins"
EPA_REF = (
    "doi:10.23719/1528686, SupplyChainGHGEmissionFactors_v1.2_NAICS_CO2e_USD2021.csv, "
    "factors/spend/epa_supply_chain_v1.2_naics.csv"
)
EPA_BOUNDARY = (
    "cradle to point of sale (purchaser price), 2019 GHG data, 2021 USD, IPCC AR4 GWP-100"
)
SCOPE3_RE = re.compile(r"^3\.(\d{1,2})$")
MONTH_RE = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")
DAY_RE = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])$")
CURRENCY_RE = re.compile(r"^[A-Z]{3}$")
SLUG_RE = re.compile(r"[^a-z0-9]+")


@dataclass(frozen=True)
class Category:
    """A spend category of the mapping: its NAICS code and GHG Protocol scope-3 category."""

    name: str
    naics: str
    scope3: int
    label: str


@dataclass(frozen=True)
class Supplier:
    """A supplier's own factor: kg CO2e per unit of `currency`, for its `year`."""

    name: str
    kg_per_unit: float
    currency: str
    year: int
    source: str


@dataclass(frozen=True)
class Tables:
    """Everything a spend import reads besides the file itself."""

    categories: Mapping[str, Category]
    naics: Mapping[str, tuple[str, float]]  # code -> (title, kg CO2e per 2021 USD, with margins)
    fx: Mapping[tuple[str, str], float]  # (month, currency) -> units per EUR
    cpi: Mapping[str, float]  # "YYYY-MM" or "YYYY" (annual average) -> index
    suppliers: Mapping[str, Supplier]  # by lower-case name
    # what the user's --rates / --price-index files changed in the shipped tables, one line each
    overrides: tuple[str, ...] = ()


def _rows(text: str, name: str, required: tuple[str, ...]) -> list[tuple[int, dict]]:
    reader = csv.DictReader(io.StringIO(text))
    missing = [c for c in required if c not in (reader.fieldnames or [])]
    if missing:
        raise InputError(
            f"{name}: line 1: missing column(s) {', '.join(missing)}; expected {','.join(required)}"
        )
    return [(n, row) for n, row in enumerate(reader, start=2)]


def _text(path: Path, name: str) -> str:
    try:
        return path.read_bytes().decode("utf-8-sig")
    except FileNotFoundError:
        raise InputError(f"{name}: no such file") from None
    except UnicodeDecodeError:
        raise InputError(f"{name}: not a UTF-8 text file") from None


def _number(value: str | None) -> float | None:
    try:
        x = float(str(value).strip())
    except (TypeError, ValueError):
        return None
    return x if math.isfinite(x) else None


def read_mapping(
    text: str, name: str, naics: Mapping[str, tuple[str, float]]
) -> dict[str, Category]:
    """category,naics,scope3_category,label rows; InputError listing every bad cell (a category
    given twice too: which row holds would otherwise depend on the order)."""
    out: dict[str, Category] = {}
    problems: list[Problem] = []
    seen: dict[str, int] = {}
    for line, row in _rows(text, name, ("category", "naics", "scope3_category")):
        cat = (row.get("category") or "").strip()
        code = (row.get("naics") or "").strip()
        s3 = SCOPE3_RE.match((row.get("scope3_category") or "").strip())
        if not cat:
            problems.append(Problem(name, line, "category", cat, "expected a category name"))
        if code not in naics:
            problems.append(
                Problem(
                    name,
                    line,
                    "naics",
                    code,
                    "expected a 2017 NAICS code of factors/spend/epa_supply_chain_v1.2_naics.csv",
                )
            )
        if not s3 or not 1 <= int(s3.group(1)) <= 15:
            problems.append(
                Problem(
                    name,
                    line,
                    "scope3_category",
                    row.get("scope3_category"),
                    "expected a scope-3 category, 3.1 to 3.15",
                )
            )
        if cat in seen:
            problems.append(_again(name, line, "category", cat, seen[cat]))
        elif cat:
            seen[cat] = line
        if cat and code in naics and s3 and 1 <= int(s3.group(1)) <= 15:
            out[cat] = Category(
                cat, code, int(s3.group(1)), (row.get("label") or "").strip() or naics[code][0]
            )
    if problems:
        raise InputError(f"{name}: spend mapping refused", problems)
    return out


def _again(name: str, line: int, column: str, value: str, first: int, month: str = "") -> Problem:
    """A row giving again what an earlier row of the file gave: which holds would be a guess."""
    what = f"{month} {value}" if month else value
    return Problem(
        name, line, column, value, f"{what} is already given on line {first}: give each once"
    )


def read_rates(
    text: str, name: str, seen: dict[tuple[str, str], int] | None = None
) -> dict[tuple[str, str], float]:
    """month,currency,per_eur rows (units of the currency per euro); a month and currency given
    twice is refused. `seen`, when given, receives each (month, currency)'s line."""
    out: dict[tuple[str, str], float] = {}
    problems = []
    seen = {} if seen is None else seen
    for line, row in _rows(text, name, ("month", "currency", "per_eur")):
        month, cur, rate = (
            (row.get("month") or "").strip(),
            (row.get("currency") or "").strip(),
            _number(row.get("per_eur")),
        )
        if not MONTH_RE.match(month):
            problems.append(Problem(name, line, "month", month, "expected YYYY-MM"))
        elif not CURRENCY_RE.match(cur):
            problems.append(
                Problem(name, line, "currency", cur, "expected an ISO 4217 code such as USD")
            )
        elif cur == "EUR":
            problems.append(
                Problem(name, line, "currency", cur, "expected another currency than EUR, the base")
            )
        elif rate is None or rate <= 0:
            problems.append(
                Problem(name, line, "per_eur", row.get("per_eur"), "expected a number > 0")
            )
        elif (month, cur) in seen:
            problems.append(_again(name, line, "currency", cur, seen[(month, cur)], month))
        else:
            seen[(month, cur)] = line
            out[(month, cur)] = rate
    if problems:
        raise InputError(f"{name}: exchange rates refused", problems)
    return out


def read_index(text: str, name: str, seen: dict[str, int] | None = None) -> dict[str, float]:
    """period,index rows: "YYYY-MM" (a month) or "YYYY" (an annual average); a period given
    twice is refused. `seen`, when given, receives each period's line."""
    out: dict[str, float] = {}
    problems = []
    seen = {} if seen is None else seen
    for line, row in _rows(text, name, ("period", "index")):
        period, value = (row.get("period") or "").strip(), _number(row.get("index"))
        if not (MONTH_RE.match(period) or re.match(r"^\d{4}$", period)):
            problems.append(Problem(name, line, "period", period, "expected YYYY-MM or YYYY"))
        elif value is None or value <= 0:
            problems.append(Problem(name, line, "index", row.get("index"), "expected a number > 0"))
        elif period in seen:
            problems.append(_again(name, line, "period", period, seen[period]))
        else:
            seen[period] = line
            out[period] = value
    if problems:
        raise InputError(f"{name}: price index refused", problems)
    return out


def read_suppliers(text: str, name: str) -> dict[str, Supplier]:
    """supplier,value,unit,year,source rows: unit "kg CO2e / EUR" (any mass of CO2e, any currency)."""
    out: dict[str, Supplier] = {}
    problems = []
    seen: dict[str, int] = {}  # suppliers are matched without case: "OVH" and "ovh" are one
    unit_re = re.compile(r"^\s*(g|kg|t)\s*CO2e\s*/\s*([A-Z]{3})\s*$")
    scale = {"g": 1e-3, "kg": 1.0, "t": 1e3}
    for line, row in _rows(text, name, ("supplier", "value", "unit", "year", "source")):
        sup, value = (row.get("supplier") or "").strip(), _number(row.get("value"))
        unit = unit_re.match(row.get("unit") or "")
        year = (row.get("year") or "").strip()
        if not sup:
            problems.append(Problem(name, line, "supplier", sup, "expected the supplier's name"))
        elif value is None or value < 0:
            problems.append(
                Problem(name, line, "value", row.get("value"), "expected a number >= 0")
            )
        elif not unit:
            problems.append(
                Problem(
                    name,
                    line,
                    "unit",
                    row.get("unit"),
                    "expected '<g|kg|t> CO2e / <currency>', e.g. kg CO2e / EUR",
                )
            )
        elif not re.match(r"^\d{4}$", year):
            problems.append(
                Problem(name, line, "year", year, "expected the year the figure is for, YYYY")
            )
        elif not (row.get("source") or "").strip():
            problems.append(
                Problem(name, line, "source", "", "expected where the figure comes from")
            )
        elif sup.lower() in seen:
            problems.append(_again(name, line, "supplier", sup, seen[sup.lower()]))
        else:
            seen[sup.lower()] = line
            out[sup.lower()] = Supplier(
                sup, value * scale[unit.group(1)], unit.group(2), int(year), row["source"].strip()
            )
    if problems:
        raise InputError(f"{name}: supplier factors refused", problems)
    return out


@lru_cache(maxsize=1)
def _shipped_naics() -> dict[str, tuple[str, float]]:
    path = shipped_dir("factors") / "spend" / "epa_supply_chain_v1.2_naics.csv"
    return {
        row["naics"]: (row["title"], float(row["kg_co2e_per_usd"]))
        for _n, row in _rows(
            _text(path, path.name), path.name, ("naics", "title", "kg_co2e_per_usd")
        )
    }


def load_tables(
    mapping: Path | None = None,
    rates: Path | None = None,
    price_index: Path | None = None,
    suppliers: Path | None = None,
) -> tuple[Tables, dict[str, str]]:
    """The shipped tables with the user's files on top; and the texts read (for the identity)."""
    spend_dir = shipped_dir("factors") / "spend"
    naics = _shipped_naics()
    texts: dict[str, str] = {}

    def user(path: Path | None, key: str) -> str | None:
        if path is None:
            return None
        texts[key] = _text(Path(path), str(path))
        return texts[key]

    cat_text = user(mapping, "mapping")
    categories = read_mapping(
        cat_text if cat_text is not None else _text(spend_dir / "categories.csv", "categories.csv"),
        str(mapping) if mapping else "factors/spend/categories.csv",
        naics,
    )
    fx = read_rates(
        _text(spend_dir / "ecb_fx_monthly.csv", "ecb_fx_monthly.csv"),
        "factors/spend/ecb_fx_monthly.csv",
    )
    overrides: list[str] = []
    if (t := user(rates, "rates")) is not None:
        rate_lines: dict[tuple[str, str], int] = {}
        theirs = read_rates(t, str(rates), rate_lines)
        overrides += _overridden(fx, theirs, str(rates), "exchange rate", "ECB")
        fx.update(theirs)
        _refuse_jumps(
            fx, rate_lines, str(rates), "per_eur", lambda k: (k[1], k[0]), RATE_JUMP,
            "an exchange rate",
        )  # fmt: skip
    cpi = read_index(
        _text(spend_dir / "bls_cpi_u.csv", "bls_cpi_u.csv"), "factors/spend/bls_cpi_u.csv"
    )
    if (t := user(price_index, "price_index")) is not None:
        index_lines: dict[str, int] = {}
        theirs_cpi = read_index(t, str(price_index), index_lines)
        overrides += _overridden(cpi, theirs_cpi, str(price_index), "CPI-U value", "BLS")
        cpi.update(theirs_cpi)
        _refuse_jumps(
            cpi, index_lines, str(price_index), "index", lambda k: (len(k), k), INDEX_JUMP,
            "a price index",
        )  # fmt: skip
    sups = (
        read_suppliers(t, str(suppliers)) if (t := user(suppliers, "suppliers")) is not None else {}
    )
    return Tables(categories, naics, fx, cpi, sups, tuple(overrides)), texts


# A user's value further than this factor from the one before it in the same series (the previous
# month's, or year's, after the shipped and the user's tables are merged) is refused as a typo: the
# US CPI-U has not moved 25 % from one month or year to the next since the 1940s; a currency
# losing two thirds of its value against the euro in a month is a collapse, not a month.
INDEX_JUMP, RATE_JUMP = 1.25, 3.0


def _refuse_jumps(
    merged: Mapping, lines: Mapping, name: str, column: str, order, limit: float, what: str
) -> None:
    """InputError (file, line, column) for each of the user's values (`lines`: key -> line) more
    than `limit` times away from the previous value of its series in `merged`; `order(key)` is
    (series, position) ("33.6 beside 334.98 the month before": a misplaced decimal point)."""
    ranked = sorted(merged, key=order)
    problems = []
    for i, key in enumerate(ranked):
        if key not in lines:
            continue
        series = order(key)[0]
        near = [k for k in (ranked[i - 1] if i else None, *ranked[i + 1 : i + 2]) if k is not None]
        near = [k for k in near if order(k)[0] == series]
        if not near:
            continue
        other = near[0]
        ratio = merged[key] / merged[other]
        if not 1 / limit <= ratio <= limit:
            label = " ".join(other) if isinstance(other, tuple) else str(other)
            problems.append(
                Problem(
                    name,
                    lines[key],
                    column,
                    f"{merged[key]:g}",
                    f"{ratio:.3g} times the value of {label} ({merged[other]:g}): "
                    f"{what} does not move that much in one step; a misplaced decimal point?",
                )
            )
    if problems:
        raise InputError(f"{name}: implausible values refused", problems)


def _overridden(
    shipped: Mapping, theirs: Mapping, name: str, what: str, publisher: str
) -> list[str]:
    """One line naming the shipped values a user's file replaces with another figure (its
    documented use is the months after the shipped table; a different figure for a shipped
    month changes past conversions, so it is said, not done silently)."""
    changed = sorted(k for k, v in theirs.items() if k in shipped and shipped[k] != v)
    if not changed:
        return []

    def label(k) -> str:
        return " ".join(k) if isinstance(k, tuple) else str(k)

    shown = ", ".join(f"{label(k)}: {shipped[k]:g} -> {theirs[k]:g}" for k in changed[:3])
    more = f" and {len(changed) - 3:,} more" if len(changed) > 3 else ""
    return [
        f"{name} replaces {len(changed):,} shipped {publisher} {what}"
        f"{'s' if len(changed) > 1 else ''} with other figures ({shown}{more}); "
        "the import uses yours"
    ]


def slug(name: str) -> str:
    return SLUG_RE.sub("_", name.lower()).strip("_") or "supplier"


def _usd_per(cur: str, month: str, fx: Mapping[tuple[str, str], float]) -> float | None:
    """USD per unit of `cur` in `month` (ECB rates are units per EUR)."""
    if cur == "USD":
        return 1.0
    usd = fx.get((month, "USD"))
    per_eur = 1.0 if cur == "EUR" else fx.get((month, cur))
    if usd is None or per_eur is None:
        return None
    return usd / per_eur


def _per(target: str, cur: str, month: str, fx: Mapping[tuple[str, str], float]) -> float | None:
    """Units of `target` per unit of `cur` in `month`."""
    if target == cur:
        return 1.0
    a = 1.0 if cur == "EUR" else fx.get((month, cur))
    b = 1.0 if target == "EUR" else fx.get((month, target))
    if a is None or b is None:
        return None
    return b / a


def _missing_rates(
    currencies: tuple[str, ...], month: str, fx: Mapping[tuple[str, str], float]
) -> list[str]:
    """Which of `currencies` has no rate (per EUR) in `month`: the one to give with --rates."""
    return [c for c in dict.fromkeys(currencies) if c != "EUR" and (month, c) not in fx]


def to_activities(
    frame: pd.DataFrame, lines: np.ndarray, log: ProblemLog, t: Tables
) -> tuple[pd.DataFrame, np.ndarray]:
    """The spend rows as activity rows (date, team, activity, quantity, unit, note) and which
    rows converted; every bad cell goes to `log` with its line and column. Conversions are
    computed once per distinct (month, currency)."""
    n = len(frame)
    ok = np.ones(n, dtype=bool)

    def col(c: str) -> np.ndarray:
        return (
            frame[c].astype(str).str.strip().to_numpy(dtype=object)
            if c in frame
            else np.full(n, "", object)
        )

    raw_month, cat, cur, supplier = col("month"), col("category"), col("currency"), col("supplier")
    month = np.array([m[:7] if DAY_RE.match(m) else m for m in raw_month], dtype=object)
    bad = np.array([not MONTH_RE.match(m) for m in month], dtype=bool)
    log.add(lines[bad], "month", raw_month[bad], "expected a month, YYYY-MM (or a day, YYYY-MM-DD)")
    ok &= ~bad
    raw_amount = col("amount")
    amount = pd.to_numeric(pd.Series(raw_amount), errors="coerce").to_numpy(dtype=float)
    bad = ~np.isfinite(amount)
    log.add(
        lines[bad],
        "amount",
        raw_amount[bad],
        "expected a number ('.' as decimal point, no thousands separator)",
    )
    big = np.isfinite(amount) & (amount > checks.MAX_COST)
    log.add(
        lines[big],
        "amount",
        raw_amount[big],
        f"expected an amount at most {checks.MAX_COST:.0e} (a unit or decimal-point mistake?)",
    )
    bad |= big
    neg = np.isfinite(amount) & (amount < 0)
    log.add(
        lines[neg],
        "amount",
        raw_amount[neg],
        "expected an amount >= 0 (a credit note: net it against the purchase it refunds)",
    )
    ok &= ~bad & ~neg
    bad = np.array([not CURRENCY_RE.match(c) for c in cur], dtype=bool)
    log.add(
        lines[bad],
        "currency",
        cur[bad],
        "expected an ISO 4217 code in capitals, such as EUR or USD",
    )
    ok &= ~bad
    has_sup = np.array([s.lower() in t.suppliers for s in supplier], dtype=bool)
    unknown = ~has_sup & np.array([c not in t.categories for c in cat], dtype=bool)
    known = sorted(t.categories)
    log.add(
        lines[unknown],
        "category",
        cat[unknown],
        "expected a category of the spend mapping ("
        + ", ".join(known[:12])
        + (", …" if len(known) > 12 else "")
        + "); add it with --mapping",
    )
    ok &= ~unknown
    target = np.array(
        [t.suppliers[s.lower()].currency if h else "USD" for s, h in zip(supplier, has_sup)],
        dtype=object,
    )
    rate = np.full(n, np.nan)
    deflate = np.ones(n)
    for m, c, tg, sup_row in set(zip(month[ok], cur[ok], target[ok], has_sup[ok])):
        sel = ok & (month == m) & (cur == c) & (target == tg) & (has_sup == sup_row)
        r = _per(tg, c, m, t.fx) if sup_row else _usd_per(c, m, t.fx)
        if r is None:
            missing = _missing_rates((c, tg) if sup_row else (c, "USD"), m, t.fx)
            need = f"{c} to {tg}" if sup_row else f"{c} to USD (the factors' currency)"
            log.add(
                lines[sel],
                "currency",
                cur[sel],
                f"no exchange rate for {' or '.join(missing)} in {m}, needed for {need}: "
                "give the month's rate with --rates FILE (month,currency,per_eur)",
            )
            ok &= ~sel
            continue
        rate[sel] = r
        if not sup_row:
            base, now = t.cpi.get(str(DOLLAR_YEAR)), t.cpi.get(m)
            if base is None or now is None:
                log.add(
                    lines[sel],
                    "month",
                    month[sel],
                    f"no US price index (CPI-U) for {m}: give it with "
                    "--price-index FILE (period,index)",
                )
                ok &= ~sel
                continue
            deflate[sel] = base / now
    quantity = amount * rate * deflate
    activity = np.array(
        [
            f"spend.supplier.{slug(s)}" if h else f"spend.{c}"
            for s, h, c in zip(supplier, has_sup, cat)
        ],
        dtype=object,
    )
    unit = np.where(has_sup, target, "USD").astype(object)
    note = np.array([f"{a} {c}" for a, c in zip(raw_amount, cur)], dtype=object)
    out = pd.DataFrame(
        {
            "date": month,
            "team": col("team"),
            "activity": activity,
            "quantity": [repr(float(q)) if np.isfinite(q) else "" for q in quantity],
            "unit": unit,
            "region": "",
            "note": note,
        }
    )
    return out, ok


def factors(t: Tables) -> list[Factor]:
    """One factor per mapped category (the EPA NAICS factor, stated as such) and per supplier."""
    out = []
    for c in t.categories.values():
        title, value = t.naics[c.naics]
        out.append(
            Factor(
                activity=f"spend.{c.name}",
                region="",
                year=FACTOR_VINTAGE,
                value=value,
                unit="kg CO2e / USD",
                category="purchases",
                scope=3,
                source=f"{EPA_SOURCE}: NAICS {c.naics} {title}",
                source_ref=EPA_REF,
                boundary=EPA_BOUNDARY + f"; spend category '{c.name}': {c.label}",
                origin="factors/spend/categories.csv",
                scope3_category=c.scope3,
            )
        )
    for s in t.suppliers.values():
        out.append(
            Factor(
                activity=f"spend.supplier.{slug(s.name)}",
                region="",
                year=s.year,
                value=s.kg_per_unit,
                unit=f"kg CO2e / {s.currency}",
                category="purchases",
                scope=3,
                source=f"{s.name} (supplier-specific): {s.source}",
                source_ref=s.source,
                boundary=f"the supplier's own figure for {s.year}",
                origin="--supplier-factors",
                scope3_category=1,
            )
        )
    return out
