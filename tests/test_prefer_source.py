"""One boundary per series: the switch is flagged when factors are imported
and when an import's rows resolve to a switching series; --prefer-source chooses the series."""

import json

import pytest

US = "date,team,activity,quantity,unit,region\n2025-03,Platform,electricity.grid,1000,kWh,US\n"
FR = "date,team,activity,quantity,unit,region\n2025-03,Platform,electricity.grid,1000,kWh,FR\n"
# Hand computations, 1,000 kWh in March 2025 on the US grid:
# latest vintage not after 2025: Ember 2023 (factors/ember_2023_grid.csv) 369.473 g/kWh -> 369.473 kg
# eGRID2022 (factors/epa_egrid2022_grid_us.csv) 827.5 lb CO2e/MWh = 827.5 x 0.45359237 / 1000 kg/kWh
#   = 0.375348 kg/kWh -> 375.348 kg
EMBER_KG = 369.473
EGRID_KG = 827.5 * 0.45359237


def _total(run, month="2025-03"):
    r = run("report", "monthly", "--month", month, "--format", "json")
    assert r.exit_code == 0, r.output
    return json.loads(r.stdout)["total"]


@pytest.fixture
def team(run):
    assert run("teams", "add", "Platform").exit_code == 0
    return run


def test_the_us_egrid_to_ember_switch_is_flagged_at_import(team, write):
    r = team("import", "activities", write("us.csv", US))
    assert r.exit_code == 0, r.output
    assert "electricity.grid (US)" in r.stderr and "2022" in r.stderr and "2023" in r.stderr
    assert "--prefer-source" in r.stderr
    assert _total(team) == pytest.approx(EMBER_KG)


def test_prefer_source_chooses_the_egrid_series(team, write):
    r = team("import", "activities", write("us.csv", US), "--prefer-source", "eGRID")
    assert r.exit_code == 0, r.output
    assert "electricity.grid (US)" not in r.stderr  # the user chose: no warning
    assert _total(team) == pytest.approx(EGRID_KG, abs=0.001)
    assert _total(team) == pytest.approx(375.348, abs=0.001)


def test_prefer_source_that_matches_nothing_is_refused_and_writes_nothing(team, write):
    r = team("import", "activities", write("us.csv", US), "--prefer-source", "eGRIDD")
    assert r.exit_code == 1
    assert "--prefer-source 'eGRIDD' matches no factor source" in r.output
    assert "Traceback" not in r.output
    assert team("report", "monthly", "--month", "2025-03").exit_code == 1  # no data


def test_a_preference_that_does_not_match_the_series_keeps_the_latest_vintage_rule(team, write):
    r = team("import", "activities", write("fr.csv", FR), "--prefer-source", "eGRID")
    assert r.exit_code == 0, r.output
    assert _total(team) == pytest.approx(46.1)  # ADEME FR 2025: 1,000 kWh x 0.0461


def test_the_preference_is_part_of_the_import_identity(team, write):
    path = write("us.csv", US)
    assert team("import", "activities", path).exit_code == 0
    r = team("import", "activities", path, "--prefer-source", "eGRID")
    assert r.exit_code == 1 and "already imported with other options" in r.output
    assert "--prefer-source eGRID" in r.output
    r = team("import", "activities", path, "--prefer-source", "eGRID", "--replace")
    assert r.exit_code == 0, r.output
    assert _total(team) == pytest.approx(EGRID_KG, abs=0.001)


def test_a_factor_import_that_changes_gas_coverage_inside_a_series_is_flagged(team, write):
    table = (
        "activity,region,year,value,unit,category,scope,source,uncertainty_pct,source_ref,boundary\n"
        "electricity.grid,FR,2026,0.05,kg CO2e / kWh,infrastructure,2,Test agency,,,"
        '"CO2 only (test)"\n'
    )
    r = team("factors", "import", write("f.csv", table))
    assert r.exit_code == 0, r.output
    assert (
        "electricity.grid (FR)" in r.stderr
        and "gas coverage" in r.stderr
        and "2026: CO2 only" in r.stderr
    )


def test_the_commuting_survey_takes_the_preference_too(team, write):
    survey = (
        "employee,team,mode,one_way_km,days_on_site_per_week,region\ne1,Platform,train,10,5,FR\n"
    )
    r = team(
        "import",
        "commuting-survey",
        write("s.csv", survey),
        "--from",
        "2025-03",
        "--to",
        "2025-03",
        "--prefer-source",
        "nomatch-xyz",
    )
    assert r.exit_code == 1 and "matches no factor source" in r.output
