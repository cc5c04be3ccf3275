"""`carbon report disclosure`: ESRS E1, GHG Protocol and BEGES from one ledger, by hand."""

from __future__ import annotations

import json

import pytest

from carbon.disclosure.rules import Check, beges_post

FACTORS = """\
activity,region,year,value,unit,category,scope,source
test.gas,,2025,0.2,kg CO2e / kWh,stationary_combustion,1,test table
test.power,,2025,1,kg CO2e / kWh,infrastructure,2,test table
test.flight,,2025,0.1,kg CO2e / km,travel,3,test table
test.commute,,2025,0.025,kg CO2e / km,commuting,3,test table
"""

# 2025, every month, by hand:
#   Office   gas      500 kWh x 0.2   = 100 kg a month -> 1.2 t  scope 1      (BEGES 1.1)
#   Platform power  1,000 kWh x 1     = 1,000 kg       -> 12  t  scope 2      (BEGES 2.1)
#   Sales    flights 1,000 km x 0.1   = 100 kg         -> 1.2 t  scope 3.6    (BEGES 3.5)
#   People   commute 2,000 km x 0.025 = 50 kg          -> 0.6 t  scope 3.7    (BEGES 3.3)
#   total                                                 15.0 t
ACTIVITIES = "date,team,activity,quantity,unit\n" + "".join(
    f"2025-{m:02d},Office,test.gas,500,kWh\n"
    f"2025-{m:02d},Platform,test.power,1000,kWh\n"
    f"2025-{m:02d},Sales,test.flight,1000,km\n"
    f"2025-{m:02d},People,test.commute,2000,km\n"
    for m in range(1, 13)
)
# Net revenue 1,000,000 a month: 12,000,000 a year; intensity 15 t / 12e6 = 1.25e-6 t per unit.
REVENUE = "month,metric,value\n" + "".join(f"2025-{m:02d},revenue,1000000\n" for m in range(1, 13))


@pytest.fixture
def company(run, write):
    for team in ("Office", "Platform", "Sales", "People"):
        assert run("teams", "add", team).exit_code == 0
    assert run("factors", "import", write("f.csv", FACTORS)).exit_code == 0
    res = run("import", "activities", write("a.csv", ACTIVITIES))
    assert res.exit_code == 0, res.output
    return run


def _lines(res) -> dict:
    return {(ln["code"], ln["label"]): ln for ln in json.loads(res.stdout)["lines"]}


def test_esrs_e1_gross_scopes_totals_and_intensity(company, write):
    assert company("metrics", "define", "revenue", "--year", "sum", "--label", "EUR").exit_code == 0
    assert company("import", "metrics", write("r.csv", REVENUE)).exit_code == 0
    res = company(
        "report", "disclosure", "--year", "2025", "--format", "esrs-e1", "--format-out", "json"
    )
    assert res.exit_code == 0, res.output
    doc = json.loads(res.stdout)
    by = {ln["label"]: ln for ln in doc["lines"]}
    assert by["Gross Scope 1 GHG emissions"]["value"] == pytest.approx(1.2)
    assert by["Gross location-based Scope 2 GHG emissions"]["value"] == pytest.approx(12.0)
    assert by["Gross Scope 3 GHG emissions"]["value"] == pytest.approx(1.8)
    assert by["Scope 3 category 6: Business travel"]["value"] == pytest.approx(1.2)
    assert by["Scope 3 category 7: Employee commuting"]["value"] == pytest.approx(0.6)
    assert by["Total GHG emissions (location-based)"]["value"] == pytest.approx(15.0)
    assert by["GHG intensity per net revenue (location-based)"]["value"] == pytest.approx(1.25e-6)
    # What the ledger cannot give is named, never 0.
    assert by["Scope 3 category 2: Capital goods"]["value"] is None
    assert "not available" in by["Scope 3 category 2: Capital goods"]["note"]
    assert (
        by["Percentage of Scope 1 GHG emissions from regulated emission trading schemes"]["value"]
        is None
    )
    assert doc["reconciliation"]["reconciled"] is True


