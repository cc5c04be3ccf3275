"""Closed periods: carbon close, donation close, refusals, restatements, where locks are shown.

A small company's own files, starting in September 2025. Factor: electricity.grid FR
2025 = 0.0461 kg CO2e/kWh (ADEME Base Empreinte, factors/*.csv).
"""

import json
from datetime import date

import pytest
from sqlalchemy import create_engine, text

from carbon.closing import rules as locks
from carbon.closing import service as stored
from carbon.closing.rules import PeriodLocked, Restate
from carbon.errors import CarbonError
from carbon.ledger import service as importer
from carbon.pack import service as pack
from carbon.store import Store, migrate

HEADER = "date,team,activity,quantity,unit,region\n"
SEPT = (
    HEADER
    + "2025-09-05,Platform,electricity.grid,1000,kWh,FR\n2025-09-12,Video,electricity.grid,400,kWh,FR\n"
)
OCT = HEADER + "2025-10-03,Platform,electricity.grid,2000,kWh,FR\n"
LATE = (
    HEADER
    + "2025-09-29,Platform,electricity.grid,300,kWh,FR\n2025-10-01,Video,electricity.grid,100,kWh,FR\n"
)
TODAY = date(2026, 11, 30)


@pytest.fixture
def company(store, write):
    for t in ("Platform", "Video"):
        importer.add_team(store, t)
    importer.import_activities(store, write("sept.csv", SEPT))
    importer.import_activities(store, write("oct.csv", OCT))
    return store


def test_span_and_which_months_a_lock_covers():
    year = locks.PeriodLock(1, "2025", locks.ORIGIN_DONATION, TODAY, "cfo", "")
    month = locks.PeriodLock(2, "2025-09", locks.ORIGIN_CLOSE, TODAY, "ops", "")
    hit = locks.locked_months([year, month], ["2024-12", "2025-09", "2025-10", "2026-01"])
    assert {m: lk.id for m, lk in hit.items()} == {"2025-09": 2, "2025-10": 1}
    assert (
        locks.span(["2025-01", "2025-02", "2025-03", "2025-12", "2026-01", "2026-05"])
        == "2025-01..2025-03, 2025-12..2026-01, 2026-05"
    )


def test_an_import_touching_a_closed_month_is_refused_and_writes_nothing(company, write, db_dump):
    stored.close_month(company, "2025-09", by="ops", reason="sent to finance", today=TODAY)
    before = db_dump()
    with pytest.raises(PeriodLocked) as exc:
        importer.import_activities(company, write("late.csv", LATE))
    msg = str(exc.value)
    assert "late.csv would change 2025-09, closed: 2025-09 (close, " in msg and msg.startswith(
        "importing "
    )
    assert (
        "by ops: sent to finance). Nothing was written" in msg and "--restate --reason TEXT" in msg
    )
    assert db_dump() == before
    # October is open: a file touching only October goes in.
    importer.import_activities(
        company, write("nov.csv", HEADER + "2025-10-20,Video,electricity.grid,1,kWh,FR\n")
    )


def test_restate_records_who_when_why_and_the_per_team_difference(company, write):
    stored.close_month(company, "2025-09", by="ops", today=TODAY)
    out = importer.import_activities(
        company,
        write("late.csv", LATE),
        checks=importer.Checks(restate=Restate("late meter reading", "alice")),
    )
    r = out.restatement
    assert (r.by, r.reason, r.action, r.batch_id, r.periods) == (
        "alice",
        "late meter reading",
        "import",
        out.batch.id,
        ("2025-09",),
    )
    # Only the closed month is recorded: Platform +300 kWh x 0.0461 = +13.83 kg in September
    # (before: 1000 kWh = 46.1 kg, after 1300 kWh = 59.93 kg); Video's October row is open.
    [c] = r.changes
    assert (c.month, c.team) == ("2025-09", "Platform")
    assert (c.before_kg, c.after_kg) == (pytest.approx(46.1), pytest.approx(59.93))
    assert r.by_team() == [("Platform", pytest.approx(13.83))]
    with company.engine.connect() as conn:
        assert [x.id for x in stored.list_restatements(conn)] == [r.id]


