"""The monthly report: JSON contract, CSV, table, errors."""

import csv
import io
import json

import pytest

HEADER = "date,team,activity,quantity,unit,region\n"


@pytest.fixture
def loaded(run, write):
    run("teams", "add", "Platform", "Video", "People")
    # Platform: 1,000 kWh FR 2024 (0.0519) = 51.9 kg, scope 2, infrastructure
    #           + 100 km petrol car GB 2024 (0.1645) = 16.45 kg, scope 3, commuting
    # Video:    1,000 h streaming EU (Carbon Trust 55 g) = 55 kg, scope 3, streaming
    r = run("import", "activities", write("a.csv", HEADER +
            "2024-05,Platform,electricity.grid,1000,kWh,FR\n"
            "2024-05,Platform,commute.car.petrol,100,km,GB\n"
            "2024-05,Video,streaming.video.hour,1000,hour,EU\n"))
    assert r.exit_code == 0, r.output
    return run


def test_json_contract(loaded):
    r = loaded("report", "monthly", "--month", "2024-05", "--format", "json")
    assert r.exit_code == 0
    data = json.loads(r.stdout)
    assert data["month"] == "2024-05" and data["unit"] == "kg CO2e"
    assert data["total"] == pytest.approx(51.9 + 16.45 + 55.0)
    platform = next(t for t in data["teams"] if t["team"] == "Platform")
    assert platform == {"team": "Platform", "total": pytest.approx(68.35),
                        "by_category": {"commuting": pytest.approx(16.45), "infrastructure": pytest.approx(51.9)},
                        "by_scope": {"2": pytest.approx(51.9), "3": pytest.approx(16.45)}, "entries": 2}
    assert data["teams_without_data"] == ["People"]


def test_team_filter_and_csv(loaded):
    r = loaded("report", "monthly", "--month", "2024-05", "--team", "Video", "--format", "csv")
    assert r.stdout.startswith("\ufeffmonth,team,category,scope,co2e_kg")  # BOM: Excel reads UTF-8
    rows = list(csv.DictReader(io.StringIO(r.stdout.removeprefix("\ufeff"))))
    assert {(x["team"], x["category"], x["co2e_kg"]) for x in rows if x["category"]} >= {
        ("Video", "streaming", "55.0"), ("Video", "total", "55.0"), ("total", "total", "55.0")}


def test_table_shows_teams_and_unit(loaded):
    r = loaded("report", "monthly", "--month", "2024-05")
    assert r.exit_code == 0
    assert "Emissions 2024-05 (kg CO2e)" in r.stdout
    assert "Platform" in r.stdout and "68.3" in r.stdout and "no data" in r.stdout


def test_table_never_shows_an_unmeasured_zero_or_a_one_team_company(loaded):
    r = loaded("report", "monthly", "--month", "2024-05")
    caption = " ".join(r.stdout.split("By GHG scope:")[1].split())
    assert caption == "scope 1 - · scope 2 51.9 · scope 3 71.5"  # no scope-1 entry: "-", not 0.0
    assert "Company" in r.stdout and "100%" in r.stdout
    r = loaded("report", "monthly", "--month", "2024-05", "--team", "Video")
    assert "Emissions 2024-05, Video (kg CO2e)" in r.stdout
    assert "Company" not in r.stdout and "%" not in r.stdout and "Platform" not in r.stdout


def test_month_without_data_is_an_error_not_zero(loaded):
    r = loaded("report", "monthly", "--month", "2024-06")
    assert r.exit_code == 1
    assert "no emissions recorded for 2024-06" in r.stderr and "2024-05 to 2024-05" in r.stderr


def test_unknown_team_and_bad_month(loaded):
    r = loaded("report", "monthly", "--month", "2024-05", "--team", "Vidoe")
    assert r.exit_code == 1 and "did you mean 'Video'" in r.stderr
    r = loaded("report", "monthly", "--month", "May 2024")
    assert r.exit_code == 1 and "YYYY-MM" in r.stderr


def test_hostile_team_name_is_inert(run, write):
    name = "=HYPERLINK(\"http://x\")[bold]"
    run("teams", "add", name)
    run("import", "activities", write("a.csv", 'date,team,activity,quantity,unit,region\n'
                                      f'2024-05,"{name.replace(chr(34), chr(34) * 2)}",electricity.grid,1,kWh,FR\n'))
    r = run("report", "monthly", "--month", "2024-05", "--format", "csv")
    assert "'=HYPERLINK" in r.stdout
    r = run("report", "monthly", "--month", "2024-05")
    assert "[bold]" in r.stdout  # shown as text, not applied as markup


def test_sources_trace_each_figure_to_factor_and_import(loaded):
    r = loaded("report", "sources", "--month", "2024-05", "--format", "json")
    assert r.exit_code == 0, r.output
    rows = json.loads(r.stdout)["sources"]
    grid = next(x for x in rows if x["activity"] == "electricity.grid")
    assert (grid["team"], grid["region"], grid["year"], grid["value"], grid["unit"]) == \
        ("Platform", "FR", 2024, 0.0519, "kg CO2e / kWh")
    assert grid["co2e_kg"] == pytest.approx(51.9) and grid["import_source"] == "a.csv"
    assert sum(x["co2e_kg"] for x in rows) == pytest.approx(51.9 + 16.45 + 55.0)
    assert loaded("report", "sources", "--month", "2024-06").exit_code == 1
