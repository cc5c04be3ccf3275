"""Scope 1: fuels, company vehicles and refrigerant leaks from the shipped DESNZ tables, fuel
well-to-tank as scope 3 category 3.3, and scopes 1 and 2 per gas in the year report."""

import json

import pytest

HEADER = "date,team,activity,quantity,unit,region\n"
# A small French company's own records for 2025 (its first year): the office boiler's gas bill
# in January, a diesel fill-up of the van in February, the air-conditioning technician's R-410A
# top-up in March, and the office electricity in January.
ACTIVITIES = HEADER + (
    "2025-01,Ops,fuel.natural_gas.kwh_gross,12000,kWh,FR\n"
    "2025-01,Ops,fuel.natural_gas.kwh_gross.wtt,12000,kWh,FR\n"
    "2025-02,Ops,fuel.diesel.litre,500,litre,FR\n"
    "2025-03,Ops,refrigerant.r410a,2.5,kg,FR\n"
    "2025-01,Ops,electricity.grid,1000,kWh,FR\n"
)
# factors/desnz_2025_scope1_gb.csv (DESNZ 2025; region empty: any region):
#   natural gas gross CV 0.18296 kg/kWh:   12,000 x 0.18296 = 2,195.52 kg, scope 1, split as
#     published (IDs 1_100_1004_6_2..4): CO2 0.18259 + CH4 0.00028 + N2O 0.00009 kg/kWh
#       = 2,191.08 + 3.36 + 1.08 kg
#   its well-to-tank 0.03021 kg/kWh:       12,000 x 0.03021 =   362.52 kg, scope 3 category 3.3
#   diesel (average biofuel blend) 2.57082 kg/litre: 500 x 2.57082 = 1,285.41 kg, scope 1, split
#     (IDs 1_101_1011_8_2..4): CO2 2.53763 + CH4 0.00029 + N2O 0.0329 kg/litre
#       = 1,268.815 + 0.145 + 16.45 kg
# factors/ipcc_ar6_2021_refrigerants.csv (the default GWPs: IPCC AR6 WG1 Table 7.SM.7, GWP-100):
#   R-410A = 50 % HFC-32 + 50 % HFC-125 by mass = 0.5 x 771 + 0.5 x 3,740 = 2,255.5 kg CO2e/kg:
#                                           2.5 x 2,255.5   = 5,638.75 kg, scope 1, all HFCs
#   (with DESNZ's AR5 figure 1,924 it was 2.5 x 1,924 = 4,810 kg: see the AR5 test below)
# factors/ademe_2025_grid_fr.csv: FR grid 0.0461 kg/kWh: 1,000 x 0.0461 = 46.1 kg, scope 2, not split
GAS_KG, WTT_KG, DIESEL_KG, LEAK_KG, GRID_KG = 2195.52, 362.52, 1285.41, 5638.75, 46.1
SCOPE1 = GAS_KG + DIESEL_KG + LEAK_KG  # 9,119.68


@pytest.fixture
def company(run, write):
    run("teams", "add", "Ops")
    r = run("import", "activities", write("a.csv", ACTIVITIES))
    assert r.exit_code == 0, r.output
    return run


def _year(run, year=2025):
    r = run("report", "year", "--year", year, "--format", "json")
    assert r.exit_code == 0, r.output
    return json.loads(r.stdout)


def test_scope1_fuels_and_leak_with_wtt_in_category_3_3(company):
    d = _year(company)
    assert d["by_scope"]["1"] == pytest.approx(SCOPE1)
    assert d["by_scope"]["2"] == pytest.approx(GRID_KG)
    assert d["by_scope"]["3"] == pytest.approx(WTT_KG)
    assert d["by_scope3_category"] == {"3.3": pytest.approx(WTT_KG)}
    assert d["by_category"]["heating"] == pytest.approx(GAS_KG + WTT_KG)
    assert d["by_category"]["vehicles"] == pytest.approx(DIESEL_KG)
    assert d["by_category"]["refrigerants"] == pytest.approx(LEAK_KG)
    used = {s["activity"]: s for s in d["sources"]}
    assert used["refrigerant.r410a"]["source"] == "IPCC AR6 WG1 GWP-100 (2021)"
    assert "COMPUTED" in used["refrigerant.r410a"]["source_ref"]
    assert used["fuel.diesel.litre"]["year"] == 2025


