"""Calendar rules, pure: months, pro-rata spreading of periods, weekdays.

Spreading rule: a quantity over `date`..`end` (both inclusive) is split over
the months it touches in proportion to the number of days in each.
"""

from __future__ import annotations

import re
from datetime import date

from carbon.core.lazy import lazy

np = lazy("numpy")  # only `spread` and `workdays` need it

MONTH_RE = re.compile(r"^(\d{4})-(\d{2})$")


def today() -> date:
    """The day it is (the one clock sign-offs are checked against; tests replace it)."""
    return date.today()


def parse_month(text: str) -> tuple[int, int]:
    """ "YYYY-MM" -> (year, month); raises ValueError with a readable message."""
    m = MONTH_RE.match(text.strip())
    if not m or not 1 <= int(m.group(2)) <= 12:
        raise ValueError(f"expected a month as YYYY-MM, got {text!r}")
    return int(m.group(1)), int(m.group(2))


def month_label(year: int, month: int) -> str:
    return f"{year:04d}-{month:02d}"


def counted_through(today: date, month: str | None = None) -> str:
    """The last month counted as a whole as of `today` ("YYYY-MM"): the month before `today`'s.

    The one rule for the running month: a month not over is never counted as a whole
    month, whatever data is dated in it (a period spread pro rata puts data into months
    not over). `month` (when given) caps it: a month over is counted through itself.
    Every command that adds months up to "now" (budget status, scenario run, the pack's
    levers, the year report, the donation) takes its last month from here.
    """
    last_over = (
        month_label(today.year - 1, 12)
        if today.month == 1
        else month_label(today.year, today.month - 1)
    )
    if month is None:
        return last_over
    y, m = parse_month(month)
    return min(month_label(y, m), last_over)


def running_month(today: date) -> str:
    """The month of `today`, not over yet ("YYYY-MM")."""
    return month_label(today.year, today.month)


def month_range(first: str, last: str) -> list[str]:
    """Every month from `first` to `last` inclusive, as "YYYY-MM"."""
    y, m = parse_month(first)
    y2, m2 = parse_month(last)
    if (y2, m2) < (y, m):
        raise ValueError(f"{last} is before {first}")
    out = []
    while (y, m) <= (y2, m2):
        out.append(month_label(y, m))
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)
    return out


def weekdays_in_month(year: int, month: int) -> int:
    """Number of Monday-to-Friday days in a month (public holidays not removed)."""
    start = np.datetime64(date(year, month, 1))
    end = np.datetime64(date(year + (month == 12), month % 12 + 1, 1))
    return int(np.busday_count(start, end))


def spread(start: np.ndarray, end: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Split day ranges over months, vectorised.

    `start`, `end`: datetime64[D] arrays (end inclusive, end >= start).
    Returns (row index, month start as datetime64[M], share of the row's
    quantity) with one element per (row, month touched); shares of a row sum to 1.
    """
    start = start.astype("datetime64[D]")
    end = end.astype("datetime64[D]")
    first_m = start.astype("datetime64[M]")
    last_m = end.astype("datetime64[M]")
    n_months = (last_m - first_m).astype(np.int64) + 1
    total_days = (end - start).astype(np.int64) + 1
    row = np.repeat(np.arange(len(start)), n_months)
    # offset of each output element within its row: 0, 1, ..., n-1
    offsets = np.arange(len(row)) - np.repeat(np.cumsum(n_months) - n_months, n_months)
    month = first_m[row] + offsets.astype("timedelta64[M]")
    m_start = month.astype("datetime64[D]")
    m_end = (month + np.timedelta64(1, "M")).astype("datetime64[D]") - np.timedelta64(1, "D")
    lo = np.maximum(start[row], m_start)
    hi = np.minimum(end[row], m_end)
    days = (hi - lo).astype(np.int64) + 1
    share = days / total_days[row]
    return row, month, share
