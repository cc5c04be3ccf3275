"""carbon report …"""

from __future__ import annotations

import click

from carbon import ledger
from carbon.commands.common import FORMAT, handle_errors, out, pass_ctx
from carbon.report import monthly


@click.group()
def report() -> None:
    """Reports from the ledger."""


@report.command("monthly")
@click.option("--month", required=True, help="The month, YYYY-MM.")
@click.option("--team", help="Only this team.")
@FORMAT
@pass_ctx
@handle_errors()
def monthly_cmd(ctx, month: str, team, fmt: str) -> None:
    """Emissions of a month per team, by category and GHG scope, and the company total.

    JSON and CSV are in kg CO2e; the table uses t or kg as fits. A month with
    no data is an error, not a zero.

    \b
    Example:
      carbon report monthly --month 2026-10 --format json
    """
    rep = ledger.monthly_report(ctx.store, month, team)
    if fmt == "json":
        click.echo(monthly.to_json(rep))
    elif fmt == "csv":
        click.echo(monthly.to_csv(rep), nl=False)
    else:
        out.print(monthly.to_table(rep))
