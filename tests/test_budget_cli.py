"""`carbon budget status / show / check` end to end, with figures computed by hand."""

import json

import pytest

# Two test factors of value 1, so kg CO2e = quantity: power ±10 %, travel ±20 %.
FACTORS = """\
activity,region,year,value,unit,category,scope,source,uncertainty_pct
test.power,,2026,1,kg CO2e / kWh,infrastructure,2,test table,10
test.travel,,2026,1,kg CO2e / km,commuting,3,test table,20
"""

# January to June 2026:
#   Platform 100 kWh a month  -> 600 kg
#   Video    300 kWh a month  -> 1,800 kg
#   Sales    500 km a month   -> 3,000 kg
#   People   50 km in March   -> 50 kg (no budget)
#   Finance  nothing          -> no entry at all (has a budget)
ACTIVITIES = (
    "date,team,activity,quantity,unit\n"
    + "".join(
        f"2026-{m:02d},Platform,test.power,100,kWh\n"
        f"2026-{m:02d},Video,test.power,300,kWh\n"
        f"2026-{m:02d},Sales,test.travel,500,km\n"
        for m in range(1, 7)
    )
    + "2026-03,People,test.travel,50,km\n"
)

# At June on flat profiles the share allocated is 6/12 = 1/2, so forecast = 2 x actual:
#   Platform 1,200 budget: forecast 600 x 2 = 1,200 = budget      -> on_track (boundary)
#   Video    3,000 budget: forecast 1,800 x 2 = 3,600 > 3,000     -> at_risk
#   Sales    2,500 budget: actual 3,000 > 2,500                   -> over
#   Finance    500 budget: no entry at all                        -> no_data (no verdict)
BUDGETS_KG = """
year = 2026
unit = "kg CO2e"
[teams.Platform]
budget = 1200
[teams.Video]
budget = 3000
profile = "flat"
[teams.Sales]
budget = 2500
[teams.Finance]
budget = 500
"""

# The same budgets in tonnes.
BUDGETS_T = """
year = 2026
unit = "t CO2e"
[teams.Platform]
budget = 1.2
[teams.Video]
budget = 3.0
[teams.Sales]
budget = 2.5
[teams.Finance]
budget = 0.5
"""


@pytest.fixture
def loaded(run, write):
    run("teams", "add", "Platform", "Video", "Sales", "People", "Finance")
    r = run("factors", "import", write("f.csv", FACTORS))
    assert r.exit_code == 0, r.output
    r = run("import", "activities", write("a.csv", ACTIVITIES))
    assert r.exit_code == 0, r.output
    r = run("budget", "load", write("b.toml", BUDGETS_KG))
    assert r.exit_code == 0, r.output
    assert "loaded budgets for 2026: 4 teams" in r.stdout and "no budget for: People" in r.stdout
    return run


def status_json(run, *extra):
    r = run("budget", "status", "--month", "2026-06", "--format", "json", *extra)
    assert r.exit_code == 0, r.output
    return json.loads(r.stdout)


