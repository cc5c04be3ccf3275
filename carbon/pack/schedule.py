"""The month close: produce each month's report pack exactly once, catching up missed months.

Rules of a run at time `now` (read in the schedule's time zone):

- its *target* is the month before `now` (a run on 1 November produces October);
- the first run ever produces the target only; every later run produces each
  month from the first run's target up to its own target that has no
  produced pack yet (a back-dated run, before the first run's target, produces
  nothing and does not move where catching up starts) — so a server down for three months makes the three
  missing packs at its next run, and a month skipped for lack of data is
  due again at each run until its data arrives (never a pack of zeros), and so is
  a month with a data feed missing or partial (carbon/feeds/rules.py); once
  `grace_days` have passed since the month's end and it still has no data, the
  run reports it as *overdue* (the command then exits non-zero, so cron notices);
- each pack is claimed in the database before it is built (carbon.pack.store:
  UNIQUE (month, revision)), so two schedulers running at once never both
  produce a month;
- `reissue=M` writes a new revision of M beside the old ones (recorded as
  such), for a month whose data changed after its pack was made;
- with e-mail configured, a run first sends again each message that failed at
  an earlier run (the month's latest revision only), then e-mails the packs
  it produces; a message still not sent after its tries is reported as
  *undelivered* (and owed to the next run).

Before a run produces or sends anything, `check_recipients` refuses a config
whose [recipients.managers] names a team that is not declared.

Each run logs one plain line per decision (produced / skipped and why).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy.exc import IntegrityError

from carbon import config as config_file
from carbon.config import DEFAULT_CRON, DEFAULT_GRACE_DAYS, DEFAULT_TIMEZONE, Config
from carbon.core.calendar import counted_through, month_label, month_range, parse_month
from carbon.errors import CarbonError, InputError, NotFound
from carbon.feeds import service as feed_service
from carbon.pack import service as pack
from carbon.pack import store as stored_packs
from carbon.store import Store

log = logging.getLogger("carbon.pack.schedule")
JOB_ID = "carbon-monthly-pack"

EARLIEST_RUN_YEAR = 1990  # a run "at" an earlier time is a typo, not a catch-up
LATEST_RUN_AHEAD = timedelta(days=366)  # how far past the clock a run may be dated
MESSAGE_MONTHS = 12  # a run's message lists this many months of each kind, then a count


@dataclass(frozen=True)
class RunOutcome:
    """What one run did. `skipped` and `failed` hold (month, why); `overdue` the skipped
    months past their grace period; `undelivered` (month, audience, why) each message that
    could not be sent (still owed)."""

    run_id: int
    target: str | None
    produced: tuple[pack.BuiltPack, ...] = ()
    skipped: tuple[tuple[str, str], ...] = ()
    failed: tuple[tuple[str, str], ...] = ()
    changed: tuple[str, ...] = ()  # produced months whose data changed since (re-issue candidates)
    deliveries: tuple = field(default_factory=tuple)
    overdue: tuple[str, ...] = ()
    undelivered: tuple[tuple[str, str, str], ...] = ()

    @property
    def ok(self) -> bool:
        """Every due pack that has data was built (deliveries and overdue months aside)."""
        return not self.failed


# ---- pure rules -----------------------------------------------------------------------


def target_month(now: datetime, tz: ZoneInfo | str = DEFAULT_TIMEZONE) -> str:
    """The month before `now` as seen in `tz` (a naive `now` is read in `tz`): the last month
    over, carbon.core.calendar.counted_through."""
    return counted_through(local_date(now, tz))


def local_date(now: datetime, tz: ZoneInfo | str = DEFAULT_TIMEZONE) -> date:
    """The date of `now` as seen in `tz` (a naive `now` is read in `tz`)."""
    zone = ZoneInfo(tz) if isinstance(tz, str) else tz
    return (now.replace(tzinfo=zone) if now.tzinfo is None else now.astimezone(zone)).date()


def months_due(first_target: str | None, target: str, produced: set[str]) -> list[str]:
    """Months to produce: from the first run's target (this one's, on a first run) to
    `target`, less those already produced; oldest first. A run whose target is before the
    first run's (a back-dated --now) has nothing to produce."""
    start = first_target or target
    if target < start:
        return []
    return [m for m in month_range(start, target) if m not in produced]


