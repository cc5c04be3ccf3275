"""The record of a signed-off donation (rules: carbon/donation/rules.py)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from carbon.prices.records import Price

COMPLETE = "complete"  # a donation of a year over, every month with data (carbon.donation.rules)


@dataclass(frozen=True)
class ClosedDonation:
    """A signed-off donation: the decided figures, the price snapshot, the ledger hash."""

    id: int
    year: int
    closed_at: datetime
    price: Price
    emissions_g: int
    amount_cents: int
    teams: tuple[tuple[str, int, int], ...]  # (team, grams, cents)
    ledger_hash: str
    scopes: tuple[int, ...] = ()
    categories: tuple[str, ...] = ()
    status: str = COMPLETE
    note: str = ""
    scope2: str = "location"  # the scope-2 basis of the sign-off