def test_status_json_contract(loaded):
    data = status_json(loaded)
    assert data["month"] == "2026-06" and data["unit"] == "kg CO2e" and data["year"] == 2026
    teams = {t["team"]: t for t in data["teams"]}
    assert list(teams) == ["Finance", "Platform", "Sales", "Video"]
    assert {n: t["status"] for n, t in teams.items()} == {
        "Finance": "no_data",
        "Platform": "on_track",
        "Sales": "over",
        "Video": "at_risk",
    }
    p = teams["Platform"]
    assert (p["budget"], p["allocated_to_date"], p["actual_to_date"], p["forecast"]) == (
        1200.0,
        600.0,
        600.0,
        1200.0,
    )
    assert (p["remaining"], p["share_used"], p["month_actual"], p["month_allocated"]) == (
        600.0,
        0.5,
        100.0,
        100.0,
    )
    # Band: one factor at ±10 %: 600 ± 60 kg, scaled x 2 -> 1,080 - 1,320; the budget is inside.
    assert (p["forecast_low"], p["forecast_high"]) == pytest.approx((1080.0, 1320.0))
    assert p["forecast_band_includes_budget"] is True and p["profile"] == "flat"
    assert p["top_sources"] == [{"activity": "test.power", "actual_to_date": 600.0, "share": 1.0}]
    assert p["monthly"][0] == {"month": "2026-01", "actual": 100.0, "allocated": 100.0}
    assert len(p["monthly"]) == 6
    # Video: 1,800 ± 180 -> x 2: 3,240 - 3,960, above the 3,000 budget: clearly at risk.
    v = teams["Video"]
    assert v["forecast"] == 3600.0 and (v["forecast_low"], v["forecast_high"]) == pytest.approx(
        (3240, 3960)
    )
    assert v["forecast_band_includes_budget"] is False
    s = teams["Sales"]
    assert s["actual_to_date"] == 3000.0 and s["remaining"] == -500.0 and "exceeds" in s["reason"]
    # Finance has no entry at all: unknown, not zero (changed on purpose: it read
    # "on track" on a zero actual before).
    f = teams["Finance"]
    assert (f["actual_to_date"], f["forecast"], f["status"]) == (0.0, None, "no_data")
    # People: 50 kg in March, flat from March: 50 × 10 months covered / 4 known = 125 kg.
    assert data["teams_without_budget"] == [
        {"team": "People", "actual_to_date": 50.0, "forecast": 125.0, "counted_from": "2026-03"}
    ]
    # Company (no company budget): every team's actual, and the sum of the team forecasts:
    # 1,200 + 3,600 + 6,000 (Sales 3,000 × 2) + 125 = 10,925 kg.
    assert data["company"] == {
        "budget": None,
        "team_budgets_total": 7200.0,
        "team_budgets_exceed_company": False,
        "actual_to_date": 5450.0,
        "forecast": 10925.0,
        "counted_from": "2026-01",
        # The budget of the months counted: the team budgets each scaled to its
        # months, all from January: Platform 1,200 + Video 3,000 + Sales 2,500;
        # Finance has no data (no verdict, nothing counted): 6,700 kg.
        "budget_covered": 6700.0,
    }
    assert data["warnings"] == [
        "Finance: no emissions recorded in 2026 up to 2026-06: no verdict (its "
        "figures are unknown, not zero)"
    ]
    assert "unknown, not zero" in data["forecast_method"]


def test_kg_and_t_budgets_give_identical_status(loaded, write):
    in_kg = status_json(loaded)
    r = loaded("budget", "load", "--replace", write("t.toml", BUDGETS_T))
    assert r.exit_code == 0, r.output
    in_t = status_json(loaded)
    assert in_t["unit"] == "t CO2e"
    for a, b in zip(in_kg["teams"], in_t["teams"]):
        assert (a["team"], a["status"]) == (b["team"], b["status"])
        for key in ("budget", "allocated_to_date", "actual_to_date", "forecast", "forecast_low"):
            assert b[key] == (None if a[key] is None else pytest.approx(a[key] / 1000, abs=1e-6))


def test_team_filter(loaded):
    data = status_json(loaded, "--team", "Video")
    assert [t["team"] for t in data["teams"]] == ["Video"] and data["teams_without_budget"] == []
    data = status_json(loaded, "--team", "People")
    assert data["teams"] == [] and data["teams_without_budget"] == [
        {"team": "People", "actual_to_date": 50.0, "forecast": 125.0, "counted_from": "2026-03"}
    ]
    assert data["company"] is None  # one team asked for: no company row
    r = loaded("budget", "status", "--month", "2026-06", "--team", "Vidoe")
    assert r.exit_code == 1 and "did you mean 'Video'" in r.stderr


def test_manager_table(loaded):
    r = loaded("budget", "status", "--month", "2026-06")
    assert r.exit_code == 0, r.output
    out = r.stdout
    assert "Carbon budgets 2026, January to 2026-06 (kg CO2e)" in out
    for text in (
        "on track",
        "at risk",
        "over",
        "no budget",
        "600.0 / 600.0 / 1,200.0",
        "3,600.0",
        "3,240.0–3,960.0",
        "test.power 100%",
        "Biggest sources",
    ):
        assert text in out, text
    # One team: its month-by-month table too.
    r = loaded("budget", "status", "--month", "2026-06", "--team", "Sales")
    assert "Sales month by month" in r.stdout and "3,000.0" in r.stdout


