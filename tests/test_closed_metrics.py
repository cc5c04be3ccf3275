"""Closed months are closed for metrics too: a changed value of a closed month is refused without
--restate, and recorded (value and intensity, before and after) with it.

A small company of its own (Heron: one team, Web) closes October 2026, then its analytics
export for October is corrected from 5,000 to 5,300 active users.
"""

import json

from carbon.pack import delivery
from carbon.pack import service as pack

FACTORS = """\
activity,region,year,value,unit,category,scope,source,uncertainty_pct
test.power,,2026,1,kg CO2e / kWh,infrastructure,2,test table,10
"""
# October: Web 1,000 kWh x 1 kg/kWh = 1,000 kg CO2e.
ACTIVITIES = "date,team,activity,quantity,unit\n2026-09,Web,test.power,900,kWh\n2026-10,Web,test.power,1000,kWh\n"
# 1,000 kg / 5,000 users = 0.2 kg per user; corrected: 1,000 / 5,300 = 0.188679 kg per user.
METRICS = "month,metric,value,team\n2026-09,active_users,4500,\n2026-10,active_users,5000,\n"
CORRECTED = "month,metric,value,team\n2026-09,active_users,4500,\n2026-10,active_users,5300,\n"


def _company(run, write):
    assert run("teams", "add", "Web").exit_code == 0
    assert run("factors", "import", write("f.csv", FACTORS)).exit_code == 0
    assert run("import", "activities", write("a.csv", ACTIVITIES)).exit_code == 0
    assert run("metrics", "define", "active_users", "--year", "mean").exit_code == 0
    r = run("import", "metrics", write("metrics.csv", METRICS), "--source", "analytics")
    assert r.exit_code == 0, r.output
    return int(r.stdout.split("(import ")[1].split(")")[0])


def test_a_closed_months_metric_is_refused_without_restate_and_recorded_with_it(
    run, write, db_dump, store, tmp_path
):
    _company(run, write)
    first = pack.collect(store, "2026-10")
    r1 = pack.report_dict(first)
    assert r1["intensity"][0]["kg_per_unit"] == 0.2  # 1,000 / 5,000
    assert run("close", "--month", "2026-10", "--reason", "sent to finance").exit_code == 0
    before = db_dump()
    r = run(
        "import", "metrics", write("fixed.csv", CORRECTED), "--source", "analytics", "--replace"
    )
    assert r.exit_code == 1, r.output
    assert "2026-10 active_users (company) 5,000 → 5,300" in r.stderr and "closed" in r.stderr
    assert "--restate --reason" in r.stderr
    assert db_dump() == before  # nothing written
    # --reason alone is not a restatement.
    r = run(
        "import",
        "metrics",
        write("fixed.csv", CORRECTED),
        "--source",
        "analytics",
        "--replace",
        "--reason",
        "x",
    )
    assert r.exit_code != 0 and db_dump() == before

    r = run(
        "import",
        "metrics",
        write("fixed.csv", CORRECTED),
        "--source",
        "analytics",
        "--replace",
        "--restate",
        "--reason",
        "analytics export corrected",
        "--by",
        "ana",
    )
    assert r.exit_code == 0, r.output
    assert "restatement 1 recorded" in r.stdout
    assert "2026-10 company metric active_users: 5,000 → 5,300" in r.stdout
    assert "2026-10 company kg CO2e per active_users: 0.2 → 0.188679" in r.stdout
    # September (open) changed nothing and is not listed; the record keeps every figure.
    from carbon.closing import store as stored_locks

    with store.engine.connect() as conn:
        (rec,) = stored_locks.list_restatements(conn)
    assert (rec.by, rec.reason, rec.periods, rec.changes) == (
        "ana",
        "analytics export corrected",
        ("2026-10",),
        (),
    )
    assert [(f.month, f.team, f.figure, f.before, round(f.after, 6)) for f in rec.figures] == [
        ("2026-10", "", "kg CO2e per active_users", 0.2, 0.188679),
        ("2026-10", "", "metric active_users", 5000.0, 5300.0),
    ]
    listing = run("close", "--list")
    assert listing.exit_code == 0

    # Revision 2 of October's pack says what changed since revision 1: the intensity.
    second = pack.report_dict(pack.collect(store, "2026-10"))
    note = delivery.reissue_note(2, "analytics corrected", second, json.loads(json.dumps(r1)), None)
    assert any(
        "Company active_users 5,000 → 5,300 (kg CO2e per unit 0.2 → 0.188679)" in n for n in note
    ), note


def test_an_identical_value_of_a_closed_month_is_no_change(run, write):
    _company(run, write)
    assert run("close", "--month", "2026-10", "--reason", "sent").exit_code == 0
    # September changes (open), October's value is the same: no refusal, no restatement.
    r = run(
        "import",
        "metrics",
        write("sep.csv", METRICS.replace("4500", "4600")),
        "--source",
        "analytics",
        "--replace",
    )
    assert r.exit_code == 0, r.output
    assert "restatement" not in r.stdout


def test_removing_a_closed_months_metrics_import_is_refused_without_restate(run, write, db_dump):
    metrics_id = _company(run, write)
    assert run("close", "--month", "2026-10", "--reason", "sent").exit_code == 0
    before = db_dump()
    r = run("imports", "remove", str(metrics_id))
    assert r.exit_code == 1 and "2026-10" in r.stderr and "closed" in r.stderr, r.output
    assert db_dump() == before


def test_a_budget_reload_changing_a_closed_months_allocation_is_refused_and_recorded(
    run, write, db_dump, store
):
    # Web: 1,200 kg flat = 100 kg a month; reloaded at 2,400 kg = 200 kg a month.
    _company(run, write)
    assert (
        run(
            "budget",
            "load",
            write("b.toml", 'year = 2026\nunit = "kg CO2e"\n[teams.Web]\nbudget = 1200\n'),
        ).exit_code
        == 0
    )
    assert run("close", "--month", "2026-10", "--reason", "sent").exit_code == 0
    bigger = write("b2.toml", 'year = 2026\nunit = "kg CO2e"\n[teams.Web]\nbudget = 2400\n')
    before = db_dump()
    r = run("budget", "load", bigger, "--replace")
    assert r.exit_code == 1 and "2026-10 Web 100 → 200 kg" in r.stderr and "closed" in r.stderr, (
        r.output
    )
    assert db_dump() == before
    r = run(
        "budget", "load", bigger, "--replace", "--restate", "--reason", "board raised the budget"
    )
    assert r.exit_code == 0, r.output
    assert "2026-10 Web budget allocation (kg CO2e): 100 → 200" in r.stdout
    from carbon.closing import store as stored_locks

    with store.engine.connect() as conn:
        (rec,) = stored_locks.list_restatements(conn)
    # Only the closed month is recorded (September's allocation changed too, but it is open).
    assert (rec.action, rec.periods) == ("budget", ("2026-10",))
    assert [(f.month, f.team, f.before, f.after) for f in rec.figures] == [
        ("2026-10", "Web", 100.0, 200.0)
    ]
    # The same budgets again: nothing changes, nothing is refused.
    assert run("budget", "load", bigger, "--replace").exit_code == 0