def test_replace_and_remove_into_a_closed_month(company, write, db_dump):
    stored.close_month(company, "2025-09", by="ops", today=TODAY)
    before = db_dump()
    # The corrected September file replaces import 1: refused, then restated.
    fixed = write("sept.csv", SEPT.replace("1000,kWh", "1100,kWh"))
    with pytest.raises(PeriodLocked, match="sept.csv in place of import 1 would change 2025-09"):
        importer.import_activities(company, fixed, replace=True)
    with pytest.raises(PeriodLocked, match="removing import 1 would change 2025-09"):
        importer.remove(company, 1)
    assert db_dump() == before
    out = importer.import_activities(
        company,
        fixed,
        replace=True,
        checks=importer.Checks(restate=Restate("meter corrected", "bob")),
    )
    # Platform 1000 -> 1100 kWh: +100 x 0.0461 = +4.61 kg; Video unchanged (400 kWh both).
    assert out.restatement.action == "replace" and out.restatement.removed == (1,)
    assert out.restatement.by_team() == [("Platform", pytest.approx(4.61))]
    gone = importer.remove(company, out.batch.id, restate=Restate("wrong company", "bob"))
    # Everything of September goes: Platform -1100 x 0.0461 = -50.71 kg, Video -400 x 0.0461 = -18.44 kg.
    assert gone.restatement.action == "remove" and gone.restatement.batch_id is None
    assert gone.restatement.by_team() == [
        ("Platform", pytest.approx(-50.71)),
        ("Video", pytest.approx(-18.44)),
    ]


def test_close_reopen_rules(company, write):
    with pytest.raises(CarbonError, match="2026-11 is not over"):
        stored.close_month(company, "2026-11", today=TODAY)
    with pytest.raises(CarbonError, match="--month: expected a month as YYYY-MM"):
        stored.close_month(company, "2025-13", today=TODAY)
    stored.close_month(company, "2025-09", by="ops", today=TODAY)
    with pytest.raises(CarbonError, match="2025-09 is already closed"):
        stored.close_month(company, "2025-09", today=TODAY)
    with pytest.raises(CarbonError, match="needs --reason"):
        stored.reopen_month(company, "2025-09", reason=" ")
    with pytest.raises(CarbonError, match="2025-10 is not closed"):
        stored.reopen_month(company, "2025-10", reason="x")
    lock = stored.reopen_month(company, "2025-09", reason="late invoice", by="cfo")
    assert (lock.reopened_by, lock.reopen_reason, lock.active) == ("cfo", "late invoice", False)
    importer.import_activities(
        company, write("late.csv", LATE)
    )  # open again: no restatement needed
    # The record of the closing stays; the month can be closed again.
    stored.close_month(company, "2025-09", by="ops", today=TODAY)
    with company.engine.connect() as conn:
        assert [(lk.period, lk.active) for lk in stored.list_locks(conn)] == [
            ("2025-09", False),
            ("2025-09", True),
        ]


def test_donation_close_locks_the_year_and_it_cannot_be_reopened_by_month(run, write, db_dump):
    run("teams", "add", "Platform")
    run(
        "import",
        "activities",
        write(
            "y.csv",
            HEADER.replace("region", "region,end")
            + "2025-01-01,Platform,electricity.grid,12000,kWh,FR,2025-12-31\n",
        ),
    )
    r = run("donation", "close", "--year", "2025", "--price", "80", "--as-of", "2026-01-15")
    assert r.exit_code == 0 and "2025 is locked" in r.stdout, r.output
    before = db_dump()
    r = run("imports", "remove", "1")
    assert (
        r.exit_code == 1
        and "removing import 1 would change 2025-01..2025-12, closed: 2025 (donation close"
        in r.stderr
    )
    r = run("close", "--reopen", "--month", "2025-03", "--reason", "x")
    assert r.exit_code == 1 and "closed with its year" in r.stderr
    r = run("imports", "remove", "1", "--reason", "x")
    assert r.exit_code == 2 and "--reason goes with --restate" in r.output
    assert db_dump() == before
    # 12,000 kWh x 0.0461 = 553.2 kg leave 2025.
    r = run(
        "imports",
        "remove",
        "1",
        "--restate",
        "--reason",
        "duplicate of the ERP export",
        "--by",
        "cfo",
    )
    assert r.exit_code == 0 and "Platform: -553.200 kg CO2e" in r.stdout, r.output
    r = run("close", "--list")
    assert (
        "2025  closed 2026-" in r.stdout
        and "(donation close): donation of 2025 signed off" in r.stdout
    )
    assert (
        "restatement 1" in r.stdout
        and "by cfo (duplicate of the ERP export): removal of 1" in r.stdout
    )


