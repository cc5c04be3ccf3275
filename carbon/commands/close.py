"""carbon close … (closed months; a donation sign-off closes its year)"""

from __future__ import annotations

import click
from rich.markup import escape
from rich.table import Table

from carbon import locks as rules
from carbon.commands.common import handle_errors, out, pass_ctx
from carbon.store import locks as stored


@click.command("close")
@click.option("--month", metavar="YYYY-MM", help="The month to close (or to reopen with --reopen).")
@click.option("--reopen", is_flag=True, help="Reopen the closed --month (needs --reason).")
@click.option("--reason", default="", metavar="TEXT", help="Why (recorded; required to reopen).")
@click.option("--by", metavar="NAME", help="Who closes or reopens (default: the operating-system user).")
@click.option("--list", "list_", is_flag=True, help="List closed periods, reopenings and restatements.")
@pass_ctx
@handle_errors()
def close(ctx, month, reopen, reason, by, list_) -> None:
    """Close a month: later imports, replacements or removals touching it are refused.

    A write into a closed month needs --restate --reason TEXT, and is recorded
    with who, when, why and the per-team difference. `carbon donation close`
    closes its whole year the same way. A month can be closed once it is over.
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
        lock = stored.reopen_month(ctx.store, month, reason=reason, by=by)
        out.print(f"{lock.period} reopened by {escape(lock.reopened_by or '')}: {escape(lock.reopen_reason or '')} "
                  f"(closed on {lock.locked_at:%Y-%m-%d} by {escape(lock.locked_by)})")
        return
    lock = stored.close_month(ctx.store, month, by=by, reason=reason)
    out.print(f"{lock.period} closed by {escape(lock.locked_by)}"
              + (f": {escape(lock.reason)}" if lock.reason else "")
              + "; a later write into it needs --restate --reason TEXT")


def _print_list(ctx) -> None:
    with ctx.store.engine.connect() as conn:
        locks = stored.list_locks(conn)
        restated = stored.list_restatements(conn)
    if not locks:
        out.print("no period is closed; see 'carbon close --help'")
    else:
        table = Table("Period", "Closed by", "Closed (UTC)", "Reason", "Reopened", title="Closed periods",
                      title_justify="left")
        for lk in locks:
            reopened = "-" if lk.active else (f"{lk.reopened_at:%Y-%m-%d %H:%M} by {lk.reopened_by}: "
                                              f"{lk.reopen_reason}")
            table.add_row(lk.period, escape(f"{lk.locked_by} ({lk.origin})"), f"{lk.locked_at:%Y-%m-%d %H:%M}",
                          escape(lk.reason or "-"), escape(reopened))
        out.print(table)
    for r in restated:
        diff = ", ".join(f"{team} {kg:+,.3f} kg" for team, kg in r.by_team()) or "no team figure changed"
        what = {"import": f"import {r.batch_id}", "replace": f"import {r.batch_id} replacing "
                f"{', '.join(map(str, r.removed))}", "remove": f"removal of {', '.join(map(str, r.removed))}"}
        out.print(f"restatement {r.id}, {r.at:%Y-%m-%d %H:%M} UTC by {escape(r.by)} ({escape(r.reason)}): "
                  f"{escape(what.get(r.action, r.action))} changed closed {rules.span(r.periods)}: {escape(diff)}")
