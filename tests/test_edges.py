"""The edges a careful operator meets in the first month: no figure rounded to zero, faults of
the environment reported as such, no foreign database taken over, a bounded schedule, no
terminal escape codes, restating energy attributes in a closed year."""

from __future__ import annotations

import json

import pytest

from carbon.figures import kept

HEADER = "date,team,activity,quantity,unit,region\n"


def test_kept_keeps_significant_digits_never_a_false_zero():
    assert kept(51.94321) == 51.943  # to the gram, as before
    assert kept(1.038e-10, 6) == 1.04e-10  # round(x, 6) would give 0.0
    assert kept(-0.0000519) == -5.19e-05
    assert kept(-11.1753, 2, digits=2) == -11.18
    assert (kept(0.0), kept(None)) == (0.0, None)


@pytest.fixture
def web(run, write):
    """A small web company from September 2024: Platform 2,000 kWh in France a month (ADEME 2024
    0.0519 kg/kWh = 103.8 kg), Ops 0.001 kWh in September (0.0000519 kg); 10^12 bytes served a
    month."""
    run("teams", "add", "Platform", "Ops")
    r = run("import", "activities", write("a.csv", HEADER +
            "2024-09,Platform,electricity.grid,2000,kWh,FR\n"
            "2024-10,Platform,electricity.grid,2000,kWh,FR\n"
            "2024-09,Ops,electricity.grid,0.001,kWh,FR\n"))
    assert r.exit_code == 0, r.output
    assert run("metrics", "define", "bytes_served", "--year", "sum", "--label", "bytes served").exit_code == 0
    r = run("import", "metrics", write("m.csv", "month,metric,value\n2024-09,bytes_served,1000000000000\n"
                                                "2024-10,bytes_served,1000000000000\n"))
    assert r.exit_code == 0, r.output
    return run


def test_a_small_intensity_is_never_written_as_zero(web, tmp_path):
    # October: 103.8 kg / 10^12 bytes = 1.038e-10 kg per byte -> 1.04e-10 (3 significant digits)
    month = json.loads(web("report", "monthly", "--month", "2024-10", "--format", "json").stdout)
    assert month["intensity"][0]["kg_per_unit"] == 1.04e-10
    assert "1.04e-10" in web("report", "monthly", "--month", "2024-10").stdout  # the table: same value
    # September: Ops 0.001 kWh x 0.0519 = 0.0000519 kg, not 0.0 (to the gram it would be)
    sept = json.loads(web("report", "monthly", "--month", "2024-09", "--format", "json").stdout)
    ops = next(t for t in sept["teams"] if t["team"] == "Ops")
    assert ops["total"] == 5.19e-05
    # the year: (103.8 + 0.0000519 + 103.8) kg / (2 x 10^12) bytes = 1.038e-10 -> 1.04e-10
    year = json.loads(web("metrics", "intensity", "--year", "2024", "--format", "json").stdout)
    assert year["intensity"][0]["kg_per_unit"] == 1.04e-10
    assert "1.04e-10" in web("metrics", "intensity", "--year", "2024").stdout
    inventory = json.loads(web("report", "year", "--year", "2024", "--format", "json").stdout)
    assert inventory["intensity"][0]["kg_per_unit"] == 1.04e-10
    xlsx = tmp_path / "inventory.xlsx"
    assert web("report", "year", "--year", "2024", "--format", "xlsx", "--out", xlsx).exit_code == 0
    import openpyxl

    rows = list(openpyxl.load_workbook(xlsx)["intensity"].iter_rows(values_only=True))
    assert rows[1][:4] == ("bytes_served", "bytes served", 2e12, 1.04e-10)
    assert web("report", "pack", "--month", "2024-10", "--out", tmp_path / "packs").exit_code == 0
    pack = next((tmp_path / "packs").iterdir())
    assert json.loads((pack / "report.json").read_text())["intensity"][0]["kg_per_unit"] == 1.04e-10
