"""carbon import metrics … and carbon metrics …"""

from __future__ import annotations

import click
from rich.markup import escape
from rich.table import Table

from carbon.commands.common import FEED, handle_errors, out, pass_ctx
from carbon.commands.imports import (
    _summary,
    check_rejects,
    print_restatement,
    print_warnings,
    restate_of,
    restate_options,
)
from carbon.core.lazy import lazy
from carbon.report import jsonout

intensity = lazy("carbon.metrics.intensity")

YEAR = click.Choice(["sum", "mean"])


@click.command("metrics")
@click.argument("file", type=click.Path(dir_okay=False))
@click.option(
    "--replace", is_flag=True, help="Swap the earlier import of the same source, atomically."
)
@click.option("--source", help="Source name (default: the file name); --replace swaps by it.")
@click.option(
    "--year",
    "define_rule",
    type=YEAR,
    help="Declare the file's undeclared metrics, adding up over a year as a sum or a mean.",
)
@click.option(
    "--rejects",
    type=click.Path(dir_okay=False),
    help="On refusal, write every problem to this CSV (file, line, column, value, problem).",
)
@restate_options
@FEED
@pass_ctx
@handle_errors(rejects_param="rejects")
def import_metrics_cmd(
    ctx, file, replace, source, define_rule, rejects, restate, reason, by, feed=None
) -> None:
    """Import business metrics (month, metric, value[, team]): the denominators of intensities.

    An empty team means the whole company. Values are numbers >= 0. A metric
    must be declared first ('carbon metrics define'), or with --year sum|mean
    on the import that first names it. Same rules as activity files: one
    import per file, identical content changes nothing, a changed file of the
    same source needs --replace, a refused file writes nothing. A value of a
    closed month ('carbon close') that would change is refused unless
    --restate --reason TEXT: the restatement records each value and the
    intensity it gives, before and after.

    \b
    Example (metrics.csv):
      month,metric,value,team
      2026-10,active_users,287000,
      2026-10,streamed_hours,52000,Video
    \b
      carbon metrics define active_users --year mean --label "active users"
      carbon import metrics metrics.csv
    """
    check_rejects(rejects)
    outcome, declared = ctx.carbon.import_metrics(
        file,
        source=source,
        replace=replace,
        define_rule=define_rule,
        restate=restate_of(restate, reason, by),
        feed=feed,
    )
    for d in declared:
        out.print(f"metric {escape(d.name)} declared (--year {d.year_rule})")
    b = outcome.batch
    if outcome.already_imported:
        _summary(file, outcome)
        return
    if outcome.replaced:
        out.print(f"replaced import {', '.join(map(str, outcome.replaced))}")
    out.print(f"{escape(file)}: {b.row_count:,} metric values (import {b.id})")
    print_warnings(outcome)
    if outcome.restatement is not None:
        print_restatement(outcome.restatement)


@click.group("metrics")
def metrics_group() -> None:
    """Declare and list business metrics (active users, paid students, hours streamed)."""


@metrics_group.command("define")
@click.argument("name")
@click.option(
    "--year",
    "year_rule",
    type=YEAR,
    required=True,
    help="How the metric adds up over a year: sum (a flow) or mean (a stock).",
)
@click.option("--label", help="What one unit is, for reports (default: the name).")
@pass_ctx
@handle_errors()
def define_cmd(ctx, name: str, year_rule: str, label: str | None) -> None:
    """Declare a metric, or change its yearly rule or label.

    \b
    Examples:
      carbon metrics define active_users --year mean --label "active users"
      carbon metrics define paid_students --year sum --label "paid students"
    """
    d, what = ctx.carbon.define_metric(name, year_rule, label)
    out.print(
        f"metric {escape(d.name)} {what}: {escape(d.label)}, a year is the {d.year_rule} of its months"
    )


@metrics_group.command("list")
@pass_ctx
@handle_errors()
def list_cmd(ctx) -> None:
    """List the declared metrics, their yearly rule and the months they have values for."""
    rows = ctx.carbon.metrics()
    if not rows:
        out.print("no metrics declared yet; see 'carbon metrics define --help'")
        return
    table = Table("Metric", "Label", "Year", "Values", "Months")
    for d, n, lo, hi in rows:
        table.add_row(
            escape(d.name), escape(d.label), d.year_rule, f"{n:,}", f"{lo}..{hi}" if lo else "-"
        )
    out.print(table)


@metrics_group.command("intensity")
@click.option("--year", type=int, required=True, help="The year, e.g. 2025.")
@click.option("--team", help="Only this team's own metrics (default: the company's).")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["table", "json"]),
    default="table",
    show_default=True,
    help="table for people; json for scripts.",
)
@pass_ctx
@handle_errors()
def intensity_cmd(ctx, year: int, team: str | None, fmt: str) -> None:
    """Yearly intensity: kg CO2e per unit of each metric's yearly figure.

    A sum metric's yearly figure is the sum of its monthly values, a mean
    metric's their mean; only the months with a value count (the others are
    listed), never as zero. A year in progress counts through its last month
    over (the running month's partial emissions never enter it), as 'carbon
    report year' does.

    \b
    Example:
      carbon metrics intensity --year 2025
    """
    items = ctx.carbon.intensity(year, team)
    if fmt == "json":
        click.echo(
            jsonout.dumps(
                {
                    "year": year,
                    "team": team,
                    "unit": "kg CO2e",
                    "intensity": intensity.to_list(items),
                },
                indent=2,
            )
        )
        return
    if not items:
        out.print(
            f"no metric has values for {year}" + (f" for team {escape(team)}" if team else "")
        )
        return
    from carbon.report.intensity import fmt_kg  # as the month's table writes it

    table = Table(
        "Metric",
        "Yearly figure",
        "kg CO2e",
        "kg CO2e per unit",
        "Months",
        title=f"Intensity {year}" + (f", {escape(team)}" if team else ""),
        title_justify="left",
    )
    for i in items:
        per = fmt_kg(i.kg_per_unit) if i.kg_per_unit is not None else i.note
        months = f"{len(i.months)}" + (
            f" ({len(i.missing_months)} without a value)" if i.missing_months else ""
        )
        value = "no data" if i.value is None else f"{i.value:,.0f}"
        table.add_row(escape(i.label), value, f"{i.kg:,.0f}", per, months)
    out.print(table)
