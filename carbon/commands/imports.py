"""carbon import … and carbon imports …"""

from __future__ import annotations

import os
from pathlib import Path

import click
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from carbon import importer
from carbon.commands.common import err, handle_errors, out, pass_ctx
from carbon.errors import CarbonError
from carbon.model import ImportOutcome
from carbon.regions import load_regions

PROGRESS_FROM_LINES = 50_000  # smaller files finish before a bar is worth drawing


def _summary(name: str, o: ImportOutcome) -> None:
    b = o.batch
    if o.already_imported:
        out.print(f"{escape(name)}: identical content was already imported as import {b.id} "
                  f"({b.imported_at:%Y-%m-%d %H:%M} UTC); nothing changed")
        return
    for t in o.created_teams:
        out.print(f"team {escape(t)} declared (--create-teams)")
    if o.replaced:
        out.print(f"replaced import {', '.join(map(str, o.replaced))}")
    out.print(f"{escape(name)}: {b.row_count:,} rows -> {b.entry_count:,} ledger entries, "
              f"{b.co2e_kg / 1000:,.3f} t CO2e (import {b.id})")
    if o.region_fallbacks:
        out.print(f"  note: {o.region_fallbacks:,} entries used the factor of another region "
                  "(see docs/regions.md):", soft_wrap=True)
        tree = load_regions()
        for fb in o.fallbacks:
            out.print(f"    {escape(tree.describe(fb))}", soft_wrap=True)
    for w in o.warnings:
        err.print(f"  [yellow]warning:[/yellow] {escape(w)}")


COMMON = [
    click.option("--replace", is_flag=True, help="Swap the earlier import of the same source, atomically."),
    click.option("--create-teams", is_flag=True, help="Declare teams the file names that are not declared yet."),
    click.option("--source", help="Source name (default: the file name); --replace swaps by it."),
    click.option("--region", "default_region", default="",
                 help="Region for rows whose region is empty (e.g. FR)."),
    click.option("--rejects", type=click.Path(dir_okay=False),
                 help="On refusal, write every problem to this CSV (file, line, column, value, problem)."),
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
    elif not os.access(folder, os.W_OK | os.X_OK) or (path.exists() and not os.access(path, os.W_OK)):
        why = "the file cannot be written there"
    else:
        return
    raise CarbonError(f"--rejects {rejects}: {why}; create the folder or choose another path. "
                      "Nothing was imported")


def common(fn):
    for opt in reversed(COMMON):
        fn = opt(fn)
    return fn


@click.group("import")
def import_group() -> None:
    """Import activity data or a commuting survey. A refused file writes nothing."""


@import_group.command("activities")
@click.argument("file", type=click.Path(dir_okay=False))
@common
@pass_ctx
@handle_errors(rejects_param="rejects")
def activities(ctx, file, replace, create_teams, source, default_region, rejects) -> None:
    """Import an activity CSV (date, team, activity, quantity, unit[, end, region, note]).

    Each file is one import. Importing identical content again changes nothing.
    Importing a changed file of the same source needs --replace. Every bad row
    is listed (file, line, column, what was expected) and nothing is written.

    \b
    Example:
      carbon import activities infra-2024-03.csv --region FR
    """
    check_rejects(rejects)
    progress = Progress(TextColumn("importing"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                        console=err, transient=True)
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
        outcome = importer.import_activities(ctx.store, file, source=source, replace=replace,
                                             create_teams=create_teams, default_region=default_region,
                                             progress=advance, on_start=on_start)
    finally:
        if task is not None:
            progress.stop()
    _summary(file, outcome)


@import_group.command("commuting-survey")
@click.argument("file", type=click.Path(dir_okay=False))
@click.option("--from", "first", required=True, help="First month covered, YYYY-MM.")
@click.option("--to", "last", required=True, help="Last month covered, YYYY-MM.")
@common
@pass_ctx
@handle_errors(rejects_param="rejects")
def commuting_survey(ctx, file, first, last, replace, create_teams, source, default_region, rejects) -> None:
    """Import a commuting survey and spread it over months.

    Columns: employee, team, mode, one_way_km, days_on_site_per_week[, region, occupants].
    Per month: km = 2 x one_way_km x weekdays in the month x days_on_site_per_week / 5.

    \b
    Example:
      carbon import commuting-survey survey-2024.csv --from 2024-01 --to 2024-12
    """
    check_rejects(rejects)
    outcome = importer.import_survey(ctx.store, file, first, last, source=source, replace=replace,
                                     create_teams=create_teams, default_region=default_region)
    _summary(file, outcome)


@click.group("imports")
def imports_group() -> None:
    """List or remove imports (each file imported is one import)."""


@imports_group.command("list")
@pass_ctx
@handle_errors()
def list_(ctx) -> None:
    """List every import: ID, kind, source, when, rows, entries, t CO2e, content hash."""
    found = ctx.store.list_batches()
    if not found:
        out.print("no imports yet")
        return
    table = Table("ID", "Kind", "Source", "Imported (UTC)", "Rows", "Entries", "t CO2e", "SHA-256")
    for b in found:
        table.add_row(str(b.id), b.kind, escape(b.source_name), f"{b.imported_at:%Y-%m-%d %H:%M}",
                      f"{b.row_count:,}", f"{b.entry_count:,}", f"{b.co2e_kg / 1000:,.3f}", b.content_hash[:12])
    out.print(table)


@imports_group.command("remove")
@click.argument("batch_id", metavar="ID", type=int)
@pass_ctx
@handle_errors()
def remove(ctx, batch_id: int) -> None:
    """Remove an import and every ledger entry (or factor) it wrote."""
    b = importer.remove(ctx.store, batch_id)
    out.print(f"import {b.id} ({escape(b.source_name)}) removed: {b.entry_count:,} entries, "
              f"{b.co2e_kg / 1000:,.3f} t CO2e")


from carbon.commands import cloud as _cloud  # noqa: E402,F401  (registers import cloud-billing)
