"""The record of a closed period: a month or a year, in force or reopened (rules: carbon/closing/rules.py; restatements are shared records, carbon/model.py)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

MONTH, YEAR = "month", "year"


MONTH, YEAR = "month", "year"


@dataclass(frozen=True)
class PeriodLock:
    """A closed month ("YYYY-MM") or year ("YYYY"), and its reopening if any."""

    id: int
    period: str
    origin: str  # ORIGIN_CLOSE | ORIGIN_DONATION
    locked_at: datetime
    locked_by: str
    reason: str
    reopened_at: datetime | None = None
    reopened_by: str | None = None
    reopen_reason: str | None = None

    @property
    def active(self) -> bool:
        return self.reopened_at is None

    @property
    def kind(self) -> str:
        return YEAR if len(self.period) == 4 else MONTH

    def covers(self, month: str) -> bool:
        """True when this lock (in force or not) covers `month` ("YYYY-MM")."""
        return month == self.period or (self.kind == YEAR and month[:4] == self.period)

    def describe(self) -> str:
        """ "2025 (donation close, 2026-01-05 by alice: minutes 12)"."""
        why = f": {self.reason}" if self.reason else ""
        return f"{self.period} ({self.origin}, {self.locked_at:%Y-%m-%d} by {self.locked_by}{why})"