def test_year_report_gives_scopes_1_and_2_per_gas_and_not_split(company, tmp_path):
    by_gas = _year(company)["by_gas"]
    # Gas and diesel split as DESNZ 2025 publishes them; the leak is the HFC itself.
    assert by_gas["1"] == {
        "co2": pytest.approx(12000 * 0.18259 + 500 * 2.53763),  # 3,459.895
        "ch4": pytest.approx(12000 * 0.00028 + 500 * 0.00029),  # 3.505
        "n2o": pytest.approx(12000 * 0.00009 + 500 * 0.0329),  # 17.53
        "hfcs": pytest.approx(LEAK_KG),
        "other": 0.0,
        "not_split": 0.0,
    }
    assert by_gas["2"]["not_split"] == pytest.approx(GRID_KG)
    assert sum(by_gas["1"].values()) == pytest.approx(SCOPE1)
    assert "3" not in by_gas
    openpyxl = pytest.importorskip("openpyxl")
    path = tmp_path / "inventory-2025.xlsx"
    r = company("report", "year", "--year", 2025, "--format", "xlsx", "--out", path)
    assert r.exit_code == 0, r.output
    rows = list(openpyxl.load_workbook(path)["by gas"].iter_rows(values_only=True))
    assert rows[0] == ("scope", "gas", "co2e (kg CO2e)")
    assert ("scope 1", "HFCs", pytest.approx(LEAK_KG)) in rows[1:]
    assert ("scope 1", "CO2", pytest.approx(3459.895)) in rows[1:]
    assert ("scope 1", "N2O", pytest.approx(17.53)) in rows[1:]
    assert ("scope 1", "not split", 0) in rows[1:]
    assert ("scope 2", "not split", pytest.approx(GRID_KG)) in rows[1:]


FACTOR_HEADER = "activity,region,year,value,unit,category,scope,source,gas_co2,gas_ch4,gas_n2o\n"


def test_a_factor_row_with_published_gas_parts_splits_the_entry(run, write):
    # A boiler factor whose source publishes the split: 0.25 = CO2 0.2 + CH4 0.03 + N2O 0.02 kg CO2e/kWh.
    run("teams", "add", "Ops")
    r = run(
        "factors",
        "import",
        write(
            "f.csv",
            FACTOR_HEADER
            + "boiler.site,FR,2025,0.25,kg CO2e / kWh,heating,1,Boiler maker 2025,0.2,0.03,0.02\n",
        ),
    )
    assert r.exit_code == 0, r.output
    r = run("import", "activities", write("a.csv", HEADER + "2025-05,Ops,boiler.site,100,kWh,FR\n"))
    assert r.exit_code == 0, r.output
    # 100 kWh x 0.25 = 25 kg: CO2 100 x 0.2 = 20, CH4 100 x 0.03 = 3, N2O 100 x 0.02 = 2
    assert _year(run)["by_gas"]["1"] == {
        "co2": pytest.approx(20.0),
        "ch4": pytest.approx(3.0),
        "n2o": pytest.approx(2.0),
        "hfcs": 0.0,
        "other": 0.0,
        "not_split": 0.0,
    }


