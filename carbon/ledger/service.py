"""Imports: a file becomes one batch of ledger entries, written atomically.

Read -> validate (pure, ingest/) -> resolve factors -> store, all inside one
transaction: a refused file leaves the database exactly as it was.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pandas as pd

from carbon.closing import service as period_service
from carbon.closing.rules import Restate, Restatement
from carbon.core import limits
from carbon.core.calendar import month_range
from carbon.errors import InputError, Problem
from carbon.factors import scope3, series
from carbon.factors import service as factors_service
from carbon.factors import tables as factor_tables
from carbon.ingest import activities, csvfile, retired, survey
from carbon.ingest import checks as checks_mod
from carbon.ingest.problems import ProblemLog
from carbon.ledger import duplicates
from carbon.ledger.duplicates import RepeatedRows
from carbon.model import Batch, Factor, ImportOutcome, RegionFallback, Removal
from carbon.store import Store
from carbon.store import duplicates as stored_duplicates
from carbon.store import team_history as stored_teams

Progress = Callable[[int], None]  # called with the number of rows just processed


def factor_table(
    store: Store, conn=None, prefer: tuple[str, ...] = ()
) -> factor_tables.FactorTable:
    """Shipped factors overridden by the user's imported ones, plus derived factors; choosing by
    `prefer` (--prefer-source) within a series (carbon.factors.service: kept in the database)."""
    return factors_service.factor_table(store, conn, prefer)


def _options(**given) -> str:
    """The JSON of the import options that change the result ("" when none is given, so imports
    made before an option existed keep their identity)."""
    given = {k: v for k, v in given.items() if v}
    return json.dumps(given, allow_nan=False) if given else ""


def identity(content_sha256: str, params: str) -> str:
    """What makes two imports the same: the file's content and the options that change the result.

    `params` is the JSON of those options ("" when none is given). Without
    options this is the file's own SHA-256, as before options counted, so
    earlier imports are still recognised.
    """
    if not params:
        return content_sha256
    return hashlib.sha256(f"{content_sha256}|{params}".encode()).hexdigest()


# Tables given to an import as files (spend): their key in the import's params -> the option.
TABLE_OPTIONS = {
    "mapping": "--mapping",
    "rates": "--rates",
    "price_index": "--price-index",
    "suppliers": "--supplier-factors",
}


def describe_options(params: str) -> str:
    """Options of an import as the user typed them: "--from 2026-01 --to 2026-12 --region FR";
    a table file by its content ("--supplier-factors <table 1a2b3c4d>")."""
    given = json.loads(params) if params else {}
    typed = [f"--{k} {given[k]}" for k in ("from", "to", "region") if given.get(k)]
    typed += [f"--prefer-source {p}" for p in given.get("prefer_source", ())]
    typed += [f"--allocation {given['allocation']}"] if given.get("allocation") else []
    typed += [
        f"{option} <table {str(given[key])[:8]}>"
        for key, option in TABLE_OPTIONS.items()
        if given.get(key)
    ]
    return " ".join(typed) or "no options"


@dataclass(frozen=True)
class Checks:
    """How a write treats double counting and closed periods (docs/integrity.md).

    `strict`: rows repeating another import's rows refuse the import (default:
    a warning). `restate`: permission to write into closed months, recorded.
    """

    strict: bool = False
    restate: Restate | None = None
    # Compare the batch's rows with other imports' rows. A survey does not: two people with the
    # same commute give equal rows; its double counting is the same employee (_check_employees).
    compare_rows: bool = True


DEFAULT_CHECKS = Checks()


def guard_batch(
    conn,
    name: str,
    batch_id: int,
    replaced: list[int],
    checks: Checks = DEFAULT_CHECKS,
    rows: int | None = None,
) -> tuple[RepeatedRows | None, Restatement | None]:
    """The integrity checks of a batch just written, before the imports it replaces are removed.

    Every importer goes through it (via `_write`; a new importer writing its own
    batches calls it the same way, inside its transaction): a write into closed
    months is refused unless `checks.restate` (then recorded), and rows repeating
    another import's rows are returned as a warning, or refused with `checks.strict`.
    Raises PeriodLocked / InputError, so the transaction rolls back. `rows`: the
    batch's data rows, when the caller knows them (else counted in SQL).
    """
    action = f"importing {name}" + (
        f" in place of import {', '.join(map(str, replaced))}" if replaced else ""
    )
    restatement = period_service.guard_write(
        conn, action, added=[batch_id], removed=replaced, restate=checks.restate
    )
    repeated = (
        stored_duplicates.repeated_rows(conn, batch_id, exclude=replaced, total=rows)
        if checks.compare_rows
        else None
    )
    if repeated is not None and checks.strict:
        raise InputError(
            f"{repeated.headline(name)}. --strict refuses it; nothing was written. Remove the "
            "rows, or the other import ('carbon imports remove ID'), or import without --strict",
            [Problem(name, r.line, None, None, "repeats " + r.describe()) for r in repeated.first],
            repeated.count,
        )
    return repeated, restatement


def _identity_for(
    store: Store, conn, kind: str, source: str, replace: bool, content_hash: str
) -> tuple[Batch | None, str]:
    """(the identical import already stored, or None; the identity to store a new import under).

    Identical content is imported once: importing it again, under any source,
    changes nothing. Except with --replace of a source that has an earlier import
    of its own: the user swaps that source's import for this content even if another
    source holds the same content (the repeated rows are then flagged). The new
    import's identity then includes its source (identities are unique per kind).
    """
    earlier = store.find_batch(conn, kind, content_hash)
    if (
        earlier is None
        or not replace
        or earlier.source_name == source
        or not store.batches_of_source(conn, kind, source)
    ):
        return earlier, content_hash
    own = hashlib.sha256(f"{content_hash}|source={source}".encode()).hexdigest()
    return store.find_batch(conn, kind, own), own


def _check_source(
    store: Store,
    conn,
    kind: str,
    source: str,
    replace: bool,
    content_sha256: str,
    params: str,
    overlaps: Callable[[str], bool] = lambda params: True,
) -> list[tuple[Batch, str]]:
    """Earlier batches (with their params) of the same source: to be replaced, or a refusal."""
    earlier = [(b, p) for b, p in store.batches_of_source(conn, kind, source) if overlaps(p)]
    if earlier and not replace:
        ids = ", ".join(str(b.id) for b, _ in earlier)
        same = [(b, p) for b, p in earlier if identity(content_sha256, p) == b.content_hash]
        if same:
            b, p = same[0]
            raise InputError(
                f"{source}: this content was already imported with other options (import {b.id}: "
                f"{describe_options(p)}; now: {describe_options(params)}); importing it again would count "
                "its emissions twice. Use --replace to swap it for this import, or --source NAME to "
                "import it as a separate source"
            )
        raise InputError(
            f"{source}: an earlier import of this source exists (import {ids}); importing it again "
            "would count its emissions twice. Use --replace to swap it, or --source NAME to "
            "import it as a separate source"
        )
    if not earlier:
        _refuse_same_file_elsewhere(store, conn, kind, source, content_sha256, params, overlaps)
    return earlier


def _refuse_same_file_elsewhere(
    store: Store,
    conn,
    kind: str,
    source: str,
    content_sha256: str,
    params: str,
    overlaps: Callable[[str], bool],
) -> None:
    """Refuse a file whose content another source already imported with other options.

    The same content with the same options is recognised as already imported
    (`_identity_for`); with other options (another --region, say) under another
    source name it would be counted a second time, its rows keyed apart. Options
    that do not overlap (a survey's other months) are not a second count.
    """
    for b, p in store.batches_of_kind(conn, kind):
        if (
            b.source_name != source
            and identity(content_sha256, p) == b.content_hash
            and overlaps(p)
        ):
            raise InputError(
                f"{source}: this file's content was already imported as source '{b.source_name}' "
                f"(import {b.id}: {describe_options(p)}; now: {describe_options(params)}); "
                "importing it again under another name would count its emissions twice. To import "
                f"it with these options instead, use --source '{b.source_name}' --replace"
            )


def _span(months: list[str]) -> str:
    """Consecutive months as a range: "2026-01..2026-05" (or one month)."""
    return months[0] if len(months) == 1 else f"{months[0]}..{months[-1]}"


def months_lost(
    earlier: list[tuple[Batch, str]], months: list[str]
) -> list[tuple[Batch, str, str, list[str]]]:
    """Earlier survey imports (batch, params) that cover months outside `months`.

    Returns (batch, its first month, its last month, the months outside): replacing
    such an import, which is removed whole, would drop its emissions for those months.
    """
    out = []
    for b, p in earlier:
        given = json.loads(p or "{}")
        if not (given.get("from") and given.get("to")):
            continue
        outside = [
            m for m in month_range(given["from"], given["to"]) if m < months[0] or m > months[-1]
        ]
        if outside:
            out.append((b, given["from"], given["to"], outside))
    return out


def _refuse_losing_months(
    source: str, losing: list[tuple[Batch, str, str, list[str]]], months: list[str]
) -> None:
    def lost_spans(lost: list[str]) -> str:
        before, after = [m for m in lost if m < months[0]], [m for m in lost if m > months[-1]]
        return " and ".join(_span(part) for part in (before, after) if part)

    what = "; ".join(
        f"import {b.id} covers {_span([a, z])}, so {lost_spans(lost)} would lose their "
        "commuting emissions"
        for b, a, z, lost in losing
    )
    first = min([months[0], *(a for _, a, _, _ in losing)])
    last = max([months[-1], *(z for _, _, z, _ in losing)])
    ids = ", ".join(str(b.id) for b, *_ in losing)
    removes = " and ".join(f"'carbon imports remove {b.id}'" for b, *_ in losing)
    raise InputError(
        f"{source}: --replace would remove import {ids} whole, but this import covers only "
        f"{_span(months)}: {what}. Nothing was written. Import the full period (--from {first} "
        f"--to {last} --replace), or remove the earlier import first ({removes}) and import each "
        "period on its own"
    )


def _months_ahead(entries: pd.DataFrame, this_month: str, ahead: dict[str, int]) -> None:
    """Record in `ahead` each month after `this_month` holding entries, with its first line."""
    later = entries[entries["month"].to_numpy() > this_month]
    if not later.empty:
        for month, line in later.groupby("month")["line"].min().items():
            ahead[month] = min(line, ahead.get(month, line))


def future_warning(this_month: str, ahead: dict[str, int]) -> str:
    """Entries in months not begun yet: activity data records the past, so a date there is most
    likely a mistyped year (its emissions then miss the year they belong to)."""
    months = sorted(ahead)
    first_line = min(ahead.values())
    where = (
        months[0] if len(months) == 1 else f"{months[0]} to {months[-1]}, {len(months):,} months"
    )
    return (
        f"entries fall after the current month {this_month} ({where}; first at line {first_line}): "
        "activity data records what happened, so check the dates (a mistyped year leaves the "
        "emissions out of the year they belong to)"
    )


def later_months_warning(months, lines) -> tuple[str, ...]:
    """The warning of `future_warning` for any import: `months` (YYYY-MM) and the `lines` giving
    them; () when none falls after the current month."""
    this_month = datetime.now(UTC).strftime("%Y-%m")
    ahead: dict[str, int] = {}
    _months_ahead(
        pd.DataFrame(
            {"month": np.asarray(months, dtype=object), "line": np.asarray(lines, dtype=np.int64)}
        ),
        this_month,
        ahead,
    )
    return (future_warning(this_month, ahead),) if ahead else ()


def _write(
    store: Store,
    conn,
    kind: str,
    source: str,
    content_hash: str,
    params: str,
    chunks,
    log: ProblemLog,
    table,
    create_teams: bool,
    default_region: str,
    to_replace: list[tuple[Batch, str]],
    progress: Progress | None,
    row_count_of,
    checks: Checks = DEFAULT_CHECKS,
    allocation=None,
) -> ImportOutcome:
    team_ids = store.team_ids(conn)
    pool_names = set(allocation.pools) if allocation is not None else set()
    key_values = _key_values(conn, allocation)
    allocated: set[tuple] = set()
    retired_from = stored_teams.retired(conn)
    renamed = stored_teams.former_names(conn)
    batch_id = store.insert_batch(conn, kind, source, content_hash, params)
    warnings: set[str] = set()
    fallbacks = 0
    fallback_rows: dict[tuple[str, str, str], int] = {}
    created: list[str] = []
    rows = 0
    rollup: list[pd.DataFrame] = []
    used: set[tuple[str, str]] = set()  # the factor series the rows resolved to
    this_month = datetime.now(UTC).strftime("%Y-%m")
    ahead: dict[str, int] = {}  # month after this one -> the first line with entries in it
    # factor -> its snapshot id, stored once per import: a chunk whose factors are all known
    # needs no query, so it is built and encoded while the previous chunk is still copied
    snapshot: dict[Factor, int] = {}
    # The ledger is written chunk by chunk; on PostgreSQL a chunk is copied while the next one
    # is validated (Store.ledger_writer), and the block ends when the last one is in.
    with store.ledger_writer(conn, batch_id) as writer:
        for frame, lines in chunks:
            result = activities.validate_chunk(
                frame,
                lines,
                log,
                table,
                set(team_ids) | pool_names,
                create_teams,
                default_region,
                renamed,
            )
            retired.check(result.rows, retired_from, log)
            retired.check_former_names(result.rows, result.new_teams, renamed, log)
            retired.check_case_clash(result.rows, result.new_teams, team_ids, log)
            rows += row_count_of(frame)
            warnings |= result.warnings
            if progress:
                progress(len(frame))
            if log.count:
                continue  # keep validating for a complete listing; nothing more is written
            if result.new_teams - set(team_ids):
                writer.wait()  # the connection is the writer's until its chunk is in
            for name in sorted(result.new_teams - set(team_ids)):
                team_ids[name] = store.add_team(conn, name)
                created.append(name)
            if result.rows.empty:
                continue
            if pool_names:
                result.rows = _split_pools(result.rows, allocation, key_values, allocated)
            fac = result.factors
            new = [f for f in dict.fromkeys(fac) if f not in snapshot]
            if new:  # only then is the connection needed: the chunk in flight stays in flight
                writer.wait()
                snapshot.update(zip(new, store.snapshot_ids(conn, new)))
            snap = np.array([snapshot[f] for f in fac], dtype=np.int64)
            used |= {(f.activity, f.region) for f in fac}
            cat = np.array([f.category for f in fac], dtype=object)
            scope = np.array([f.scope for f in fac], dtype=np.int64)
            ix = result.rows["factor_ix"].to_numpy()
            codes, names = pd.factorize(result.rows["team"].to_numpy(), use_na_sentinel=False)
            team_id = np.array([team_ids[t] for t in names], dtype=np.int64)[codes]
            out = result.rows.drop(columns=["factor_ix", "team"]).assign(
                team_id=team_id,
                category=pd.Series(cat[ix], dtype=object),
                scope=scope[ix],
                factor_id=snap[ix],
                row_key=duplicates.with_team(result.rows["row_key"].to_numpy(), team_id),
            )
            out = scope3.book(out, fac, ix)
            _months_ahead(out, this_month, ahead)
            writer.write(out)  # on PostgreSQL copied while the next chunk is read and checked
            rollup.append(
                store.rollup_part(out)
            )  # small: one row per team × month × activity × factor
            fallbacks += result.region_fallbacks
            for k, n in result.fallback_rows.items():
                fallback_rows[k] = fallback_rows.get(k, 0) + n
    if log.count:
        raise log.error(f"{log.file}: import refused, nothing was written")
    if rows == 0:
        raise InputError(f"{log.file}: no data rows after the header; nothing was written")
    store.insert_rollup(conn, batch_id, rollup)
    if allocated:
        from carbon.store import pools as stored_pools

        stored_pools.insert_shares(conn, batch_id, sorted(allocated), team_ids)
    warnings |= {
        series.warning(s) for s in series.unchosen_switches(table.by_key, used, table.preferred)
    }
    if ahead:
        warnings.add(future_warning(this_month, ahead))
    repeated, restatement = guard_batch(
        conn, log.file, batch_id, [b.id for b, _ in to_replace], checks, rows
    )
    for b, _ in to_replace:
        store.remove_batch(conn, b.id)
    batch = store.finish_batch(conn, batch_id, rows)
    return ImportOutcome(
        batch,
        replaced=tuple(b.id for b, _ in to_replace),
        warnings=tuple(sorted(warnings)),
        region_fallbacks=fallbacks,
        created_teams=tuple(created),
        fallbacks=tuple(
            RegionFallback(a, r, u, n) for (a, r, u), n in sorted(fallback_rows.items())
        ),
        repeated=repeated,
        restatement=restatement,
    )


def _key_values(conn, allocation) -> dict:
    """The team metric values the pools' keys name (all months), or {} without key pools."""
    if allocation is None or all(p.shares is not None for p in allocation.pools.values()):
        return {}
    from carbon.metrics import store as stored_metrics

    keys = {p.key for p in allocation.pools.values() if p.shares is None}
    return {
        k: v for k, v in stored_metrics.values(conn, "0000-01", "9999-12").items() if k[0] in keys
    }


def _split_pools(rows: pd.DataFrame, allocation, key_values: dict, allocated: set) -> pd.DataFrame:
    """Rows of a pool split per team by the month's key (carbon/ledger/pools.py); the shares used go into
    `allocated` as (team, month, pool, key, share). Raises InputError for a month without key values."""
    from carbon.ledger import pools

    team = rows["team"].to_numpy(dtype=object)
    month = rows["month"].to_numpy(dtype=object)
    wanted = {p: set(month[team == p]) for p in allocation.pools if (team == p).any()}
    if not wanted:
        return rows
    by_pool = pools.shares(allocation, wanted, key_values)
    out, used = pools.split_frame(rows, by_pool)
    allocated |= {(t, m, p, allocation.pools[p].key, s) for t, m, p, s in used}
    return out.astype({c: object for c in ("team", "month", "activity", "unit")}).reset_index(
        drop=True
    )


def _read_allocation(store: Store, allocation: Path | str | None):
    """The --allocation file checked against the declared teams, and its options entry.

    The entry names the file and its hash and, for pools split by a key, a hash of the key's
    values: a re-import after the key changed is another import (with --replace, a re-split,
    which into a closed month is a restatement), not "identical content, nothing changed"."""
    if allocation is None:
        return None, None
    from carbon.ledger import pools

    with store.engine.connect() as conn:
        declared = set(store.team_ids(conn))
        found = pools.read(
            Path(allocation),
            declared,
            str(allocation),
            taken=lambda name: stored_teams.name_taken(conn, name),
            retired=stored_teams.retired(conn),
            renamed=stored_teams.former_names(conn),
        )
        keys = _key_values(conn, found)
    digest = hashlib.sha256(Path(allocation).read_bytes()).hexdigest()
    param = f"{Path(allocation).name} sha256:{digest[:16]}"
    if keys:
        values = hashlib.sha256(
            repr(sorted((k, sorted(v.items())) for k, v in keys.items())).encode()
        ).hexdigest()
        param += f" key values sha256:{values[:16]}"
    return found, param


def import_activities(
    store: Store,
    path: Path | str,
    *,
    source: str | None = None,
    replace: bool = False,
    create_teams: bool = False,
    default_region: str = "",
    progress: Progress | None = None,
    on_start: Callable[[int], None] | None = None,
    checks: Checks = DEFAULT_CHECKS,
    prefer_source: tuple[str, ...] = (),
    allocation: Path | str | None = None,
) -> ImportOutcome:
    """Import an activity CSV as one batch. Raises InputError (nothing written) on any problem,
    PeriodLocked when it would change a closed month without `checks.restate`.

    `on_start` receives an estimate of the number of rows (for a progress bar). `prefer_source`:
    texts of factor sources to choose within a series instead of the latest vintage (--prefer-source).
    `allocation`: a pools file (--allocation, carbon/ledger/pools.py): rows naming a pool are split per team.
    """
    source = limits.source_name(source or Path(path).name)
    info = csvfile.scan(Path(path), str(path))
    csvfile.check_header(info, activities.REQUIRED, activities.OPTIONAL)
    pools_found, pools_param = _read_allocation(store, allocation)
    # --region fills empty region cells, so it changes the result: the same file with
    # another --region is another import (re-importing it is how a wrong region is corrected).
    # --prefer-source changes the factors chosen: another import too.
    params = _options(
        region=default_region, prefer_source=list(prefer_source), allocation=pools_param
    )
    content_hash = identity(info.sha256, params)
    with store.transaction() as conn:
        earlier, content_hash = _identity_for(
            store, conn, "activities", source, replace, content_hash
        )
        if earlier is not None:
            return ImportOutcome(earlier, already_imported=True)
        to_replace = _check_source(store, conn, "activities", source, replace, info.sha256, params)
        table = factor_table(store, conn, tuple(prefer_source))
        if on_start:
            on_start(info.lines)
        log = ProblemLog(info.name)
        return _write(
            store,
            conn,
            "activities",
            source,
            content_hash,
            params,
            csvfile.read_chunks(Path(path), info),
            log,
            table,
            create_teams,
            default_region,
            to_replace,
            progress,
            len,
            checks,
            pools_found,
        )


def import_survey(
    store: Store,
    path: Path | str,
    first: str,
    last: str,
    *,
    source: str | None = None,
    replace: bool = False,
    create_teams: bool = False,
    default_region: str = "",
    allow_repeated_employees: bool = False,
    checks: Checks = DEFAULT_CHECKS,
    prefer_source: tuple[str, ...] = (),
    config_path: Path | str | None = None,
) -> ImportOutcome:
    """Import a commuting survey for the months `first`..`last` ("YYYY-MM") as one batch.

    A survey of the same source whose months overlap an earlier import is
    refused (it would count the commute twice) unless `replace`; `replace` is
    refused too when an import it would remove covers months outside
    `first`..`last` (their commuting emissions would be lost). An employee id
    that already commutes in another survey import of overlapping months, under
    any source, is refused unless `allow_repeated_employees`.

    Working days come from the row's country's public holidays and the `[commuting]` settings of
    the config (`config_path`, else ./carbon.toml when present): closures, absence rate, hours of
    a telework day (docs/commuting.md); the calendar used is kept for `report sources`.
    """
    from carbon import config as config_file

    settings = config_file.load(config_path).commuting
    try:
        months = month_range(first, last)
    except ValueError as exc:
        raise InputError(f"--from/--to: {exc}") from None
    outside = checks_mod.bad_month(np.asarray(months, dtype=object))
    if outside.any():
        flag = "--from" if outside[0] else "--to"
        raise InputError(
            f"{flag} {months[0] if outside[0] else months[-1]}: expected a month "
            f"{checks_mod.window_text()}; the survey's months are {months[0]} to {months[-1]}"
        )
    source = limits.source_name(source or Path(path).name)
    info, frame, lines = csvfile.read_small(Path(path), survey.REQUIRED, survey.OPTIONAL, str(path))
    options = {"from": months[0], "to": months[-1]}
    if default_region:  # only when given: imports made before it counted keep their identity
        options["region"] = default_region
    if prefer_source:
        options["prefer_source"] = list(prefer_source)
    if (
        settings != config_file.CommutingSettings()
    ):  # only when set: earlier imports keep their identity
        options["calendar"] = {
            "country": settings.country,
            "closures": [d.isoformat() for d in settings.closures],
            "absence_rate": settings.absence_rate,
            "homeworking_hours_per_day": settings.homeworking_hours_per_day,
        }
    params = json.dumps(options, allow_nan=False)
    content_hash = identity(info.sha256, params)

    def overlaps(p: str) -> bool:
        other = json.loads(p or "{}")
        return not (other.get("to", "") < months[0] or other.get("from", "9999") > months[-1])

    with store.transaction() as conn:
        earlier, content_hash = _identity_for(
            store, conn, "commuting-survey", source, replace, content_hash
        )
        if earlier is not None:
            return ImportOutcome(earlier, already_imported=True)
        to_replace = _check_source(
            store, conn, "commuting-survey", source, replace, info.sha256, params, overlaps
        )
        losing = months_lost(to_replace, months)
        if losing:
            _refuse_losing_months(source, losing, months)
        table = factor_table(store, conn, tuple(prefer_source))
        log = ProblemLog(info.name, survey.ALIASES)
        expanded, exp_lines, notes, calendars = survey.expand(
            frame, lines, months, table, log, settings, default_region
        )
        n_rows = len(frame)
        outcome = _write(
            store,
            conn,
            "commuting-survey",
            source,
            content_hash,
            params,
            [(expanded, exp_lines)],
            log,
            table,
            create_teams,
            default_region,
            to_replace,
            None,
            lambda _f: n_rows,
            dataclasses.replace(checks, compare_rows=False),
        )
        from carbon.store import workdays as stored_days

        stored_days.insert_calendars(conn, outcome.batch.id, calendars, settings.absence_rate)
        if notes:
            outcome = dataclasses.replace(
                outcome, warnings=tuple(sorted({*outcome.warnings, *notes}))
            )
        return _check_employees(
            conn,
            info.name,
            outcome,
            survey.employees(frame, lines),
            months,
            allow_repeated_employees,
        )


def import_flights(
    store: Store,
    path: Path | str,
    *,
    source: str | None = None,
    replace: bool = False,
    create_teams: bool = False,
    checks: Checks = DEFAULT_CHECKS,
    prefer_source: tuple[str, ...] = (),
    config_path: Path | str | None = None,
) -> ImportOutcome:
    """Import a booking tool's flights (date, team, origin, destination, class[, return,
    passengers, rf]) as one batch of business-travel entries in passenger-km (docs/travel.md).

    Each flight's route, great-circle distance, uplift, band and class are kept with its entry
    (`report sources`); a class the band does not publish falls back, named in the warnings.
    Flights outside the UK are banded as the config's `[flights] non_uk_bands` says
    (`config_path`, else ./carbon.toml when present; default DESNZ's international band).
    """
    from carbon import config as config_file
    from carbon.factors import airports
    from carbon.ingest import flights
    from carbon.store import flights as stored_flights

    non_uk_bands = config_file.load(config_path).flights.non_uk_bands
    source = limits.source_name(source or Path(path).name)
    info, frame, lines = csvfile.read_small(
        Path(path), flights.REQUIRED, flights.OPTIONAL, str(path)
    )
    # Only when not the default: imports made before the setting existed keep their identity.
    params = _options(
        prefer_source=list(prefer_source),
        non_uk_bands="" if non_uk_bands == "desnz" else non_uk_bands,
    )
    content_hash = identity(info.sha256, params)
    with store.transaction() as conn:
        earlier, content_hash = _identity_for(store, conn, "flights", source, replace, content_hash)
        if earlier is not None:
            return ImportOutcome(earlier, already_imported=True)
        to_replace = _check_source(store, conn, "flights", source, replace, info.sha256, params)
        table = factor_table(store, conn, tuple(prefer_source))
        log = ProblemLog(info.name, flights.ALIASES)
        expanded, exp_lines, legs, notes = flights.expand(
            frame, lines, airports.load(), table, log, non_uk_bands
        )
        n_rows = len(frame)
        outcome = _write(
            store,
            conn,
            "flights",
            source,
            content_hash,
            params,
            [(expanded, exp_lines)],
            log,
            table,
            create_teams,
            "",
            to_replace,
            None,
            lambda _f: n_rows,
            checks,
        )
        stored_flights.insert_legs(conn, outcome.batch.id, legs, flights.UPLIFT)
        return dataclasses.replace(outcome, warnings=tuple(sorted({*outcome.warnings, *notes})))


def _check_employees(
    conn,
    name: str,
    outcome: ImportOutcome,
    employees: list[tuple[str, int]],
    months: list[str],
    allow: bool,
) -> ImportOutcome:
    """Record a survey import's employees; refuse one who already commutes in another survey
    import of overlapping months (unless `allow`). Earlier surveys whose employees were never
    recorded cannot be checked: they are named in the outcome."""
    batch_id = outcome.batch.id
    stored_duplicates.insert_employees(conn, batch_id, employees)
    clashes = stored_duplicates.employee_clashes(conn, batch_id, months)
    if clashes and not allow:
        imports = sorted({(c.batch_id, c.source) for c in clashes})
        raise InputError(
            f"{name}: {len({c.employee for c in clashes}):,} employee(s) already commute in "
            + ", ".join(f"import {i} ({s})" for i, s in imports)
            + f" for months of {_span(months)}: a person commutes once, so importing this survey would "
            "count their commute twice. Nothing was written. Replace that survey (--source NAME "
            "--replace), remove it ('carbon imports remove ID'), or, if these ids name other people "
            "(another numbering), pass --allow-repeated-employees",
            [Problem(name, c.line, "employee", c.employee, c.describe()) for c in clashes[:50]],
            len(clashes),
        )
    unchecked = tuple(
        f"import {b.id} ({b.source_name}) also covers {_span(overlap)} but was imported before carbon "
        "recorded survey employees: it cannot be checked for the same people; if it surveys them too, "
        "remove it or replace it"
        for b, overlap in stored_duplicates.surveys_without_employees(conn, batch_id, months)
    )
    return dataclasses.replace(outcome, unchecked_surveys=unchecked)


def import_factors(store: Store, path: Path | str, *, source: str | None = None) -> ImportOutcome:
    """Add or override factors from a user CSV (same format as factors/*.csv)."""
    source = limits.source_name(source or Path(path).name)
    found, content_hash = factor_tables.read_factor_file(Path(path), str(path))
    with store.transaction() as conn:
        earlier = store.find_batch(conn, "factors", content_hash)
        if earlier is not None:
            return ImportOutcome(earlier, already_imported=True)
        batch_id = store.insert_batch(conn, "factors", source, content_hash)
        store.insert_user_factors(conn, batch_id, found)
        # Check the merged table still derives cleanly (a user grid row feeds cloud factors).
        table = factor_table(store, conn)
        batch = store.finish_batch(conn, batch_id, len(found))
    touched = {(f.activity, f.region) for f in found}
    return ImportOutcome(
        batch,
        warnings=tuple(series.warning(s) for s in series.unchosen_switches(table.by_key, touched)),
    )


def remove(store: Store, batch_id: int, *, restate: Restate | None = None) -> Removal:
    """Delete an import and every ledger entry (or factor) it wrote.

    Refused (PeriodLocked, nothing removed) when it holds entries of a closed
    month, unless `restate`: the removal is then recorded as a restatement.
    """
    with store.transaction() as conn:
        store.get_batch(conn, batch_id)  # NotFound first
        restatement = period_service.guard_write(
            conn, f"removing import {batch_id}", removed=[batch_id], restate=restate
        )
        return Removal(store.remove_batch(conn, batch_id), restatement)


def add_team(store: Store, name: str) -> None:
    """Declare a team. Raises InputError for an empty, too long or duplicate name."""
    add_teams(store, [name])


def add_teams(store: Store, names: Sequence[str]) -> None:
    """Declare teams, all or none: InputError (nothing written) for an empty, too long or
    duplicate name, one differing only in case from another, or a former name of a team."""
    for name in names:
        if not activities.valid_team_name(name):
            raise InputError(
                f"team name {name!r}: expected 1 to {activities.MAX_TEAM_NAME} printable "
                "characters without leading or trailing spaces" + _none_if(names)
            )
    with store.transaction() as conn:
        for name in names:
            if name in store.team_ids(conn):
                raise InputError(f"team {name!r} is already declared" + _none_if(names))
            taken = stored_teams.name_taken(conn, name)
            if taken:
                raise InputError(f"cannot declare {name!r}: {taken}" + _none_if(names))
            store.add_team(conn, name)


def _none_if(names: Sequence[str]) -> str:
    return "; no team was declared" if len(names) > 1 else ""


def months(store: Store) -> list[str]:
    with store.engine.connect() as conn:
        return store.months_with_data(conn)
