"""carbon donation … · carbon prices …

`carbon donation --year Y` computes, and `close` / `history` are its
subcommands: a click group with invoke_without_command=True. The group's own
options only apply when no subcommand follows (given with one, they are a
usage error rather than silently ignored).
"""

from __future__ import annotations

import shlex
from datetime import date

import click
from rich.markup import escape

from carbon.commands.common import FORMAT, echo, handle_errors, out, pass_ctx, print_incomplete
from carbon.core.lazy import lazy
from carbon.report import jsonout

view = lazy("carbon.report.donation")
journal = lazy("carbon.report.journal")
price_view = lazy("carbon.report.prices")
price_rules = lazy("carbon.prices.rules")
answers = lazy("carbon.answers")


def _as_of(value) -> date:
    return value.date() if value is not None else date.today()


AS_OF = click.option(
    "--as-of",
    "as_of",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    default=None,
    metavar="YYYY-MM-DD",
    help="The date deciding whether the year is over (default: today).",
)


def _price_options(fn):
    options = [
        click.option(
            "--price", metavar="P", help="Price per t CO2e, by hand (overrides the tables)."
        ),
        click.option(
            "--currency",
            type=click.Choice(["EUR", "USD", "GBP"], case_sensitive=False),
            metavar="[EUR|USD|GBP]",
            help="Currency of --price (default EUR). Currencies are never converted.",
        ),
        click.option(
            "--basis",
            metavar="NAME",
            help="Price basis from the tables, e.g. eu_ets.auction.eu (see 'carbon prices list').",
        ),
        click.option(
            "--price-year",
            type=int,
            metavar="YYYY",
            help="Use the basis's price of another year, on purpose (stated in the method).",
        ),
        click.option(
            "--scope",
            "scopes",
            type=click.IntRange(1, 3),
            multiple=True,
            metavar="N",
            help="Only this GHG scope (repeatable). Default: all scopes.",
        ),
        click.option(
            "--category",
            "categories",
            multiple=True,
            metavar="C",
            help="Only this category (repeatable), e.g. infrastructure. Default: all.",
        ),
        click.option(
            "--scope2",
            "scope2",
            type=click.Choice(["location", "market"]),
            default=None,
            help="Scope 2 counted location-based (default) or market-based (docs/scope2.md); "
            "a closed year: its sign-off's.",
        ),
        click.option(
            "--allow-missing-months",
            is_flag=True,
            help="Compute a past year with months missing from the months present (flagged).",
        ),
        AS_OF,
    ]
    for option in reversed(options):
        fn = option(fn)
    return fn