def days_past_end(month: str, now: datetime, tz: ZoneInfo | str = DEFAULT_TIMEZONE) -> float:
    """Days from the end of `month` (midnight starting the next month, in `tz`) to `now`;
    negative while the month is not over."""
    zone = ZoneInfo(tz) if isinstance(tz, str) else tz
    local = now.replace(tzinfo=zone) if now.tzinfo is None else now.astimezone(zone)
    y, m = parse_month(month)
    end = datetime(y + 1, 1, 1, tzinfo=zone) if m == 12 else datetime(y, m + 1, 1, tzinfo=zone)
    return (local - end) / timedelta(days=1)


def is_overdue(
    month: str, now: datetime, grace_days: int, tz: ZoneInfo | str = DEFAULT_TIMEZONE
) -> bool:
    """True when more than `grace_days` days have passed since the end of `month` at `now`."""
    return days_past_end(month, now, tz) > grace_days


def check_now(now: datetime, clock: datetime | None = None) -> None:
    """Refuse a run time outside the sane window: before 1990, or more than a year after the
    clock (`clock`, default the system's). A run dated 9999-12-31 would otherwise catch up
    about 95,000 months; one dated 0001-01-01 would target month 0000-12."""
    clock = clock or datetime.now(UTC)
    aware = now if now.tzinfo is not None else now.replace(tzinfo=UTC)
    if now.year < EARLIEST_RUN_YEAR:
        raise InputError(
            f"--now {now.isoformat(timespec='minutes')}: before {EARLIEST_RUN_YEAR}; "
            "expected a time near the clock, such as the first of a month"
        )
    if aware > clock + LATEST_RUN_AHEAD:
        raise InputError(
            f"--now {now.isoformat(timespec='minutes')}: more than a year after the clock "
            f"({clock:%Y-%m-%d}); expected a time near it, such as the first of a month"
        )


def bounded(kind: str, items: list[tuple[str, str]] | list[tuple[str, str, str]]) -> list[str]:
    """A run's message parts for `items` (month first): the first `MESSAGE_MONTHS` with their
    reason, then a count with the months' range: "skipped 120 more months (2016-01 to 2025-12)"."""
    lead = f"{kind} " if kind else ""
    parts = [
        f"{lead}{m}: {rest[0]}" if len(rest) == 1 else f"{lead}{m} to {rest[0]}: {rest[1]}"
        for m, *rest in items[:MESSAGE_MONTHS]
    ]
    if len(items) > MESSAGE_MONTHS:
        more = items[MESSAGE_MONTHS:]
        parts.append(f"{lead}{len(more)} more (months {more[0][0]} to {more[-1][0]})")
    return parts


def make_trigger(cron: str = DEFAULT_CRON, timezone: str = DEFAULT_TIMEZONE):
    """The APScheduler CronTrigger of a 5-field crontab line in `timezone`.

    Note APScheduler numbers weekdays from Monday = 0 (cron: Sunday = 0); use
    names (mon-fri) in the weekday field to avoid the trap.
    """
    from apscheduler.triggers.cron import CronTrigger

    return CronTrigger.from_crontab(cron, timezone=timezone)


# ---- a run ------------------------------------------------------------------------

Deliver = Callable[..., list]  # (store, pack id, built pack, only=audiences or None) -> deliveries