def test_ghgp_and_beges_reconcile_with_the_year_report_and_the_donation(company):
    year = json.loads(company("report", "year", "--year", "2025", "--format", "json").stdout)
    assert year["total"] == pytest.approx(15000.0)
    donation = json.loads(company("donation", "--year", "2025", "--format", "json").stdout)
    for framework in ("ghgp", "beges", "esrs-e1"):
        res = company(
            "report", "disclosure", "--year", "2025", "--format", framework, "--format-out", "json"
        )
        assert res.exit_code == 0, res.output
        doc = json.loads(res.stdout)
        checks = {c["what"]: c for c in doc["reconciliation"]["checks"]}
        total = checks["total of the scopes (location-based)"]
        assert total["disclosed_t"] == pytest.approx(year["total"] / 1000) and total["ok"] is True
        against = checks["total against the donation"]
        assert against["ok"] is True, against
        assert against["expected_t"] == pytest.approx(15.0)
        assert against["expected_t"] == pytest.approx(donation["emissions_t"])
        for key, kg in year["by_scope3_category"].items():
            assert checks[f"scope 3 {key}"]["disclosed_t"] == pytest.approx(kg / 1000)
    posts = _lines(
        company(
            "report", "disclosure", "--year", "2025", "--format", "beges", "--format-out", "json"
        )
    )
    values = {code: ln["value"] for (code, _label), ln in posts.items()}
    assert values["1.1"] == pytest.approx(1.2)
    assert values["2.1"] == pytest.approx(12.0)
    assert values["3.5"] == pytest.approx(1.2)
    assert values["3.3"] == pytest.approx(0.6)
    assert values["Total"] == pytest.approx(15.0)
    assert values["4.3"] is None  # waste: nothing in the ledger, not 0


def test_ghgp_states_base_year_and_scope_1_not_split_by_gas(company):
    res = company(
        "report",
        "disclosure",
        "--year",
        "2025",
        "--format",
        "ghgp",
        "--base-year",
        "2025",
        "--format-out",
        "json",
    )
    lines = {code: ln for (code, _l), ln in _lines(res).items()}
    assert lines["Base year"]["value"] == pytest.approx(15.0)
    # The test factors state no gas parts: all of scope 1 is "not split", never apportioned.
    assert lines["Scope 1 not split"]["value"] == pytest.approx(1.2)
    assert "Scope 1 CO2" not in lines


def test_a_check_that_differs_is_not_reconciled():
    assert Check("x", 1.0, 1.0, "y").ok is True
    assert Check("x", 1.0, 1.01, "y").ok is False
    assert Check("x", None, 1.0, "y").ok is None


def test_beges_posts_of_ledger_rows():
    assert beges_post(1, "stationary_combustion", 0) == "1.1"
    assert beges_post(1, "refrigerants", 0) == "1.4"
    assert beges_post(3, "commuting", 7) == "3.3"
    assert beges_post(3, "infrastructure", 1) == "4.5"


def test_csv_and_xlsx_carry_the_reconciliation(company, tmp_path):
    res = company(
        "report", "disclosure", "--year", "2025", "--format", "beges", "--format-out", "csv"
    )
    assert res.exit_code == 0
    assert "reconciliation,reconciled,total of the scopes (location-based)" in res.stdout
    out = tmp_path / "beges.xlsx"
    res = company(
        "report",
        "disclosure",
        "--year",
        "2025",
        "--format",
        "beges",
        "--format-out",
        "xlsx",
        "--out",
        out,
    )
    assert res.exit_code == 0, res.output
    import openpyxl

    wb = openpyxl.load_workbook(out)
    assert wb.sheetnames == ["disclosure", "reconciliation"]


def test_a_year_without_data_is_refused(company):
    res = company("report", "disclosure", "--year", "2019", "--format", "ghgp")
    assert res.exit_code == 1 and "no emissions recorded in 2019" in res.output


def test_the_donations_whole_grams_are_no_difference(company, write):
    # The donation counts each team in whole grams (half-up). 0.4 g more per team (0.0004 kWh x
    # 1 kg/kWh) leaves each team's grams as they were: the donation is 1.6 g under the ledger
    # with four teams. Compared within a gram, that "did not reconcile" and exited 1 (the demo's
    # 2025 did, by 1.17 g, found this session); half a gram per team is rounding, not a difference.
    extra = "date,team,activity,quantity,unit\n" + "".join(
        f"2025-06,{t},test.power,0.0004,kWh\n" for t in ("Office", "Platform", "Sales", "People")
    )
    assert company("import", "activities", write("x.csv", extra)).exit_code == 0
    donation = json.loads(company("donation", "--year", "2025", "--format", "json").stdout)
    assert donation["emissions_t"] == pytest.approx(15.0, abs=1e-9)  # 15,000,000 g
    res = company(
        "report", "disclosure", "--year", "2025", "--format", "ghgp", "--format-out", "json"
    )
    assert res.exit_code == 0, res.output
    checks = {c["what"]: c for c in json.loads(res.stdout)["reconciliation"]["checks"]}
    against = checks["total against the donation"]
    assert against["difference_t"] == pytest.approx(1.6e-6, abs=1e-9)
    assert against["ok"] is True