@click.group(invoke_without_command=True)
@click.option("--year", type=int, metavar="YYYY", help="The year of emissions to offset.")
@_price_options
@click.option(
    "--actual-only",
    is_flag=True,
    help="Refuse a year that is not over instead of adding a forecast.",
)
@FORMAT
@pass_ctx
@handle_errors()
def donation(
    ctx,
    year,
    price,
    currency,
    basis,
    price_year,
    scopes,
    categories,
    scope2,
    allow_missing_months,
    as_of,
    actual_only,
    fmt,
) -> None:
    """Annual offset donation: the year's emissions × a carbon price, per team.

    Prints the amount (in cents, rounded half-up), the method (which
    emissions, which price with its basis and source), each team's share
    (in proportion to its emissions; the shares sum exactly to the total) and
    a low/central/high range from the factors' uncertainty.

    Price: --price P [--currency EUR], or --basis NAME, else the default
    basis: the EU-wide auction average, then the German auction average.

    A closed year (see close) shows its signed-off figure as the amount, in
    every format; the figure computed now (by default at the sign-off's price
    and filters) is shown next to it as "recomputed", and a change of the
    year's data since the sign-off is flagged RESTATED with the per-team
    differences.

    A year is over only after its 31 December (--as-of, default today). Until
    then it counts actual to date — the months completed before --as-of, never
    data dated in later months — plus a forecast, flagged as such: per team,
    its actual × the weights of its months from its first data to December ÷
    the weights of its months with data (its budget profile where the year
    has budgets, the figure of 'carbon budget status'; flat otherwise; months
    before its first data are unknown, not counted). --actual-only refuses
    it. A year with no data is an error. Incomplete months (a data feed
    missing or partial: 'carbon feeds status') are named (JSON:
    "incomplete_months").

    \b
    Examples:
      carbon donation --year 2025
      carbon donation --year 2025 --basis eu_ets.auction.eu --price-year 2022
      carbon donation --year 2025 --price 80 --scope 2 --format csv > journal.csv
      carbon donation close --year 2025 --price 73.86
      carbon donation history
    """
    sub = click.get_current_context().invoked_subcommand
    given = [year, price, currency, basis, price_year, as_of, scope2]
    if sub is not None:
        if (
            any(v is not None for v in given)
            or scopes
            or categories
            or allow_missing_months
            or actual_only
        ):
            raise click.UsageError(
                f"give the options after the subcommand: carbon donation {sub} --year …"
            )
        return
    if year is None:
        raise click.UsageError("Missing option '--year' (or a subcommand: close, history).")
    result = ctx.carbon.donation(
        year,
        as_of=_as_of(as_of),
        price=price,
        currency=currency,
        basis=basis,
        price_year=price_year,
        scopes=scopes,
        categories=categories,
        actual_only=actual_only,
        allow_missing_months=allow_missing_months,
        scope2=scope2,
    )
    found = ctx.carbon.year_completeness(year, before=_as_of(as_of))
    if fmt == "json":
        click.echo(answers.donation_text(result, found), nl=False)
    elif fmt == "csv":
        click.echo(journal.to_csv(result), nl=False)
    else:
        out.print(view.to_table(result))
    print_incomplete(found, fmt)


@donation.command("close")
@click.option("--year", type=int, required=True, metavar="YYYY", help="The year to sign off.")
@_price_options
@click.option("--note", default="", help="A reference for the decision (minutes, ticket).")
@click.option("--supersede", is_flag=True, help="Record a new sign-off for a year already closed.")
@click.option(
    "--allow-incomplete",
    is_flag=True,
    help="Close a year with incomplete months (a data feed missing or partial); needs --reason.",
)
@click.option("--reason", metavar="TEXT", help="Why the year is closed incomplete (recorded).")
@click.option(
    "--by", metavar="NAME", help="Who closes it incomplete (default: the operating-system user)."
)
@pass_ctx
@handle_errors()
def close_cmd(
    ctx,
    year,
    price,
    currency,
    basis,
    price_year,
    scopes,
    categories,
    scope2,
    allow_missing_months,
    as_of,
    note,
    supersede,
    allow_incomplete,
    reason,
    by,
) -> None:
    """Sign off a year's donation: record the amount, the price snapshot and the ledger hash.

    The price must be given (--price or --basis). A year not over (--as-of,
    default today, not after its 31 December) cannot be closed, whatever
    months have data. The closed figure never changes: later changes to the
    year's data are shown against it (`carbon donation --year Y`, `history`).
    The year is locked: a later import, replacement or removal touching it is
    refused unless --restate --reason TEXT (docs/integrity.md). A year with
    an incomplete month (a data feed missing or partial: 'carbon feeds
    status') is refused unless --allow-incomplete --reason TEXT (recorded).

    \b
    Example:
      carbon donation close --year 2025 --price 73.86 --note "board 2026-01-15"
    """
    closed, d = ctx.carbon.close_donation(
        year,
        as_of=_as_of(as_of),
        price=price,
        currency=currency,
        basis=basis,
        price_year=price_year,
        scopes=scopes,
        categories=categories,
        allow_missing_months=allow_missing_months,
        note=note,
        supersede=supersede,
        scope2=scope2 or "location",
        allow_incomplete=allow_incomplete,
        incomplete_reason=reason,
        by=by,
    )
    from carbon.donation.rules import summary_line

    echo(
        f"closed {summary_line(d)}, scope 2 {d.scope2}-based (sign-off {closed.id}, "
        f"ledger {closed.ledger_hash[:12]})"
    )
    click.echo(
        f"{year} is locked: a later import, replacement or removal touching it is refused unless "
        "--restate --reason TEXT (see 'carbon close --list')"
    )


