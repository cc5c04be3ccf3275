"""Energy-attribute files become imports, and the market-based scope 2 is gathered for reports.

An import follows the rules of every other file (carbon/metrics/service.py): one transaction, a
refused file writes nothing, the same content again changes nothing, a changed file of the same
source needs `replace`. On top: instruments may not cover more electricity than the team metered
in that month and country (double claiming), counting every other import's instruments too.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from sqlalchemy.engine import Connection

from carbon.closing import rules as lock_rules
from carbon.closing import service as period_service
from carbon.closing import store as stored_locks
from carbon.core import limits
from carbon.errors import InputError, Problem
from carbon.ingest import csvfile
from carbon.ledger.service import _check_source, later_months_warning
from carbon.model import ImportOutcome
from carbon.scope2 import store as stored
from carbon.scope2 import view as scope2_view
from carbon.scope2.file import OPTIONAL, REQUIRED, Instrument, parse_rows
from carbon.store import Store
from carbon.store import team_history as stored_teams

KIND = "energy-attributes"


def _over_claims(
    file: str, conn: Connection, found: list[Instrument], replaced: tuple[int, ...]
) -> list[Problem]:
    months = sorted({i.month for i in found})
    figures = scope2_view.figures(conn, months[0], months[-1], extra=found, except_batches=replaced)
    problems = []
    for i in found:
        s = figures.get((i.team, i.month))
        for country, cover, have in s.over_claimed if s else ():
            if country == i.country:
                problems.append(
                    Problem(
                        file,
                        i.line,
                        "mwh",
                        f"{i.mwh:g}",
                        f"double claiming: instruments cover {cover:g} MWh of {i.team}'s electricity in {country} in "
                        f"{i.month} (this file and earlier imports), but only {have:g} MWh was metered; an "
                        "instrument can only cover electricity the team consumed (import the electricity first, "
                        "or lower the MWh)",
                    )
                )
    return problems


def _how_to_change(lock: lock_rules.PeriodLock, month: str) -> str:
    """The way out of a refusal: a restatement always; reopening only a month closed by itself
    (a donation sign-off is not reopened)."""
    return "run it again with --restate --reason TEXT (recorded with who, when and why)" + (
        f", or reopen the month first ('carbon close --reopen --month {month} --reason TEXT')"
        if lock.kind == lock_rules.MONTH
        else ""
    )


def _closed(file: str, conn: Connection, found: list[Instrument]) -> list[Problem]:
    """Instruments in closed months (carbon close, donation close) would change their market-based
    figures: refused unless restated."""
    closed = lock_rules.locked_months(
        stored_locks.list_locks(conn, active_only=True), {i.month for i in found}
    )
    return [
        Problem(
            file,
            i.line,
            "month",
            i.month,
            f"{i.month} is closed ({closed[i.month].describe()}); its market-based scope 2 changes only "
            f"by a restatement: {_how_to_change(closed[i.month], i.month)}",
        )
        for i in found
        if i.month in closed
    ]


def _closed_by_replacing(conn: Connection, name: str, replaced: tuple[int, ...]) -> dict:
    """The closed months a replacement takes instruments out of; refused (PeriodLocked) unless
    restated, as new instruments in a closed month are."""
    months = {m for ms in stored_locks.batch_months(conn, replaced).values() for m in ms}
    return lock_rules.locked_months(stored_locks.list_locks(conn, active_only=True), months)


def _refuse_replacing(
    name: str, replaced: tuple[int, ...], closed: dict
) -> lock_rules.PeriodLocked:
    first = min(closed)
    return lock_rules.PeriodLocked(
        f"{name}: replacing import {', '.join(map(str, replaced))} would change {lock_rules.span(list(closed))}, "
        f"closed ({closed[first].describe()}): its market-based scope 2 changes only by a restatement; nothing "
        f"was written. To change it on purpose, {_how_to_change(closed[first], first)}"
    )


def _split_instruments(conn, found: list[Instrument], allocation) -> tuple[list[Instrument], set]:
    """Instruments of a pool split per team by the month's key, as the pool's electricity is
    (carbon/ledger/pools.py): MWh x the team's share; the shares used as (team, month, pool, key, share)."""
    import dataclasses

    from carbon.ledger import pools
    from carbon.ledger.service import _key_values

    wanted: dict[str, set[str]] = {}
    for i in found:
        if i.team in allocation.pools:
            wanted.setdefault(i.team, set()).add(i.month)
    if not wanted:
        return found, set()
    by_pool = pools.shares(allocation, wanted, _key_values(conn, allocation))
    out, used = [], set()
    for i in found:
        if i.team not in allocation.pools:
            out.append(i)
            continue
        for team, share in by_pool[i.team][i.month].items():
            if share > 0:
                note = f"pool {i.team} by {allocation.pools[i.team].key}: {share:.6g}" + (
                    f"; {i.note}" if i.note else ""
                )
                out.append(dataclasses.replace(i, team=team, mwh=i.mwh * share, note=note[:200]))
                used.add((team, i.month, i.team, allocation.pools[i.team].key, share))
    return out, used