def test_month_without_data_or_budget_is_an_error(loaded):
    r = loaded("budget", "status", "--month", "2026-07")
    assert r.exit_code == 1 and "no emissions recorded for 2026-07" in r.stderr
    r = loaded("budget", "status", "--month", "2025-06")
    assert (
        r.exit_code == 1 and "no budgets loaded for 2025 (budgets are loaded for 2026)" in r.stderr
    )
    r = loaded("budget", "status", "--month", "June")
    assert r.exit_code == 1 and "YYYY-MM" in r.stderr


def test_months_without_data_are_warned(run, write):
    run("teams", "add", "Platform")
    run("factors", "import", write("f.csv", FACTORS))
    run(
        "import",
        "activities",
        write("a.csv", "date,team,activity,quantity,unit\n2026-03,Platform,test.power,10,kWh\n"),
    )
    run(
        "budget",
        "load",
        write(
            "b.toml",
            'year = 2026\nunit = "kg CO2e"\n[company]\nbudget = 100\n'
            "[teams.Platform]\nbudget = 120\n",
        ),
    )
    r = run("budget", "status", "--month", "2026-03", "--format", "json")
    data = json.loads(r.stdout)
    # Changed on purpose (unknown is not zero): January and February are unknown, not zero.
    assert data["warnings"] == [
        "no emissions recorded before 2026-03 (the first month with data): "
        "2026-01, 2026-02 are unknown, not zero; each team's figures cover the "
        "months from its first data to December, its budget scaled to them",
        "team budgets add up to 120.0 kg CO2e, more than the company budget of 100.0 kg CO2e",
    ]
    # Platform from March, flat: 10 kg × 10 months covered / 1 known = 100 kg.
    assert data["company"] == {
        "budget": 100.0,
        "team_budgets_total": 120.0,
        "team_budgets_exceed_company": True,
        "actual_to_date": 10.0,
        "forecast": 100.0,
        "counted_from": "2026-03",
        # Months counted: March..December of Platform's 120 flat = 120 × 10/12 = 100.
        "budget_covered": 100.0,
    }
    assert "warning: no emissions recorded before 2026-03" in r.stderr
    # the table of sources covers the same months (it said "January to 2026-03")
    table = run("budget", "status", "--month", "2026-03").stdout
    assert "Biggest sources, 2026-03 to 2026-03" in table
    assert "Biggest sources, January" not in table


def test_a_team_missing_months_others_have_is_warned_not_silently_zero(loaded, write):
    # Sales has January..June; Video's June is missing (e.g. not imported yet) while the
    # others have June: its actual to date counts June as 0, and the status says so.
    loaded(
        "import",
        "activities",
        write(
            "jul.csv",
            "date,team,activity,quantity,unit\n"
            "2026-07,Platform,test.power,100,kWh\n"
            "2026-07,Sales,test.travel,500,km\n",
        ),
    )
    data = status_json(loaded)  # June: no gap for anyone
    assert not [w for w in data["warnings"] if "while other teams have" in w]
    r = loaded("budget", "status", "--month", "2026-07", "--format", "json")
    data = json.loads(r.stdout)
    assert [w for w in data["warnings"] if "while other teams have" in w] == [
        "Video: no emissions recorded for 2026-07 while other teams have some: counted as zero in "
        "its actual to date (data not imported yet?)"
    ]
    # Finance has no entry at all this year: 0 actual and no verdict (its figures are unknown).
    assert next(t for t in data["teams"] if t["team"] == "Finance")["actual_to_date"] == 0.0
    assert "Video: no emissions recorded for 2026-07" in r.stderr  # shown to a person too


def test_a_month_not_started_is_refused(loaded):
    r = loaded("budget", "status", "--month", "2099-01")
    assert r.exit_code == 1 and "2099-01 has not started" in r.stderr
    assert loaded("budget", "check", "--month", "2099-01").exit_code == 3


