"""carbon schedule …"""

from __future__ import annotations

import logging
import sys
from datetime import datetime

import click
from rich.markup import escape
from rich.table import Table

from carbon.commands.common import EXIT_ERROR, err, handle_errors, out, pass_ctx
from carbon.commands.feeds import config_feeds
from carbon.core.lazy import lazy
from carbon.core.text import clean

config_file = lazy("carbon.config")
delivery = lazy("carbon.pack.delivery")
schedule = lazy("carbon.pack.schedule")
lock_rules = lazy("carbon.closing.rules")
team_history = lazy("carbon.store.team_history")

# Exit codes of `schedule run-once` (README "The schedule", docs/schedule.md). When several
# apply, the lowest wins; stderr names every problem.
EXIT_DONE = 0
EXIT_PACK_FAILED = EXIT_ERROR  # 1: a pack could not be built (also: a refused config or option)
EXIT_DELIVERY_FAILED = 4  # a message could not be sent after its tries (it stays owed)
EXIT_OVERDUE = 5  # a due month still has no data more than grace_days after its end

LOG_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


class _CleanFormatter(logging.Formatter):
    """Log lines shown safely: a reason or a path from a user loses its control characters."""

    def format(self, record: logging.LogRecord) -> str:
        return clean(super().format(record))


def setup_logging() -> None:
    """Plain log lines on stderr (journald and cron mail read them as they are)."""
    root = logging.getLogger("carbon")
    for h in [h for h in root.handlers if getattr(h, "_carbon", False)]:
        root.removeHandler(h)
    handler = logging.StreamHandler(sys.stderr)
    handler._carbon = True  # type: ignore[attr-defined]
    handler.setFormatter(_CleanFormatter(LOG_FORMAT, datefmt="%Y-%m-%d %H:%M:%S"))
    root.addHandler(handler)
    root.setLevel(logging.INFO)
    root.propagate = False


CONFIG = click.option(
    "--config",
    "config_path",
    type=click.Path(dir_okay=False),
    metavar="PATH",
    help="TOML config file (default: ./carbon.toml when present).",
)
OUT = click.option(
    "--out",
    "out_dir",
    type=click.Path(file_okay=False),
    metavar="DIR",
    help="Directory of the packs (default: [output] dir of the config, else ./reports).",
)


@click.group("schedule")
def schedule_group() -> None:
    """The monthly report pack, produced once per month (catching up missed months)."""


@schedule_group.command("run-once")
@click.option(
    "--now",
    "now_text",
    metavar="ISO-DATETIME",
    help="Act as if it were this time (default: now); a time without zone is read "
    "in the schedule's time zone.",
)
@click.option(
    "--reissue",
    metavar="YYYY-MM",
    help="Write a new revision of this month's pack (the old one is kept).",
)
@click.option(
    "--reason",
    default="",
    help="Why the month is re-issued (required with --reissue; recorded "
    "with the revision and said in its e-mails).",
)
@click.option("--no-email", is_flag=True, help="Do not e-mail the packs produced.")
@OUT
@CONFIG
@pass_ctx
@handle_errors()
def run_once_cmd(ctx, now_text, reissue, reason, no_email, out_dir, config_path) -> None:
    """One pass of the month close: produce every due month's pack, then exit.

    The first run produces the previous month; each later run produces every
    month since the first one that has no pack yet, up to the previous month.
    A month with no data, or incomplete (a data feed missing or partial:
    'carbon feeds status'), is skipped and due again next time. With e-mail
    configured, messages that failed at an earlier run are sent again first.
    Team names of the config are checked against the declared teams first.
    For system cron, tests and catch-up.

    \b
    Exit codes (the lowest applies when several do):
      0  done: every due month with data has its pack, every message was sent
      1  a pack could not be built, or the config/options were refused
      4  an e-mail could not be sent after its tries (owed to the next run)
      5  a due month still has no data, or is still incomplete (naming the
         late feed), [schedule] grace_days (default 10) days after its end

    \b
    Examples:
      carbon schedule run-once
      carbon schedule run-once --now 2026-11-01T06:00
      carbon schedule run-once --reissue 2026-10 --reason "late travel import"
    """
    if reissue and not reason.strip():
        raise click.UsageError(
            "--reissue needs --reason TEXT: the new revision and its e-mails say why "
            "the month was re-issued"
        )
    setup_logging()
    cfg = _current_team_names(ctx.store, config_file.load(config_path))
    now = _parse_now(now_text, cfg)
    ctx.carbon.check_recipients(cfg)  # before anything is produced or sent
    config_feeds(ctx, cfg)
    deliver = None if no_email else delivery.deliverer(cfg)
    result = ctx.carbon.run_schedule_once(
        now,
        out_dir or cfg.out_dir,
        reissue,
        tz=cfg.tz,
        reason=reason.strip(),
        deliver=deliver,
        grace_days=cfg.grace_days,
        scenarios=cfg.scenarios,
    )
    for built in result.produced:
        out.print(f"produced {built.month} revision {built.revision}: {escape(str(built.path))}")
    codes = []
    if result.failed:
        err.print(
            f"[bold red]error:[/bold red] {len(result.failed)} pack(s) could not be built: "
            + escape("; ".join(schedule.bounded("", list(result.failed))))
        )
        codes.append(EXIT_PACK_FAILED)
    if result.undelivered:
        err.print(
            f"[bold red]error:[/bold red] {len(result.undelivered)} e-mail(s) could not be sent "
            "(owed: the next run sends them again): "
            + escape("; ".join(schedule.bounded("", list(result.undelivered))))
        )
        codes.append(EXIT_DELIVERY_FAILED)
    waiting = [(m, why) for m, why in result.skipped if m not in result.overdue]
    for month, why in waiting[: schedule.MESSAGE_MONTHS]:
        out.print(f"waiting for {month}: {escape(why)}")
    if len(waiting) > schedule.MESSAGE_MONTHS:
        out.print(
            f"waiting for {len(waiting) - schedule.MESSAGE_MONTHS} more months up to {waiting[-1][0]}"
        )
    whys = dict(result.skipped)
    empty = [m for m in result.overdue if whys.get(m, "").startswith("no emissions recorded")]
    late = [m for m in result.overdue if m not in empty]
    if empty:
        shown = ", ".join(empty[: schedule.MESSAGE_MONTHS]) + (
            f" and {len(empty) - schedule.MESSAGE_MONTHS} more months up to {empty[-1]}"
            if len(empty) > schedule.MESSAGE_MONTHS
            else ""
        )
        err.print(
            f"[bold red]error:[/bold red] still no emissions recorded for {shown}, "
            f"more than {cfg.grace_days} days after the month's end (schedule.grace_days): import "
            "its data; the next run produces the pack"
        )
    if late:
        err.print(
            f"[bold red]error:[/bold red] {', '.join(late)} still incomplete more than {cfg.grace_days} "
            "days after the month's end (schedule.grace_days): "
            + escape("; ".join(f"{m}: {whys[m].split(' for this month')[0]}" for m in late))
            + "; import the late feed's data; the next run produces the pack"
        )
    if result.overdue:
        codes.append(EXIT_OVERDUE)
    if codes:
        sys.exit(min(codes))


