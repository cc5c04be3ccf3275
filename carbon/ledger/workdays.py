"""Working days of a month for commuting: weekdays, less the country's public holidays (the
`holidays` package) and the company's closure days (docs/commuting.md). Rule module: no I/O.
"""

from __future__ import annotations

import calendar
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from functools import lru_cache

from carbon.core.lazy import lazy

holidays = lazy("holidays")


@dataclass(frozen=True)
class MonthDays:
    """A month's working days in a country: the weekdays, and those taken out."""

    month: str  # YYYY-MM
    country: str  # "" when no country is known: no public holiday removed
    weekdays: int
    holidays: tuple[tuple[date, str], ...]  # public holidays falling on a weekday
    closures: tuple[date, ...]  # company closure days on a weekday that are not public holidays
    days: tuple[date, ...]  # the working days themselves

    @property
    def working(self) -> int:
        return len(self.days)


@lru_cache(maxsize=64)
def _public(country: str, year: int) -> dict[date, str]:
    if not country:
        return {}
    return dict(holidays.country_holidays(country, years=year))


def known_country(country: str) -> bool:
    """True when the holidays package has the public holidays of `country` (ISO alpha-2)."""
    try:
        _public(country, 2000)
    except (NotImplementedError, KeyError, AttributeError):
        return False
    return True


def month_days(month: str, country: str, closures: Iterable[date] = ()) -> MonthDays:
    """The working days of `month` ("YYYY-MM") in `country` with the company's `closures`."""
    y, m = int(month[:4]), int(month[5:7])
    weekdays = [
        date(y, m, d)
        for d in range(1, calendar.monthrange(y, m)[1] + 1)
        if date(y, m, d).weekday() < 5
    ]
    public = _public(country, y)
    hol = tuple((d, public[d]) for d in weekdays if d in public)
    closed = set(closures)
    shut = tuple(d for d in weekdays if d in closed and d not in public)
    days = tuple(d for d in weekdays if d not in public and d not in closed)
    return MonthDays(month, country, len(weekdays), hol, shut, days)