def test_status_of_the_current_month_says_it_is_partial(store, write):
    from datetime import date

    from carbon.budgets import service as stored
    from carbon.ledger import service as importer

    importer.add_team(store, "Platform")
    importer.import_factors(store, write("f.csv", FACTORS))
    importer.import_activities(
        store,
        write(
            "a.csv",
            "date,team,activity,quantity,unit\n"
            "2026-05,Platform,test.power,10,kWh\n"
            "2026-06,Platform,test.power,10,kWh\n",
        ),
    )
    stored.load_file(
        store, write("b.toml", 'year = 2026\nunit = "kg CO2e"\n[teams.Platform]\nbudget = 120\n')
    )
    rep = stored.status_at(store, "2026-06", today=date(2026, 6, 15))
    # Changed on purpose: the running month is never counted as a whole month; its status is
    # the status counted through May (test.power is 1 kg/kWh: May's 10 kWh = 10 kg, June's not counted).
    assert rep.warnings[0] == (
        "2026-06 is not over (today is 2026-06-15): counted through 2026-05, the last "
        "month over; 2026-06's data so far is not counted"
    )
    assert (rep.month, rep.counted_through, rep.teams[0].actual_to_date) == (
        "2026-06",
        "2026-05",
        10.0,
    )
    # On 1 July June is over: counted through June, 10 + 10 = 20 kg.
    assert (
        stored.status_at(store, "2026-06", today=date(2026, 7, 1)).teams[0].actual_to_date == 20.0
    )
    assert not any(
        "not over" in w for w in stored.status_at(store, "2026-06", today=date(2026, 7, 1)).warnings
    )
    with pytest.raises(Exception, match="2026-06 has not started"):
        stored.status_at(store, "2026-06", today=date(2026, 5, 31))


def test_show(loaded):
    r = loaded("budget", "show", "--year", "2026", "--format", "json")
    data = json.loads(r.stdout)
    video = next(t for t in data["teams"] if t["team"] == "Video")
    assert video["budget"] == 3000.0 and video["profile"] == "flat"
    assert video["monthly_allocation"] == [250.0] * 12 and data["team_budgets_total"] == 7200.0
    r = loaded("budget", "show", "--year", "2026")
    assert r.exit_code == 0 and "People" in r.stdout and "no budget" in r.stdout
    r = loaded("budget", "show", "--year", "2027")
    assert r.exit_code == 1 and "no budgets loaded for 2027" in r.stderr


# ---- budget check exit codes --------------------------------------------------------------


def test_check_exit_2_when_a_team_is_over(loaded):
    r = loaded("budget", "check", "--month", "2026-06")
    assert r.exit_code == 2
    lines = r.stdout.splitlines()
    assert lines[0] == "OVER  Sales: over: actual 3,000.0 of budget 2,500.0 kg CO2e"
    # Finance (no data) has no verdict; a team over is never hidden behind it: exit 2, not 3.
    assert lines[1].startswith(
        "NONE  Finance: no verdict: no emissions recorded for this team in 2026-01 "
        "to 2026-06: its figures are unknown, not zero"
    )
    assert (
        lines[2]
        == "WARN  Video: at risk: actual 1,800.0 of budget 3,000.0 kg CO2e, forecast 3,600.0 kg CO2e"
    )
    assert "note  no budget (not checked): People" in lines
    assert (
        lines[-1]
        == "budget check 2026-06: 1 over, 1 no verdict (no data), 1 warning, 1 on track -> exit 2"
    )


def test_check_exit_3_when_a_budgeted_team_has_no_data(loaded, write):
    # Sales 7,000: forecast 6,000, on track; Video at risk; Finance without any entry: no verdict.
    # Changed on purpose (unknown is not zero): Finance read "on track" on a zero actual, exit 1.
    loaded("budget", "load", "--replace", write("b2.toml", BUDGETS_KG.replace("2500", "7000")))
    r = loaded("budget", "check", "--month", "2026-06")
    assert r.exit_code == 3 and "NONE  Finance: no verdict" in r.stdout
    assert r.stdout.splitlines()[-1].endswith(
        "0 over, 1 no verdict (no data), 1 warning, 2 on track -> exit 3"
    )


WITHOUT_FINANCE = "[teams.Finance]\nbudget = 500\n"


