"""carbon feeds …"""

from __future__ import annotations

import click
from rich import box
from rich.markup import escape
from rich.table import Table

from carbon.commands.common import err, handle_errors, out, pass_ctx
from carbon.core.lazy import lazy
from carbon.feeds.records import FEED_CADENCES, FEED_KINDS

config_file = lazy("carbon.config")
CONFIG = click.option(
    "--config",
    "config_path",
    type=click.Path(dir_okay=False),
    metavar="PATH",
    help="Declare first the [feeds.NAME] of this config (default: ./carbon.toml when present).",
)


def _from_config(ctx, config_path, quiet: bool = False) -> None:
    """Declare the config's feeds not declared yet (said on stdout unless `quiet`); a table
    that differs from its declared feed is warned about on stderr."""
    config_feeds(ctx, config_file.load(config_path), quiet)


def config_feeds(ctx, cfg, quiet: bool = False) -> None:
    done = ctx.carbon.declare_config_feeds(cfg)
    if not quiet:
        for name in done.added:
            out.print(f"feed {escape(name)} declared (config {escape(f'[feeds.{name}]')})")
    for w in done.warnings:
        err.print(f"[yellow]warning:[/yellow] {escape(w)}")


STATE_MARK = {"received": "ok", "missing": "MISSING", "partial": "PARTIAL"}


def _names(text: str | None) -> tuple[str, ...]:
    return tuple(x.strip() for x in (text or "").split(",") if x.strip())


@click.group("feeds")
def feeds_group() -> None:
    """Data feeds a complete month needs: declare, list, remove, and each month's status."""


@feeds_group.command("add")
@click.argument("name")
@click.option(
    "--kind", required=True, type=click.Choice(FEED_KINDS), help="What the feed's imports are."
)
@click.option("--provider", help="Cloud provider (aws, gcp, azure) of a cloud-billing feed.")
@click.option(
    "--teams", metavar="A,B", help="Teams it covers, each expected every month (default: any)."
)
@click.option(
    "--categories",
    metavar="A,B",
    help="Categories it covers, each expected every month (default: any).",
)
@click.option(
    "--source",
    "source",
    metavar="PATTERN",
    help="Imports whose source name (--source, else the file name) matches, e.g. 'video-*.csv'.",
)
@click.option(
    "--cadence",
    type=click.Choice(FEED_CADENCES),
    default="monthly",
    show_default=True,
    help="How often it comes.",
)
@click.option(
    "--from",
    "first_month",
    metavar="YYYY-MM",
    help="First month expected (default: its first month with data).",
)
@pass_ctx
@handle_errors()
def add_cmd(ctx, name, kind, provider, teams, categories, source, cadence, first_month) -> None:
    """Declare a feed: the imports a complete month needs from it.

    An import is the feed's when imported with --feed NAME, or else when it
    is of the feed's kind and matches its --provider and --source pattern
    (and, for the entries counted, its --teams and --categories). Each month
    the feed is then received, missing or partial (see 'carbon feeds status').

    \b
    Example:
      carbon feeds add video --kind video --source 'video-*.csv'
      carbon feeds add aws --kind cloud-billing --provider aws
    """
    feed = ctx.carbon.add_feed(
        name,
        kind,
        provider=provider,
        teams=_names(teams),
        categories=_names(categories),
        source=source,
        cadence=cadence,
        first_month=first_month,
    )
    out.print(f"feed {escape(feed.name)} declared ({escape(describe(feed))})")


def describe(feed) -> str:
    parts = [feed.kind, feed.cadence]
    if feed.provider:
        parts.append(f"provider {feed.provider}")
    if feed.source:
        parts.append(f"source {feed.source}")
    if feed.teams:
        parts.append("teams " + ", ".join(feed.teams))
    if feed.categories:
        parts.append("categories " + ", ".join(feed.categories))
    if feed.first_month:
        parts.append(f"from {feed.first_month}")
    return "; ".join(parts)


@feeds_group.command("list")
@CONFIG
@pass_ctx
@handle_errors()
def list_cmd(ctx, config_path) -> None:
    """List the declared feeds (those of the config's [feeds.NAME] tables are declared first)."""
    _from_config(ctx, config_path)
    found = ctx.carbon.feeds()
    if not found:
        out.print(
            "no feeds declared: completeness is inferred from history ('carbon feeds add' declares one)"
        )
        return
    table = Table(box=box.SIMPLE_HEAD)
    for col in ("Feed", "Kind", "Provider", "Source", "Teams", "Categories", "Cadence", "From"):
        table.add_column(col, overflow="fold", no_wrap=col in ("Kind", "Cadence"))
    for f in found:
        table.add_row(
            escape(f.name),
            f.kind,
            f.provider or "-",
            escape(f.source or "-"),
            escape(", ".join(f.teams) or "any"),
            escape(", ".join(f.categories) or "any"),
            f.cadence,
            f.first_month or "first data",
        )
    out.print(table)


@feeds_group.command("remove")
@click.argument("name")
@pass_ctx
@handle_errors()
def remove_cmd(ctx, name) -> None:
    """Remove a declared feed (its imports stay; they are no longer attributed to it)."""
    n = ctx.carbon.remove_feed(name)
    out.print(
        f"feed {escape(name)} removed"
        + (f" ({n} import{'s' if n != 1 else ''} no longer attributed to it)" if n else "")
    )


@feeds_group.command("status")
@click.option("--month", help="Only this month, YYYY-MM.")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["table", "json"]),
    default="table",
    show_default=True,
    help="table for people; json for scripts.",
)
@CONFIG
@pass_ctx
@handle_errors()
def status_cmd(ctx, month, fmt, config_path) -> None:
    """Feeds × months: each feed received, missing or partial, and each month complete or not.

    A month with a missing or partial feed is incomplete: the reports name
    the feeds, 'budget check' gives no verdict (exit 3), the schedule waits
    for it and 'donation close' refuses it (docs/feeds.md). Without declared
    feeds they are inferred from history (a kind of import present in each
    of the three previous months and absent now is "missing?"). Feeds may
    also be declared in the config, as [feeds.NAME] tables (kind, provider,
    teams, categories, source, cadence, from): this command, 'feeds list'
    and the schedule declare those not declared yet.

    \b
    Example:
      carbon feeds status --month 2026-11 --format json
    """
    if fmt == "json":
        _from_config(ctx, config_path, quiet=True)  # stdout stays JSON
    else:
        _from_config(ctx, config_path)
    matrix = ctx.carbon.feeds_status(month)
    if fmt == "json":
        from carbon.answers import feeds_text

        click.echo(feeds_text(matrix), nl=False)
        return
    if not matrix.months:
        out.print("no data yet")
        return
    table = Table(
        box=box.SIMPLE_HEAD,
        title="Feeds" + (" (inferred from history: none declared)" if matrix.inferred else ""),
        title_justify="left",
    )
    table.add_column("Month", no_wrap=True)
    table.add_column("Status", no_wrap=True)
    for r in matrix.rows:
        table.add_column(escape(r.feed), no_wrap=True)
    for m in matrix.months:
        c = matrix.month(m)
        table.add_row(
            m,
            c.status,
            *[
                STATE_MARK[r.months[m].state]
                + ("?" if matrix.inferred and r.months[m].state == "missing" else "")
                if m in r.months
                else "-"
                for r in matrix.rows
            ],
        )
    out.print(table)
    for m in matrix.months:
        c = matrix.month(m)
        if c.status == "incomplete":
            out.print(escape(c.headline()))
