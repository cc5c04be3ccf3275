"""The month close: cron fire times, exactly once, catch-up, concurrency, re-issue."""

from __future__ import annotations

import json
import multiprocessing
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import update

from carbon import config as config_file
from carbon.errors import InputError, NotFound
from carbon.ledger import service as importer
from carbon.pack import schedule
from carbon.pack import store as stored_packs
from carbon.store import Store

PARIS = ZoneInfo("Europe/Paris")
HEADER = "date,team,activity,quantity,unit,region\n"
# ADEME Base Empreinte FR 2024 electricity: 0.0519 kg CO2e / kWh -> 1000 kWh = 51.9 kg.


def at(text: str) -> datetime:
    """A wall-clock time in Paris."""
    return datetime.fromisoformat(text).replace(tzinfo=PARIS)


@pytest.fixture
def ledger(store, write):
    """Platform: 1000 kWh (FR) in each month Jan..Jun 2024 -> 51.9 kg CO2e a month."""
    importer.add_team(store, "Platform")
    rows = "".join(f"2024-{m:02d}-15,Platform,electricity.grid,1000,kWh,FR\n" for m in range(1, 7))
    importer.import_activities(store, write("h1.csv", HEADER + rows), source="h1.csv")
    return store


def packs_of(store):
    with store.engine.connect() as conn:
        return [(p.month, p.revision, p.status) for p in stored_packs.list_packs(conn)]


def dirs(out):
    return sorted(p.name for p in out.iterdir()) if out.exists() else []


# ---- the cron trigger ------------------------------------------------------------------


def test_default_trigger_fires_on_day_1_at_six_paris_time_across_dst():
    trig = schedule.make_trigger()  # "0 6 1 * *", Europe/Paris
    fires, t = [], at("2026-01-01T00:00")
    for _ in range(13):
        t = trig.get_next_fire_time(None, t)
        fires.append(t)
        t = t + timedelta(minutes=1)
    assert [f.strftime("%Y-%m-%d %H:%M") for f in fires] == [
        f"{y}-{m:02d}-01 06:00" for y, m in [(2026, i) for i in range(1, 13)] + [(2027, 1)]
    ]
    # CET (+1) until the last Sunday of March, CEST (+2) until the last Sunday of October:
    # 2026-03-29 and 2026-10-25. So 06:00 Paris is 05:00 UTC in winter, 04:00 UTC in summer.
    utc_hours = [f.astimezone(UTC).hour for f in fires]
    assert utc_hours == [5, 5, 5, 4, 4, 4, 4, 4, 4, 4, 5, 5, 5]


def test_next_fire_time_right_after_the_dst_changes_and_month_ends():
    trig = schedule.make_trigger("0 6 1 * *", "Europe/Paris")
    # Asked just after the spring change (29 March 2026, 02:00 -> 03:00): 1 April, in CEST.
    nxt = trig.get_next_fire_time(None, at("2026-03-29T03:30"))
    assert nxt.isoformat() == "2026-04-01T06:00:00+02:00"
    # Asked on the autumn change day (25 October 2026): 1 November, back in CET.
    nxt = trig.get_next_fire_time(None, at("2026-10-25T02:30"))
    assert nxt.isoformat() == "2026-11-01T06:00:00+01:00"
    # From the last minutes of February (28 days in 2026) and of a 31-day month.
    assert (
        trig.get_next_fire_time(None, at("2026-02-28T23:59")).isoformat()
        == "2026-03-01T06:00:00+01:00"
    )
    assert (
        trig.get_next_fire_time(None, at("2026-12-31T23:59")).isoformat()
        == "2027-01-01T06:00:00+01:00"
    )
    # Exactly at a fire time, that time is the next one (not skipped to the month after).
    assert (
        trig.get_next_fire_time(None, at("2026-05-01T06:00")).isoformat()
        == "2026-05-01T06:00:00+02:00"
    )