@pytest.mark.parametrize(
    "row, column, expected",
    [
        (
            "x.y,FR,2025,0.25,kg CO2e / kWh,heating,1,S,0.2,0.03,0.01\n",
            "gas_co2",
            "the gas parts sum to 0.24",
        ),
        (
            "x.y,FR,2025,0.25,kg CO2e / kWh,heating,1,S,0.2,-0.03,0.08\n",
            "gas_ch4",
            "expected a number >= 0",
        ),
    ],
)
def test_gas_parts_that_do_not_add_up_are_refused(run, write, row, column, expected):
    r = run("factors", "import", write("f.csv", FACTOR_HEADER + row))
    assert r.exit_code == 1
    assert (
        "f.csv" in r.output and "line 2" in r.output and column in r.output and expected in r.output
    )


def test_gas_parts_and_lifecycle_parts_on_one_row_are_refused(run, write):
    header = "activity,region,year,value,unit,category,scope,source,part_generation,gas_co2\n"
    r = run(
        "factors",
        "import",
        write(
            "f.csv",
            header + "electricity.grid,FR,2025,0.05,kg CO2e / kWh,infrastructure,2,S,0.05,0.05\n",
        ),
    )
    assert r.exit_code == 1
    assert "gas_co2" in r.output and "not both" in r.output


def test_shipped_scope1_rows_cite_source_and_vintage():
    from pathlib import Path

    from carbon.factors import tables as factors

    for name in ("desnz_2024_scope1_gb.csv", "desnz_2025_scope1_gb.csv"):
        rows, _ = factors.read_factor_file(Path(__file__).parent.parent / "factors" / name)
        year = int(name[6:10])
        # 10 fuel keys x (combustion + WTT), pellets 2 x 2, 5 vehicles; the refrigerants' AR5
        # rows are in factors/alternatives/ (the default GWPs are AR6)
        assert len(rows) == 29
        for f in rows:
            assert f.year == year and f.source == f"UK DESNZ/DEFRA GHG conversion factors {year}"
            assert f"conversion-factors-{year}" in f.source_ref and " ID " in f.source_ref
            assert (f.scope, f.scope3_category) == (
                (3, 3) if f.activity.endswith(".wtt") else (1, None)
            )
            # DESNZ 2025's fuels and vehicles carry the parts it publishes (CO2, CH4, N2O); 2024's
            # rows and wood pellets are "not split" (no readable copy of those parts).
            split = year == 2025 and f.activity in SPLIT_2025
            assert f.gas_split == split, f.activity
            if split:
                assert f.gas_hfcs == f.gas_other == 0 and "_2, " in f.source_ref


# The 2025 rows read with their gas parts (IDs ..._2/_3/_4 of the flat file).
SPLIT_2025 = {
    "vehicle.car.petrol",
    "vehicle.car.diesel",
    "vehicle.car.average",
    "vehicle.van.diesel",
    "vehicle.van.petrol",
    "fuel.natural_gas.kwh_gross",
    "fuel.natural_gas.kwh_net",
    "fuel.natural_gas.m3",
    "fuel.heating_oil.litre",
    "fuel.heating_oil.kwh_gross",
    "fuel.gas_oil.litre",
    "fuel.lpg.litre",
    "fuel.lpg.kwh_gross",
    "fuel.petrol.litre",
    "fuel.diesel.litre",
}


def _decimals(text: str) -> int:
    return len(text.split(".")[1]) if "." in text else 0


def test_every_shipped_row_with_gas_parts_adds_up_to_its_published_total():
    # Each part and the total are published rounded: the parts must meet the total within half a
    # unit of the last published digit of each figure (the rounding of every figure added up).
    import csv
    from decimal import Decimal
    from pathlib import Path

    root = Path(__file__).parent.parent / "factors"
    gases = ("gas_co2", "gas_ch4", "gas_n2o", "gas_hfcs", "gas_other")
    checked = 0
    for path in sorted(root.glob("**/*.csv")):
        with path.open(newline="", encoding="utf-8") as fh:
            for row in csv.DictReader(fh):
                parts = [row[g] for g in gases if (row.get(g) or "").strip()]
                if not parts:
                    continue
                slack = sum(Decimal(5) / 10 ** (_decimals(p) + 1) for p in [*parts, row["value"]])
                total = sum(Decimal(p) for p in parts)
                assert abs(total - Decimal(row["value"])) <= slack, (path.name, row["activity"])
                checked += 1
    # 6 IPCC AR6 refrigerant rows; 6 DESNZ 2024 + 6 DESNZ 2025 (AR5) in factors/alternatives;
    # the 15 DESNZ 2025 fuel and vehicle rows split per gas.
    assert checked == 18 + len(SPLIT_2025)


