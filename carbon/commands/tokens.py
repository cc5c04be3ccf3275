"""carbon tokens …"""

from __future__ import annotations

import click
from rich.markup import escape
from rich.table import Table

from carbon.commands.common import handle_errors, out, pass_ctx


@click.group()
def tokens() -> None:
    """Access tokens of 'carbon serve': one per person or service, for every team or one."""


@tokens.command("add")
@click.argument("name")
@click.option("--team", help="Only this team's pages and figures (and the company total).")
@pass_ctx
@handle_errors()
def add_cmd(ctx, name: str, team: str | None) -> None:
    """Make a new random token NAME and print it once (only its hash is stored).

    \b
    Example:
      carbon tokens add alice --team Video
    """
    token = ctx.carbon.add_token(name, team)
    click.echo(token)
    out.print(
        f"token {escape(name)} for {escape(team) if team else 'every team'}: printed once above, "
        "keep it; 'carbon tokens revoke' ends it",
        style="dim",
    )


@tokens.command("list")
@pass_ctx
@handle_errors()
def list_cmd(ctx) -> None:
    """List the tokens: name, team (or every team), made (never the token itself)."""
    found = ctx.carbon.tokens()
    if not found:
        out.print("no tokens yet: carbon tokens add NAME [--team T]")
        return
    table = Table("Token", "Team", "Made (UTC)")
    for t in found:
        table.add_row(
            escape(t.name),
            escape(t.team) if t.team else "every team",
            f"{t.created_at:%Y-%m-%d %H:%M}" if t.created_at else "",
        )
    out.print(table)


@tokens.command("revoke")
@click.argument("name")
@pass_ctx
@handle_errors()
def revoke_cmd(ctx, name: str) -> None:
    """Revoke the token NAME: the next request carrying it is refused."""
    ctx.carbon.revoke_token(name)
    out.print(f"token {escape(name)} revoked")
