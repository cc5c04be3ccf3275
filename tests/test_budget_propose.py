"""`carbon budget propose`: budgets from a reduction target, checked by hand."""

from __future__ import annotations

import tomllib
from datetime import date

import pytest

from carbon.api import Carbon
from carbon.budgets.target import parse_target, split
from carbon.errors import InputError, NotFound

# One test factor of value 1, so kg CO2e = kWh.
FACTORS = """\
activity,region,year,value,unit,category,scope,source
test.power,,2025,1,kg CO2e / kWh,infrastructure,2,test table
test.power,,2026,1,kg CO2e / kWh,infrastructure,2,test table
"""

# Base year 2025, by hand:
#   Platform 1,000 kWh a month                      -> 12,000 kg = 12 t
#   Video    2,500 kWh a month                      -> 30,000 kg = 30 t
#   Sales      250 a month Jan-Jun, 750 Jul-Dec     ->  6,000 kg =  6 t
#   company                                                          48 t
BASE_2025 = "date,team,activity,quantity,unit\n" + "".join(
    f"2025-{m:02d},Platform,test.power,1000,kWh\n"
    f"2025-{m:02d},Video,test.power,2500,kWh\n"
    f"2025-{m:02d},Sales,test.power,{250 if m <= 6 else 750},kWh\n"
    for m in range(1, 13)
)

# 2026 to November (the running year on 2026-12-04), for the forecast split:
#   Platform 1,000 a month Jan-Nov: 11,000 x 12/11          -> forecast 12,000 kg
#   Video    3,000 a month from September: 9,000 x 4/3      -> forecast 12,000 kg
#   Sales      500 a month Jan-Nov: 5,500 x 12/11           -> forecast  6,000 kg
RUNNING_2026 = "date,team,activity,quantity,unit\n" + "".join(
    f"2026-{m:02d},Platform,test.power,1000,kWh\n"
    f"2026-{m:02d},Sales,test.power,500,kWh\n"
    + (f"2026-{m:02d},Video,test.power,3000,kWh\n" if m >= 9 else "")
    for m in range(1, 12)
)


@pytest.fixture
def company(run, write):
    for team in ("Platform", "Video", "Sales"):
        assert run("teams", "add", team).exit_code == 0
    assert run("factors", "import", write("f.csv", FACTORS)).exit_code == 0
    res = run("import", "activities", write("base.csv", BASE_2025))
    assert res.exit_code == 0, res.output
    return run


def test_a_yearly_rate_from_the_base_year_split_by_base_year_shares(company, write, tmp_path):
    # 2027 is two years after 2025: reduction 4.2 % x 2 = 8.4 %.
    # company = 48 t x (1 - 0.084) = 43.968 t, rounded down to 43.9 t = 439 tenths.
    # shares 12/48, 30/48, 6/48 of 439: 109.75, 274.375, 54.875 -> floors 109, 274, 54 (437);
    # the 2 tenths left go to the largest remainders: Sales (.875), Platform (.75).
    res = company(
        "budget",
        "propose",
        "--year",
        "2027",
        "--base-year",
        "2025",
        "--target",
        "4.2%/year",
        "--out",
        tmp_path / "2027.toml",
    )
    assert res.exit_code == 0, res.output
    doc = tomllib.loads((tmp_path / "2027.toml").read_text(encoding="utf-8"))
    assert doc["year"] == 2027 and doc["unit"] == "t CO2e"
    assert doc["company"]["budget"] == 43.9
    budgets = {t: v["budget"] for t, v in doc["teams"].items()}
    assert budgets == {"Platform": 11.0, "Video": 27.4, "Sales": 5.5}
    assert round(sum(budgets.values()), 1) == 43.9
    # Profiles follow the base year's months (2026, the year before 2027, is not over).
    assert doc["teams"]["Sales"]["profile"] == [0.25] * 6 + [0.75] * 6
    assert doc["teams"]["Platform"]["profile"] == [1.0] * 12
    text = (tmp_path / "2027.toml").read_text(encoding="utf-8")
    assert "8.4 % of the base year" in text and "43.968 t" in text
    # The proposal is a budget file like any other.
    loaded = company("budget", "load", tmp_path / "2027.toml")
    assert loaded.exit_code == 0, loaded.output
    assert "3 teams, 43.9 t CO2e in all" in loaded.output


def test_a_target_year_is_a_straight_line_from_the_base_year(company):
    # 50 % by 2030 from 2025: 10 % a year; 2027: 20 % -> 48 x 0.8 = 38.4 t, split exactly
    # 12/48, 30/48, 6/48: 9.6, 24.0, 4.8 t.
    res = company(
        "budget", "propose", "--year", "2027", "--base-year", "2025", "--target", "50%@2030"
    )
    assert res.exit_code == 0, res.output
    doc = tomllib.loads(res.stdout)
    assert doc["company"]["budget"] == 38.4
    assert {t: v["budget"] for t, v in doc["teams"].items()} == {
        "Platform": 9.6,
        "Video": 24.0,
        "Sales": 4.8,
    }


