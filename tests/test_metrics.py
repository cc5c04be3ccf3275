"""Business metrics: import rules, and intensities per month and per year (sum and mean metrics)."""

import json

import pytest

from carbon.metrics import intensity
from carbon.metrics import rules as metrics
from carbon.metrics.rules import MetricDef

HEADER = "date,team,activity,quantity,unit,region\n"


@pytest.fixture
def company(run, write):
    run("teams", "add", "Platform", "Video")
    # Platform: 1,000 kWh FR 2024 (ADEME 0.0519 kg/kWh) = 51.9 kg each month (May, June)
    # Video:    1,000 h streaming EU (Carbon Trust 55 g/h) = 55 kg in May, 2,000 h = 110 kg in June
    r = run(
        "import",
        "activities",
        write(
            "a.csv",
            HEADER + "2024-05,Platform,electricity.grid,1000,kWh,FR\n"
            "2024-06,Platform,electricity.grid,1000,kWh,FR\n"
            "2024-05,Video,streaming.video.hour,1000,hour,EU\n"
            "2024-06,Video,streaming.video.hour,2000,hour,EU\n",
        ),
    )
    assert r.exit_code == 0, r.output
    assert (
        run(
            "metrics", "define", "active_users", "--year", "mean", "--label", "active users"
        ).exit_code
        == 0
    )
    assert (
        run(
            "metrics", "define", "paid_students", "--year", "sum", "--label", "paid students"
        ).exit_code
        == 0
    )
    return run


def test_month_intensity_in_json_company_and_team(company, write):
    r = company(
        "import",
        "metrics",
        write(
            "m.csv",
            """\
        month,metric,value,team
        2024-05,active_users,1000,
        2024-05,paid_students,10,
        2024-05,active_users,50,Video
        """,
        ),
    )
    assert r.exit_code == 0, r.output
    data = json.loads(company("report", "monthly", "--month", "2024-05", "--format", "json").stdout)
    # company May: 51.9 + 55 = 106.9 kg; / 1,000 active users = 0.1069; / 10 paid students = 10.69
    assert data["intensity"] == [
        {
            "metric": "active_users",
            "label": "active users",
            "value": 1000,
            "kg_per_unit": pytest.approx(0.1069),
        },
        {
            "metric": "paid_students",
            "label": "paid students",
            "value": 10,
            "kg_per_unit": pytest.approx(10.69),
        },
    ]
    video = next(t for t in data["teams"] if t["team"] == "Video")
    platform = next(t for t in data["teams"] if t["team"] == "Platform")
    # Video May: 55 kg / 50 of its own active users = 1.1
    assert video["intensity"] == [
        {
            "metric": "active_users",
            "label": "active users",
            "value": 50,
            "kg_per_unit": pytest.approx(1.1),
        }
    ]
    assert "intensity" not in platform  # no metric of its own


def test_month_without_the_metric_is_no_data_never_zero(company, write):
    company(
        "import",
        "metrics",
        write("m.csv", "month,metric,value\n2024-05,active_users,1000\n2024-06,paid_students,0\n"),
    )
    data = json.loads(company("report", "monthly", "--month", "2024-06", "--format", "json").stdout)
    by = {i["metric"]: i for i in data["intensity"]}
    assert by["active_users"] == {
        "metric": "active_users",
        "label": "active users",
        "value": None,
        "kg_per_unit": None,
        "note": "no data",
    }
    assert by["paid_students"]["kg_per_unit"] is None  # 0 students: no intensity, never infinity
    table = company("report", "monthly", "--month", "2024-06").stdout
    assert "no data" in table and "inf" not in table


def test_year_intensity_sum_and_mean(company, write, store):
    company(
        "import",
        "metrics",
        write(
            "m.csv",
            """\
        month,metric,value
        2024-05,active_users,1000
        2024-06,active_users,3000
        2024-05,paid_students,10
        2024-06,paid_students,30
        """,
        ),
    )
    got = {i.metric: i for i in intensity.for_year(store, 2024)}
    # Year kg: May 106.9 + June (51.9 + 110) 161.9 = 268.8 kg
    # active_users is a stock (mean): (1,000 + 3,000) / 2 = 2,000 -> 268.8 / 2,000 = 0.1344
    assert got["active_users"].value == 2000
    assert got["active_users"].kg_per_unit == pytest.approx(0.1344)
    # paid_students is a flow (sum): 10 + 30 = 40 -> 268.8 / 40 = 6.72
    assert got["paid_students"].value == 40
    assert got["paid_students"].kg_per_unit == pytest.approx(6.72)


def test_year_intensity_counts_only_months_with_a_value():
    d = MetricDef("paid_students", "sum", "paid students")
    got = metrics.year_intensity(d, {"2024-05": 100.0, "2024-06": 300.0}, {"2024-05": 10.0})
    # June has emissions but no value: not counted, listed; 100 kg / 10 = 10
    assert (got.kg_per_unit, got.missing_months) == (pytest.approx(10.0), ("2024-06",))
    none = metrics.year_intensity(d, {"2024-05": 100.0}, {})
    assert none.kg_per_unit is None and none.note == "no data"


def test_bad_metrics_file_names_line_and_column_and_writes_nothing(company, write, db_dump):
    before = db_dump()
    r = company(
        "import",
        "metrics",
        write(
            "bad.csv",
            """\
        month,metric,value,team
        2024-13,active_users,5,
        2024-05,active_user,5,
        2024-05,active_users,-1,
        2024-05,active_users,inf,
        2024-05,active_users,5,Vidoe
        """,
        ),
    )
    assert r.exit_code == 1
    assert "bad.csv, line 2, column 'month': expected a month as YYYY-MM" in r.stderr
    assert "line 3, column 'metric': undeclared metric (did you mean 'active_users'?)" in r.stderr
    assert "line 4, column 'value': expected a value >= 0" in r.stderr
    assert "line 5, column 'value': expected a number" in r.stderr
    assert "line 6, column 'team': unknown team (did you mean 'Video'?)" in r.stderr
    assert db_dump() == before