def import_energy_attributes(
    store: Store,
    path: Path | str,
    *,
    source: str | None = None,
    replace: bool = False,
    restate: lock_rules.Restate | None = None,
    allocation: Path | str | None = None,
) -> ImportOutcome:
    """Import an energy-attribute CSV as one batch. Raises InputError (nothing written) on any problem.

    Instruments in closed months (carbon close, donation close), or a replacement taking some out
    of them, are refused unless `restate` is given: the import is then written and recorded as a
    restatement of those months (who, when, why), like every other import. `allocation`: a pools
    file (--allocation): instruments naming a pool are split per team by the pool's key, as its
    electricity is."""
    from carbon.ledger.service import _read_allocation

    source = limits.source_name(source or Path(path).name)
    info, frame, lines = csvfile.read_small(Path(path), REQUIRED, OPTIONAL, str(path))
    if frame.empty:
        raise InputError(f"{info.name}: no data rows after the header; nothing was written")
    pools_found, pools_param = _read_allocation(store, allocation)
    content_hash = (
        info.sha256
        if pools_param is None
        else hashlib.sha256(f"{info.sha256}|allocation={pools_param}".encode()).hexdigest()
    )
    with store.transaction() as conn:
        earlier = store.find_batch(conn, KIND, content_hash)
        if earlier is not None:
            return ImportOutcome(earlier, already_imported=True)
        to_replace = _check_source(store, conn, KIND, source, replace, info.sha256, "")
        team_ids = store.team_ids(conn)
        pool_names = set(pools_found.pools) if pools_found is not None else set()
        found = parse_rows(
            info.name,
            frame,
            lines,
            set(team_ids) | pool_names,
            stored_teams.former_names(conn),
        )
        used: set = set()
        if pools_found is not None:
            found, used = _split_instruments(conn, found, pools_found)
        replaced = tuple(b.id for b, _ in to_replace)
        problems = (_closed(info.name, conn, found) if restate is None else []) or _over_claims(
            info.name, conn, found, replaced
        )
        if problems:
            raise InputError(
                f"{info.name}: import refused, nothing was written ({len(problems)} problem"
                f"{'s' if len(problems) != 1 else ''})",
                problems[:50],
                total=len(problems),
            )
        # the replaced import's instruments leave its months: closed ones change only if restated
        closed = _closed_by_replacing(conn, info.name, replaced) if replaced else {}
        if closed and restate is None:
            raise _refuse_replacing(info.name, replaced, closed)
        repeated = stored.repeats(conn, found, replaced)
        batch_id = store.insert_batch(conn, KIND, source, content_hash)
        stored.insert_instruments(conn, batch_id, found, team_ids)
        if used:
            from carbon.store import pools as stored_pools

            stored_pools.insert_shares(conn, batch_id, sorted(used), team_ids)
        restatement = None
        if restate is not None:
            restatement = period_service.guard_write(
                conn, f"import of {info.name}", added=[batch_id], removed=replaced, restate=restate
            )
        for b in replaced:
            store.remove_batch(conn, b)
        batch = store.finish_batch(conn, batch_id, len(found))
    return ImportOutcome(
        batch,
        replaced=replaced,
        restatement=restatement,
        warnings=_repeated_warning(info.name, repeated)
        + later_months_warning([f.month for f in found], [f.line for f in found]),
    )


def _repeated_warning(name: str, repeated: list[tuple[int, int]]) -> tuple[str, ...]:
    """One warning naming the lines whose instrument another import already holds."""
    if not repeated:
        return ()
    shown = ", ".join(f"line {line} (import {b})" for line, b in repeated[:5])
    more = f" and {len(repeated) - 5} more" if len(repeated) > 5 else ""
    ids = sorted({b for _line, b in repeated})
    return (
        f"{name}: {len(repeated)} instrument{'s' if len(repeated) != 1 else ''} repeat one "
        f"already imported (same month, team, country, instrument, MWh and factor): {shown}{more}; "
        "counted twice if both are real, a double claim if it is the same certificate: then "
        f"remove one ('carbon imports remove {ids[0]}')",
    )
