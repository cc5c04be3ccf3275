"""The shipped residual-mix factors (factors/residual_mix/*.csv): market-based scope 2 for the
electricity no contractual instrument covers (docs/scope2.md).

One row per country and vintage, in g CO2e per kWh. A country without a row (Austria: AIB
prints "N/A", full disclosure; every country outside the EU) has no residual mix: its uncovered
electricity has no market-based figure, never the location-based one and never 0. Read with
the csv module (no pandas, no pint): the monthly report reads it.
"""

from __future__ import annotations

import csv
import math
from dataclasses import dataclass
from functools import lru_cache

from carbon.core.resources import shipped_dir
from carbon.errors import InputError

COLUMNS = ("country", "year", "value", "unit", "source", "source_ref", "boundary")
UNIT = "g CO2e / kWh"  # the one unit of the tables: checked, so no conversion is needed


@dataclass(frozen=True)
class ResidualMix:
    """A country's residual mix of a vintage, kg CO2e per kWh, with its source."""

    country: str
    year: int
    kg_per_kwh: float
    source: str
    source_ref: str
    boundary: str


def parse(name: str, rows: list[dict]) -> dict[tuple[str, int], ResidualMix | None]:
    """Rows of a residual-mix table -> {(country, year): ResidualMix} (pure). Raises InputError.

    An empty value is a country the edition gives no residual mix for (AIB prints "N/A" under full
    disclosure): None, so that an earlier vintage's figure is not used for it."""
    out: dict[tuple[str, int], ResidualMix | None] = {}
    for i, row in enumerate(rows, start=2):
        try:
            country, year, text = row["country"].strip(), int(row["year"]), row["value"].strip()
            value = float(text) if text else None
        except (KeyError, TypeError, ValueError, AttributeError):
            raise InputError(
                f"{name}: line {i}: expected country, year and a number value (or none)"
            ) from None
        if row["unit"].strip() != UNIT or (
            value is not None and (not math.isfinite(value) or value < 0)
        ):
            raise InputError(f"{name}: line {i}: expected a value >= 0 in {UNIT}, or none")
        if (country, year) in out:
            raise InputError(f"{name}: line {i}: {country} {year} is given twice")
        out[(country, year)] = (
            None
            if value is None
            else ResidualMix(
                country, year, value / 1000.0, row["source"], row["source_ref"], row["boundary"]
            )
        )
    return out


@lru_cache(maxsize=1)
def shipped() -> ResidualMixes:
    """Every shipped residual-mix table, read once per process."""
    found: dict[tuple[str, int], ResidualMix | None] = {}
    for path in sorted((shipped_dir("factors") / "residual_mix").glob("*.csv")):
        with open(path, encoding="utf-8", newline="") as fh:
            reader = csv.DictReader(fh)
            if tuple(reader.fieldnames or ()) != COLUMNS:
                raise InputError(f"{path.name}: expected the columns {', '.join(COLUMNS)}")
            for key, mix in parse(path.name, list(reader)).items():
                if key in found:
                    raise InputError(
                        f"{path.name}: {key[0]} {key[1]} is also in another residual-mix table"
                    )
                found[key] = mix
    return ResidualMixes(found)


@dataclass(frozen=True)
class ResidualMixes:
    rows: dict[tuple[str, int], ResidualMix | None]  # None: the edition gives no residual mix

    def find(self, country: str, year: int) -> ResidualMix | None:
        """The latest vintage not after `year` for `country`; None when there is none (an earlier
        year than every vintage, a country without a residual mix, or one whose latest edition
        gives none)."""
        years = [y for c, y in self.rows if c == country and y <= year]
        return self.rows[(country, max(years))] if years else None

    def countries(self) -> list[str]:
        return sorted({c for (c, _), m in self.rows.items() if m is not None})