@donation.command("history")
@click.option("--year", type=int, metavar="YYYY", help="Only this year.")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["table", "json"]),
    default="table",
    show_default=True,
    help="table for people; json for scripts.",
)
@AS_OF
@pass_ctx
@handle_errors()
def history_cmd(ctx, year, fmt, as_of) -> None:
    """Every sign-off, and whether the year's ledger changed since (restated difference)."""
    entries = ctx.carbon.donation_history(_as_of(as_of), year)
    if fmt == "json":
        click.echo(jsonout.dumps(view.history_dict(entries), indent=2))
        return
    if not entries:
        out.print("no donation has been closed yet; see 'carbon donation close --help'")
        return
    out.print(view.history_table(entries))
    for line in view.history_notes(entries):
        out.print(line)
    for e in entries:
        if e.restatement is not None and e.restatement.ledger_changed:
            out.print(view.restatement_table(e.restatement))


@click.group()
def prices() -> None:
    """Carbon price tables: the shipped EU ETS and carbon-removal prices, plus your own.

    The shipped table is factors/carbon_prices.csv: EU ETS auction averages
    (EU-wide, computed from EEX auction results; German, DEHSt/UBA) and
    reference carbon-removal prices in USD, each with its basis and source.
    """


@prices.command("import")
@click.argument("file", type=click.Path(dir_okay=False))
@click.option("--source", help="Name of this source (default: the file name).")
@pass_ctx
@handle_errors()
def prices_import(ctx, file: str, source) -> None:
    """Add or override prices from a CSV: year,price,unit,basis,source[,key,region,source_ref,notes].

    A row with the same basis key and year as an earlier one overrides it.
    A bad file is refused as a whole (every problem listed); nothing is written.

    Without --basis, `carbon donation` takes only the default bases
    (eu_ets.auction.eu, then eu_ets.auction.de); any other price is used with
    --basis KEY. The key is the `key` column, or the basis text when the
    file has no `key` column (see 'carbon prices list').

    \b
    Example file:
      key,year,price,unit,basis,source
      board.internal,2025,90,EUR / t CO2e,internal carbon price decided by the board,minutes 2025-01-15
    """
    done = ctx.carbon.import_prices(file, source)
    if done.already_imported:
        echo(
            f"{file}: identical content already imported (price import {done.id}); nothing changed"
        )
    else:
        echo(f"{file}: {done.rows} prices imported (price import {done.id})")
        others = [k for k in done.keys if k not in price_rules.DEFAULT_BASES]
        if others:
            # Only a default basis is taken without --basis: say how to use the others.
            echo(
                "not a default basis, so used only with --basis KEY: "
                + ", ".join(shlex.quote(k) for k in others)
            )


@prices.command("list")
@click.option("--basis", metavar="NAME", help="Only this basis key.")
@click.option("--year", type=int, help="Only this year.")
@FORMAT
@pass_ctx
@handle_errors()
def prices_list(ctx, basis, year, fmt) -> None:
    """List the carbon prices in use (shipped and imported), per basis and year."""
    rows = ctx.carbon.prices()
    if basis:
        rows = [p for p in rows if p.key == basis]
    if year:
        rows = [p for p in rows if p.year == year]
    if fmt == "json":
        click.echo(price_view.prices_json(rows))
    elif fmt == "csv":
        click.echo(price_view.prices_csv(rows), nl=False)
    else:
        out.print(price_view.prices_table(rows))
        if not rows:
            out.print(escape("no price matches; see 'carbon prices list' without filters"))
