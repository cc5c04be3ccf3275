"""Factor series whose method changes between vintages (the flag).

A series is one activity key in one region; its rows are vintages, and the resolver takes the
latest vintage not after the activity's year. When two vintages of a series state a different
boundary (e.g. US grid: eGRID2022 combustion-only, then Ember 2023 lifecycle) or a different gas
coverage (CO2 only vs CO2e), a year-on-year change across the switch can be a method change,
not an emissions change. This module finds those series (pure); `carbon factors list` shows them.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from carbon.model import Factor


@dataclass(frozen=True)
class SeriesSwitch:
    """A series whose vintages differ: `vintages` is ((year, gas coverage, boundary), ...) by year."""

    activity: str
    region: str
    vintages: tuple[tuple[int, str, str], ...]
    boundary_differs: bool
    gases_differ: bool

    def describe(self) -> str:
        """One line: key (region): what differs, and the years."""
        what = " and ".join(
            w
            for w, on in (("boundary", self.boundary_differs), ("gas coverage", self.gases_differ))
            if on
        )
        years = "; ".join(
            f"{y}: {gas}, {b or 'boundary not stated'}" for y, gas, b in self.vintages
        )
        return f"{self.activity} ({self.region or 'any region'}): {what} changes between vintages — {years}"


def gas_coverage(f: Factor) -> str:
    """ "CO2 only" when the row says so (boundary or source), else "CO2e"."""
    text = f"{f.boundary} {f.source}".lower()
    return "CO2 only" if "co2 only" in text else "CO2e"


def _norm(text: str) -> str:
    return " ".join(text.lower().split())


def switches(factors: Iterable[Factor]) -> list[SeriesSwitch]:
    """The series (activity, region) whose vintages differ in boundary text or gas coverage,
    sorted by key and region. A series with one vintage never switches."""
    series: dict[tuple[str, str], dict[int, Factor]] = defaultdict(dict)
    for f in factors:
        series[(f.activity, f.region)][f.year] = f
    out = []
    for (activity, region), by_year in sorted(series.items()):
        if len(by_year) < 2:
            continue
        rows = [by_year[y] for y in sorted(by_year)]
        bounds = {_norm(f.boundary) for f in rows}
        gases = {gas_coverage(f) for f in rows}
        if len(bounds) > 1 or len(gases) > 1:
            out.append(
                SeriesSwitch(
                    activity,
                    region,
                    tuple((f.year, gas_coverage(f), f.boundary) for f in rows),
                    len(bounds) > 1,
                    len(gases) > 1,
                )
            )
    return out


def unchosen_switches(
    by_key, series: Iterable[tuple[str, str]], preferred=None
) -> list[SeriesSwitch]:
    """The switches among `series` ((activity, region) pairs) of a factor table's rows (`by_key`:
    key -> rows), leaving out a series the user chose (`preferred(rows)` keeps fewer rows than the
    series has, i.e. a --prefer-source matched it)."""
    out = []
    for activity, region in sorted(set(series)):
        rows = [f for f in by_key.get(activity, ()) if f.region == region]
        if preferred is not None and len(preferred(rows)) < len(rows):
            continue
        out.extend(switches(rows))
    return out


def warning(s: SeriesSwitch) -> str:
    """The import warning for a switch the latest-vintage rule crosses silently."""
    return (
        f"{s.describe()}. The latest-vintage rule switches method inside this series: a change across "
        "these years can be a method change, not an emissions change; --prefer-source SOURCE keeps one "
        "source's rows (docs/inventory.md)"
    )
