"""The boundary-switch flag: a factor series whose vintages differ in boundary or gas coverage."""

from carbon.factors.series import switches
from carbon.model import Factor

HEADER = (
    "activity,region,year,value,unit,category,scope,source,uncertainty_pct,source_ref,boundary\n"
)


def _f(year, boundary, source="S"):
    return Factor(
        "office.heat",
        "XX",
        year,
        0.2,
        "kg CO2e / kWh",
        "infrastructure",
        1,
        source,
        boundary=boundary,
    )


def test_same_boundary_every_vintage_is_not_flagged():
    assert (
        switches([_f(2023, "combustion"), _f(2024, " Combustion ")]) == []
    )  # case and spaces ignored
    assert switches([_f(2023, "combustion")]) == []  # one vintage: no series to switch


def test_gas_coverage_and_boundary_switches_are_flagged():
    [s] = switches([_f(2024, "lifecycle"), _f(2023, "CO2 only (agency reports g CO2)")])
    assert (s.activity, s.region, s.boundary_differs, s.gases_differ) == (
        "office.heat",
        "XX",
        True,
        True,
    )
    assert [(y, gas) for y, gas, _b in s.vintages] == [(2023, "CO2 only"), (2024, "CO2e")]


def test_factors_list_warns_on_the_shipped_us_grid_switch(run):
    # factors/epa_egrid2022_grid_us.csv (2022, combustion only) then ember_2023_grid.csv (2023, lifecycle)
    r = run("factors", "list", "--region", "US", "--category", "infrastructure")
    assert r.exit_code == 0
    text = " ".join(r.stdout.split())
    assert "warning: electricity.grid (US): boundary changes between vintages" in text
    assert (
        "2022: CO2e, US average output emission rate" in text
        and "2023: CO2e, generation-based" in text
    )


def test_factors_list_warns_on_an_imported_co2_only_vintage(run, write):
    path = write(
        "mine.csv",
        HEADER
        + "office.heat,XX,2023,0.2,kg CO2e / kWh,infrastructure,1,Agency,,report p.3,CO2 only\n"
        "office.heat,XX,2024,0.21,kg CO2e / kWh,infrastructure,1,Agency,,report p.4,CO2e\n",
    )
    assert run("factors", "import", path).exit_code == 0
    r = run("factors", "list", "--region", "XX")
    text = " ".join(r.stdout.split())
    assert "office.heat (XX): boundary and gas coverage changes between vintages" in text
    r = run("factors", "list", "--region", "FR", "--category", "infrastructure")
    assert "warning" not in r.stdout  # ADEME FR grid 2022-2025: one boundary
