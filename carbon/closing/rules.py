"""Closed periods (pure): which months a lock covers, and the words of a refusal.

Rules (docs/integrity.md):

- A lock closes a month ("YYYY-MM", `carbon close --month`) or a year ("YYYY",
  `carbon donation close`). A year lock covers its twelve months.
- A lock is in force until it is reopened (a month: `carbon close --reopen
  --month M --reason TEXT`); the record stays, with who reopened it, when and why.
- A write that adds or removes ledger entries in a locked month (an import, a
  replacement, a removal) is refused, naming the locked months, unless it is a
  restatement (`--restate --reason TEXT`): it is then written, and recorded
  with who, when, why and the per-team difference of each locked month.
- Factor imports never change a stored entry, so they are never refused.
"""

from __future__ import annotations

import getpass
import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date

from carbon.closing.records import MONTH, YEAR, PeriodLock  # noqa: F401  re-exported (the records live in records.py)
from carbon.core import limits
from carbon.core.calendar import MONTH_RE, parse_month
from carbon.errors import CarbonError, PeriodLocked  # PeriodLocked lives in carbon.errors
from carbon.model import Restatement

ORIGIN_CLOSE, ORIGIN_DONATION = "close", "donation close"


@dataclass(frozen=True)
class Restate:
    """Permission to write into closed periods, and the record it leaves."""

    reason: str
    by: str

    def __post_init__(self) -> None:
        if not self.reason.strip():
            raise CarbonError(
                "--restate needs --reason TEXT: why the closed figures change "
                "(it is recorded with who and when)"
            )


def current_user(by: str | None = None) -> str:
    """Who acts: `by` when given, else the operating-system user (never empty)."""
    if by is not None and by.strip():
        name = by.strip()
    else:
        try:
            name = getpass.getuser()
        except (KeyError, OSError):  # no passwd entry (a bare container)
            name = os.environ.get("USER", "") or "unknown"
    if long := limits.too_long(name, limits.PERSON):
        raise CarbonError(f"--by {name[:40]!r}…: {long}")
    return name


def check_month(text: str, option: str = "--month") -> str:
    """A "YYYY-MM" month as given on the command line, or a CarbonError naming the option."""
    try:
        year, month = parse_month(text)
    except ValueError as exc:
        raise CarbonError(f"{option}: {exc}") from None
    return f"{year:04d}-{month:02d}"


def check_closable(month: str, today: date) -> None:
    """A month can be closed once it is over (from the 1st of the next month)."""
    year, m = parse_month(month)
    if (year, m) >= (today.year, today.month):
        raise CarbonError(
            f"{month} is not over (today is {today.isoformat()}): a month is closed once its "
            "figures are in, from the 1st of the next month"
        )


def locked_months(locks: Iterable[PeriodLock], months: Iterable[str]) -> dict[str, PeriodLock]:
    """The months of `months` under a lock in force: {month: the lock} (a month lock first)."""
    active = [lk for lk in locks if lk.active]
    found = {}
    for m in sorted(set(months)):
        hit = [lk for lk in active if lk.covers(m)]
        if hit:
            found[m] = min(hit, key=lambda lk: (lk.kind != MONTH, lk.id))
    return found


def span(months: Sequence[str]) -> str:
    """Sorted months as runs: "2025-01..2025-12, 2026-03"."""
    runs: list[list[str]] = []
    for m in sorted(months):
        if runs and _next(runs[-1][-1]) == m:
            runs[-1].append(m)
        else:
            runs.append([m])
    return ", ".join(r[0] if len(r) == 1 else f"{r[0]}..{r[-1]}" for r in runs)


def _next(month: str) -> str:
    y, m = parse_month(month)
    return f"{y + (m == 12):04d}-{m % 12 + 1:02d}"


def figure(v: float | None) -> str:
    """A restated figure as written: six significant digits, "none" for no figure."""
    return "none" if v is None else f"{v:,.6g}"


def refusal(action: str, hit: dict[str, PeriodLock]) -> PeriodLocked:
    """The refusal of a write into locked months, naming them and their locks."""
    locks = sorted({lk.id: lk for lk in hit.values()}.values(), key=lambda lk: lk.period)
    return PeriodLocked(
        f"{action} would change {span(list(hit))}, closed: "
        + "; ".join(lk.describe() for lk in locks)
        + ". Nothing was written. To change closed figures on purpose, run it again with "
        "--restate --reason TEXT (recorded with who, when, why and the per-team difference)"
        + (
            ""
            if all(lk.kind == YEAR for lk in locks)
            else ", or reopen the month first ('carbon close --reopen --month YYYY-MM --reason TEXT')"
        )
    )


def month_status_line(month: str, lock: PeriodLock | None, restated: Sequence[Restatement]) -> str:
    """One sentence on whether `month`'s figures are closed, and how they were restated since."""
    if lock is None:
        line = f"{month} is open: its figures may still change until the month is closed."
    else:
        line = (
            f"{month} is closed ({lock.origin}, {lock.locked_at:%Y-%m-%d} by {lock.locked_by}"
            + (f": {lock.reason}" if lock.reason else "")
            + "); its figures change only by a recorded "
            "restatement."
        )
    for r in restated:
        diff = (
            ", ".join(f"{team} {kg:+,.3f} kg" for team, kg in r.by_team())
            or "no team figure changed"
        )
        line += f" Restated {r.at:%Y-%m-%d} by {r.by} ({r.reason}): {diff}."
    return line


def is_period(text: str) -> bool:
    return bool(MONTH_RE.match(text)) or (len(text) == 4 and text.isdigit())
