"""carbon factors …"""

from __future__ import annotations

import csv
import io
from dataclasses import fields

import click
from rich.markup import escape
from rich.table import Table

from carbon.commands.common import FORMAT, err, handle_errors, out, pass_ctx
from carbon.core.spreadsheet import inert
from carbon.errors import FactorNotFound
from carbon.model import GASES, Factor
from carbon.report import jsonout

# The table format shows this many rows unless --all: rich lays out ~1,000 rows a second, and
# the whole shipped table (~1,900 rows) is read with --format csv or json, or narrowed first.
TABLE_ROWS = 50
FACTOR_FIELDS = tuple(f.name for f in fields(Factor))

GAS_NAMES = {
    "gas_co2": "CO2",
    "gas_ch4": "CH4",
    "gas_n2o": "N2O",
    "gas_hfcs": "HFCs",
    "gas_other": "other",
}


@click.group()
def factors() -> None:
    """Emission factors: the shipped, sourced tables plus your own.

    Shipped tables live in factors/ (one CSV per source and vintage). Cloud
    and per-resolution streaming factors are derived by code from published
    parameters; their source column shows the derivation.
    """


@factors.command("list")
@click.option(
    "--category", help="Only this category (infrastructure, streaming, commuting, travel, ...)."
)
@click.option("--search", help="Only factors whose key, region or source contains this text.")
@click.option(
    "--region", help="Only this region (FR, GB, aws:eu-west-3, ...; '' for any-region rows)."
)
@click.option(
    "--all",
    "show_all",
    is_flag=True,
    help=f"Table format: show every row (default: the first {TABLE_ROWS}; csv and json always "
    "give every row).",
)
@FORMAT
@pass_ctx
@handle_errors()
def list_(ctx, category, search, region, show_all, fmt) -> None:
    """List the factors in use (shipped, imported and derived).

    The table shows the first 50 rows that match (a line under it says how
    many more there are); narrow with --search, --category or --region, or
    give --all. --format csv and --format json always give every row. The
    table ends with a warning for each series (key, region) whose vintages
    state a different boundary or gas coverage (CO2 only vs CO2e).

    \b
    Examples:
      carbon factors list --category commuting
      carbon factors list --search eu-west-3 --format csv
      carbon factors list --all
    """
    rows = ctx.carbon.factor_table().all()
    if category:
        rows = [f for f in rows if f.category == category]
    if region is not None:
        rows = [f for f in rows if f.region == region]
    if search:
        s = search.lower()
        rows = [
            f
            for f in rows
            if s in f.activity.lower() or s in f.region.lower() or s in f.source.lower()
        ]
    if fmt == "json":
        # plain JSON text: rich's highlighter takes seconds on the full table
        click.echo(
            jsonout.dumps([{n: getattr(f, n) for n in FACTOR_FIELDS} for f in rows], indent=2)
        )
        return
    if fmt == "csv":
        buf = io.StringIO()
        w = csv.writer(buf, lineterminator="\n")
        w.writerow(
            [
                "activity",
                "region",
                "year",
                "value",
                "unit",
                "category",
                "scope",
                "source",
                "uncertainty_pct",
                "source_ref",
                "boundary",
                "origin",
            ]
        )
        for f in rows:
            w.writerow(
                [
                    f.activity,
                    f.region,
                    f.year,
                    repr(f.value),
                    f.unit,
                    f.category,
                    f.scope,
                    inert(f.source),
                    "" if f.uncertainty_pct is None else f.uncertainty_pct,
                    inert(f.source_ref),
                    inert(f.boundary),
                    f.origin,
                ]
            )
        click.echo(buf.getvalue(), nl=False)
        return
    shown = rows if show_all else rows[:TABLE_ROWS]
    table = Table(title=f"{len(rows)} factors")
    for col in (
        "Activity",
        "Region",
        "Year",
        "Value",
        "Unit",
        "Scope",
        "Source / [dim]boundary[/dim]",
    ):
        table.add_column(col, overflow="fold")  # a narrow terminal folds a cell, never cuts a key
    for f in shown:
        source = escape(_short(f.source, 70))
        if f.boundary:
            source += f"\n[dim]{escape(_short(f.boundary, 70))}[/dim]"
        table.add_row(
            f.activity,
            f.region or "any",
            str(f.year),
            f"{f.value:.6g}",
            escape(f.unit),
            str(f.scope),
            source,
        )
    out.print(table)
    if len(shown) < len(rows):
        out.print(
            f"{len(rows) - len(shown):,} more factors not shown: narrow with --search, --category "
            "or --region, or show them all with --all (or --format csv)"
        )
    from carbon.factors.series import switches  # the boundary-switch flag (docs/inventory.md)

    for s in switches(rows):
        out.print(
            f"[yellow]warning:[/yellow] {escape(s.describe())}: a change across these years can be a "
            "method change, not an emissions change"
        )