def run_once(
    store: Store,
    now: datetime,
    out_dir: Path | str,
    reissue: str | None = None,
    *,
    tz: ZoneInfo | str = DEFAULT_TIMEZONE,
    trigger: str = "run-once",
    reason: str = "",
    deliver: Deliver | None = None,
    grace_days: int = DEFAULT_GRACE_DAYS,
    scenarios: tuple = (),
) -> RunOutcome:
    """One pass of the month close at `now`; packs go to `out_dir`/YYYY-MM[-rN].

    `reissue` ("YYYY-MM") makes only a new revision of that month, which must
    already have a pack. `deliver(store, pack_id, built)` is called for each
    pack produced (e-mail); its failures never undo a pack. A month skipped for lack of
    data more than `grace_days` days after its end is listed in `overdue`. `scenarios` (the
    config's [pack] scenarios, read) give each pack its "levers" section.
    Raises NotFound for a bad `reissue`; other problems are logged and returned.
    """
    out_dir = Path(out_dir)
    check_now(now)
    zone = ZoneInfo(tz) if isinstance(tz, str) else tz
    if now.tzinfo is None:
        now = now.replace(tzinfo=zone)
    target = target_month(now, zone)
    if reissue is not None:
        try:
            reissue = month_label(*parse_month(reissue))
        except ValueError as exc:
            raise InputError(f"--reissue: {exc}") from None
    with store.transaction() as conn:
        if reissue is not None and stored_packs.latest_produced(conn, reissue) is None:
            start = stored_packs.first_target(conn)
            when = (
                f"it is before {start}, the first run's month, so the schedule never produces "
                f"it; 'carbon report pack --month {reissue}' builds one on demand"
                if start is not None and reissue < start
                else "a run produces it when it is due"
            )
            raise NotFound(f"{reissue} has no pack yet, so there is nothing to re-issue ({when})")
        run_id = stored_packs.start_run(
            conn, "reissue" if reissue else trigger, now, None if reissue else target
        )
    log.info(
        "run %d at %s: %s",
        run_id,
        now.isoformat(timespec="minutes"),
        f"re-issue of {reissue}" if reissue else f"months due up to {target}",
    )
    produced, skipped, failed, deliveries, overdue, undelivered = [], [], [], [], [], []
    with store.engine.connect() as conn:
        have = set(store.months_with_data(conn))
        feeds = feed_service.matrix_of(conn, sorted(have), target)
        if reissue is not None:
            due = [reissue]
        else:
            due = months_due(
                stored_packs.first_target(conn), target, stored_packs.produced_months(conn)
            )
    if deliver is not None:
        sent, missed = _resend_owed(store, run_id, deliver)
        deliveries.extend(sent)
        undelivered.extend(missed)
    if not due:
        log.info("run %d: nothing to do: every month up to %s has its pack", run_id, target)
    for month in due:
        done = feeds.month(month)
        if month not in have or done.incomplete:
            # an incomplete month (a data feed missing or partial) waits like a month without data
            what = (
                "no emissions recorded"
                if month not in have
                else f"incomplete ({done.gaps()})"
                + (" [inferred from history]" if done.inferred else "")
            )
            late = days_past_end(month, now, zone)
            if reissue is None and late > grace_days:
                why = (
                    f"{what} for this month {int(late)} days after its end, past the "
                    f"{grace_days}-day grace period; it is due again at the next run"
                )
                if len(skipped) < MESSAGE_MONTHS:
                    log.error("run %d: overdue %s: %s", run_id, month, why)
                overdue.append(month)
            else:
                why = f"{what} yet for this month; it is due again at the next run"
                if len(skipped) < MESSAGE_MONTHS:
                    log.info("run %d: skipped %s: %s", run_id, month, why)
            skipped.append((month, why))
            if len(skipped) == MESSAGE_MONTHS + 1:
                log.info("run %d: more months skipped (counted at the end of the run)", run_id)
            continue
        result = _produce(
            store,
            run_id,
            month,
            out_dir,
            reissue=reissue is not None,
            reason=reason,
            scenarios=scenarios,
            today=local_date(now, tz),
        )
        kind, value = result
        if kind == "produced":
            built, pack_id = value
            produced.append(built)
            if deliver is not None:
                sent, missed = _deliver_safely(deliver, store, pack_id, built)
                deliveries.extend(sent)
                undelivered.extend(missed)
        elif kind == "skipped":
            skipped.append((month, value))
        else:
            failed.append((month, value))
    changed = _changed_since(store, run_id)
    with store.transaction() as conn:
        message = "; ".join(
            bounded("skipped", skipped)
            + bounded("failed", failed)
            + bounded("not delivered", undelivered)
        )
        stored_packs.finish_run(
            conn,
            run_id,
            "failed" if failed else "done",
            [f"{b.month} r{b.revision}" for b in produced],
            message,
        )
    log.info(
        "run %d: done: %d produced, %d skipped (%d overdue), %d failed, %d message(s) not delivered",
        run_id,
        len(produced),
        len(skipped),
        len(overdue),
        len(failed),
        len(undelivered),
    )
    return RunOutcome(
        run_id,
        None if reissue else target,
        tuple(produced),
        tuple(skipped),
        tuple(failed),
        tuple(changed),
        tuple(deliveries),
        tuple(overdue),
        tuple(undelivered),
    )


