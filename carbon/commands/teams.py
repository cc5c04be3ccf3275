"""carbon teams …"""

from __future__ import annotations

from datetime import date

import click
from rich.markup import escape
from rich.table import Table

from carbon.commands.common import handle_errors, out, pass_ctx
from carbon.core.lazy import lazy

answers = lazy("carbon.answers")


@click.group()
def teams() -> None:
    """Declare teams. Activity for an undeclared team is refused, so typos are caught."""


@teams.command("add")
@click.argument("names", nargs=-1, required=True)
@pass_ctx
@handle_errors()
def add(ctx, names: tuple[str, ...]) -> None:
    """Declare one or more teams, all or none (a name refused declares no team).

    \b
    Example:
      carbon teams add Platform Video "Customer Success"
    """
    ctx.carbon.add_teams(names)
    for name in names:
        out.print(f"team {escape(name)!s} declared")


@teams.command("list")
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
def list_(ctx, fmt: str) -> None:
    """List the teams: status (active, or retired from a month), former names, declared."""
    found = ctx.carbon.teams()
    if fmt == "json":
        click.echo(answers.teams_text(found), nl=False)
        return
    if not found:
        out.print("no teams declared yet: carbon teams add NAME")
        return
    table = Table("Team", "Status", "Former names", "Declared (UTC)")
    for t in found:
        status = f"retired from {t.retired_from}" if t.retired_from else "active"
        table.add_row(
            escape(t.name),
            status,
            escape(", ".join(t.former_names)),
            f"{t.created_at:%Y-%m-%d %H:%M}" if t.created_at else "",
        )
    out.print(table)


@teams.command("rename")
@click.argument("old")
@click.argument("new")
@pass_ctx
@handle_errors()
def rename(ctx, old: str, new: str) -> None:
    """Rename a team; its history, budgets and e-mail recipients follow it.

    Ledger entries and budgets refer to the team itself, not its name, so every
    past report shows the new name. The old name stays known: a config file
    that still uses it reaches the renamed team, and no other team can take
    it. A name another team has (or had) is refused.

    \b
    Example:
      carbon teams rename Platform Infrastructure
    """
    ctx.carbon.rename_team(old, new)
    out.print(
        f"team {escape(old)} renamed {escape(new)}; its history, budgets and recipients follow it"
    )


@teams.command("retire")
@click.argument("name")
@click.option(
    "--from",
    "from_month",
    metavar="YYYY-MM",
    help="The first month without the team (default: the current month).",
)
@pass_ctx
@handle_errors()
def retire(ctx, name: str, from_month: str | None) -> None:
    """Retire a team from a month on; its history stays in every past report.

    From that month on the team is not listed as "no data", and activity dated
    then or later is refused. A team with emissions in or after the month is
    refused: retire it from a later month.

    \b
    Example:
      carbon teams retire "Customer Success" --from 2026-07
    """
    month = from_month or f"{date.today():%Y-%m}"
    ctx.carbon.retire_team(name, month)
    out.print(
        f"team {escape(name)} retired from {month}: its history stays; activity from {month} "
        "on is refused"
    )
