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
    r = run(
        "import",
        "activities",
        write(
            "a.csv",
            HEADER + "2024-05,Platform,electricity.grid,1000,kWh,FR\n"
            "2024-05,Platform,commute.car.petrol,100,km,GB\n"
            "2024-05,Video,streaming.video.hour,1000,hour,EU\n",
        ),
    )
    assert r.exit_code == 0, r.output
    return run


def test_json_contract(loaded):
    r = loaded("report", "monthly", "--month", "2024-05", "--format", "json")
    assert r.exit_code == 0
    data = json.loads(r.stdout)
    assert data["month"] == "2024-05" and data["unit"] == "kg CO2e"
    assert data["total"] == pytest.approx(51.9 + 16.45 + 55.0)
    platform = next(t for t in data["teams"] if t["team"] == "Platform")
    assert platform == {
        "team": "Platform",
        "total": pytest.approx(68.35),
        "by_category": {"commuting": pytest.approx(16.45), "infrastructure": pytest.approx(51.9)},
        "by_scope": {"2": pytest.approx(51.9), "3": pytest.approx(16.45)},
        "entries": 2,
    }
    assert data["teams_without_data"] == ["People"]


def test_team_filter_and_csv(loaded):
    r = loaded("report", "monthly", "--month", "2024-05", "--team", "Video", "--format", "csv")
    assert r.stdout.startswith("\ufeffmonth,team,category,scope,co2e_kg")  # BOM: Excel reads UTF-8
    rows = list(csv.DictReader(io.StringIO(r.stdout.removeprefix("\ufeff"))))
    # Tidy: only Video's one cell, no "total" rows (changed on purpose: a SUM counted them too).
    assert [(x["team"], x["category"], x["scope"], x["co2e_kg"]) for x in rows] == [
        ("Video", "streaming", "3", "55.0")
    ]


def test_csv_is_tidy_so_a_spreadsheet_sum_is_the_company_total(loaded):
    r = loaded("report", "monthly", "--month", "2024-05", "--format", "csv")
    rows = list(csv.DictReader(io.StringIO(r.stdout.removeprefix("\ufeff"))))
    # One row per team × category × scope, no subtotal rows:
    # Platform infrastructure scope 2: 1,000 kWh × 0.0519 (ADEME FR 2024) = 51.9 kg
    # Platform commuting scope 3: 100 km × 0.1645 (DESNZ 2024 petrol car) = 16.45 kg
    # Video streaming scope 3: 1,000 h × 0.055 (Carbon Trust) = 55 kg
    assert [
        (x["month"], x["team"], x["category"], x["scope"], float(x["co2e_kg"])) for x in rows
    ] == [
        ("2024-05", "Platform", "commuting", "3", 16.45),
        ("2024-05", "Platform", "infrastructure", "2", 51.9),
        ("2024-05", "Video", "streaming", "3", 55.0),
    ]
    total = json.loads(
        loaded("report", "monthly", "--month", "2024-05", "--format", "json").stdout
    )["total"]
    # SUM(co2e_kg) = 16.45 + 51.9 + 55 = 123.35 = the company total (the old layout summed to 370.05)
    assert (
        sum(float(x["co2e_kg"]) for x in rows)
        == pytest.approx(total, abs=1e-9)
        == pytest.approx(123.35)
    )
    assert not [
        x
        for x in rows
        if "total" in (x["team"], x["category"]) or not x["scope"] or not x["category"]
    ]


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
    name = '=HYPERLINK("http://x")[bold]'
    run("teams", "add", name)
    run(
        "import",
        "activities",
        write(
            "a.csv",
            "date,team,activity,quantity,unit,region\n"
            f'2024-05,"{name.replace(chr(34), chr(34) * 2)}",electricity.grid,1,kWh,FR\n',
        ),
    )
    r = run("report", "monthly", "--month", "2024-05", "--format", "csv")
    assert "'=HYPERLINK" in r.stdout
    r = run("report", "monthly", "--month", "2024-05")
    assert "[bold]" in r.stdout  # shown as text, not applied as markup


def test_a_team_name_with_an_emoji_code_is_shown_as_written(run, write):
    # rich turns ":fire:" into an emoji by default: a name must read as the user typed it
    name = "Ops :fire:"
    assert run("teams", "add", name).exit_code == 0
    csv = f"date,team,activity,quantity,unit,region\n2024-05,{name},electricity.grid,1,kWh,FR\n"
    assert run("import", "activities", write("a.csv", csv)).exit_code == 0
    for args in (("teams", "list"), ("report", "monthly", "--month", "2024-05")):
        r = run(*args)
        assert r.exit_code == 0, r.output
        assert ":fire:" in r.stdout and "\N{FIRE}" not in r.stdout, r.stdout
    r = run("teams", "add", name)  # a message on stderr names it as written too
    assert ":fire:" in r.stderr and "\N{FIRE}" not in r.stderr, r.stderr