def _produce(
    store: Store,
    run_id: int,
    month: str,
    out_dir: Path,
    *,
    reissue: bool,
    reason: str,
    scenarios: tuple = (),
    today: date | None = None,
):
    """Claim, build and record one pack: ("produced", (built, pack id)) | ("skipped"|"failed", why)."""
    try:
        with store.transaction() as conn:
            revision = stored_packs.next_revision(conn, month) if reissue else 1
            why_reissue = (reason or "re-issued on request") if reissue else ""
            pack_id, why = stored_packs.claim(conn, month, revision, run_id, why_reissue)
    except IntegrityError:  # the UNIQUE constraint: another process inserted the same claim
        pack_id, why = None, "another run claimed it at the same moment"
    if pack_id is None:
        log.info("run %d: skipped %s: %s", run_id, month, why)
        return "skipped", why
    try:
        built = pack.build(
            store,
            month,
            out_dir,
            revision=revision,
            reissue_reason=why_reissue,
            scenarios=scenarios,
            today=today,
        )
    except BaseException as exc:
        with store.transaction() as conn:
            stored_packs.release(conn, pack_id)
        if not isinstance(exc, Exception):
            raise
        why = str(exc) if isinstance(exc, CarbonError) else f"{type(exc).__name__}: {exc}"
        log.error(
            "run %d: failed %s: %s (the month is due again at the next run)", run_id, month, why
        )
        return "failed", why
    with store.transaction() as conn:
        stored_packs.complete(
            conn, pack_id, str(built.path.resolve()), built.data_fingerprint, built.manifest_sha256
        )  # absolute: a later run may start elsewhere
    log.info("run %d: produced %s revision %d in %s", run_id, month, revision, built.path)
    return "produced", (built, pack_id)


def _resend_owed(store: Store, run_id: int, deliver: Deliver) -> tuple[list, list]:
    """Send again the messages that failed at earlier runs (see store.packs.owed_deliveries).

    Returns (deliveries, undelivered (month, audience, why))."""
    with store.engine.connect() as conn:
        owed = stored_packs.owed_deliveries(conn)
    by_pack: dict[int, list[stored_packs.OwedDelivery]] = {}
    for o in owed:
        by_pack.setdefault(o.pack_id, []).append(o)
    sent, missed = [], []
    for pack_id, rows in by_pack.items():
        first = rows[0]
        path = Path(first.path)
        if not (path / "report.json").is_file():
            why = f"its pack is no longer in {path}"
            log.error(
                "run %d: cannot send %s revision %d again: %s",
                run_id,
                first.month,
                first.revision,
                why,
            )
            missed.extend((first.month, o.audience, why) for o in rows)
            continue
        with store.transaction() as conn:
            taken = frozenset(
                o.audience for o in rows if stored_packs.take_owed(conn, o.delivery_id)
            )
        if not taken:
            continue  # another run took them first
        log.info(
            "run %d: sending %s revision %d again to %s (failed at an earlier run)",
            run_id,
            first.month,
            first.revision,
            ", ".join(sorted(taken)),
        )
        built = pack.BuiltPack(
            first.month, path, first.revision, first.manifest_sha256, first.data_fingerprint
        )
        try:
            results = list(deliver(store, pack_id, built, only=taken))
        except Exception as exc:  # e.g. an unreadable pack file: still owed, next run tries again
            why = f"{type(exc).__name__}: {exc}"
            log.error("run %d: sending %s again failed: %s (still owed)", run_id, first.month, why)
            with store.transaction() as conn:
                for o in rows:
                    if o.audience in taken:
                        stored_packs.untake_owed(conn, o.delivery_id)
            missed.extend((first.month, a, why) for a in sorted(taken))
            continue
        sent.extend(results)
        missed.extend((first.month, d.audience, d.error) for d in results if not d.sent)
    return sent, missed


