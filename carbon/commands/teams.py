"""carbon teams …"""

from __future__ import annotations

import click
from rich.markup import escape
from rich.table import Table

from carbon import importer
from carbon.commands.common import handle_errors, out, pass_ctx


@click.group()
def teams() -> None:
    """Declare teams. Activity for an undeclared team is refused, so typos are caught."""


@teams.command("add")
@click.argument("names", nargs=-1, required=True)
@pass_ctx
@handle_errors()
def add(ctx, names: tuple[str, ...]) -> None:
    """Declare one or more teams.

    \b
    Example:
      carbon teams add Platform Video "Customer Success"
    """
    for name in names:
        importer.add_team(ctx.store, name)
        out.print(f"team {escape(name)!s} declared")


@teams.command("list")
@pass_ctx
@handle_errors()
def list_(ctx) -> None:
    """List the declared teams."""
    found = ctx.store.list_teams()
    if not found:
        out.print("no teams declared yet: carbon teams add NAME")
        return
    table = Table("Team", "Declared (UTC)")
    for t in found:
        table.add_row(escape(t.name), f"{t.created_at:%Y-%m-%d %H:%M}" if t.created_at else "")
    out.print(table)