def test_teams_split_by_their_forecast_of_the_year_before(company, write, db_url):
    assert company("import", "activities", write("run.csv", RUNNING_2026)).exit_code == 0
    # Forecasts 12,000 / 12,000 / 6,000 kg: shares 0.4, 0.4, 0.2 of 439 tenths:
    # 175.6, 175.6, 87.8 -> 175, 175, 87 (437); 2 left: Sales (.8), then Platform (tie on .6,
    # equal basis, first by name).
    with Carbon.open(db_url) as c:
        p = c.propose_budget(
            2027, base_year=2025, target="4.2%/year", teams_by="forecast", today=date(2026, 12, 4)
        )
    assert p.company_t == 43.9
    assert {t.team: t.budget_t for t in p.teams} == {"Platform": 17.6, "Video": 17.5, "Sales": 8.8}
    assert {t.team: round(t.basis_kg, 6) for t in p.teams} == {
        "Platform": 12000,
        "Video": 12000,
        "Sales": 6000,
    }


def test_a_base_year_with_a_missing_month_is_refused(run, write):
    run("teams", "add", "Platform")
    run("factors", "import", write("f.csv", FACTORS))
    partial = "date,team,activity,quantity,unit\n" + "".join(
        f"2025-{m:02d},Platform,test.power,1000,kWh\n" for m in range(1, 13) if m != 8
    )
    run("import", "activities", write("a.csv", partial))
    res = run("budget", "propose", "--year", "2027", "--base-year", "2025", "--target", "4.2%")
    assert res.exit_code == 1
    assert "2025-08" in res.output and "Traceback" not in res.output
    with Carbon.open(run.url) as c, pytest.raises(NotFound):
        c.propose_budget(2027, base_year=2025, target="4.2%", today=date(2026, 12, 4))


@pytest.mark.parametrize("target", ["4.2", "abc", "0%/year", "150%@2030", "50%@2024"])
def test_a_target_it_cannot_read_is_refused_with_the_forms_it_takes(target):
    with pytest.raises(InputError):
        parse_target(target, 2025)


def test_a_bad_target_is_said_once(company):
    res = company("budget", "propose", "--year", "2027", "--base-year", "2025", "--target", "4.2")
    assert res.exit_code == 1
    assert res.stderr.count("expected '4.2%/year'") == 1, res.stderr


def test_an_existing_file_is_not_overwritten_without_force(company, tmp_path):
    out = tmp_path / "b.toml"
    out.write_text("keep me", encoding="utf-8")
    args = (
        "budget",
        "propose",
        "--year",
        "2027",
        "--base-year",
        "2025",
        "--target",
        "4.2%/year",
        "--out",
        out,
    )
    assert company(*args).exit_code == 1
    assert out.read_text(encoding="utf-8") == "keep me"
    assert company(*args, "--force").exit_code == 0
    assert "budget = 43.9" in out.read_text(encoding="utf-8")


def test_the_base_year_must_be_over(company):
    res = company("budget", "propose", "--year", "2030", "--base-year", "2099", "--target", "4.2%")
    assert res.exit_code == 1


def test_largest_remainder_adds_up_exactly():
    parts = split(100, {"a": 1.0, "b": 1.0, "c": 1.0})
    assert sum(parts.values()) == 100 and sorted(parts.values()) == [33, 33, 34]


def test_a_retired_team_gets_no_budget(company):
    # Sales retired from January 2026: 2027's 38.4 t (50 % by 2030 from 48 t, as above) goes to
    # the teams that remain, by their base-year shares 12/42 and 30/42 of 384 tenths:
    # 109.71 and 274.29 -> floors 109 + 274 = 383; the tenth left goes to Platform (.71).
    assert company("teams", "retire", "Sales", "--from", "2026-01").exit_code == 0
    res = company(
        "budget", "propose", "--year", "2027", "--base-year", "2025", "--target", "50%@2030"
    )
    assert res.exit_code == 0, res.output
    doc = tomllib.loads(res.stdout)
    assert doc["company"]["budget"] == 38.4
    assert {t: v["budget"] for t, v in doc["teams"].items()} == {"Platform": 11.0, "Video": 27.4}
    # ... and says so: Sales had 6 of the 48 t of 2025 (12.50 %), now shared by the others.
    assert "# Retired by 2027 (no budget): Sales (6.000 t, 12.50 % of the 2025 emissions)" in (
        res.stdout
    )
    assert "Sales is retired by 2027: no budget" in " ".join(res.stderr.split())


def test_a_budget_for_a_team_retired_before_the_year_is_refused(company, write, store):
    # Sales retired from January 2026: a 2026 file giving it a budget was accepted (an unused
    # budget, and the company's team total overstated); one for 2025 (it existed) still is.
    assert company("teams", "retire", "Sales", "--from", "2026-01").exit_code == 0
    body = 'unit = "t CO2e"\n[teams.Platform]\nbudget = 10\n[teams.Sales]\nbudget = 5\n'
    res = company("budget", "load", write("2026.toml", "year = 2026\n" + body))
    assert res.exit_code != 0
    text = " ".join(res.output.split())
    assert "teams.Sales" in text and "retired from 2026-01" in text
    with pytest.raises(NotFound):  # nothing loaded
        Carbon(store).budget_plan(2026)
    res = company("budget", "load", write("2025.toml", "year = 2025\n" + body))
    assert res.exit_code == 0, res.output
    # A 2026 file without Sales does not list it among the teams without a budget.
    res = company(
        "budget", "load", write("b.toml", "year = 2026\n" + body.split("[teams.Sales]")[0])
    )
    assert res.exit_code == 0, res.output
    assert "Sales" not in res.output
