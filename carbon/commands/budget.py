"""carbon budget …"""

from __future__ import annotations

import sys
from pathlib import Path

import click
from rich.markup import escape

from carbon.commands.common import (
    EXIT_NO_VERDICT,
    VerdictCommand,
    echo,
    err,
    handle_errors,
    out,
    pass_ctx,
)
from carbon.core.lazy import lazy
from carbon.errors import CarbonError
from carbon.report import jsonout

budgets = lazy("carbon.budgets.rules")
view = lazy("carbon.report.budget")
answers = lazy("carbon.answers")

TABLE_OR_JSON = click.option(
    "--format",
    "fmt",
    type=click.Choice(["table", "json"]),
    default="table",
    show_default=True,
    help="table for people; json for scripts.",
)


@click.group()
def budget() -> None:
    """Team carbon budgets: load a year's budgets, follow actual vs budget, alert.

    \b
    A budget file (TOML) gives a year, a CO2e unit and per team an annual
    budget and a monthly profile ("flat" or 12 weights). See the README.
    """


@budget.command("load")
@click.argument("file", type=click.Path(dir_okay=False))
@click.option(
    "--replace", is_flag=True, help="Swap the budgets already loaded for the file's year."
)
@click.option(
    "--restate",
    is_flag=True,
    help="Allow changing closed months' allocations (carbon close); recorded with --reason.",
)
@click.option("--reason", metavar="TEXT", help="Why closed figures change (with --restate).")
@click.option("--by", metavar="NAME", help="Who restates (default: the operating-system user).")
@pass_ctx
@handle_errors()
def load_cmd(
    ctx, file: str, replace: bool, restate: bool, reason: str | None, by: str | None
) -> None:
    """Validate a budget file and load it as its year's budgets.

    A bad file is refused as a whole (every problem listed with its line);
    nothing is written. A year already loaded is refused unless --replace;
    loading the identical file again changes nothing. A reload that changes a
    team's allocation of a closed month is refused unless --restate --reason
    TEXT, which records each allocation before and after.

    \b
    Example:
      carbon budget load budgets/2026.toml
    """
    from carbon.commands.imports import print_restatement, restate_of

    done = ctx.carbon.load_budget(file, replace=replace, restate=restate_of(restate, reason, by))
    plan = done.plan
    total = plan.team_total_kg / plan.kg_per_unit
    # Plain lines (never wrapped): scripts and logs read them.
    if done.already_loaded:
        echo(f"{file}: already loaded for {plan.year}; nothing changed")
    else:
        verb = "replaced the earlier budgets of" if done.replaced else "loaded budgets for"
        echo(
            f"{file}: {verb} {plan.year}: {len(plan.teams)} teams, {total:,.6g} {plan.unit} in all"
        )
    if done.teams_without_budget:
        echo("no budget for: " + ", ".join(done.teams_without_budget))
    for w in done.warnings:
        err.print(f"[yellow]warning:[/yellow] {escape(w)}")
    if done.restatement is not None:
        print_restatement(done.restatement)


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


