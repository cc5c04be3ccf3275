"""carbon report disclosure"""

from __future__ import annotations

import io
import sys
from datetime import date
from pathlib import Path

import click
from rich.markup import escape

from carbon.commands.common import (
    SafeConsole,
    err,
    handle_errors,
    out,
    pass_ctx,
    print_incomplete,
)
from carbon.core.lazy import lazy
from carbon.errors import CarbonError

answers = lazy("carbon.answers")


@click.command("disclosure")
@click.option(
    "--year",
    "year",
    required=True,
    type=click.IntRange(1900, 2999),
    help="The calendar year, YYYY.",
)
@click.option(
    "--format",
    "framework",
    type=click.Choice(["esrs-e1", "ghgp", "beges"]),
    required=True,
    help="esrs-e1: ESRS E1-5/E1-6 datapoints; ghgp: the GHG Protocol table; beges: the BEGES posts.",
)
@click.option(
    "--format-out",
    "fmt",
    type=click.Choice(["table", "json", "csv", "xlsx"]),
    default="table",
    show_default=True,
    help="table for people; json or csv for scripts; xlsx for a workbook (needs --out).",
)
@click.option(
    "--out",
    "out_file",
    type=click.Path(dir_okay=False, path_type=Path),
    metavar="FILE",
    help="Write to FILE instead of the terminal (required with --format-out xlsx).",
)
@click.option(
    "--base-year", type=click.IntRange(1900, 2999), help="The base year to state (GHG Protocol)."
)
@pass_ctx
@handle_errors()
def disclosure_cmd(
    ctx, year: int, framework: str, fmt: str, out_file: Path | None, base_year: int | None
) -> None:
    """A year's disclosure (ESRS E1, GHG Protocol or BEGES), reconciled with the ledger.

    Every line is read off the same ledger as `carbon report year`; a line
    the ledger cannot give is "not available" with the reason, never 0. Each
    output carries its reconciliation: every scope and scope-3 category and
    the total against the year report's own sums, and the total against the
    donation's tonnes (when the year is complete). Exit 1 when a check
    differs. A year in progress is counted through its last month over
    (flagged: the table's title, JSON "in_progress", "months_not_over");
    incomplete months (a data feed missing or partial: 'carbon feeds
    status') are named (JSON: "incomplete_months"). docs/disclosure.md maps
    each line to the query behind it.

    \b
    Examples:
      carbon report disclosure --year 2025 --format esrs-e1
      carbon report disclosure --year 2025 --format ghgp --format-out xlsx --out ghgp-2025.xlsx
    """
    from carbon.report import disclosure as render

    if fmt == "xlsx" and out_file is None:
        raise CarbonError("--format-out xlsx writes a workbook: give the file with --out FILE")
    d = ctx.carbon.disclosure(year, framework, base_year=base_year)
    found = ctx.carbon.year_completeness(year, before=date.today())
    try:
        _write(render, d, fmt, out_file, found)
    except OSError as why:
        raise CarbonError(f"cannot write {out_file}: {why.strerror or why}") from None
    shown = "table" if fmt == "table" and out_file is None else fmt
    if d.in_progress and shown != "table":  # the table's title says it
        err.print(
            f"[bold yellow]{year} is {escape(d.progress)}: the months not over "
            f"({escape(', '.join(d.months_not_over))}) are not counted[/bold yellow]"
        )
    print_incomplete(found, shown)
    if not d.reconciled:
        differs = [c.what for c in d.checks if c.ok is False]
        err.print(f"[red]error:[/red] the disclosure does not reconcile: {', '.join(differs)}")
        sys.exit(1)


def _write(render, d, fmt: str, out_file: Path | None, found: list) -> None:
    from carbon.core.files import write_atomic

    if fmt == "xlsx":
        write_atomic(out_file, render.to_xlsx(d, found))
        out.print(f"wrote {out_file}")
    elif fmt == "table" and out_file is None:
        out.print(*render.to_tables(d), sep="\n")
    elif fmt == "table":
        console = SafeConsole(
            width=120, highlight=False, emoji=False, record=True, file=io.StringIO()
        )
        console.print(*render.to_tables(d), sep="\n")
        write_atomic(out_file, console.export_text().encode("utf-8"))
    else:
        text = (
            answers.with_incomplete(render.to_dict(d), found) if fmt == "json" else render.to_csv(d)
        )
        if out_file is None:
            click.echo(text, nl=False)
        else:
            write_atomic(out_file, text.encode("utf-8"))
