"""carbon budget …"""

from __future__ import annotations

import sys

import click
from rich.markup import escape

from carbon.commands.common import (
    EXIT_NO_VERDICT,
    VerdictCommand,
    err,
    handle_errors,
    out,
    pass_ctx,
)
from carbon.lazy import lazy
from carbon.report import jsonout

budgets = lazy("carbon.budgets")
view = lazy("carbon.report.budget")

TABLE_OR_JSON = click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table",
                             show_default=True, help="table for people; json for scripts.")


@click.group()
def budget() -> None:
    """Team carbon budgets: load a year's budgets, follow actual vs budget, alert.

    \b
    A budget file (TOML) gives a year, a CO2e unit and per team an annual
    budget and a monthly profile ("flat" or 12 weights). See the README.
    """


@budget.command("load")
@click.argument("file", type=click.Path(dir_okay=False))
@click.option("--replace", is_flag=True, help="Swap the budgets already loaded for the file's year.")
@pass_ctx
@handle_errors()
def load_cmd(ctx, file: str, replace: bool) -> None:
    """Validate a budget file and load it as its year's budgets.

    A bad file is refused as a whole (every problem listed with its line);
    nothing is written. A year already loaded is refused unless --replace;
    loading the identical file again changes nothing.

    \b
    Example:
      carbon budget load budgets/2026.toml
    """
    done = ctx.carbon.load_budget(file, replace=replace)
    plan = done.plan
    total = plan.team_total_kg / plan.kg_per_unit
    # Plain lines (never wrapped): scripts and logs read them.
    if done.already_loaded:
        click.echo(f"{file}: already loaded for {plan.year}; nothing changed")
    else:
        verb = "replaced the earlier budgets of" if done.replaced else "loaded budgets for"
        click.echo(f"{file}: {verb} {plan.year}: {len(plan.teams)} teams, "
                   f"{total:,.6g} {plan.unit} in all")
    if done.teams_without_budget:
        click.echo("no budget for: " + ", ".join(done.teams_without_budget))
    for w in done.warnings:
        err.print(f"[yellow]warning:[/yellow] {escape(w)}")


@budget.command("show")
@click.option("--year", type=int, required=True, help="The budget year.")
@TABLE_OR_JSON
@pass_ctx
@handle_errors()
def show_cmd(ctx, year: int, fmt: str) -> None:
    """Show a year's budgets: per team the budget, its profile and allocation per quarter."""
    plan, names = ctx.carbon.budget_plan(year)
    if fmt == "json":
        click.echo(jsonout.dumps(view.plan_dict(plan), indent=2))
    else:
        without = sorted(set(names) - {t.team for t in plan.plan.teams})
        out.print(view.plan_table(plan, without))


@budget.command("status")
@click.option("--month", required=True, help="The month, YYYY-MM (its year's budgets are used).")
@click.option("--team", help="Only this team (adds its month-by-month table).")
@TABLE_OR_JSON
@pass_ctx
@handle_errors()
def status_cmd(ctx, month: str, team: str | None, fmt: str) -> None:
    """Each team's budget, allocated and actual to date, forecast to December, status.

    \b
    allocated to date = budget x (weights Jan..month) / (sum of the weights)
    forecast          = actual to date / (allocated to date / budget)
    status            = over (actual > budget), at_risk (forecast > budget),
                        else on_track
    Nothing allocated yet (zero weights so far): no forecast (null); over
    when actual > budget, at_risk when anything was emitted, else on_track.

    \b
    Months before a team's first month with data are unknown, not zero:
    the team is counted from that month (e.g. September) to December, its
    budget scaled by its profile to those months (budget_covered), and
    "Jan" above reads as that month. A budgeted team with no data at all
    has no verdict (no_data). The company row sums the team forecasts (the
    donation's year-end figure). See docs/forecast.md.

    The forecast band comes from the factors' uncertainty. Teams without a
    budget are listed as such, with a flat forecast. Figures are in the
    budget file's unit.

    \b
    Example:
      carbon budget status --month 2026-10 --format json
    """
    rep = ctx.carbon.budget_status(month, team)
    if fmt == "json":
        click.echo(view.to_json(rep))
        for w in rep.warnings:
            err.print(f"[yellow]warning:[/yellow] {escape(w)}")
    else:
        out.print(view.to_table(rep))


@budget.command("check", cls=VerdictCommand)
@click.option("--month", required=True, help="The month, YYYY-MM.")
@click.option("--warn-at", type=click.FloatRange(0, 1, min_open=True), default=0.8, show_default=True,
              help="Warn when a team's actual to date is more than this share of its annual budget.")
@pass_ctx
@handle_errors(error_exit=EXIT_NO_VERDICT)
def check_cmd(ctx, month: str, warn_at: float) -> None:
    """Alert for cron and CI: exit 0 all on track, 1 at risk or past --warn-at, 2 over,
    3 could not check.

    Prints one line per budgeted team (worst first) and a summary. Teams
    without a budget are named but do not change the exit code. Exit 3
    (like a monitoring check's "unknown") means no verdict: a refused
    command (no budgets for the year, no data for the month, a bad option),
    with the reason on stderr, or a budgeted team without any data this
    year (a NONE line). A team over its budget still gives 2. Teams whose
    data starts later in the year are judged from their first month with
    data (see 'carbon budget status --help').

    \b
    Example:
      carbon budget check --month 2026-10 --warn-at 0.9 || mail -s "carbon budgets" ...
    """
    rep, (code, found) = ctx.carbon.budget_check(month, warn_at)
    for line in view.check_lines(rep, code, found):
        click.echo(line)
    for w in rep.warnings:
        err.print(f"[yellow]warning:[/yellow] {escape(w)}")
    sys.exit(code)