def test_check_exit_1_when_at_risk(loaded, write):
    loaded(
        "budget",
        "load",
        "--replace",
        write("b2.toml", BUDGETS_KG.replace("2500", "7000").replace(WITHOUT_FINANCE, "")),
    )
    r = loaded("budget", "check", "--month", "2026-06")
    assert r.exit_code == 1 and "WARN  Video: at risk" in r.stdout


def test_check_exit_0_and_warn_at(loaded, write):
    # Video 4,000: forecast 3,600, 45 % used; Sales 7,000: forecast 6,000, 43 % used;
    # Platform 600 of 1,200: 50 % used. (Finance, without data, would have no verdict: left out.)
    ok = BUDGETS_KG.replace("2500", "7000").replace("3000", "4000").replace(WITHOUT_FINANCE, "")
    loaded("budget", "load", "--replace", write("b3.toml", ok))
    r = loaded("budget", "check", "--month", "2026-06")
    assert r.exit_code == 0 and r.stdout.splitlines()[-1].endswith(
        "0 over, 0 warning, 3 on track -> exit 0"
    )
    # Platform used exactly 50 %: not past a 0.5 warning share ...
    assert loaded("budget", "check", "--month", "2026-06", "--warn-at", "0.5").exit_code == 0
    # ... but past 0.45 (and Video's 45 % is not past it).
    r = loaded("budget", "check", "--month", "2026-06", "--warn-at", "0.45")
    assert r.exit_code == 1
    assert (
        "WARN  Platform: past 45 % of its budget: actual 600.0 of budget 1,200.0 kg CO2e"
        in r.stdout
    )
    assert "ok    Video" in r.stdout


def test_check_without_a_verdict_exits_3_never_a_verdict_code(loaded):
    # No budgets for the year, no data for the month, a malformed month, a bad or missing
    # option: exit 3 ("could not check"), never 1 (at risk) or 2 (over), reason on stderr.
    for args, why in (
        (["--month", "2025-06"], "no budgets loaded for 2025"),
        (["--month", "2026-07"], "no emissions recorded for 2026-07"),
        (["--month", "2026-6"], "YYYY-MM"),
        (["--month", "2026-06", "--warn-at", "1.5"], "--warn-at"),
        (["--month", "2026-06", "--warn-at", "lots"], "--warn-at"),
        ([], "--month"),
        (["--month", "2026-06", "--bogus"], "--bogus"),
    ):
        r = loaded("budget", "check", *args)
        assert r.exit_code == 3, (args, r.exit_code, r.stderr)
        assert why in r.stderr and r.stdout == "", args
    assert loaded("budget", "check", "--help").exit_code == 0


# ---- the demo -----------------------------------------------------------------------------


def test_demo_budgets_show_every_status(run):
    assert run("demo").exit_code == 0
    assert run("demo").exit_code == 0  # idempotent, budgets included
    r = run("budget", "status", "--month", "2026-10", "--format", "json")
    assert r.exit_code == 0, r.output
    data = json.loads(r.stdout)
    statuses = {t["team"]: t["status"] for t in data["teams"]}
    assert len(statuses) == 8 and set(statuses.values()) == {"on_track", "at_risk", "over"}
    assert data["warnings"] == []


def test_database_made_before_budget_tables_existed(run, write, db_url):
    # A database left at schema revision 0002 (before budgets) by an older carbon: the next
    # command migrates it, and the budget commands work on it.
    from sqlalchemy import create_engine, inspect

    from carbon.store import migrate

    engine = create_engine(db_url)
    with engine.begin() as conn:
        migrate.upgrade(conn, "0002")
        assert not inspect(conn).has_table("budget_plans")
    engine.dispose()
    run("teams", "add", "Platform")
    r = run("budget", "show", "--year", "2026")
    assert r.exit_code == 1 and "no budgets are loaded" in r.stderr
    r = run(
        "budget",
        "load",
        write("b.toml", 'year = 2026\nunit = "kg CO2e"\n[teams.Platform]\nbudget = 1\n'),
    )
    assert r.exit_code == 0, r.output
    assert run("budget", "show", "--year", "2026").exit_code == 0
