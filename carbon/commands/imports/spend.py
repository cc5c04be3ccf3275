"""carbon import spend …"""

from __future__ import annotations

import click

from carbon.commands.common import FEED, handle_errors, pass_ctx
from carbon.commands.imports import _summary, check_rejects, importer, restate_of, restate_options

FILE_OPT = dict(type=click.Path(dir_okay=False), default=None)


@click.command("spend")
@click.argument("file", type=click.Path(dir_okay=False))
@click.option(
    "--mapping",
    metavar="FILE",
    help="Your categories: category,naics,scope3_category[,label] "
    "(default: factors/spend/categories.csv).",
    **FILE_OPT,
)
@click.option(
    "--rates",
    metavar="FILE",
    help="More exchange rates: month,currency,per_eur (units per euro), "
    "for months after the shipped ECB table.",
    **FILE_OPT,
)
@click.option(
    "--price-index",
    "price_index",
    metavar="FILE",
    help="More US CPI-U values: period,index (YYYY-MM), for months after the shipped BLS table.",
    **FILE_OPT,
)
@click.option(
    "--supplier-factors",
    "suppliers",
    metavar="FILE",
    help="Suppliers' own factors: "
    "supplier,value,unit,year,source (unit e.g. 'kg CO2e / EUR'); they override the average.",
    **FILE_OPT,
)
@click.option(
    "--replace", is_flag=True, help="Swap the earlier import of the same source, atomically."
)
@click.option(
    "--create-teams", is_flag=True, help="Declare teams the file names that are not declared yet."
)
@click.option("--source", help="Source name (default: the file name); --replace swaps by it.")
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
@restate_options
@FEED
@pass_ctx
@handle_errors(rejects_param="rejects")
def import_spend_cmd(
    ctx,
    file,
    mapping,
    rates,
    price_index,
    suppliers,
    replace,
    create_teams,
    source,
    rejects,
    strict,
    restate,
    reason,
    by,
    feed=None,
) -> None:
    """Import purchases by spend (month, team, category, amount, currency[, supplier, description]).

    \b
    Each row: the amount in USD at the month's ECB rates, deflated to
    2021 USD by the US CPI-U, times the US EPA supply-chain factor of the
    NAICS code its category maps to (kg CO2e per 2021 USD, purchaser
    price); booked as scope 3 (3.1 purchases, 3.2 capital goods, as the
    mapping says). A supplier with its own factor (--supplier-factors)
    takes it instead. An unknown category or currency, or a month without
    a rate or price index, is refused with its line. README "Purchases".

    \b
    Example:
      carbon import spend ledger-2026-10.csv
    """
    check_rejects(rejects)
    outcome = ctx.carbon.import_spend(
        file,
        mapping=mapping,
        rates=rates,
        price_index=price_index,
        suppliers=suppliers,
        source=source,
        replace=replace,
        create_teams=create_teams,
        checks=importer.Checks(strict, restate_of(restate, reason, by)),
        feed=feed,
    )
    _summary(file, outcome)
