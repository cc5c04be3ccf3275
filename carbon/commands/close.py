"""carbon close … (closed months; a donation sign-off closes its year)"""

from __future__ import annotations

import click
from rich.markup import escape

from carbon.commands.common import handle_errors, out, pass_ctx
from carbon.core.lazy import lazy

rules = lazy("carbon.closing.rules")


@click.command("close")
@click.option("--month", metavar="YYYY-MM", help="The month to close (or to reopen with --reopen).")
@click.option("--reopen", is_flag=True, help="Reopen the closed --month (needs --reason).")
@click.option("--reason", default="", metavar="TEXT", help="Why (recorded; required to reopen).")
@click.option(
    "--by", metavar="NAME", help="Who closes or reopens (default: the operating-system user)."
)
@click.option(
    "--list", "list_", is_flag=True, help="List closed periods, reopenings and restatements."
)
@click.option(
    "--allow-incomplete",
    is_flag=True,
    help="Close a month a data feed is missing from or partial in ('carbon feeds status'), "
    "or without any data; needs --reason (recorded).",
)
@pass_ctx
@handle_errors()
def close(ctx, month, reopen, reason, by, list_, allow_incomplete) -> None:
    """Close a month: later imports, replacements or removals touching it are refused.

    A write into a closed month needs --restate --reason TEXT, and is recorded
    with who, when, why and the per-team difference. `carbon donation close`
    closes its whole year the same way. A month can be closed once it is over,
    and when it is complete: a month a data feed is missing from or partial in,
    or without any data, is refused unless --allow-incomplete --reason TEXT
    (recorded).
    Closed periods are shown here (--list), in `imports list`, `schedule
    status` and the month's report pack.

    \b
    Examples:
      carbon close --month 2026-09 --reason "September figures sent to finance"
      carbon close --reopen --month 2026-09 --reason "late AWS invoice"
      carbon close --list
    """
    if list_ or month is None:
        if reopen:
            raise click.UsageError("--reopen needs --month YYYY-MM")
        _print_list(ctx)
        return
    if reopen:
        lock = ctx.carbon.reopen_month(month, reason=reason, by=by)
        out.print(
            f"{lock.period} reopened by {escape(lock.reopened_by or '')}: {escape(lock.reopen_reason or '')} "
            f"(closed on {lock.locked_at:%Y-%m-%d} by {escape(lock.locked_by)})"
        )
        return
    lock = ctx.carbon.close_month(month, by=by, reason=reason, allow_incomplete=allow_incomplete)
    out.print(
        f"{lock.period} closed by {escape(lock.locked_by)}"
        + (f": {escape(lock.reason)}" if lock.reason else "")
        + "; a later write into it needs --restate --reason TEXT"
    )


def _print_list(ctx) -> None:
    """One line per closing and per restatement, never cut (grep-able in an audit)."""
    locks, restated = ctx.carbon.periods()
    if not locks:
        out.print("no period is closed; see 'carbon close --help'")
    for lk in locks:
        state = (
            "closed"
            if lk.active
            else (
                f"reopened {lk.reopened_at:%Y-%m-%d %H:%M} UTC by {lk.reopened_by}: "
                f"{lk.reopen_reason}; was closed"
            )
        )
        out.print(
            escape(
                f"{lk.period}  {state} {lk.locked_at:%Y-%m-%d %H:%M} UTC by {lk.locked_by} ({lk.origin})"
                + (f": {lk.reason}" if lk.reason else "")
            ),
            soft_wrap=True,
        )
    for r in restated:
        diff = (
            ", ".join(f"{team} {kg:+,.3f} kg" for team, kg in r.by_team())
            or "no team figure changed"
        )
        removed = ", ".join(map(str, r.removed))
        what = {
            "import": f"import {r.batch_id}",
            "replace": f"import {r.batch_id} replacing {removed}",
            "remove": f"removal of {removed}",
        }.get(r.action, r.action)
        out.print(
            escape(
                f"restatement {r.id}, {r.at:%Y-%m-%d %H:%M} UTC by {r.by} ({r.reason}): {what} "
                f"changed closed {rules.span(r.periods)}: {diff}"
            ),
            soft_wrap=True,
        )