def test_cli_close_and_where_locks_are_shown(run, write, tmp_path):
    run("teams", "add", "Platform", "Video")
    run("import", "activities", write("sept.csv", SEPT))
    r = run("close", "--month", "2025-09", "--reason", "sent to finance", "--by", "ops")
    assert r.exit_code == 0 and "2025-09 closed by ops: sent to finance" in r.stdout
    r = run("import", "activities", write("late.csv", LATE))
    assert r.exit_code == 1 and "would change 2025-09, closed" in r.stderr
    r = run("import", "activities", write("late.csv", LATE), "--restate", "--by", "ops")
    assert r.exit_code == 1 and "--restate needs --reason" in r.stderr
    r = run(
        "import",
        "activities",
        write("late.csv", LATE),
        "--restate",
        "--reason",
        "late reading",
        "--by",
        "ops",
    )
    assert (
        r.exit_code == 0
        and "restatement 1 recorded: closed 2025-09 changed by ops (late reading)" in r.stdout
    )
    assert "Platform: +13.830 kg CO2e" in r.stdout  # 300 kWh x 0.0461
    lines = run("imports", "list").stdout
    assert "closed: 2025-09 (close, " in lines and "by ops: sent to finance)" in lines
    assert "closed" in lines.split("closed: ")[0]  # the Months cell of imports 1 and 2
    assert "closed periods: 2025-09 (close, " in run("schedule", "status").stdout
    r = run("report", "pack", "--month", "2025-09", "--out", str(tmp_path / "packs"))
    assert r.exit_code == 0, r.output
    [d] = list((tmp_path / "packs").iterdir())
    m = json.loads((d / "manifest.json").read_text(encoding="utf-8"))
    assert m["period"]["closed"] is True
    assert "2025-09 is closed (close, " in m["period"]["status"]
    assert (
        "Restated " in m["period"]["status"]
        and "(late reading): Platform +13.830 kg" in m["period"]["status"]
    )
    html = (d / "report.html").read_text(encoding="utf-8")
    assert "month closed" in html and "its figures change only by a recorded restatement" in html


def test_pack_of_an_open_month_says_it_may_change(company):
    data = pack.collect(company, "2025-10")
    assert not data.closed and data.period_status.startswith("2025-10 is open")


def test_upgrade_locks_years_signed_off_before(db_url):
    engine = create_engine(db_url)
    with engine.begin() as conn:
        migrate.upgrade(conn, "0005")
        conn.execute(
            text(
                "INSERT INTO donation_closes (id, year, closed_at, status, emissions_g, amount_cents, currency, "
                "price_key, price_year, price_value, price_unit, basis, source, region, source_ref, price_notes, "
                "price_origin, scopes, categories, ledger_hash, note) VALUES "
                "(1, 2024, '2025-01-15 10:00:00', 'complete', 1, 1, 'EUR', 'k', 2024, '80', 'EUR / t CO2e', 'b', "
                "'s', 'EU', '', '', 'manual', '[]', '[]', 'h', '')"
            )
        )
    engine.dispose()
    store = Store.open(db_url)
    with store.engine.connect() as conn:
        [lk] = stored.list_locks(conn)
    assert (lk.period, lk.origin, lk.active) == ("2024", "donation close", True)
    assert f"{lk.locked_at:%Y-%m-%d %H:%M}" == "2025-01-15 10:00"
    store.close()


def test_closing_a_month_without_any_data_needs_a_reason(run, write):
    # October has no entry at all: closing it silently made its data, once imported, a
    # restatement. Refused like an incomplete month unless --allow-incomplete --reason.
    run("teams", "add", "Platform", "Video")
    run("import", "activities", write("sept.csv", SEPT))
    r = run("close", "--month", "2025-10", "--reason", "month end")
    assert r.exit_code == 1 and "2025-10 has no emissions recorded at all" in r.stderr
    assert "no period is closed" in run("close", "--list").stdout
    r = run("close", "--month", "2025-10", "--allow-incomplete", "--reason", "office shut")
    assert r.exit_code == 0, r.output
