"""The record of a carbon price (rules: carbon/prices/rules.py)."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

PER_TONNE = "t CO2e"


@dataclass(frozen=True)
class Price:
    """A carbon price: `value` in `currency` per tonne CO2e (converted from `unit`).

    `unit` is as written in its table; `origin` is "file:line", or "command
    line" for a `--price` given by hand.
    """

    key: str
    year: int
    value: Decimal  # currency per t CO2e
    currency: str
    basis: str
    source: str
    unit: str = ""
    region: str = ""
    source_ref: str = ""
    notes: str = ""
    origin: str = ""

    @property
    def per_tonne_unit(self) -> str:
        return f"{self.currency} / {PER_TONNE}"

    @property
    def ident(self) -> tuple[str, int]:
        return (self.key, self.year)
