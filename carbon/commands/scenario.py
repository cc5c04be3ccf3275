"""carbon scenario run"""

from __future__ import annotations

import click

from carbon.commands.common import handle_errors, out, pass_ctx
from carbon.core.lazy import lazy

view = lazy("carbon.report.scenario")


@click.group("scenario")
def scenario_group() -> None:
    """What-if scenarios: levers applied to the ledger and the forecast, nothing written."""


@scenario_group.command("run")
@click.argument("file", type=click.Path(dir_okay=False))
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["table", "json"]),
    default="table",
    show_default=True,
    help="table for people; json for scripts.",
)
@click.option(
    "--price",
    help="Carbon price per t CO2e for the donation change (default: the year's, "
    "as 'carbon donation' takes it).",
)
@click.option("--currency", default="EUR", show_default=True, help="Currency of --price.")
@click.option("--basis", help="Price basis key (see 'carbon prices list').")
@click.option("--price-year", type=int, help="Take the price of another year.")
@click.option(
    "--month",
    metavar="YYYY-MM",
    help="Count the year through this month, as the pack of that "
    "month does (default: the last month over).",
)
@pass_ctx
@handle_errors()
def run_cmd(ctx, file, fmt, price, currency, basis, price_year, month) -> None:
    """Compare a year with and without levers, per team: year end, budget status, donation.

    Levers (TOML, see docs/levers.md): "shift" moves a share of one activity's
    quantity to another (commute.car.* to commute.bike), "scale" multiplies an
    activity's or a category's quantity (streaming.video.hd by 0.5). Recorded
    months are recomputed from the ledger's entries with the levers applied;
    later months of the year apply them to the year-end forecast of 'carbon
    budget status' (with no lever, a team's baseline is that forecast). Nothing
    in the ledger changes. The year is counted through the last month over
    (the running month is never counted as a whole month), or through --month.

    \b
    Example (levers.toml):
      year = 2026
      name = "bike to clients"
      [[lever]]
      kind = "shift"
      from = "commute.car.petrol"
      to = "commute.bike"
      share = 0.5
      start = "2026-07"
      teams = ["Sales"]
    \b
      carbon scenario run levers.toml --format json
    """
    result = ctx.carbon.run_scenario(
        file, price=price, currency=currency, basis=basis, price_year=price_year, through=month
    )
    if fmt == "json":
        click.echo(view.to_json(result))
    else:
        out.print(view.to_table(result))
