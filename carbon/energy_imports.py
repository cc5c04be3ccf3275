"""Energy-attribute files become imports, and the market-based scope 2 is gathered for reports.

An import follows the rules of every other file (carbon/metric_imports.py): one transaction, a
refused file writes nothing, the same content again changes nothing, a changed file of the same
source needs `replace`. On top: instruments may not cover more electricity than the team metered
in that month and country (double claiming), counting every other import's instruments too.
"""

from __future__ import annotations

from pathlib import Path

from sqlalchemy.engine import Connection

from carbon import limits, scope2_view
from carbon import locks as lock_rules
from carbon.energy_attributes import OPTIONAL, REQUIRED, Instrument, parse_rows
from carbon.errors import InputError, Problem
from carbon.importer import _check_source, later_months_warning
from carbon.ingest import csvfile
from carbon.model import ImportOutcome
from carbon.store import Store
from carbon.store import energy_attributes as stored
from carbon.store import locks as stored_locks

KIND = "energy-attributes"


def _over_claims(file: str, conn: Connection, found: list[Instrument], replaced: tuple[int, ...]) -> list[Problem]:
    months = sorted({i.month for i in found})
    figures = scope2_view.figures(conn, months[0], months[-1], extra=found, except_batches=replaced)
    problems = []
    for i in found:
        s = figures.get((i.team, i.month))
        for country, cover, have in (s.over_claimed if s else ()):
            if country == i.country:
                problems.append(Problem(
                    file, i.line, "mwh", f"{i.mwh:g}",
                    f"double claiming: instruments cover {cover:g} MWh of {i.team}'s electricity in {country} in "
                    f"{i.month} (this file and earlier imports), but only {have:g} MWh was metered; an "
                    "instrument can only cover electricity the team consumed (import the electricity first, "
                    "or lower the MWh)"))
    return problems


def _closed(file: str, conn: Connection, found: list[Instrument]) -> list[Problem]:
    """Instruments in closed months (carbon close, donation close) would change their market-based
    figures: refused (reopen the month first)."""
    closed = lock_rules.locked_months(stored_locks.list_locks(conn, active_only=True), {i.month for i in found})
    return [Problem(file, i.line, "month", i.month,
                    f"{i.month} is closed ({closed[i.month].describe()}); its market-based scope 2 cannot change: "
                    f"reopen it first ('carbon close --month {i.month} --reopen --reason TEXT')")
            for i in found if i.month in closed]


def _guard_replaced(conn: Connection, name: str, replaced: tuple[int, ...]) -> None:
    """Refuse (as new instruments in a closed month are) a replacement taking instruments out of
    closed months: reopen the month first."""
    months = {m for ms in stored_locks.batch_months(conn, replaced).values() for m in ms}
    closed = lock_rules.locked_months(stored_locks.list_locks(conn, active_only=True), months)
    if closed:
        first = min(closed)
        raise lock_rules.PeriodLocked(
            f"{name}: replacing import {', '.join(map(str, replaced))} would change {lock_rules.span(list(closed))}, "
            f"closed ({closed[first].describe()}): its market-based scope 2 cannot change; nothing was written. "
            f"Reopen it first ('carbon close --month {first} --reopen --reason TEXT')")


def import_energy_attributes(store: Store, path: Path | str, *, source: str | None = None,
                             replace: bool = False) -> ImportOutcome:
    """Import an energy-attribute CSV as one batch. Raises InputError (nothing written) on any problem."""
    source = limits.source_name(source or Path(path).name)
    info, frame, lines = csvfile.read_small(Path(path), REQUIRED, OPTIONAL, str(path))
    if frame.empty:
        raise InputError(f"{info.name}: no data rows after the header; nothing was written")
    with store.transaction() as conn:
        earlier = store.find_batch(conn, KIND, info.sha256)
        if earlier is not None:
            return ImportOutcome(earlier, already_imported=True)
        to_replace = _check_source(store, conn, KIND, source, replace, info.sha256, "")
        team_ids = store.team_ids(conn)
        found = parse_rows(info.name, frame, lines, set(team_ids))
        replaced = tuple(b.id for b, _ in to_replace)
        problems = _closed(info.name, conn, found) or _over_claims(info.name, conn, found, replaced)
        if problems:
            raise InputError(f"{info.name}: import refused, nothing was written ({len(problems)} problem"
                             f"{'s' if len(problems) != 1 else ''})", problems[:50], total=len(problems))
        if replaced:  # the replaced import's instruments leave its months: closed ones may not change
            _guard_replaced(conn, info.name, replaced)
        batch_id = store.insert_batch(conn, KIND, source, info.sha256)
        stored.insert_instruments(conn, batch_id, found, team_ids)
        for b in replaced:
            store.remove_batch(conn, b)
        batch = store.finish_batch(conn, batch_id, len(found))
    return ImportOutcome(batch, replaced=replaced,
                         warnings=later_months_warning([f.month for f in found], [f.line for f in found]))