def test_a_difference_beyond_the_donations_rounding_still_differs():
    # four teams: up to 2 g of rounding, plus the gram every check allows
    assert Check("t", 15.000003, 15.0, "x", tolerance_t=1e-6 + 4 * 0.5e-6).ok is True
    assert Check("t", 15.0000031, 15.0, "x", tolerance_t=1e-6 + 4 * 0.5e-6).ok is False
    assert Check("t", 15.0000016, 15.0, "x").ok is False  # the other checks: within a gram


def _power_factor(run, write, year: int) -> None:
    """test.power: 1 kg CO2e / kWh, scope 2, in `year`."""
    text = (
        "activity,region,year,value,unit,category,scope,source\n"
        f"test.power,,{year},1,kg CO2e / kWh,infrastructure,2,test table\n"
    )
    assert run("factors", "import", write("f.csv", text)).exit_code == 0


def test_a_year_in_progress_is_not_compared_with_the_donation_forecast(run, write):
    run("teams", "add", "Platform")
    _power_factor(run, write, 2026)
    run(
        "import",
        "activities",
        write("a.csv", "date,team,activity,quantity,unit\n2026-01,Platform,test.power,1000,kWh\n"),
    )
    res = run("report", "disclosure", "--year", "2026", "--format", "ghgp", "--format-out", "json")
    assert res.exit_code == 0, res.output
    checks = {c["what"]: c for c in json.loads(res.stdout)["reconciliation"]["checks"]}
    assert checks["total against the donation"]["ok"] is None
    assert checks["total against the donation"]["note"]  # says why it was not compared


def test_a_year_in_progress_says_so_and_names_its_incomplete_months(run, write, tmp_path):
    # A year not over was shown as a finished one: its months not over listed as "without
    # data", no flag, and its incomplete months (a feed missing) not named.
    from datetime import date

    today = date.today()
    if today.month == 1:
        pytest.skip("in January no month of the running year is over")
    y = today.year
    run("teams", "add", "Web", "Ops")
    _power_factor(run, write, y)
    assert run("feeds", "add", "power", "--kind", "activities", "--teams", "Web,Ops").exit_code == 0
    rows = f"{y}-01,Web,test.power,1000,kWh\n{y}-01,Ops,test.power,1000,kWh\n"
    rows += f"{y}-{today.month:02d},Web,test.power,1000,kWh\n"  # the running month: not counted
    res = run("import", "activities", write("a.csv", "date,team,activity,quantity,unit\n" + rows))
    assert res.exit_code == 0, res.output
    res = run("report", "disclosure", "--year", str(y), "--format", "ghgp", "--format-out", "json")
    assert res.exit_code == 0, res.output
    data = json.loads(res.stdout)
    last_over = f"{y}-{today.month - 1:02d}"
    assert data["in_progress"] is True and data["counted_through"] == last_over
    assert data["months_not_over"] == [f"{y}-{m:02d}" for m in range(today.month, 13)]
    assert data["months_without_data"] == [f"{y}-{m:02d}" for m in range(2, today.month)]
    if today.month > 2:  # February .. the last month over: the feed has no import
        assert [c["month"] for c in data["incomplete_months"]] == data["months_without_data"]
        assert f"{y}-02 is incomplete" in res.stderr
    assert f"{y} is in progress, through {last_over}" in " ".join(res.stderr.split())
    lines = {ln["label"]: ln["value"] for ln in data["lines"]}
    assert 2.0 in lines.values() or any(v == pytest.approx(2.0) for v in lines.values() if v)
    table = run("report", "disclosure", "--year", str(y), "--format", "ghgp")
    assert f"(in progress, through {last_over})" in table.output
    out = tmp_path / "d.xlsx"
    res = run("report", "disclosure", "--year", str(y), "--format", "ghgp",
              "--format-out", "xlsx", "--out", str(out))  # fmt: skip
    assert res.exit_code == 0, res.output
    openpyxl = pytest.importorskip("openpyxl")
    status = dict(openpyxl.load_workbook(out)["status"].iter_rows(min_row=2, values_only=True))
    assert status["status"] == f"in progress, through {last_over}"


