"""carbon import … and carbon imports … (activity files and surveys here; one module per other kind).

- `cloud.py`: `import cloud-billing` and `import ccf-estimates`.
- `energy.py`: `import energy-attributes`.
- `metrics.py`: `import metrics` and `carbon metrics …`.
- `spend.py`: `import spend`.
- `video.py`: `import video`.
"""

from __future__ import annotations

import os
from pathlib import Path

import click
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from carbon.commands import LazyGroup
from carbon.commands.common import FEED, err, handle_errors, out, pass_ctx
from carbon.core.lazy import lazy
from carbon.errors import CarbonError
from carbon.model import ImportOutcome

importer = lazy("carbon.ledger.service")
lock_rules = lazy("carbon.closing.rules")
regions = lazy("carbon.factors.regions")

PROGRESS_FROM_LINES = 50_000  # smaller files finish before a bar is worth drawing


def _summary(name: str, o: ImportOutcome) -> None:
    b = o.batch
    if o.already_imported:
        out.print(
            f"{escape(name)}: identical content was already imported as import {b.id} "
            f"({b.imported_at:%Y-%m-%d %H:%M} UTC); nothing changed"
        )
        return
    for t in o.created_teams:
        out.print(f"team {escape(t)} declared (--create-teams)")
    if o.replaced:
        out.print(f"replaced import {', '.join(map(str, o.replaced))}")
    out.print(
        f"{escape(name)}: {b.row_count:,} rows -> {b.entry_count:,} ledger entries, "
        f"{b.co2e_kg / 1000:,.3f} t CO2e (import {b.id})"
    )
    if o.region_fallbacks:
        out.print(
            f"  note: {o.region_fallbacks:,} entries used the factor of another region "
            "(see docs/regions.md):",
            soft_wrap=True,
        )
        tree = regions.load_regions()
        for fb in o.fallbacks:
            out.print(f"    {escape(tree.describe(fb))}", soft_wrap=True)
    print_warnings(o)
    if o.repeated is not None:
        err.print(
            f"  [yellow]warning:[/yellow] {escape(o.repeated.headline(name))}; --strict refuses such a file"
        )
        for r in o.repeated.first:
            err.print(f"    line {r.line}: {escape(r.describe())}")
        if o.repeated.count > len(o.repeated.first):
            err.print(f"    … and {o.repeated.count - len(o.repeated.first):,} more")
    for w in o.unchecked_surveys:
        err.print(f"  [yellow]warning:[/yellow] {escape(w)}")
    if o.restatement is not None:
        print_restatement(o.restatement)


def print_warnings(o: ImportOutcome) -> None:
    """The import's warnings (months after the current one, ...), each on its own line, to stderr.
    Every importer's command prints them, whatever its summary line."""
    for w in o.warnings:
        err.print(f"  [yellow]warning:[/yellow] {escape(w)}")


def print_restatement(r: lock_rules.Restatement) -> None:
    """The restatement just recorded: closed months, who, why, per-team difference."""
    out.print(
        f"restatement {r.id} recorded: closed {lock_rules.span(r.periods)} changed by {escape(r.by)} "
        f"({escape(r.reason)})",
        soft_wrap=True,
    )
    for team, kg in r.by_team():
        out.print(f"  {escape(team)}: {kg:+,.3f} kg CO2e")
    for f in r.figures:
        out.print(
            f"  {f.month} {escape(f.team or 'company')} {escape(f.figure)}: {lock_rules.figure(f.before)} → "
            f"{lock_rules.figure(f.after)}"
        )


def restate_of(restate: bool, reason: str | None, by: str | None) -> lock_rules.Restate | None:
    """--restate/--reason/--by as a Restate (None without --restate); a reason alone is refused."""
    if not restate:
        if reason is not None:
            raise click.UsageError("--reason goes with --restate (a write into closed months)")
        return None
    return lock_rules.Restate((reason or "").strip(), lock_rules.current_user(by))


