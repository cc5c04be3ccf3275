"""The checks every importer applies to its cells: numbers, dates and months within plausible bounds.

One rule per kind of field, shared by the activity, cloud bill, CCF estimate, video, metric and
energy-attribute importers (docs/integrity.md, "Bad input"):

- a quantity is a finite number >= 0 and at most `MAX_AMOUNT` (10^12) of its unit; a cloud bill line
  (billed in byte-seconds for storage) at most `MAX_BILL_AMOUNT`, and at most 10^12 kWh once estimated;
- an emission factor (grid or energy attribute) is at most `MAX_FACTOR_KG_PER_KWH` kg CO2e/kWh;
- a date or month falls between `FIRST_YEAR`-01-01 and one year after today.

Dates are parsed by explicit formats only (`parse_times`): ISO 8601 and each provider's documented
format, or a mapping's own strptime format (`parse_with_format`); a word (`now`, `today`, `NaT`)
is never a date. Each function returns a mask (True where a
cell is bad) and leaves the messages to the caller's `ProblemLog`, with file, line and column.
"""

from __future__ import annotations

import re
from datetime import date, timedelta

import numpy as np
import pandas as pd

MAX_AMOUNT = 1e12  # of the field's own unit: kWh, hours, GB-months, MWh, ...
MAX_METRIC = 1e15  # a business metric (bytes served a month reach 10^12 and more)
MAX_FACTOR_KG_PER_KWH = 10.0  # coal is about 1; 10 is a unit mistake (g for kg, MWh for kWh)
MAX_BILL_AMOUNT = 1e24  # a bill line's usage amount: providers bill storage in byte-seconds
MAX_COST = 1e12  # a bill line's cost, in its currency
FIRST_YEAR = 1990

AMOUNT_EXPECTED = f"expected a number ≥ 0 and at most {MAX_AMOUNT:.0e} ('.' as decimal point, no thousands separator)"

# ISO 8601 as the providers write it: a day, optionally a time (T or space), seconds and fraction,
# and a zone (Z, +hh:mm, or BigQuery's " UTC"). Anything else is not a date.
_ISO = re.compile(
    r"\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?)?(Z|[+-]\d{2}:?\d{2}| UTC)?"
)
_US_DAY = re.compile(r"\d{1,2}/\d{1,2}/\d{4}")


def window(today: date | None = None) -> tuple[date, date]:
    """(first, last) day a date may fall on: 1 January `FIRST_YEAR`, and one year after today."""
    today = today or date.today()
    return date(FIRST_YEAR, 1, 1), today + timedelta(days=366)


def window_text(today: date | None = None) -> str:
    first, last = window(today)
    return f"between {first.isoformat()} and {last.isoformat()} (one year after today)"


def bad_amount(values: np.ndarray, upper: float = MAX_AMOUNT, positive: bool = False) -> np.ndarray:
    """True where a parsed number (NaN: not one) is not finite, negative (or 0 when `positive`),
    or above `upper`."""
    v = np.asarray(values, dtype=float)
    with np.errstate(invalid="ignore"):
        return ~np.isfinite(v) | (v <= 0 if positive else v < 0) | (v > upper)


def bad_finite(values: np.ndarray, upper: float = MAX_COST) -> np.ndarray:
    """True where a parsed number (a cost: may be negative, a credit) is not finite or above `upper`
    in size."""
    v = np.asarray(values, dtype=float)
    with np.errstate(invalid="ignore"):
        return ~np.isfinite(v) | (np.abs(v) > upper)


def parse_times(values, us_dates: bool = False) -> pd.Series:
    """Timestamps (UTC) of texts, NaT where a text is not a date by an explicit format: ISO 8601
    (`2026-03-01`, `2026-03-01T00:00:00Z`, `2026-03-01 00:00:00 UTC`, with offsets and fractions),
    and with `us_dates` Azure's `MM/DD/YYYY`. Outside `window()` is NaT too. Words such as `now`,
    `today` or `NaT` are never dates. Parsed once per distinct text."""
    text = pd.Series(np.asarray(values, dtype=object)).astype(str).str.strip()
    codes, uniq = pd.factorize(text, use_na_sentinel=False)
    u = pd.Series(np.asarray(uniq, dtype=object), dtype=object)
    first, last = window()
    iso = u.str.fullmatch(_ISO.pattern).to_numpy(dtype=bool)
    us = (
        (~iso & u.str.fullmatch(_US_DAY.pattern).to_numpy(dtype=bool))
        if us_dates
        else np.zeros(len(u), bool)
    )
    # the year first: pandas cannot hold a date after 2262 (and must not be asked to)
    year = np.where(iso, u.str[:4], np.where(us, u.str[-4:], "0")).astype(np.int64)
    plausible = (year >= first.year) & (year <= last.year)
    out = pd.Series(pd.NaT, index=u.index, dtype="datetime64[ns, UTC]")
    for mask, fmt in ((iso & plausible, "ISO8601"), (us & plausible, "%m/%d/%Y")):
        if mask.any():
            clean = u[mask].str.replace(r" UTC$", "", regex=True)
            out.loc[mask] = pd.to_datetime(clean, utc=True, errors="coerce", format=fmt)
    lo = pd.Timestamp(first, tz="UTC")
    hi = pd.Timestamp(last, tz="UTC") + pd.Timedelta(days=1)
    out.loc[((out < lo) | (out >= hi)).to_numpy()] = pd.NaT
    return pd.Series(out.to_numpy()[codes], dtype="datetime64[ns, UTC]")


def parse_with_format(values, fmt: str) -> pd.Series:
    """Timestamps of texts by the strptime format `fmt` (a mapping's own), NaT where a text does
    not match it. A text without a digit is never a date: pandas reads `now` and `today` as the
    clock's time whatever the format."""
    text = pd.Series(np.asarray(values, dtype=object)).astype(str).str.strip()
    has_digit = text.str.contains(r"\d", regex=True).to_numpy(dtype=bool)
    return pd.to_datetime(text.where(has_digit, None), format=fmt, errors="coerce")


def bad_month(months: np.ndarray) -> np.ndarray:
    """True where a `YYYY-MM` text (already checked for its shape) falls outside `window()`."""
    first, last = window()
    m = np.asarray(months, dtype=object).astype(str)
    return (m < f"{first.year:04d}-{first.month:02d}") | (m > f"{last.year:04d}-{last.month:02d}")