def test_a_year_over_is_not_in_progress(company):
    res = company("report", "disclosure", "--year", "2025", "--format", "esrs-e1",
                  "--format-out", "json")  # fmt: skip
    data = json.loads(res.stdout)
    assert data["in_progress"] is False and data["counted_through"] == "2025-12"
    assert data["months_not_over"] == [] and data["incomplete_months"] == []


def test_a_base_year_after_the_year_is_refused(company):
    res = company("report", "disclosure", "--year", "2025", "--format", "ghgp",
                  "--base-year", "2030")  # fmt: skip
    assert res.exit_code != 0
    assert "--base-year 2030 is after 2025" in " ".join(res.output.split())


def test_shipped_vehicle_rows_are_beges_1_2_and_scope_1_is_split_by_gas(run, write):
    # DESNZ 2025 (factors/desnz_2025_scope1_gb.csv), category `vehicles`, by hand:
    #   diesel 500 litres x 2.57082 = 1,285.41 kg: CO2 2.53763, CH4 0.00029, N2O 0.0329 per litre
    #   petrol car 1,000 km x 0.16272 = 162.72 kg: CO2 0.16204, CH4 0.00036, N2O 0.00032 per km
    # BEGES 1.2 went to "1 (?)" and the GHG Protocol's gas lines were all dropped (a key mismatch).
    run("teams", "add", "Ops")
    rows = "2025-03,Ops,fuel.diesel.litre,500,litre,FR\n2025-03,Ops,vehicle.car.petrol,1000,km,FR\n"
    res = run(
        "import",
        "activities",
        write("fleet.csv", "date,team,activity,quantity,unit,region\n" + rows),
    )
    assert res.exit_code == 0, res.output
    args = ("report", "disclosure", "--year", "2025", "--format-out", "json", "--format")
    beges = {code: ln for (code, _l), ln in _lines(run(*args, "beges")).items()}
    assert beges["1.2"]["value"] == pytest.approx(1.44813, abs=1e-9)
    assert "1 (?)" not in beges
    ghgp = {code: ln["value"] for (code, _l), ln in _lines(run(*args, "ghgp")).items()}
    assert ghgp["Scope 1 CO2"] == pytest.approx((500 * 2.53763 + 1000 * 0.16204) / 1000)
    assert ghgp["Scope 1 CH4"] == pytest.approx((500 * 0.00029 + 1000 * 0.00036) / 1000)
    assert ghgp["Scope 1 N2O"] == pytest.approx((500 * 0.0329 + 1000 * 0.00032) / 1000)


def test_revenue_declared_as_a_mean_is_not_divided_by(company, write):
    # Declared --year mean, the year's "revenue" was the mean of its months: the intensity per
    # net revenue came out 12× too high. Not available, with the fix; then summed once redeclared.
    assert company("metrics", "define", "revenue", "--year", "mean").exit_code == 0
    assert company("import", "metrics", write("r.csv", REVENUE)).exit_code == 0
    args = ("report", "disclosure", "--year", "2025", "--format", "esrs-e1", "--format-out", "json")
    lines = {code: ln for (code, _l), ln in _lines(company(*args)).items()}
    (intensity,) = [ln for code, ln in lines.items() if "53" in code]
    assert intensity["value"] is None and "declared --year mean" in intensity["note"]
    assert company("metrics", "define", "revenue", "--year", "sum").exit_code == 0
    lines = {code: ln for (code, _l), ln in _lines(company(*args)).items()}
    (intensity,) = [ln for code, ln in lines.items() if "53" in code]
    assert intensity["value"] == pytest.approx(15.0 / 12e6)  # 15 t over 12,000,000


def test_revenue_given_only_per_team_is_said_so(company, write):
    assert company("metrics", "define", "revenue", "--year", "sum").exit_code == 0
    per_team = "month,metric,value,team\n" + "".join(
        f"2025-{m:02d},revenue,1000000,Sales\n" for m in range(1, 13)
    )
    assert company("import", "metrics", write("r.csv", per_team)).exit_code == 0
    args = ("report", "disclosure", "--year", "2025", "--format", "esrs-e1", "--format-out", "json")
    lines = {code: ln for (code, _l), ln in _lines(company(*args)).items()}
    (intensity,) = [ln for code, ln in lines.items() if "53" in code]
    assert intensity["value"] is None and "no company-wide value for 2025" in intensity["note"]