def test_refrigerants_default_to_ar6_and_ar5_is_a_documented_choice(company, write):
    from pathlib import Path

    from carbon.factors import tables as factors

    ar6 = {
        f.activity: f.value
        for f in factors.read_factor_file(
            Path(__file__).parent.parent / "factors" / "ipcc_ar6_2021_refrigerants.csv"
        )[0]
    }
    # IPCC AR6 WG1 Table 7.SM.7 GWP-100: HFC-32 771, HFC-125 3,740, HFC-134a 1,530,
    # HFC-143a 5,810, HFO-1234yf 0.501; blends by mass composition:
    assert ar6 == {
        "refrigerant.r32": 771,
        "refrigerant.r134a": 1530,
        "refrigerant.r410a": pytest.approx(0.5 * 771 + 0.5 * 3740),  # 2,255.5
        "refrigerant.r404a": pytest.approx(0.44 * 3740 + 0.52 * 5810 + 0.04 * 1530),  # 4,728
        "refrigerant.r407c": pytest.approx(0.23 * 771 + 0.25 * 3740 + 0.52 * 1530),  # 1,907.93
        "refrigerant.r1234yf": pytest.approx(0.501),
    }
    # AR5 on purpose: import DESNZ's rows and prefer them for the leak (docs/scope1.md).
    alt = Path(__file__).parent.parent / "factors" / "alternatives"
    r = company("factors", "import", alt / "desnz_2024_2025_ar5_refrigerants.csv")
    assert r.exit_code == 0, r.output
    r = company(
        "import",
        "activities",
        write("leak.csv", HEADER + "2025-04,Ops,refrigerant.r410a,1,kg,FR\n"),
        "--prefer-source",
        "DESNZ",
    )
    assert r.exit_code == 0, r.output
    # 1 kg of R-410A at DESNZ 2025's AR5 figure 1,924 kg CO2e/kg, beside the March leak at AR6
    assert _year(company)["by_category"]["refrigerants"] == pytest.approx(LEAK_KG + 1924.0)


def test_a_gallon_is_said_to_be_the_us_gallon(run, write):
    # pint's "gallon" is the US gallon (3.785 L): a UK fleet's 100 gallons of diesel are
    # 454.6 L, not 378.5 L (17 % low, without a word). Read as documented, and said.
    # DESNZ 2025 diesel 2.57082 kg CO2e / litre: 100 US gal = 378.5412 L -> 973.17 kg;
    # 100 UK gal = 454.609 L -> 1,168.71 kg.
    run("teams", "add", "Fleet")
    rows = "2026-09,Fleet,fuel.diesel.litre,100,gallon,GB\n2026-10,Fleet,fuel.diesel.litre,100,UK_gallon,GB\n"
    r = run("import", "activities", write("fuel.csv", HEADER + rows))
    assert r.exit_code == 0, r.output
    text = " ".join(r.stderr.split())
    assert "unit 'gallon' is read as the US gallon (3.785 litres)" in text and "'UK_gallon'" in text
    assert "unit 'UK_gallon' is read" not in text
    sep = json.loads(run("report", "monthly", "--month", "2026-09", "--format", "json").stdout)
    octo = json.loads(run("report", "monthly", "--month", "2026-10", "--format", "json").stdout)
    assert sep["total"] == pytest.approx(100 * 3.785411784 * 2.57082, abs=1e-3)
    assert octo["total"] == pytest.approx(100 * 4.54609 * 2.57082, abs=1e-3)
