"""carbon report year: totals, months without data, year on year, intensity, sources,
restatements; JSON, tidy CSV, XLSX read back with openpyxl."""

import csv
import io
import json
import sys

import pytest

HEADER = "date,team,activity,quantity,unit,region\n"
# A small company: Platform's office meter, 1,000 kWh a month on the French grid from
# September 2024, and Video's 2,000 kWh in June 2025.
ACTIVITIES = (
    HEADER
    + "".join(f"2024-{m:02d},Platform,electricity.grid,1000,kWh,FR\n" for m in range(9, 13))
    + "".join(f"2025-{m:02d},Platform,electricity.grid,1000,kWh,FR\n" for m in range(1, 13))
    + "2025-06,Video,electricity.grid,2000,kWh,FR\n"
)
# Factors (factors/ademe_2024_grid_fr.csv, ademe_2025_grid_fr.csv): FR 2024 0.0519, FR 2025 0.0461 kg/kWh.
# 2024: 4 months x 1,000 kWh x 0.0519 = 4 x 51.9 = 207.6 kg
# 2025: Platform 12 x 46.1 = 553.2 kg; Video 2,000 x 0.0461 = 92.2 kg;
#       the late March reading (restated below): 100 kWh x 0.0461 = 4.61 kg
# 2025 total = 553.2 + 92.2 + 4.61 = 650.01 kg
TOTAL_2025 = 650.01


@pytest.fixture
def company(run, write):
    run("teams", "add", "Platform", "Video")
    r = run("import", "activities", write("a.csv", ACTIVITIES))
    assert r.exit_code == 0, r.output
    # Metrics before the close: a metric value of a closed month is refused without --restate.
    assert (
        run(
            "metrics", "define", "paid_students", "--year", "sum", "--label", "paid students"
        ).exit_code
        == 0
    )
    r = run(
        "import",
        "metrics",
        write(
            "m.csv",
            "month,metric,value\n"
            + "".join(f"2025-{m:02d},paid_students,10\n" for m in range(1, 13)),
        ),
    )
    assert r.exit_code == 0, r.output
    assert run("close", "--month", "2025-03", "--by", "ops").exit_code == 0
    r = run(
        "import",
        "activities",
        write("late.csv", HEADER + "2025-03,Platform,electricity.grid,100,kWh,FR\n"),
        "--restate",
        "--reason",
        "late meter reading",
        "--by",
        "alice",
    )
    assert r.exit_code == 0, r.output
    return run


def _json(run, year):
    r = run("report", "year", "--year", year, "--format", "json")
    assert r.exit_code == 0, r.output
    return json.loads(r.stdout)


def test_year_totals_change_intensity_sources_restatements(company):
    d = _json(company, 2025)
    assert d["unit"] == "kg CO2e" and d["total"] == pytest.approx(TOTAL_2025)
    assert d["by_team"] == {
        "Platform": pytest.approx(557.81),
        "Video": pytest.approx(92.2),
    }  # 553.2 + 4.61
    assert d["by_scope"] == {"2": pytest.approx(TOTAL_2025)}
    assert d["by_month"]["2025-03"] == pytest.approx(50.71)  # 46.1 + 4.61
    assert d["by_month"]["2025-06"] == pytest.approx(138.3)  # 46.1 + 92.2
    assert d["months_without_data"] == []
    assert len(d["rows"]) == 13  # Platform x 12 months + Video x June
    # Whole year against 2024 (four months): (650.01 - 207.6) / 207.6 = +213.11 %
    assert d["year_on_year"]["previous_kg"] == pytest.approx(207.6)
    assert d["year_on_year"]["change_pct"] == pytest.approx(213.11, abs=0.005)
    # Like-for-like, September to December: 4 x 46.1 = 184.4 against 207.6: -23.2 kg, -11.18 %
    lfl = d["like_for_like"]
    assert lfl["months"] == ["2025-09", "2025-10", "2025-11", "2025-12"]
    assert (lfl["kg"], lfl["previous_kg"]) == (pytest.approx(184.4), pytest.approx(207.6))
    assert lfl["change_kg"] == pytest.approx(-23.2) and lfl["change_pct"] == pytest.approx(-11.18)
    # 650.01 kg / (12 x 10 = 120 paid students) = 5.41675 kg per student
    assert [(i["metric"], i["value"], i["kg_per_unit"]) for i in d["intensity"]] == [
        ("paid_students", 120, pytest.approx(5.41675))
    ]
    assert [(s["region"], s["year"], s["value"], s["co2e_kg"]) for s in d["sources"]] == [
        ("FR", 2025, 0.0461, pytest.approx(TOTAL_2025))
    ]
    assert "ADEME" in d["sources"][0]["source"]
    [rs] = d["restatements"]
    assert (rs["reason"], rs["by"], rs["periods"]) == ("late meter reading", "alice", ["2025-03"])
    assert rs["changes"] == [
        {
            "month": "2025-03",
            "team": "Platform",
            "before_kg": pytest.approx(46.1),
            "after_kg": pytest.approx(50.71),
        }
    ]