def _short(text: str, n: int) -> str:
    return text if len(text) < n else text[: n - 3] + "…"


@factors.command("show")
@click.argument("key")
@pass_ctx
@handle_errors()
def show(ctx, key: str) -> None:
    """Show every row of one activity key: value, unit, region, vintage, source, boundary."""
    table = ctx.carbon.factor_table()
    rows = table.by_key.get(key)
    if not rows:
        hint = table.suggest(key)
        raise FactorNotFound(
            f"no factor with key {key!r}" + (f" (did you mean {hint!r}?)" if hint else "")
        )
    for f in rows:
        out.print(
            f"[bold]{escape(f.activity)}[/bold]  region {escape(f.region or 'any')}  vintage {f.year}"
        )
        out.print(f"  value        {f.value:.10g} {escape(f.unit)}")
        out.print(f"  category     {f.category}, GHG scope {f.scope}")
        out.print(f"  source       {escape(f.source)}")
        if f.source_ref:
            out.print(f"  source ref   {escape(f.source_ref)}")
        out.print(f"  boundary     {escape(f.boundary or 'not stated')}")
        if f.part_generation is not None:
            out.print(
                f"  parts        generation {f.part_generation:g} (scope 2), upstream {f.part_upstream or 0:g} "
                f"and T&D {f.part_td or 0:g} (scope 3 category 3.3)"
            )
        if f.scope3_category:
            out.print(f"  scope 3      category 3.{f.scope3_category}")
        gases = (
            ", ".join(f"{GAS_NAMES[g]} {getattr(f, g):g}" for g in GASES if getattr(f, g))
            if f.gas_split
            else "not split"
        )
        out.print(f"  gases        {gases}")
        uncertainty = f"±{f.uncertainty_pct:g} %" if f.uncertainty_pct is not None else "not stated"
        out.print(f"  uncertainty  {uncertainty}")
        out.print(f"  from         {escape(f.origin)}")


@factors.command("import")
@click.argument("file", type=click.Path(dir_okay=False))
@click.option("--source", help="Name of this source (default: the file name).")
@pass_ctx
@handle_errors()
def import_(ctx, file: str, source) -> None:
    """Add or override factors from a CSV in the factor-table format.

    A row with the same activity, region and year as a shipped one overrides
    it for imports made from now on; past ledger entries keep the factor they
    were computed with. Remove with 'carbon imports remove ID'. A series
    (key, region) whose vintages then differ in boundary or gas coverage
    (CO2 only vs CO2e) is named in a warning.
    """
    outcome = ctx.carbon.import_factors(file, source=source)
    if outcome.already_imported:
        out.print(
            f"{escape(file)}: identical content already imported (import {outcome.batch.id}); nothing changed"
        )
    else:
        out.print(
            f"{escape(file)}: {outcome.batch.row_count} factors imported (import {outcome.batch.id})"
        )
        for w in outcome.warnings:
            err.print(f"  [yellow]warning:[/yellow] {escape(w)}")
