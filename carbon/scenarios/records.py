"""The record a what-if computes on: one summed ledger entry of the year, recorded or forecast."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Entry:
    """A team's emissions of one month for one activity, factor (its region and vintage) and
    activity unit: the quantity in `unit` and its kg CO2e. Read summed from the monthly rollup
    (carbon/store/levers.py), or estimated for a month the forecast covers."""

    team: str
    month: str  # "YYYY-MM"
    activity: str
    category: str
    region: str
    vintage: int
    unit: str
    quantity: float
    co2e_kg: float