def _parse_now(text: str | None, cfg: config_file.Config) -> datetime:
    if text is None:
        return datetime.now(cfg.tz)
    try:
        now = datetime.fromisoformat(text)
    except ValueError:
        raise click.BadParameter(
            f"expected an ISO date-time such as 2026-11-01T06:00, got {text!r}", param_hint="--now"
        ) from None
    return now if now.tzinfo is not None else now.replace(tzinfo=cfg.tz)


@schedule_group.command("start")
@click.option(
    "--cron",
    help='Crontab line "minute hour day month weekday" (default: config, else "0 6 1 * *").',
)
@click.option("--timezone", "tz_name", help="IANA time zone (default: config, else Europe/Paris).")
@OUT
@CONFIG
@pass_ctx
@handle_errors()
def start_cmd(ctx, cron, tz_name, out_dir, config_path) -> None:
    """Run the scheduler in the foreground: catch up now, then at each cron time.

    For systemd (Type=simple) or a container; stops cleanly on SIGTERM or Ctrl-C.
    Logs one plain line per decision on stderr.

    \b
    Example:
      carbon schedule start --config /etc/carbon/carbon.toml
    """
    import dataclasses

    setup_logging()
    cfg = config_file.load(config_path)
    changes = {}
    if tz_name is not None:  # an empty --timezone is refused, never read as the default
        changes["timezone"] = tz_name
    if cron:
        changes["cron"] = cron
    if changes:
        merged = {
            "schedule": {
                "cron": changes.get("cron", cfg.cron),
                "timezone": changes.get("timezone", cfg.timezone),
            }
        }
        checked = config_file.parse(merged, "command line")  # same checks as the file
        cfg = dataclasses.replace(cfg, cron=checked.cron, timezone=checked.timezone)
    cfg = _current_team_names(ctx.store, cfg)
    config_feeds(ctx, cfg)
    ctx.carbon.start_schedule(cfg, out_dir, deliver=delivery.deliverer(cfg))


def _current_team_names(store, cfg):
    """The config with each manager's team under its current name (a team may have been renamed)."""
    import dataclasses

    managers, notes = team_history.current_recipients(store, cfg.managers)
    for note in notes:
        logging.getLogger("carbon.pack.schedule").warning(note)
    return dataclasses.replace(cfg, managers=managers)


@schedule_group.command("status")
@pass_ctx
@handle_errors()
def status_cmd(ctx) -> None:
    """The packs produced (every revision), their deliveries, the closed periods, and the last runs."""
    packs, deliveries, runs, locks = ctx.carbon.schedule_status()
    runs = runs[-5:]
    closed = lock_rules.locked_months(locks, [p.month for p in packs])
    table = Table(title="Report packs", title_justify="left")
    for col in ("Month", "Rev", "Status", "Produced (UTC)", "Path", "E-mail"):
        table.add_column(col, overflow="fold")  # a path is folded, never cut
    for p in packs:
        mine = [d for d in deliveries if d.pack_id == p.id]
        mail = ", ".join(f"{d.audience} {d.status}" for d in mine) or "-"
        table.add_row(
            p.month + (" closed" if p.month in closed else ""),
            str(p.revision),
            p.status,
            f"{p.produced_at:%Y-%m-%d %H:%M}" if p.produced_at else "-",
            escape(p.path or "-"),
            escape(mail),
        )
    out.print(table)
    out.print(
        "closed periods: "
        + (
            escape("; ".join(lk.describe() for lk in locks))
            if locks
            else "none ('carbon close --month YYYY-MM' closes a month)"
        ),
        soft_wrap=True,
    )
    for r in runs:
        out.print(
            f"run {r['id']} ({r['trigger']}, target {r['target_month'] or '-'}): {r['status']}; "
            f"produced {escape(r['produced'] or 'nothing')}"
            + (f"; {escape(r['message'])}" if r["message"] else "")
        )
