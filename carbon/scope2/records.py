"""The record of a contractual instrument of market-based scope 2."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Instrument:
    """Electricity of a team, month and country covered by a contractual instrument
    (carbon/scope2/file.py reads them; carbon/scope2/rules.py counts them)."""

    month: str
    team: str
    country: str
    mwh: float
    instrument: str
    factor_kg_per_kwh: float
    line: int = 0
    note: str = ""

    @property
    def kg(self) -> float:
        """Its market-based emissions: MWh × 1000 kWh/MWh × kg per kWh."""
        return self.mwh * 1000.0 * self.factor_kg_per_kwh
