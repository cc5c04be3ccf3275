"""Uncertainty bands from the factors' `uncertainty_pct` (one method, shared by
the budget forecast and the donation range).

Method: `uncertainty_pct` is read as the half-width of the band, in percent
of the value. Entries computed with the same factor share its error (they
are summed first); different factors are taken as independent, so their
errors combine in quadrature:

    half-width = sqrt( sum over factors f of (kg_f × u_f / 100)² )

A factor that states no uncertainty gets the default of its category from
factors/default_uncertainty.csv (an assumption of carbon, said as such in
the README) — never a silent zero width.
"""

from __future__ import annotations

import csv
import math
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache

from carbon.core.resources import shipped_dir


@dataclass(frozen=True)
class Band:
    """A central value and its low/high bounds (same unit as the inputs)."""

    low: float
    central: float
    high: float

    def scaled(self, k: float) -> Band:
        return Band(self.low * k, self.central * k, self.high * k)


@lru_cache(maxsize=1)
def default_pct() -> dict[str, float]:
    """Default ± % by category ("*" for any other)."""
    with open(shipped_dir("factors") / "default_uncertainty.csv", encoding="utf-8") as fh:
        return {r["category"]: float(r["uncertainty_pct"]) for r in csv.DictReader(fh)}


def pct_for(uncertainty_pct: float | None, category: str) -> float:
    """The stated uncertainty, else the category default."""
    if uncertainty_pct is not None:
        return float(uncertainty_pct)
    d = default_pct()
    return d.get(category, d["*"])


def half_width(per_factor: Iterable[tuple[float, float | None, str]]) -> float:
    """Quadrature half-width from (kg for one factor, its uncertainty_pct or None, category)."""
    return math.sqrt(sum((kg * pct_for(u, cat) / 100.0) ** 2 for kg, u, cat in per_factor))


def band(per_factor: Iterable[tuple[float, float | None, str]]) -> Band:
    """Band around the sum of kg; the low bound never goes below zero."""
    items = list(per_factor)
    central = sum(kg for kg, _, _ in items)
    hw = half_width(items)
    return Band(max(central - hw, 0.0), central, central + hw)