RESTATE = [
    click.option(
        "--restate",
        is_flag=True,
        help="Allow changing closed months (carbon close, donation close); recorded with --reason.",
    ),
    click.option("--reason", metavar="TEXT", help="Why closed figures change (with --restate)."),
    click.option("--by", metavar="NAME", help="Who restates (default: the operating-system user)."),
]


def restate_options(fn):
    for opt in reversed(RESTATE):
        fn = opt(fn)
    return fn


COMMON = [
    click.option(
        "--replace", is_flag=True, help="Swap the earlier import of the same source, atomically."
    ),
    click.option(
        "--create-teams",
        is_flag=True,
        help="Declare teams the file names that are not declared yet.",
    ),
    click.option("--source", help="Source name (default: the file name); --replace swaps by it."),
    click.option(
        "--region",
        "default_region",
        default="",
        help="Region for rows whose region is empty (e.g. FR).",
    ),
    click.option(
        "--prefer-source",
        "prefer_source",
        multiple=True,
        metavar="SOURCE",
        help="In a factor series (key, region), use the rows whose source contains SOURCE (e.g. "
        "eGRID) instead of the latest vintage; repeatable, first match wins.",
    ),
    click.option(
        "--rejects",
        type=click.Path(dir_okay=False),
        help="On refusal, write every problem to this CSV (file, line, column, value, problem).",
    ),
    *RESTATE,
]


def check_rejects(rejects: str | None) -> None:
    """Refuse, before importing, a --rejects path the listing could not be written to.

    Checked first, so a refusal is never followed by a failure to save its problems.
    """
    if not rejects:
        return
    path = Path(rejects)
    folder = path.parent
    if not folder.is_dir():
        why = f"the folder {folder} does not exist"
    elif not os.access(folder, os.W_OK | os.X_OK) or (
        path.exists() and not os.access(path, os.W_OK)
    ):
        why = "the file cannot be written there"
    else:
        return
    raise CarbonError(
        f"--rejects {rejects}: {why}; create the folder or choose another path. "
        "Nothing was imported"
    )


def common(fn):
    for opt in reversed(COMMON):
        fn = opt(fn)
    return fn


@click.group("import", cls=LazyGroup)  # its other commands: carbon/commands/__init__.py
def import_group() -> None:
    """Import activity data or a commuting survey. A refused file writes nothing."""