def _deliver_safely(
    deliver: Deliver, store: Store, pack_id: int, built: pack.BuiltPack
) -> tuple[list, list]:
    """(deliveries, undelivered (month, audience, why)) of a pack just produced."""
    try:
        results = list(deliver(store, pack_id, built))
    except Exception as exc:  # a delivery problem never undoes a produced pack
        why = f"{type(exc).__name__}: {exc}"
        log.error(
            "delivery of %s failed: %s (the pack is kept in %s)", built.month, why, built.path
        )
        return [], [(built.month, "every recipient", why)]
    return results, [(built.month, d.audience, d.error) for d in results if not d.sent]


def _changed_since(store: Store, run_id: int) -> list[str]:
    """Produced months whose ledger changed after their latest revision (logged as warnings)."""
    with store.engine.connect() as conn:
        latest: dict[str, stored_packs.PackRecord] = {}
        for p in stored_packs.list_packs(conn):
            if p.status == stored_packs.PRODUCED:
                latest[p.month] = p
        moved = set(
            stored_packs.changed_months(
                conn, {m: p.data_fingerprint for m, p in latest.items() if p.data_fingerprint}
            )
        )
    changed = []
    for month, p in latest.items():
        if month in moved:  # a figure changed (not merely an import swapped for an equal one)
            changed.append(month)
            log.warning(
                "run %d: the data of %s changed since revision %d was produced; "
                "re-issue it with: carbon schedule run-once --reissue %s",
                run_id,
                month,
                p.revision,
                month,
            )
    return changed


def check_recipients(store: Store, config: Config) -> None:
    """Refuse `config` when [recipients.managers], or a lever of a [pack] scenario, names a team
    not declared in `store` (InputError with a did-you-mean; see carbon.config.check_teams). A team's former name
    (`carbon teams rename`) still counts as declared for a manager (the renamed team's mail reaches
    them), not for a lever: refused with the new name, as `report pack` refuses it."""
    from carbon.store import team_history

    if not config.managers and not config.scenarios:
        return
    with store.engine.connect() as conn:
        renamed = team_history.renames(conn)
        declared = list(store.team_ids(conn)) + list(renamed)
    config_file.check_teams(config, declared, renamed)


# ---- the long-running scheduler --------------------------------------------------------


def start(
    store: Store, config: Config, out_dir: Path | str | None = None, deliver: Deliver | None = None
) -> None:
    """Run the blocking scheduler: one catch-up pass now, then at each cron time (until stopped).

    Raises InputError before any pass when the config names an undeclared team (each
    later pass checks again, and is skipped with an error line if so).
    SIGTERM (systemd stop) and Ctrl-C stop it after the pass in progress.
    """
    import signal

    from apscheduler.schedulers.blocking import BlockingScheduler

    check_recipients(store, config)
    out = Path(out_dir) if out_dir is not None else config.out_dir
    zone = config.tz
    trig = make_trigger(config.cron, config.timezone)

    def job() -> None:
        try:
            check_recipients(store, config)  # teams may have changed since the start
        except InputError as exc:
            log.error("scheduled run refused: %s: %s", exc, "; ".join(str(p) for p in exc.problems))
            return
        try:
            run_once(
                store,
                datetime.now(zone),
                out,
                tz=zone,
                trigger="schedule",
                deliver=deliver,
                grace_days=config.grace_days,
                scenarios=config.scenarios,
            )
        except Exception:  # the scheduler must outlive one bad pass; the log says what happened
            log.exception("scheduled run failed")

    sched = BlockingScheduler(timezone=zone)
    # coalesce: after a long sleep/suspend, one catch-up pass, not one per missed fire time.
    sched.add_job(job, trig, id=JOB_ID, max_instances=1, coalesce=True, misfire_grace_time=None)
    log.info(
        "schedule: cron %r in %s; packs in %s; catching up now", config.cron, config.timezone, out
    )
    job()
    nxt = trig.get_next_fire_time(None, datetime.now(zone))
    log.info("schedule: next run at %s", nxt.isoformat(timespec="minutes") if nxt else "never")

    def stop(_sig, _frame) -> None:
        raise SystemExit(0)  # unwinds sched.start() in the main thread; shut down below

    signal.signal(signal.SIGTERM, stop)
    try:
        sched.start()
    except (KeyboardInterrupt, SystemExit):
        log.info("schedule: stopping (waiting for a pass in progress)")
    finally:
        if sched.running:
            sched.shutdown(wait=True)
    log.info("schedule: stopped")