def test_months_without_data_are_no_data_never_zero(company):
    d = _json(company, 2024)
    # 2024 starts in September: January to August have no data (null), not 0.
    assert d["months_without_data"] == [f"2024-{m:02d}" for m in range(1, 9)]
    assert all(d["by_month"][f"2024-{m:02d}"] is None for m in range(1, 9))
    assert d["total"] == pytest.approx(207.6) and d["year_on_year"] is None  # nothing in 2023
    assert d["restatements"] == []
    r = company("report", "year", "--year", 2024)
    assert r.exit_code == 0 and "no data" in r.stdout and "207.6" in r.stdout


def test_year_without_data_is_an_error(company):
    r = company("report", "year", "--year", 2023)
    assert r.exit_code == 1 and "no emissions recorded in 2023" in r.stderr
    assert "Traceback" not in r.output


def test_csv_is_tidy_so_its_sum_is_the_year_total(company):
    r = company("report", "year", "--year", 2025, "--format", "csv")
    rows = list(csv.DictReader(io.StringIO(r.stdout.removeprefix("\ufeff"))))
    assert list(rows[0]) == ["year", "month", "team", "category", "scope", "co2e_kg"]
    assert len(rows) == 13
    assert ("2025-06", "Video", "infrastructure", "2", 92.2) in [
        (x["month"], x["team"], x["category"], x["scope"], float(x["co2e_kg"])) for x in rows
    ]
    assert sum(float(x["co2e_kg"]) for x in rows) == pytest.approx(TOTAL_2025)


def test_xlsx_reads_back_with_totals_equal_to_the_json(company, tmp_path):
    openpyxl = pytest.importorskip("openpyxl")
    path = tmp_path / "inventory-2024.xlsx"
    r = company("report", "year", "--year", 2024, "--format", "xlsx", "--out", path)
    assert r.exit_code == 0, r.output
    d = _json(company, 2024)
    wb = openpyxl.load_workbook(path)
    assert {
        "summary",
        "by month",
        "team x month",
        "rows",
        "by team",
        "intensity",
        "sources",
        "restatements",
        "method",
    } <= set(wb.sheetnames)
    summary = {row[0]: row[1] for row in wb["summary"].iter_rows(min_row=2, values_only=True)}
    assert summary["total (kg CO2e)"] == pytest.approx(d["total"]) == pytest.approx(207.6)
    rows = list(wb["rows"].iter_rows(min_row=2, values_only=True))
    assert wb["rows"]["F1"].value == "co2e (kg CO2e)"  # the unit in the header
    assert all(isinstance(x[5], float) for x in rows)  # numbers as numbers, not text
    assert sum(x[5] for x in rows) == pytest.approx(d["total"])
    by_month = dict(wb["by month"].iter_rows(min_row=2, values_only=True))
    assert by_month["2024-01"] == "no data" and by_month["2024-09"] == pytest.approx(51.9)
    assert all(wb[s].freeze_panes == "A2" for s in wb.sheetnames)
    assert wb["method"].max_row > 3


def test_xlsx_needs_out_and_openpyxl(company, tmp_path, monkeypatch):
    r = company("report", "year", "--year", 2025, "--format", "xlsx")
    assert r.exit_code == 1 and "--out FILE" in r.stderr
    monkeypatch.setitem(sys.modules, "openpyxl", None)  # as if the extra were not installed
    r = company("report", "year", "--year", 2025, "--format", "xlsx", "--out", tmp_path / "x.xlsx")
    assert r.exit_code == 1 and "pip install 'carbon-ledger[xlsx]'" in r.stderr
    assert not (tmp_path / "x.xlsx").exists()


def test_a_factor_series_switching_boundary_across_the_years_is_flagged(run, write):
    # US grid: 2022 resolves to EPA eGRID2022 (combustion only), 2023 to Ember 2023 (lifecycle).
    run("teams", "add", "Platform")
    r = run(
        "import",
        "activities",
        write(
            "us.csv",
            HEADER + "2022-06,Platform,electricity.grid,1000,kWh,US\n"
            "2023-06,Platform,electricity.grid,1000,kWh,US\n",
        ),
    )
    assert r.exit_code == 0, r.output
    d = _json(run, 2023)
    # 2023: 1,000 kWh x 369.473 g (Ember US 2023) = 369.473 kg;
    # 2022: 1 MWh x 827.5 lb (eGRID2022 US) x 0.45359237 kg/lb = 375.3477 kg
    assert d["total"] == pytest.approx(369.473)
    assert d["year_on_year"]["previous_kg"] == pytest.approx(375.3477, abs=1e-4)
    [switch] = d["method_switches"]
    assert switch.startswith(
        "electricity.grid (US): boundary changes between vintages — 2022: CO2e"
    )
    assert "generation-based lifecycle" in switch
    # 2022 against 2021 (no data): no second vintage in use, nothing flagged.
    assert _json(run, 2022)["method_switches"] == []