def test_a_daily_cron_at_0230_on_the_spring_change_day():
    # 02:30 does not exist in Paris on 2026-03-29; the trigger must not fire twice
    # nor go backwards: the next fire after 28 March 02:30 is later than it.
    trig = schedule.make_trigger("30 2 * * *", "Europe/Paris")
    first = trig.get_next_fire_time(None, at("2026-03-28T03:00"))
    second = trig.get_next_fire_time(first, first + timedelta(minutes=1))
    assert first > at("2026-03-28T03:00") and second > first
    assert second.astimezone(PARIS).date().isoformat() >= "2026-03-29"


def test_target_month_is_the_previous_month_in_the_schedule_time_zone():
    assert schedule.target_month(at("2026-11-01T06:00")) == "2026-10"
    assert schedule.target_month(at("2027-01-01T00:30")) == "2026-12"
    # 00:30 on 1 November in Paris is still 31 October in UTC: the zone decides.
    utc = datetime(2026, 10, 31, 23, 30, tzinfo=UTC)
    assert schedule.target_month(utc, "Europe/Paris") == "2026-10"
    assert schedule.target_month(utc, "UTC") == "2026-09"


def test_months_due_rule():
    assert schedule.months_due(None, "2024-06", set()) == ["2024-06"]  # first run: the target only
    assert schedule.months_due("2024-03", "2024-06", {"2024-03"}) == [
        "2024-04",
        "2024-05",
        "2024-06",
    ]
    assert schedule.months_due("2024-03", "2024-06", {"2024-03", "2024-05"}) == [
        "2024-04",
        "2024-06",
    ]
    assert schedule.months_due("2024-03", "2024-03", {"2024-03"}) == []
    assert (
        schedule.months_due("2024-06", "2024-03", set()) == []
    )  # back-dated: before the first target


# ---- runs ------------------------------------------------------------------------------


def test_run_once_twice_for_the_same_now_makes_one_pack(ledger, tmp_path):
    out = tmp_path / "reports"
    first = schedule.run_once(ledger, at("2024-07-01T06:00"), out)
    second = schedule.run_once(ledger, at("2024-07-01T06:00"), out)
    assert [b.month for b in first.produced] == ["2024-06"]
    assert second.produced == () and second.skipped == ()
    assert packs_of(ledger) == [("2024-06", 1, "produced")]
    assert dirs(out) == ["2024-06"]


def test_first_run_produces_only_the_previous_month(ledger, tmp_path):
    out = tmp_path / "reports"
    res = schedule.run_once(ledger, at("2024-07-01T06:00"), out)
    assert [b.month for b in res.produced] == [
        "2024-06"
    ]  # not January..May, although they have data
    assert dirs(out) == ["2024-06"]
    rep = json.loads((out / "2024-06" / "report.json").read_text(encoding="utf-8"))
    assert rep["total"] == pytest.approx(51.9)


def test_after_a_three_month_gap_exactly_the_missing_packs(ledger, tmp_path):
    out = tmp_path / "reports"
    schedule.run_once(ledger, at("2024-04-01T06:00"), out)  # produces March
    # Down in May and June; back on 1 July: April, May, June, each once.
    res = schedule.run_once(ledger, at("2024-07-01T06:00"), out)
    assert [b.month for b in res.produced] == ["2024-04", "2024-05", "2024-06"]
    assert dirs(out) == ["2024-03", "2024-04", "2024-05", "2024-06"]
    assert packs_of(ledger) == [
        (m, 1, "produced") for m in ("2024-03", "2024-04", "2024-05", "2024-06")
    ]
    again = schedule.run_once(ledger, at("2024-07-02T06:00"), out)
    assert again.produced == ()


def test_a_back_dated_run_does_not_move_where_catching_up_starts(ledger, tmp_path):
    out = tmp_path / "reports"
    schedule.run_once(ledger, at("2024-05-01T06:00"), out)  # the first run: April
    res = schedule.run_once(
        ledger, at("2024-02-01T06:00"), out
    )  # back-dated: January is before April
    assert res.produced == () and res.skipped == ()
    res = schedule.run_once(ledger, at("2024-07-01T06:00"), out)
    assert [b.month for b in res.produced] == ["2024-05", "2024-06"]  # not January..March
    assert dirs(out) == ["2024-04", "2024-05", "2024-06"]


