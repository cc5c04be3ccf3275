"""carbon report year"""

from __future__ import annotations

import io
from datetime import date
from pathlib import Path

import click

from carbon.commands.common import SafeConsole, handle_errors, out, pass_ctx, print_incomplete
from carbon.core.lazy import lazy
from carbon.errors import CarbonError

answers = lazy("carbon.answers")


@click.command("year")
@click.option(
    "--year",
    "year",
    required=True,
    type=click.IntRange(1900, 2999),
    help="The calendar year, YYYY.",
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["table", "json", "csv", "xlsx"]),
    default="table",
    show_default=True,
    help="table for people; json or csv for scripts; xlsx for a workbook "
    "(needs --out and the xlsx extra: pip install 'carbon-ledger[xlsx]').",
)
@click.option(
    "--out",
    "out_file",
    type=click.Path(dir_okay=False, path_type=Path),
    metavar="FILE",
    help="Write to FILE instead of the terminal (required with --format xlsx).",
)
@pass_ctx
@handle_errors()
def year_cmd(ctx, year: int, fmt: str, out_file: Path | None) -> None:
    """The annual inventory of a year: per team, category, GHG scope and month (kg CO2e).

    With the year's totals, the change against the previous year (whole year
    and like-for-like over the months both years have data for), intensities
    where business metrics exist, every factor used with its source, and the
    restatements written into the year's closed months. A month without data
    shows "no data" (null in JSON, no row in CSV), never 0. The CSV is tidy:
    one row per team × category × scope × month, no subtotals. The XLSX has
    one sheet per view and a "method" sheet. Incomplete months (a data feed
    missing or partial: 'carbon feeds status') are named (JSON:
    "incomplete_months").

    \b
    Examples:
      carbon report year --year 2025
      carbon report year --year 2025 --format xlsx --out inventory-2025.xlsx
    """
    if fmt == "xlsx" and out_file is None:
        raise CarbonError("--format xlsx writes a workbook: give the file with --out FILE")
    rep = ctx.carbon.year_report(year)
    found = ctx.carbon.year_completeness(year, before=date.today())
    try:
        _write(rep, fmt, out_file, found)
    except OSError as why:
        raise CarbonError(f"cannot write {out_file}: {why.strerror or why}") from None
    print_incomplete(found, "table" if fmt == "table" and out_file is None else fmt)


def _write(rep, fmt: str, out_file: Path | None, found: list = ()) -> None:
    from carbon.core.files import write_atomic
    from carbon.report import year as render

    if fmt == "xlsx":
        write_atomic(out_file, render.to_xlsx(rep, found))
        out.print(f"wrote {out_file}")
        return
    if fmt == "table":
        if out_file is None:
            out.print(*render.to_tables(rep), sep="\n")
            return
        console = SafeConsole(
            width=120, highlight=False, emoji=False, record=True, file=io.StringIO()
        )
        console.print(*render.to_tables(rep), sep="\n")
        write_atomic(out_file, console.export_text().encode("utf-8"))
        return
    text = answers.year_text(rep, found) if fmt == "json" else render.to_csv(rep)
    if out_file is None:
        click.echo(text, nl=False)
    else:
        write_atomic(out_file, text.encode("utf-8"))
