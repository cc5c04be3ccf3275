"""The one year-end forecast, shared by `budget status`, `donation` (running year) and the pack (pure).

Rules (docs/forecast.md), for one team, a year and the last month counted `through`:

- **First month with data**: the first month of the year, up to `through`, in which the team
  has at least one ledger entry (any scope, any category). The company's is the earliest of
  its teams'.
- **Unknown months**: the months of the year before the team's first month with data. They
  are neither zero nor estimated: the figures cover the months from the first month with data
  to December (the *covered* months), and a budget is scaled to those months.
- **Retired teams**: a team retired during the year (`teams retire --from`) covers its months
  up to the month before its retirement, never past it: nothing is forecast for the months
  it no longer exists, and its budget is scaled to the months it existed.
- **Known months**: the covered months up to `through` in which the ledger holds any entry
  (for any team). A covered month without any entry in the whole ledger (a hole) is unknown
  too: it is left out of the actual and the allocation, and estimated like the months ahead.
  A month in which other teams have entries but this team has none is known: its zero counts.
- **Weights**: the team's budget profile (12 weights, January first) where the year's budget
  file gives the team one; 12 equal weights otherwise (the flat run rate).
- **Year-end forecast** = actual over the known months × w(covered) ÷ w(known), w() being the
  sum of the weights of those months. With a team's data from January and no hole this is the
  budget rule actual ÷ (weights of January..M ÷ all weights).

Nothing here reads the database or the clock: callers pass the months and the figures.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

MONTHS = 12
FLAT: tuple[float, ...] = (1.0,) * MONTHS
PROFILE, FLAT_RATE, FLAT_FALLBACK = "profile", "flat", "flat_fallback"


@dataclass(frozen=True)
class Window:
    """Which months of a year a team's figures count (months are 1..12).

    `first` is None when the team has no entry in months 1..`through`. `last` is the team's
    last month in the year: December, or the month before it was retired (0: retired before
    the year began).
    """

    first: int | None
    through: int
    known: tuple[int, ...]
    last: int = MONTHS

    @property
    def covered(self) -> tuple[int, ...]:
        """The months the year-end figure covers: the first month with data to the team's last
        (December, or the month before its retirement)."""
        return () if self.first is None else tuple(range(self.first, self.last + 1))

    @property
    def unknown_before(self) -> tuple[int, ...]:
        """The months before the first month with data (all of 1..`through` without data)."""
        return tuple(range(1, (self.through if self.first is None else self.first - 1) + 1))

    @property
    def holes(self) -> tuple[int, ...]:
        """Covered months up to `through` without any entry in the ledger: unknown, estimated."""
        if self.first is None:
            return ()
        end = min(self.through, self.last)
        return tuple(m for m in range(self.first, end + 1) if m not in self.known)

    @property
    def from_january(self) -> bool:
        """True when nothing is unknown: the team's data starts in January, without holes."""
        return self.first == 1 and not self.holes


def window(
    team_months: Iterable[int], ledger_months: Iterable[int], through: int, last: int = MONTHS
) -> Window:
    """The window of a team: `team_months` are the months (1..12) where it has entries,
    `ledger_months` those where anyone has, `through` the last month counted (1..12), `last`
    the team's last month in the year (`last_month`: before its retirement)."""
    if not 1 <= through <= MONTHS:
        raise ValueError(f"through must be 1..12, got {through}")
    if not 0 <= last <= MONTHS:
        raise ValueError(f"last must be 0..12, got {last}")
    end = min(through, last)
    mine = sorted(m for m in set(team_months) if 1 <= m <= end)
    if not mine:
        return Window(None, through, (), last)
    anyone = set(ledger_months) | set(mine)
    return Window(mine[0], through, tuple(m for m in range(mine[0], end + 1) if m in anyone), last)


def zero_months(win: Window, team_months: Iterable[int]) -> tuple[int, ...]:
    """The known months in which the team has no entry while other teams have some: counted as
    zero in its actual (a true zero, or its data not imported yet: callers warn)."""
    mine = set(team_months)
    return tuple(m for m in win.known if m not in mine)


def last_month(year: int, retired_from: str | None) -> int:
    """The team's last month (1..12) in `year`: December, or the month before `retired_from`
    ("YYYY-MM", the first month without the team); 0 when it was retired before `year` began."""
    if not retired_from or int(retired_from[:4]) > year:
        return MONTHS
    if int(retired_from[:4]) < year:
        return 0
    return int(retired_from[5:7]) - 1


def weight(weights: Sequence[float], months: Iterable[int]) -> float:
    """Sum of the weights of `months` (1..12); `weights` are 12, January first."""
    if len(weights) != MONTHS:
        raise ValueError(f"expected {MONTHS} monthly weights, got {len(weights)}")
    return math.fsum(float(weights[m - 1]) for m in months)


def share(weights: Sequence[float], months: Iterable[int]) -> float:
    """Fraction of the year's weight carried by `months`, in [0, 1] (1.0 exactly for all 12)."""
    months = tuple(months)
    if len(set(months)) == MONTHS:
        return 1.0
    total = math.fsum(float(w) for w in weights)
    if total <= 0:
        raise ValueError("monthly weights are all zero")
    return weight(weights, months) / total


def ratio(weights: Sequence[float], win: Window) -> tuple[float, float] | None:
    """(w(covered), w(known)): the forecast multiplies the known actual by their quotient.

    None when there is no data or the weights give the known months nothing (a profile
    that allows nothing yet): no forecast can be extrapolated from them.
    """
    if win.first is None:
        return None
    known = weight(weights, win.known)
    if known <= 0:
        return None
    return weight(weights, win.covered), known


def year_end(actual: float, weights: Sequence[float], win: Window) -> float | None:
    """Year-end forecast (the unit of `actual`) = actual × w(covered) ÷ w(known); None as `ratio`."""
    r = ratio(weights, win)
    if r is None:
        return None
    covered, known = r
    if covered == known:
        return actual  # every covered month is known (December counted): no extrapolation
    return actual * covered / known


def ratio_any(weights: Sequence[float] | None, win: Window) -> tuple[float, float, str] | None:
    """(w(covered), w(known), method) for a forecast a total can always add up.

    The team's profile where there is one and it gives the known months weight (`PROFILE`);
    flat where there is none (`FLAT_RATE`); flat where the profile gives the known months
    nothing (`FLAT_FALLBACK`: the team's own budget row then shows no forecast). None
    without data, or without a known month in the window.
    """
    if win.first is None:
        return None
    if weights is not None:
        r = ratio(weights, win)
        if r is not None:
            return r[0], r[1], PROFILE
    r = ratio(FLAT, win)
    if r is None:  # no known month in the team's window (its data all after its retirement)
        return None
    return r[0], r[1], (FLAT_RATE if weights is None else FLAT_FALLBACK)


def year_end_any(
    actual: float, weights: Sequence[float] | None, win: Window
) -> tuple[float, str] | None:
    """(year-end forecast, method) by `ratio_any`: the figure the company total and the donation use."""
    r = ratio_any(weights, win)
    if r is None:
        return None
    covered, known, method = r
    return (actual if covered == known else actual * covered / known), method


def month_names(year: int, months: Sequence[int]) -> str:
    """ "2026-01 to 2026-08" for a run, "2026-01, 2026-03" otherwise ("" for none)."""
    if not months:
        return ""
    labels = [f"{year:04d}-{m:02d}" for m in months]
    if len(labels) > 2 and list(months) == list(range(months[0], months[-1] + 1)):
        return f"{labels[0]} to {labels[-1]}"
    return ", ".join(labels)