def test_a_month_without_data_is_skipped_and_due_again(ledger, tmp_path, write):
    out = tmp_path / "reports"
    res = schedule.run_once(ledger, at("2024-08-01T06:00"), out)  # July has no data
    assert res.produced == () and [m for m, _ in res.skipped] == ["2024-07"]
    assert "no emissions recorded" in res.skipped[0][1]
    importer.import_activities(
        ledger, write("jul.csv", HEADER + "2024-07-03,Platform,electricity.grid,2000,kWh,FR\n")
    )
    res = schedule.run_once(ledger, at("2024-08-02T06:00"), out)
    assert [b.month for b in res.produced] == ["2024-07"]
    rep = json.loads((out / "2024-07" / "report.json").read_text(encoding="utf-8"))
    assert rep["total"] == pytest.approx(103.8)  # 2000 kWh × 0.0519


def test_reissue_writes_a_new_revision_and_keeps_the_old(ledger, tmp_path, write):
    out = tmp_path / "reports"
    schedule.run_once(ledger, at("2024-07-01T06:00"), out)
    old = {p.name: p.read_bytes() for p in (out / "2024-06").iterdir()}
    # A late import for June: 500 kWh more -> 25.95 kg.
    importer.import_activities(
        ledger, write("late.csv", HEADER + "2024-06-20,Platform,electricity.grid,500,kWh,FR\n")
    )
    noticed = schedule.run_once(ledger, at("2024-07-02T06:00"), out)
    assert noticed.produced == () and noticed.changed == ("2024-06",)  # said, never silently redone
    res = schedule.run_once(
        ledger, at("2024-07-02T06:00"), out, reissue="2024-06", reason="late import"
    )
    assert [(b.month, b.revision) for b in res.produced] == [("2024-06", 2)]
    assert dirs(out) == ["2024-06", "2024-06-r2"]
    assert {p.name: p.read_bytes() for p in (out / "2024-06").iterdir()} == old
    new = json.loads((out / "2024-06-r2" / "report.json").read_text(encoding="utf-8"))
    assert new["total"] == pytest.approx(51.9 + 25.95)
    manifest = json.loads((out / "2024-06-r2" / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["revision"] == 2 and manifest["reissue_reason"] == "late import"
    assert packs_of(ledger) == [("2024-06", 1, "produced"), ("2024-06", 2, "produced")]
    after = schedule.run_once(ledger, at("2024-07-03T06:00"), out)
    assert after.changed == ()  # the latest revision matches the data again


def test_reissue_of_a_month_without_pack_is_refused(ledger, tmp_path):
    with pytest.raises(NotFound, match="nothing to re-issue"):
        schedule.run_once(ledger, at("2024-07-01T06:00"), tmp_path, reissue="2024-05")


def test_reissue_of_a_month_before_the_first_run_says_it_is_never_produced(ledger, tmp_path):
    # The first run produced 2024-06; 2024-05 precedes it and no run will ever produce it: the
    # refusal said "a run produces it when it is due".
    schedule.run_once(ledger, at("2024-07-01T06:00"), tmp_path)
    with pytest.raises(NotFound) as exc:
        schedule.run_once(ledger, at("2024-07-02T06:00"), tmp_path, reissue="2024-05")
    assert "before 2024-06, the first run's month" in str(exc.value)
    assert "carbon report pack --month 2024-05" in str(exc.value)


def test_a_failed_build_releases_its_claim_and_never_overwrites(ledger, tmp_path):
    out = tmp_path / "reports"
    (out / "2024-06").mkdir(parents=True)
    (out / "2024-06" / "mine.txt").write_text("a user's file")
    res = schedule.run_once(ledger, at("2024-07-01T06:00"), out)
    assert res.produced == () and [m for m, _ in res.failed] == ["2024-06"]
    assert (out / "2024-06" / "mine.txt").read_text() == "a user's file"
    assert packs_of(ledger) == []  # the claim was released: due again
    (out / "2024-06" / "mine.txt").unlink()
    (out / "2024-06").rmdir()
    res = schedule.run_once(ledger, at("2024-07-01T07:00"), out)
    assert [b.month for b in res.produced] == ["2024-06"]


def test_a_fresh_claim_blocks_and_a_stale_claim_is_taken_over(ledger, tmp_path):
    out = tmp_path / "reports"
    with ledger.transaction() as conn:
        run_id = stored_packs.start_run(conn, "run-once", at("2024-07-01T06:00"), "2024-06")
        pack_id, why = stored_packs.claim(conn, "2024-06", 1, run_id)
        assert pack_id is not None and why == ""
        assert stored_packs.claim(conn, "2024-06", 1, run_id + 1)[0] is None  # the guard
    res = schedule.run_once(ledger, at("2024-07-01T06:00"), out)
    assert res.produced == () and "building it since" in res.skipped[0][1]
    # The claimer died: after STALE_CLAIM the claim is taken over.
    old = datetime.now(UTC) - stored_packs.STALE_CLAIM - timedelta(minutes=1)
    with ledger.transaction() as conn:
        conn.execute(
            update(stored_packs.packs)
            .where(stored_packs.packs.c.id == pack_id)
            .values(claimed_at=old)
        )
    res = schedule.run_once(ledger, at("2024-07-01T06:00"), out)
    assert [b.month for b in res.produced] == ["2024-06"]
    assert packs_of(ledger) == [("2024-06", 1, "produced")]


def _concurrent_worker(url: str, out: str, barrier, queue) -> None:
    store = Store.open(url)
    barrier.wait()  # both processes start their run at the same moment
    res = schedule.run_once(store, at("2024-07-01T06:00"), out)
    queue.put(
        ([b.month for b in res.produced], [m for m, _ in res.skipped], [m for m, _ in res.failed])
    )
    store.close()


def test_concurrent_run_once_in_two_processes_makes_one_pack(ledger, db_url, tmp_path):
    out = tmp_path / "reports"
    schedule.run_once(ledger, at("2024-04-01T06:00"), out)  # March; then April..June are due
    ctx = multiprocessing.get_context("spawn")
    barrier, queue = ctx.Barrier(2), ctx.Queue()
    procs = [
        ctx.Process(target=_concurrent_worker, args=(db_url, str(out), barrier, queue))
        for _ in range(2)
    ]
    for p in procs:
        p.start()
    results = [queue.get(timeout=120) for _ in procs]
    for p in procs:
        p.join(timeout=120)
        assert p.exitcode == 0
    produced = sorted(m for r in results for m in r[0])
    assert produced == ["2024-04", "2024-05", "2024-06"]  # each month by exactly one process
    assert all(r[2] == [] for r in results)
    assert packs_of(ledger) == [
        (m, 1, "produced") for m in ("2024-03", "2024-04", "2024-05", "2024-06")
    ]
    assert dirs(out) == ["2024-03", "2024-04", "2024-05", "2024-06"]


def test_schedule_run_once_command_logs_and_is_idempotent(ledger, tmp_path, run, monkeypatch):
    monkeypatch.chdir(tmp_path)  # no ./carbon.toml here
    out = tmp_path / "reports"
    res = run("schedule", "run-once", "--now", "2024-07-01T06:00", "--out", out)
    assert res.exit_code == 0, res.stderr
    assert "produced 2024-06 revision 1" in res.stdout
    assert "produced 2024-06 revision 1 in" in res.stderr  # the log line
    res = run("schedule", "run-once", "--now", "2024-07-01T06:00", "--out", out)
    assert res.exit_code == 0 and "nothing to do" in res.stderr
    assert dirs(out) == ["2024-06"]
    res = run("schedule", "run-once", "--now", "July", "--out", out)
    assert res.exit_code == 2 and "ISO date-time" in res.stderr
    res = run("schedule", "status")
    assert res.exit_code == 0 and "2024-06" in res.stdout


# ---- a month still without data after the grace period; exit codes ---------------------


def test_days_past_end_and_the_grace_rule():
    # July ends at midnight starting 1 August, Paris time.
    assert schedule.days_past_end("2024-07", at("2024-08-11T00:00")) == 10.0
    assert schedule.days_past_end("2024-07", at("2024-07-31T12:00")) == -0.5  # not over yet
    assert schedule.days_past_end("2024-12", at("2025-01-03T00:00")) == 2.0
    assert not schedule.is_overdue(
        "2024-07", at("2024-08-11T00:00"), 10
    )  # exactly 10 days: still in grace
    assert schedule.is_overdue("2024-07", at("2024-08-11T06:00"), 10)  # 10.25 days
    assert schedule.is_overdue("2024-07", at("2024-08-01T06:00"), 0)
    # 23:00 UTC on 31 July is 01:00 on 1 August in Paris (CEST): July is over there, not in UTC.
    utc = datetime(2024, 7, 31, 23, 0, tzinfo=UTC)
    assert schedule.days_past_end("2024-07", utc, "Europe/Paris") == pytest.approx(1 / 24)
    assert schedule.days_past_end("2024-07", utc, "UTC") == pytest.approx(-1 / 24)


def test_run_once_exits_5_when_a_due_month_is_still_skipped_after_the_grace(
    ledger, tmp_path, run, write, monkeypatch
):
    monkeypatch.chdir(tmp_path)  # no ./carbon.toml: grace_days is 10
    out = tmp_path / "reports"
    assert (
        run("schedule", "run-once", "--now", "2024-07-01T06:00", "--out", out).exit_code == 0
    )  # June
    # July has no data. On 5 August (5 days after its end) it is merely skipped: exit 0.
    res = run("schedule", "run-once", "--now", "2024-08-05T06:00", "--out", out)
    assert res.exit_code == 0, res.stderr
    assert "skipped 2024-07: no emissions recorded yet" in res.stderr
    # On 12 August (11.25 days after its end) it is overdue: exit 5, said on stderr.
    res = run("schedule", "run-once", "--now", "2024-08-12T06:00", "--out", out)
    assert res.exit_code == 5
    assert "overdue 2024-07" in res.stderr
    assert (
        "still no emissions recorded for 2024-07, more than 10 days after the month's end"
        in res.stderr
    )
    # A longer grace in the config: 11.25 days is within 15.
    cfg = write("carbon.toml", "[schedule]\ngrace_days = 15\n")
    assert (
        run(
            "schedule", "run-once", "--now", "2024-08-12T06:00", "--out", out, "--config", cfg
        ).exit_code
        == 0
    )
    # The data arrives: July is produced, exit 0. 2000 kWh × 0.0519 = 103.8 kg.
    importer.import_activities(
        ledger, write("jul.csv", HEADER + "2024-07-03,Platform,electricity.grid,2000,kWh,FR\n")
    )
    res = run("schedule", "run-once", "--now", "2024-08-20T06:00", "--out", out)
    assert res.exit_code == 0 and "produced 2024-07 revision 1" in res.stdout
    assert json.loads((out / "2024-07" / "report.json").read_text(encoding="utf-8"))[
        "total"
    ] == pytest.approx(103.8)
    with pytest.raises(InputError) as exc:
        config_file.parse({"schedule": {"grace_days": -1}})
    assert [(p.column, p.message) for p in exc.value.problems] == [
        ("schedule.grace_days", "expected a number of days >= 0")
    ]


def test_a_pack_not_built_outranks_an_overdue_month(ledger, tmp_path, run, monkeypatch):
    monkeypatch.chdir(tmp_path)
    out = tmp_path / "reports"
    assert (
        run("schedule", "run-once", "--now", "2024-06-01T06:00", "--out", out).exit_code == 0
    )  # May
    (out / "2024-06").mkdir()  # June cannot be written (never overwritten); July has no data
    res = run("schedule", "run-once", "--now", "2024-08-20T06:00", "--out", out)
    assert res.exit_code == 1  # 1 (a pack not built) and 5 (July overdue): the lowest wins
    assert "1 pack(s) could not be built: 2024-06" in res.stderr and "2024-07" in res.stderr


def test_a_cron_line_that_never_fires_is_refused(ledger, tmp_path, run, write, monkeypatch):
    monkeypatch.chdir(tmp_path)
    for line in (
        "0 6 31 2 *",
        "0 6 30 2 *",
        "0 6 31 4,6 *",
    ):  # no 31 February, 30 February, 31 April/June
        with pytest.raises(InputError) as exc:
            config_file.parse({"schedule": {"cron": line}})
        [p] = exc.value.problems
        assert p.column == "schedule.cron" and "never fires" in p.message
    config_file.parse(
        {"schedule": {"cron": "0 6 29 2 *"}}
    )  # 29 February: every leap year, accepted
    res = run("schedule", "start", "--cron", "0 6 31 2 *", "--out", tmp_path / "reports")
    assert res.exit_code == 1 and "never fires" in res.stderr and "Traceback" not in res.stderr
    cfg = write("carbon.toml", '[schedule]\ncron = "0 6 31 2 *"\n')  # run-once reads the same file
    res = run(
        "schedule",
        "run-once",
        "--now",
        "2024-07-01T06:00",
        "--out",
        tmp_path / "reports",
        "--config",
        cfg,
    )
    assert res.exit_code == 1 and "never fires" in res.stderr
    assert not (tmp_path / "reports").exists()


def test_reissue_needs_a_reason_on_the_command_line(ledger, tmp_path, run, monkeypatch):
    monkeypatch.chdir(tmp_path)
    out = tmp_path / "reports"
    run("schedule", "run-once", "--now", "2024-07-01T06:00", "--out", out)
    res = run("schedule", "run-once", "--reissue", "2024-06", "--out", out)
    assert res.exit_code == 2 and "--reissue needs --reason" in res.stderr
    assert dirs(out) == ["2024-06"]
    res = run(
        "schedule", "run-once", "--reissue", "2024-06", "--reason", "late import", "--out", out
    )
    assert res.exit_code == 0 and dirs(out) == ["2024-06", "2024-06-r2"]


def test_the_data_of_a_month_changed_is_said_only_when_a_figure_changed(ledger, tmp_path, write):
    out = tmp_path / "reports"
    schedule.run_once(ledger, at("2024-07-01T06:00"), out)
    # The same six rows re-exported in another order (another file, another content hash) replace
    # the import: every figure is the same, 51.9 kg a month.
    rows = "".join(
        f"2024-{m:02d}-15,Platform,electricity.grid,1000,kWh,FR\n" for m in range(6, 0, -1)
    )
    importer.import_activities(
        ledger, write("h1-again.csv", HEADER + rows), source="h1.csv", replace=True
    )
    assert schedule.run_once(ledger, at("2024-07-02T06:00"), out).changed == ()
    # June's reading corrected, 1000 -> 1001 kWh (51.9519 kg): now a figure changed.
    fixed = rows.replace(
        "2024-06-15,Platform,electricity.grid,1000", "2024-06-15,Platform,electricity.grid,1001"
    )
    importer.import_activities(
        ledger, write("h1-fixed.csv", HEADER + fixed), source="h1.csv", replace=True
    )
    assert schedule.run_once(ledger, at("2024-07-03T06:00"), out).changed == ("2024-06",)


def test_a_pack_of_an_earlier_release_is_compared_with_its_own_fingerprint(ledger, tmp_path):
    from carbon.pack import store as stored_packs

    with ledger.engine.connect() as conn:
        old = stored_packs.legacy_fingerprints(conn, ["2024-06"])["2024-06"]
        assert len(old) == 64 and not old.startswith(stored_packs.FIGURES_PREFIX)
        assert stored_packs.changed_months(conn, {"2024-06": old}) == []
        assert stored_packs.changed_months(conn, {"2024-06": "0" * 64}) == ["2024-06"]
        new = stored_packs.data_fingerprints(conn, ["2024-06"])["2024-06"]
        assert len(new) == 64 and stored_packs.changed_months(conn, {"2024-06": new}) == []
