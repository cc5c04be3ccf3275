"""carbon import energy-attributes …"""

from __future__ import annotations

import click
from rich.markup import escape

from carbon.commands.common import FEED, handle_errors, out, pass_ctx
from carbon.commands.imports import (
    _summary,
    check_rejects,
    print_restatement,
    print_warnings,
    restate_of,
    restate_options,
)


@click.command("energy-attributes")
@click.argument("file", type=click.Path(dir_okay=False))
@click.option(
    "--replace", is_flag=True, help="Swap the earlier import of the same source, atomically."
)
@click.option("--source", help="Source name (default: the file name); --replace swaps by it.")
@click.option(
    "--rejects",
    type=click.Path(dir_okay=False),
    help="On refusal, write every problem to this CSV (file, line, column, value, problem).",
)
@click.option(
    "--allocation",
    type=click.Path(dir_okay=False),
    metavar="ALLOC.toml",
    help="Split instruments whose team is a pool per team, by the pool's key (docs/allocation.md).",
)
@restate_options
@FEED
@pass_ctx
@handle_errors(rejects_param="rejects")
def import_energy_attributes_cmd(
    ctx, file, replace, source, rejects, allocation, restate, reason, by, feed=None
) -> None:
    """Import contractual instruments for market-based scope 2 (docs/scope2.md).

    Columns: month, team, country, mwh, instrument, factor_kg_per_kwh[, note].
    instrument: guarantee_of_origin, rec, ppa or supplier_specific;
    factor_kg_per_kwh: the instrument's kg CO2e per kWh (>= 0; 0 for a
    renewable guarantee of origin). Instruments may not cover more MWh than
    the team's grid electricity of that month and country (double claiming).
    Same rules as activity files: one import per file, identical content
    changes nothing, a changed file of the same source needs --replace, a
    refused file writes nothing; instruments in a closed month or year (carbon
    close, donation close) are refused unless --restate --reason TEXT.

    \b
    Example (attributes.csv):
      month,team,country,mwh,instrument,factor_kg_per_kwh
      2026-01,Platform,DE,10,guarantee_of_origin,0
    \b
      carbon import energy-attributes attributes.csv
    """
    check_rejects(rejects)
    outcome = ctx.carbon.import_energy_attributes(
        file,
        source=source,
        replace=replace,
        restate=restate_of(restate, reason, by),
        allocation=allocation,
        feed=feed,
    )
    if outcome.already_imported:
        _summary(file, outcome)
        return
    if outcome.replaced:
        out.print(f"replaced import {', '.join(map(str, outcome.replaced))}")
    out.print(
        f"{escape(file)}: {outcome.batch.row_count:,} instruments (import {outcome.batch.id})"
    )
    print_warnings(outcome)
    if outcome.restatement is not None:
        print_restatement(outcome.restatement)