@budget.command("propose")
@click.option("--year", type=int, required=True, help="The budget year to propose.")
@click.option(
    "--base-year",
    type=int,
    required=True,
    help="The year the target is measured from (over, with data in all twelve months).",
)
@click.option(
    "--target",
    required=True,
    metavar="TARGET",
    help="'4.2%/year' (a linear cut of 4.2 % of base-year emissions a year) or "
    "'50%@2030' (50 % below the base year in 2030, on a straight line).",
)
@click.option(
    "--teams-by",
    type=click.Choice(["base", "forecast"]),
    default="base",
    show_default=True,
    help="Split the company budget by the teams' base-year emissions, or by their "
    "year-end forecast of the year before --year.",
)
@click.option(
    "--out",
    "out_file",
    type=click.Path(dir_okay=False, path_type=Path),
    metavar="FILE",
    help="Write the budget file here (default: print it).",
)
@click.option("--force", is_flag=True, help="Overwrite FILE if it exists.")
@pass_ctx
@handle_errors()
def propose_cmd(
    ctx, year: int, base_year: int, target: str, teams_by: str, out_file: Path | None, force: bool
) -> None:
    """Propose a year's budgets from a reduction target, as a budget file.

    \b
    company budget = base-year emissions x (1 - R x (year - base year))
    team budget    = company budget x the team's share (base-year emissions,
                     or the forecast of the year before), to 0.1 t by the
                     largest remainder so the teams add up to the company
    profiles       = each team's months of the year before (or the base year)

    The file states the pathway and the arithmetic in comments; review it,
    then load it with `carbon budget load FILE` like any budget file.

    \b
    Example:
      carbon budget propose --year 2027 --base-year 2025 --target 4.2%/year --out budgets/2027.toml
    """
    from carbon.budgets.target import render_toml

    proposal = ctx.carbon.propose_budget(
        year, base_year=base_year, target=target, teams_by=teams_by
    )
    text = render_toml(proposal)
    for team, kg, share in proposal.retired:
        err.print(
            f"[yellow]warning:[/yellow] {escape(team)} is retired by {year}: no budget; its "
            f"{kg / 1000:,.3f} t ({share * 100:.2f} % of {escape(proposal.basis_label)}) stay in "
            "the company budget, shared by the other teams (the file says so)"
        )
    if out_file is None:
        click.echo(text, nl=False)
        return
    if out_file.exists() and not force:
        raise CarbonError(f"{out_file} exists: give --force to overwrite it, or another --out")
    from carbon.core.files import write_atomic

    try:
        write_atomic(out_file, text.encode("utf-8"))
    except OSError as why:
        raise CarbonError(f"cannot write {out_file}: {why.strerror or why}") from None
    click.echo(
        f"wrote {out_file}: budgets {year} from {target!r} (base year {base_year}); "
        f"load it with: carbon budget load {out_file}"
    )


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
    budget file's unit. A month with a missing or partial data feed is named
    (JSON: "completeness"; docs/feeds.md).

    \b
    Example:
      carbon budget status --month 2026-10 --format json
    """
    rep = ctx.carbon.budget_status(month, team)
    done = ctx.carbon.completeness(rep.counted_through or rep.month)  # the month counted
    if fmt == "json":
        click.echo(answers.budget_status_text(rep, done), nl=False)
        for w in rep.warnings:
            err.print(f"[yellow]warning:[/yellow] {escape(w)}")
    else:
        out.print(view.to_table(rep))
    if done.headline():
        (err if fmt == "json" else out).print(
            f"[bold yellow]{escape(done.headline())}[/bold yellow]"
        )


@budget.command("check", cls=VerdictCommand)
@click.option("--month", required=True, help="The month, YYYY-MM.")
@click.option(
    "--warn-at",
    type=click.FloatRange(0, 1, min_open=True),
    default=0.8,
    show_default=True,
    help="Warn when a team's actual to date is more than this share of its annual budget.",
)
@click.option(
    "--allow-incomplete",
    is_flag=True,
    help="Give a verdict even when a data feed of the month is missing or partial.",
)
@pass_ctx
@handle_errors(error_exit=EXIT_NO_VERDICT)
def check_cmd(ctx, month: str, warn_at: float, allow_incomplete: bool) -> None:
    """Alert for cron and CI: exit 0 all on track, 1 at risk or past --warn-at, 2 over,
    3 could not check.

    Prints one line per budgeted team (worst first) and a summary. Teams
    without a budget are named but do not change the exit code. Exit 3
    (like a monitoring check's "unknown") means no verdict: a refused
    command (no budgets for the year, no data for the month, a bad option),
    with the reason on stderr, or a budgeted team without any data this
    year (a NONE line). A team over its budget still gives 2. Teams whose
    data starts later in the year are judged from their first month with
    data (see 'carbon budget status --help'). An incomplete month (a data
    feed missing or partial: 'carbon feeds status') gives no verdict
    either (exit 3, naming the feeds) unless --allow-incomplete, except
    for a team already over with the data received (exit 2, the others
    not judged).

    \b
    Example:
      carbon budget check --month 2026-10 --warn-at 0.9 || mail -s "carbon budgets" ...
    """
    rep, (code, found) = ctx.carbon.budget_check(month, warn_at)
    done = ctx.carbon.completeness(rep.counted_through or rep.month)  # the month counted
    if done.incomplete and not allow_incomplete:
        click.echo(f"NONE {done.headline()}")
        over = [a for a in found if a.level == budgets.CHECK_OVER]
        if over:  # over with the data received: the data missing cannot bring it back under
            for line in view.check_lines(rep, code, tuple(over))[: len(over)]:
                echo(line)
            click.echo(
                f"budget check {rep.month}: {len(over)} over already with the data received -> "
                f"exit {budgets.CHECK_OVER}; the other teams are not judged: the month is "
                "incomplete (import the missing data, or judge them with --allow-incomplete)"
            )
            sys.exit(budgets.CHECK_OVER)
        click.echo(
            "no verdict: the month is incomplete; import the missing data, or judge it anyway with "
            "--allow-incomplete"
        )
        sys.exit(EXIT_NO_VERDICT)
    if done.incomplete:
        click.echo(f"note: {done.headline()} (--allow-incomplete)")
    for line in view.check_lines(rep, code, found):
        echo(line)
    for w in rep.warnings:
        err.print(f"[yellow]warning:[/yellow] {escape(w)}")
    sys.exit(code)