@import_group.command("activities")
@click.argument("file", type=click.Path(dir_okay=False))
@common
@click.option(
    "--strict",
    is_flag=True,
    help="Refuse rows already in another import (default: import them with a warning).",
)
@click.option(
    "--allocation",
    type=click.Path(dir_okay=False),
    metavar="ALLOC.toml",
    help='Split rows whose team is a pool ([pool.NAME] key = "METRIC" or shares = {...}) per team.',
)
@FEED
@pass_ctx
@handle_errors(rejects_param="rejects")
def activities(
    ctx,
    file,
    replace,
    create_teams,
    source,
    default_region,
    prefer_source,
    rejects,
    restate,
    reason,
    by,
    strict,
    allocation,
    feed=None,
) -> None:
    """Import an activity CSV (date, team, activity, quantity, unit[, end, region, note, page_weight]).

    Each file is one import. Importing identical content again changes nothing.
    Importing a changed file of the same source needs --replace (with --source,
    even when the content equals another source's import). Every bad row
    is listed (file, line, column, what was expected) and nothing is written.

    Rows already in another import (same date, team, activity, quantity, unit
    and region) are imported with a warning naming them; --strict refuses the
    file. A file touching a closed month (carbon close, donation close) is
    refused unless --restate --reason TEXT.

    A factor series whose vintages change boundary or gas coverage (US grid:
    eGRID combustion-only until 2022, Ember lifecycle from 2023) is named in a
    warning; --prefer-source SOURCE chooses its rows instead of the latest
    vintage (docs/inventory.md).

    --allocation ALLOC.toml splits each row whose team is a pool (a site's
    meter, a shared bill) into one entry per team by the month's key (a team
    metric such as headcount) or fixed shares (docs/allocation.md).

    \b
    Example:
      carbon import activities infra-2024-03.csv --region FR
    """
    check_rejects(rejects)
    checks = importer.Checks(strict, restate_of(restate, reason, by))
    progress = Progress(
        TextColumn("importing"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=err,
        transient=True,
    )
    task = None

    def on_start(lines: int) -> None:
        nonlocal task
        if lines >= PROGRESS_FROM_LINES:
            progress.start()
            task = progress.add_task("rows", total=lines)

    def advance(n: int) -> None:
        if task is not None:
            progress.advance(task, n)

    try:
        outcome = ctx.carbon.import_activities(
            file,
            source=source,
            replace=replace,
            create_teams=create_teams,
            default_region=default_region,
            progress=advance,
            on_start=on_start,
            checks=checks,
            prefer_source=prefer_source,
            allocation=allocation,
            feed=feed,
        )
    finally:
        if task is not None:
            progress.stop()
    _summary(file, outcome)


@import_group.command("commuting-survey")
@click.argument("file", type=click.Path(dir_okay=False))
@click.option("--from", "first", required=True, help="First month covered, YYYY-MM.")
@click.option("--to", "last", required=True, help="Last month covered, YYYY-MM.")
@common
@click.option(
    "--allow-repeated-employees",
    is_flag=True,
    help="Accept employee ids already in another survey of these months (another numbering).",
)
@click.option(
    "--config",
    "config_path",
    type=click.Path(dir_okay=False),
    help="Config file whose [commuting] gives closures, absence rate (default ./carbon.toml).",
)
@FEED
@pass_ctx
@handle_errors(rejects_param="rejects")
def commuting_survey(
    ctx,
    file,
    first,
    last,
    replace,
    create_teams,
    source,
    default_region,
    prefer_source,
    rejects,
    restate,
    reason,
    by,
    allow_repeated_employees,
    config_path,
    feed=None,
) -> None:
    """Import a commuting survey and spread it over months.

    Columns: employee, team, mode, one_way_km, days_on_site_per_week[, region,
    occupants, telework_days, start, end].
    Per month: days worked = (weekdays - the country's public holidays - the
    config's closure days, between start and end) x (1 - absence_rate);
    km = 2 x one_way_km x days worked x days_on_site_per_week / 5; telework
    days add homeworking hours where a factor exists (UK), else a note says
    they are not counted (docs/commuting.md).

    One person commutes once: an employee id on two lines, or already in
    another survey import of overlapping months (any source), is refused.

    \b
    Example:
      carbon import commuting-survey survey-2024.csv --from 2024-01 --to 2024-12
    """
    check_rejects(rejects)
    checks = importer.Checks(restate=restate_of(restate, reason, by))
    outcome = ctx.carbon.import_survey(
        file,
        first,
        last,
        source=source,
        replace=replace,
        create_teams=create_teams,
        default_region=default_region,
        allow_repeated_employees=allow_repeated_employees,
        checks=checks,
        prefer_source=prefer_source,
        config_path=config_path,
        feed=feed,
    )
    _summary(file, outcome)


@import_group.command("flights")
@click.argument("file", type=click.Path(dir_okay=False))
@click.option(
    "--replace", is_flag=True, help="Swap the earlier import of the same source, atomically."
)
@click.option(
    "--create-teams", is_flag=True, help="Declare teams the file names that are not declared yet."
)
@click.option("--source", help="Source name (default: the file name); --replace swaps by it.")
@click.option(
    "--prefer-source",
    "prefer_source",
    multiple=True,
    metavar="SOURCE",
    help="In a factor series, use the rows whose source contains SOURCE; repeatable.",
)
@click.option(
    "--rejects",
    type=click.Path(dir_okay=False),
    help="On refusal, write every problem to this CSV (file, line, column, value, problem).",
)
@click.option(
    "--strict",
    is_flag=True,
    help="Refuse rows already in another import (default: import them with a warning).",
)
@click.option(
    "--config",
    "config_path",
    type=click.Path(dir_okay=False),
    help="Config file whose [flights] non_uk_bands bands flights outside the UK (default ./carbon.toml).",
)
@restate_options
@FEED
@pass_ctx
@handle_errors(rejects_param="rejects")
def flights_cmd(
    ctx,
    file,
    replace,
    create_teams,
    source,
    prefer_source,
    rejects,
    strict,
    restate,
    reason,
    by,
    config_path=None,
    feed=None,
) -> None:
    """Import flights by airport code, as a booking tool exports them.

    Columns: date, team, origin, destination, class[, return, passengers, rf].
    origin and destination are IATA airport codes; class is average, economy,
    premium_economy, business or first; return yes/no (default no); passengers
    (default 1); rf yes/no: with radiative forcing (default yes).
    passenger-km = great-circle km x 1.08 x passengers x (2 if return), booked
    under travel.flight.<band>.<class>[.rf] with DESNZ's bands (domestic UK;
    short-haul / long-haul to or from the UK, split at 3,700 km; international).
    The config's [flights] non_uk_bands = "distance" bands flights outside the
    UK by distance instead of DESNZ's international band (docs/travel.md).

    \b
    Example:
      carbon import flights bookings-2026-03.csv
    """
    check_rejects(rejects)
    checks = importer.Checks(strict, restate_of(restate, reason, by))
    outcome = ctx.carbon.import_flights(
        file,
        source=source,
        replace=replace,
        create_teams=create_teams,
        checks=checks,
        prefer_source=prefer_source,
        config_path=config_path,
        feed=feed,
    )
    _summary(file, outcome)


@click.group("imports")
def imports_group() -> None:
    """List or remove imports (each file imported is one import)."""


@imports_group.command("list")
@pass_ctx
@handle_errors()
def list_(ctx) -> None:
    """List every import: ID, kind, source, when, rows, entries, t CO2e, months (and which of
    them are closed), content hash; then the closed periods."""
    found, months, locks = ctx.carbon.imports()
    if not found:
        out.print("no imports yet")
    else:
        table = Table()
        # The ID (what `imports remove` takes) is never cut; the rest folds at 80 columns, never "…".
        for col in (
            "ID",
            "Kind",
            "Source",
            "Imported (UTC)",
            "Rows",
            "Entries",
            "t CO2e",
            "Months",
            "SHA-256",
        ):
            table.add_column(
                col,
                no_wrap=col == "ID",
                overflow="fold",
                justify="right" if col in ("Rows", "Entries", "t CO2e") else "left",
            )
        for b in found:
            mine = months.get(b.id, [])
            span = "-" if not mine else (mine[0] if len(mine) == 1 else f"{mine[0]}..{mine[-1]}")
            closed = list(lock_rules.locked_months(locks, mine))
            if closed:
                span += " closed" if closed == mine else f" (closed: {lock_rules.span(closed)})"
            table.add_row(
                str(b.id),
                b.kind,
                escape(b.source_name),
                f"{b.imported_at:%Y-%m-%d %H:%M}",
                f"{b.row_count:,}",
                f"{b.entry_count:,}",
                f"{b.co2e_kg / 1000:,.3f}",
                span,
                b.content_hash[:12],
            )
        out.print(table)
    if locks:
        out.print("closed: " + escape("; ".join(lk.describe() for lk in locks)), soft_wrap=True)


@imports_group.command("remove")
@click.argument("batch_id", metavar="ID", type=int)
@restate_options
@pass_ctx
@handle_errors()
def remove(ctx, batch_id: int, restate, reason, by) -> None:
    """Remove an import and every ledger entry (or factor) it wrote.

    An import holding entries of a closed month is kept unless --restate
    --reason TEXT (recorded with who, when and the per-team difference).
    """
    done = ctx.carbon.remove_import(batch_id, restate=restate_of(restate, reason, by))
    b = done.batch
    out.print(
        f"import {b.id} ({escape(b.source_name)}) removed: {b.entry_count:,} entries, "
        f"{b.co2e_kg / 1000:,.3f} t CO2e"
    )
    if done.restatement is not None:
        print_restatement(done.restatement)