def test_sources_trace_each_figure_to_factor_and_import(loaded):
    r = loaded("report", "sources", "--month", "2024-05", "--format", "json")
    assert r.exit_code == 0, r.output
    rows = json.loads(r.stdout)["sources"]
    grid = next(x for x in rows if x["activity"] == "electricity.grid")
    assert (grid["team"], grid["region"], grid["year"], grid["value"], grid["unit"]) == (
        "Platform",
        "FR",
        2024,
        0.0519,
        "kg CO2e / kWh",
    )
    assert grid["co2e_kg"] == pytest.approx(51.9) and grid["import_source"] == "a.csv"
    assert sum(x["co2e_kg"] for x in rows) == pytest.approx(51.9 + 16.45 + 55.0)
    assert loaded("report", "sources", "--month", "2024-06").exit_code == 1


def test_sources_show_the_quantity_so_quantity_times_factor_can_be_checked(run, write):
    run("teams", "add", "Platform", "Sales")
    # Sales drove 50 mi + 20 km (two units of one activity), Platform used 2.4 MWh in May 2024.
    r = run(
        "import",
        "activities",
        write(
            "a.csv",
            HEADER + "2024-05,Platform,electricity.grid,2.4,MWh,FR\n"
            "2024-05,Sales,commute.car.petrol,50,mi,GB\n"
            "2024-05,Sales,commute.car.petrol,20,km,GB\n",
        ),
    )
    assert r.exit_code == 0, r.output
    rows = json.loads(run("report", "sources", "--month", "2024-05", "--format", "json").stdout)[
        "sources"
    ]
    got = {
        (x["team"], x["quantity_unit"]): (x["quantity"], x["value"], x["unit"], x["co2e_kg"])
        for x in rows
    }
    # 2.4 MWh × 0.0519 kg/kWh (ADEME FR 2024) = 2,400 × 0.0519 = 124.56 kg
    assert got[("Platform", "MWh")] == (2.4, 0.0519, "kg CO2e / kWh", pytest.approx(124.56))
    # 50 mi = 80.4672 km × 0.1645 kg/km (DESNZ 2024 petrol car) = 13.2368544 kg; 20 km × 0.1645 = 3.29 kg
    assert got[("Sales", "mi")] == (50.0, 0.1645, "kg CO2e / km", pytest.approx(13.2368544))
    assert got[("Sales", "km")] == (20.0, 0.1645, "kg CO2e / km", pytest.approx(3.29))
    table = run("report", "sources", "--month", "2024-05", "--team", "Sales")
    assert table.exit_code == 0, table.output
    assert "Sources of 2024-05, Sales (kg CO2e)" in table.stdout  # the team is named in the title
    assert "50.0 mi" in table.stdout and "20.0 km" in table.stdout and "13.2" in table.stdout
    assert "MWh" not in table.stdout
    # The quantity in the factor's unit, so quantity × factor = the figure by hand:
    # 50 mi = 80.4672 km (× 0.1645 = 13.2368544 kg); 2.4 MWh = 2,400 kWh (× 0.0519 = 124.56 kg).
    fq = {
        (x["team"], x["quantity_unit"]): (x["factor_quantity"], x["factor_quantity_unit"])
        for x in rows
    }
    assert fq[("Sales", "mi")] == (pytest.approx(80.4672), "km") and fq[("Sales", "km")] == (
        20.0,
        "km",
    )
    assert fq[("Platform", "MWh")] == (pytest.approx(2400.0), "kWh")
    assert "= 80.4672 km" in table.stdout and "0.1645 kg CO2e / km" in table.stdout


def test_a_small_figure_never_reads_as_zero(run, write):
    run("teams", "add", "Platform", "Ops")
    # Platform: 1,000 kWh × 0.0519 = 51.9 kg; Ops: 0.5 kWh × 0.0519 = 0.02595 kg, 0.05 % of 51.92595
    r = run(
        "import",
        "activities",
        write(
            "a.csv",
            HEADER
            + "2024-05,Platform,electricity.grid,1000,kWh,FR\n2024-05,Ops,electricity.grid,0.5,kWh,FR\n",
        ),
    )
    assert r.exit_code == 0, r.output
    table = run("report", "monthly", "--month", "2024-05").stdout
    ops = next(line for line in table.splitlines() if "Ops" in line)
    assert "<0.1" in ops and "<1%" in ops and "0.0 " not in ops and " 0%" not in ops
    src = run("report", "sources", "--month", "2024-05", "--team", "Ops").stdout
    assert "<0.1" in src and "0.0 " not in src.split("kWh", 1)[1]
