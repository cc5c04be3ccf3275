"""Closed periods, end to end: close and reopen a month, lock a signed-off year, the status of
a month, and the guard every write into the ledger passes.

`guard_write` is the one check every write path calls inside its transaction
(imports through carbon.ledger.service, removals): a refusal raises, so the caller's
transaction rolls back and the database stays exactly as it was.

Orchestration only: the rules are carbon.closing.rules, the SQL carbon.closing.store.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import TYPE_CHECKING

from sqlalchemy.engine import Connection

from carbon.closing import rules
from carbon.closing import store as stored_locks
from carbon.closing.rules import PeriodLock, Restate, Restatement
from carbon.closing.store import list_locks, list_restatements  # noqa: F401  the queries, for callers of this module
from carbon.errors import CarbonError

if TYPE_CHECKING:
    from carbon.store import Store


def guard_write(
    conn: Connection,
    action: str,
    *,
    added: Sequence[int] = (),
    removed: Sequence[int] = (),
    restate: Restate | None = None,
) -> Restatement | None:
    """Refuse, or record as a restatement, a write touching closed months.

    Call inside the write's transaction, once the `added` imports' entries are
    written and before the `removed` ones are deleted. `action` names the write
    in the refusal ("import of sep.csv"). Raises PeriodLocked when a closed month
    is touched without `restate`; returns the restatement recorded, or None when
    no closed month is touched.
    """
    touched = {m for ms in stored_locks.batch_months(conn, [*added, *removed]).values() for m in ms}
    if not touched:
        return None
    hit = rules.locked_months(stored_locks.list_locks(conn, active_only=True), touched)
    if not hit:
        return None
    if restate is None:
        raise rules.refusal(action, hit)
    return stored_locks.record_restatement(
        conn, restate.by, restate.reason, added, removed, list(hit)
    )


def close_month(
    store: Store, month: str, *, by: str | None = None, reason: str = "", today: date | None = None
) -> PeriodLock:
    """Close `month` ("YYYY-MM"): later writes into it are refused unless restated.

    Refuses (CarbonError, nothing written) a month not over yet and a month
    already closed (by itself or by its year's donation sign-off).
    """
    month = rules.check_month(month)
    rules.check_closable(month, today or date.today())
    who = rules.current_user(by)
    with store.transaction() as conn:
        hit = rules.locked_months(stored_locks.list_locks(conn, active_only=True), [month])
        if hit:
            raise CarbonError(f"{month} is already closed: {hit[month].describe()}")
        return stored_locks.add_lock(conn, month, rules.ORIGIN_CLOSE, who, reason.strip())


def reopen_month(store: Store, month: str, *, reason: str, by: str | None = None) -> PeriodLock:
    """Reopen a closed month, recording who, when and why (the lock's record stays)."""
    month = rules.check_month(month)
    if not reason.strip():
        raise CarbonError(
            "reopening a closed month needs --reason TEXT (recorded with who and when)"
        )
    who = rules.current_user(by)
    with store.transaction() as conn:
        active = stored_locks.list_locks(conn, active_only=True)
        own = [lk for lk in active if lk.period == month]
        if not own:
            year = [lk for lk in active if lk.period == month[:4]]
            if year:
                raise CarbonError(
                    f"{month} is closed with its year: {year[0].describe()}. The donation sign-off "
                    "stands; change the month's data with --restate --reason TEXT (recorded)"
                )
            raise CarbonError(f"{month} is not closed; see 'carbon close --list'")
        return stored_locks.reopen(conn, own[0], who, reason.strip())


def lock_year(conn: Connection, year: int, reason: str) -> PeriodLock | None:
    """Lock `year` after its donation sign-off (in the sign-off's transaction); None when it
    is locked already (a superseding sign-off)."""
    period = f"{year:04d}"
    if any(lk.period == period for lk in stored_locks.list_locks(conn, active_only=True)):
        return None
    return stored_locks.add_lock(conn, period, rules.ORIGIN_DONATION, rules.current_user(), reason)


def month_status(conn: Connection, month: str) -> tuple[PeriodLock | None, list[Restatement]]:
    """The lock in force on `month` (or None: open) and the restatements that changed it."""
    lock = rules.locked_months(stored_locks.list_locks(conn, active_only=True), [month]).get(month)
    return lock, [r for r in stored_locks.list_restatements(conn) if month in r.periods]