def test_import_is_idempotent_and_replace_swaps(company, write, db_dump):
    path = write("m.csv", "month,metric,value\n2024-05,active_users,1000\n")
    assert company("import", "metrics", path).exit_code == 0
    before = db_dump()
    again = company("import", "metrics", path)
    assert again.exit_code == 0 and "nothing changed" in again.stdout
    assert db_dump() == before
    path.write_text("month,metric,value\n2024-05,active_users,2000\n", encoding="utf-8")
    refused = company("import", "metrics", path)
    assert refused.exit_code == 1 and "--replace" in refused.stderr
    assert company("import", "metrics", path, "--replace").exit_code == 0
    data = json.loads(company("report", "monthly", "--month", "2024-05", "--format", "json").stdout)
    assert data["intensity"][0]["value"] == 2000  # the old value is gone with its import


def test_same_value_from_two_sources_is_refused(company, write):
    company("import", "metrics", write("a.csv", "month,metric,value\n2024-05,active_users,1000\n"))
    r = company(
        "import", "metrics", write("b.csv", "month,metric,value\n2024-05,active_users,1200\n")
    )
    assert (
        r.exit_code == 1 and "b.csv, line 2" in r.stderr and "already given by import" in r.stderr
    )


def test_undeclared_metric_declared_by_year_option(run, write):
    run("teams", "add", "Video")
    r = run(
        "import",
        "metrics",
        write("m.csv", "month,metric,value\n2024-05,streamed_hours,52000\n"),
        "--year",
        "sum",
    )
    assert r.exit_code == 0 and "metric streamed_hours declared (--year sum)" in r.stdout
    assert "streamed_hours" in run("metrics", "list").stdout


def test_removing_the_import_removes_its_values(company, write, store):
    company("import", "metrics", write("m.csv", "month,metric,value\n2024-05,active_users,1000\n"))
    batch = store.list_batches()[-1]
    assert company("imports", "remove", str(batch.id)).exit_code == 0
    assert intensity.for_year(store, 2024) == ()


def test_year_intensity_command(company, write):
    company(
        "import",
        "metrics",
        write(
            "m.csv",
            """\
        month,metric,value,team
        2024-05,active_users,1000,
        2024-06,active_users,3000,
        2024-05,paid_students,10,
        2024-06,paid_students,30,
        """,
        ),
    )
    data = json.loads(company("metrics", "intensity", "--year", "2024", "--format", "json").stdout)
    by = {i["metric"]: i for i in data["intensity"]}
    # 268.8 kg / mean 2,000 users = 0.1344; / sum 40 students = 6.72 (see test_year_intensity_sum_and_mean)
    assert (by["active_users"]["value"], by["active_users"]["kg_per_unit"]) == (
        2000,
        pytest.approx(0.1344),
    )
    assert (by["paid_students"]["value"], by["paid_students"]["kg_per_unit"]) == (
        40,
        pytest.approx(6.72),
    )
    r = company("metrics", "intensity", "--year", "2024", "--team", "Vide")
    assert r.exit_code == 1 and "did you mean 'Video'" in r.stderr


def test_pack_shows_intensity_with_its_trend(company, write, tmp_path):
    company("import", "metrics", write("m.csv", "month,metric,value\n2024-06,active_users,3000\n"))
    assert (
        company("report", "pack", "--month", "2024-06", "--out", tmp_path / "packs").exit_code == 0
    )
    pack = next((tmp_path / "packs").iterdir())
    html = (pack / "report.html").read_text(encoding="utf-8")
    assert "<h2>Intensity</h2>" in html and "active users" in html
    # June: 161.9 kg / 3,000 users = 0.05397 kg per user
    assert "0.054" in html
    data = json.loads((pack / "report.json").read_text(encoding="utf-8"))
    assert data["intensity"][0]["kg_per_unit"] == pytest.approx(161.9 / 3000, abs=1e-6)


def test_year_intensity_leaves_out_the_running_month_as_the_year_totals_do(company, write, store):
    from datetime import date

    from carbon.ledger.year import year_report

    company(
        "import",
        "metrics",
        write(
            "m.csv",
            """\
        month,metric,value
        2024-05,active_users,1000
        2024-06,active_users,3000
        """,
        ),
    )
    # On 2024-06-15 June is running: counted through May only. May: Platform 51.9 kg (1,000 kWh
    # x ADEME 0.0519) + Video 55 kg (1,000 h x 55 g/h) = 106.9 kg over 1,000 active users.
    got = {i.metric: i for i in intensity.for_year(store, 2024, today=date(2024, 6, 15))}
    assert got["active_users"].months == ("2024-05",)
    assert got["active_users"].value == 1000
    assert got["active_users"].kg_per_unit == pytest.approx(106.9 / 1000)
    rep = year_report(store, 2024, today=date(2024, 6, 15))
    assert rep.counted_through == "2024-05"
    assert {i.metric: i.kg_per_unit for i in rep.intensities}["active_users"] == pytest.approx(
        0.1069
    )
    # once June is over, both months count: 268.8 kg over a mean of 2,000 users
    later = {i.metric: i for i in intensity.for_year(store, 2024, today=date(2024, 7, 1))}
    assert later["active_users"].kg_per_unit == pytest.approx(0.1344)
    # a year none of whose months is over has no yearly intensity yet
    assert intensity.for_year(store, 2024, today=date(2024, 1, 10)) == ()
