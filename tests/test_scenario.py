"""What-if scenarios: shift and scale levers over recorded and forecast months, refusals, status, donation."""

import json

import pytest

HEADER = "date,team,activity,quantity,unit,region\n"
MONTHS = [f"2025-{m:02d}" for m in range(1, 7)]


@pytest.fixture
def company(run, write):
    """Jan..Jun 2025 recorded; July..December are forecast (flat profile)."""
    run("teams", "add", "Sales", "Video")
    rows = "".join(
        f"{m},Sales,commute.car.petrol,1000,km,FR\n{m},Video,streaming.video.hour,1000,hour,EU\n"
        for m in MONTHS
    )
    # Sales: 1,000 km petrol car FR 2025 (ADEME 0.16971 kg/km) = 169.71 kg a month
    # Video: 1,000 h streaming EU (Carbon Trust 55 g/h) = 55 kg a month
    assert run("import", "activities", write("a.csv", HEADER + rows)).exit_code == 0
    r = run(
        "budget",
        "load",
        write("b.toml", 'year = 2025\nunit = "kg CO2e"\n[teams.Sales]\nbudget = 1500\n'),
    )
    assert r.exit_code == 0, r.output
    return run


def _json(run, path, *extra):
    r = run("scenario", "run", path, "--format", "json", "--price", "80", *extra)
    assert r.exit_code == 0, r.output
    return json.loads(r.stdout)


def test_shift_over_recorded_and_forecast_months_status_and_donation(company, write, db_dump):
    before = db_dump(caches=False)
    data = _json(
        company,
        write(
            "s.toml",
            """\
        year = 2025
        [[lever]]
        kind = "shift"
        from = "commute.car.*"
        to = "commute.bike"
        share = 0.5
        start = "2025-04"
        teams = ["Sales"]
        """,
        ),
    )
    assert data["unit"] == "kg CO2e"  # the budget file's unit
    sales = next(t for t in data["teams"] if t["team"] == "Sales")
    # Baseline: Jan..Jun 6 x 169.71 = 1,018.26 kg; flat forecast: 1,018.26 / (6/12) = 2,036.52 kg
    assert sales["baseline_actual_to_date"] == pytest.approx(1018.26)
    assert sales["baseline"] == pytest.approx(2036.52)
    # Recorded: Jan..Mar 3 x 169.71 = 509.13; Apr..Jun 3 x (500 km x 0.16971 + 500 km x 0.00017 bike,
    # ADEME FR 2025) = 3 x 84.94 = 254.82 -> 763.95 kg
    assert sales["scenario_actual_to_date"] == pytest.approx(763.95)
    # Forecast Jul..Dec: 169.71 a month of 1,000 km petrol, the lever applies: 6 x 84.94 = 509.64
    assert sales["scenario"] == pytest.approx(763.95 + 509.64)
    assert sales["delta"] == pytest.approx(1273.59 - 2036.52)
    # Budget 1,500: baseline at risk (forecast 2,036.52 > 1,500), scenario on track (1,273.59)
    assert (sales["budget"], sales["baseline_status"], sales["status"]) == (
        1500,
        "at_risk",
        "on_track",
    )
    # Donation at 80 EUR/t: 2.03652 t -> 162.92 EUR; 1.27359 t -> 101.89 EUR; change -61.03 EUR
    assert sales["donation_delta"] == pytest.approx(-61.03)
    video = next(t for t in data["teams"] if t["team"] == "Video")
    assert video["delta"] == 0 and video["status"] is None  # untouched, no budget
    # Company: 2,036.52 + 660 = 2,696.52 kg -> 215.72 EUR; 1,273.59 + 660 = 1,933.59 -> 154.69 EUR
    assert data["company"]["delta"] == pytest.approx(-762.93)
    assert data["company"]["donation_delta"] == pytest.approx(-61.03)
    assert db_dump(caches=False) == before  # nothing written (but pint's answers, kept)


def test_scale_over_forecast_months_only(company, write):
    data = _json(
        company,
        write(
            "s.toml",
            """\
        year = 2025
        [[lever]]
        kind = "scale"
        category = "streaming"
        by = 0.5
        start = "2025-09"
        """,
        ),
    )
    video = next(t for t in data["teams"] if t["team"] == "Video")
    # Baseline 12 x 55 = 660 kg; Sep..Dec (forecast, 55 kg each) halved: 660 - 4 x 27.5 = 550
    assert video["baseline"] == pytest.approx(660.0)
    assert video["scenario"] == pytest.approx(550.0)
    assert video["scenario_actual_to_date"] == pytest.approx(330.0)  # recorded months untouched


def test_scale_over_recorded_months(company, write):
    data = _json(
        company,
        write(
            "s.toml",
            """\
        year = 2025
        [[lever]]
        kind = "scale"
        activity = "streaming.video.hour"
        by = 0.7
        start = "2025-05"
        """,
        ),
    )
    video = next(t for t in data["teams"] if t["team"] == "Video")
    # Jan..Apr 4 x 55 = 220; May, Jun 2 x 38.5 = 77 -> 297 recorded; Jul..Dec 6 x 38.5 = 231 -> 528
    assert video["scenario_actual_to_date"] == pytest.approx(297.0)
    assert video["scenario"] == pytest.approx(528.0)


def test_shift_between_units_that_cannot_convert_is_refused(company, write, db_dump):
    before = db_dump()
    r = company(
        "scenario",
        "run",
        write(
            "s.toml",
            """\
        year = 2025
        [[lever]]
        kind = "shift"
        from = "streaming.video.hour"
        to = "commute.bike"
        share = 0.5
        start = "2025-01"
        """,
        ),
    )
    assert r.exit_code == 1
    assert (
        "s.toml, line 5, key 'lever.to': cannot shift streaming.video.hour (per h) to commute.bike "
        "(per km): the units do not convert" in r.stderr
    )
    assert db_dump() == before


def test_bad_scenario_file_lists_every_problem(company, write):
    r = company(
        "scenario",
        "run",
        write(
            "s.toml",
            """\
        year = 2025
        [[lever]]
        kind = "shift"
        from = "commute.car.petrol"
        to = "commute.bke"
        share = 1.5
        start = "2026-01"
        teams = ["Sale"]
        """,
        ),
    )
    assert r.exit_code == 1
    assert "line 7, key 'lever.start': expected a month of the scenario's year 2025" in r.stderr
    assert "line 8, key 'lever.teams': unknown team 'Sale' (did you mean 'Sales'?)" in r.stderr
    assert "line 6, key 'lever.share': expected a number from 0 to 1" in r.stderr


def test_table_shows_the_new_status_and_the_donation_change(company, write):
    r = company(
        "scenario",
        "run",
        write(
            "s.toml",
            """\
        year = 2025
        name = "Sales by bike"
        [[lever]]
        kind = "shift"
        from = "commute.car.petrol"
        to = "commute.bike"
        share = 0.5
        start = "2025-04"
        """,
        ),
        "--price",
        "80",
    )
    assert r.exit_code == 0, r.output
    text = " ".join(r.stdout.split())
    assert "Scenario Sales by bike, 2025" in text
    sales = next(line for line in r.stdout.splitlines() if "Sales" in line and "│" in line)
    assert "at risk →" in sales  # the status before → after (the cell wraps "on track" below)
    assert "-61.03" in text  # the donation change at 80 EUR/t (see the JSON test)


def test_target_without_a_factor_in_the_region_is_refused_unless_filtered(run, write):
    run("teams", "add", "Sales")
    # 100 km petrol FR 2025 (ADEME 0.16971) = 16.971 kg; 100 km petrol GB (DESNZ 2024 0.1645) = 16.45 kg
    run(
        "import",
        "activities",
        write(
            "a.csv",
            HEADER + "2025-12,Sales,commute.car.petrol,100,km,FR\n"
            "2025-12,Sales,commute.car.petrol,100,km,GB\n",
        ),
    )
    lever = """\
        year = 2025
        [[lever]]
        kind = "shift"
        from = "commute.car.petrol"
        to = "commute.bike"
        share = 1.0
        start = "2025-12"
        """
    r = run("scenario", "run", write("s.toml", lever), "--price", "80")
    assert r.exit_code == 1 and "no emission factor for 'commute.bike' in region 'GB'" in r.stderr
    data = _json(run, write("s2.toml", lever + '    regions = ["FR"]\n'))
    sales = data["teams"][0]
    assert data["unit"] == "t CO2e"  # no budget file for the year
    # FR part moves to the bike (ADEME 0.00017 kg/km): 100 x 0.00017 = 0.017 kg; GB part unchanged
    assert sales["baseline"] == pytest.approx((16.971 + 16.45) / 1000, abs=1e-6)
    assert sales["scenario"] == pytest.approx((0.017 + 16.45) / 1000, abs=1e-6)


def test_demo_scenario_runs_as_a_new_user_would(run):
    from carbon.core.resources import demo_dir

    first = run("demo")
    assert first.exit_code == 0 and "carbon scenario run" in first.stdout
    r = run("scenario", "run", demo_dir() / "levers-2026.toml", "--format", "json")
    assert r.exit_code == 0, r.output
    data = json.loads(r.stdout)
    sales = next(t for t in data["teams"] if t["team"] == "Sales")
    assert (
        sales["delta"] < 0
        and sales["baseline_status"] == "over"
        and data["company"]["donation_delta"] < 0
    )


# ---- the baseline is the one forecast (the budget's and the donation's) -------------------------


@pytest.fixture
def late_company(run, write):
    """A company whose data starts in July 2025: Sales (flat budget) from July, Video (budget
    with a profile) from August, Ops (no budget) from September; October is the last month."""
    run("teams", "add", "Sales", "Video", "Ops")
    rows = "".join(f"2025-{m:02d}-15,Sales,commute.car.petrol,1000,km,FR\n" for m in (7, 8, 9, 10))
    rows += "".join(
        f"2025-{m:02d}-15,Video,streaming.video.hour,1000,hour,EU\n" for m in (8, 9, 10)
    )
    rows += "".join(f"2025-{m:02d}-15,Ops,streaming.video.hour,100,hour,EU\n" for m in (9, 10))
    assert run("import", "activities", write("a.csv", HEADER + rows)).exit_code == 0
    r = run(
        "budget",
        "load",
        write(
            "b.toml",
            """\
        year = 2025
        unit = "kg CO2e"
        [teams.Sales]
        budget = 1500
        [teams.Video]
        budget = 700
        profile = [1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 2, 2]
        """,
        ),
    )
    assert r.exit_code == 0, r.output
    return run


def test_baseline_is_the_budget_status_forecast_for_every_team_and_the_company(late_company, write):
    status = late_company("budget", "status", "--month", "2025-10", "--format", "json")
    assert status.exit_code == 0, status.output
    st = json.loads(status.stdout)
    data = _json(
        late_company,
        write(
            "none.toml",
            """\
        year = 2025
        [[lever]]
        kind = "scale"
        activity = "commute.bike"
        by = 0.5
        start = "2025-01"
        """,
        ),
    )  # a lever that touches nothing: scenario = baseline
    got = {t["team"]: t for t in data["teams"]}
    expected = {t["team"]: t["forecast"] for t in st["teams"]}
    expected.update({t["team"]: t["forecast"] for t in st["teams_without_budget"]})
    # Sales: Jul..Oct 4 x 169.71 = 678.84 kg over 4 known months of the 6 covered (Jul..Dec), flat:
    # 678.84 x 6/4 = 1,018.26. Video: Aug..Oct 3 x 55 = 165 kg, profile weights Aug..Dec 1+1+1+2+2 = 7
    # over known Aug..Oct 3: 165 x 7/3 = 385. Ops (no budget): Sep, Oct 2 x 5.5 = 11, flat 11 x 4/2 = 22.
    hand = {"Sales": 1018.26, "Video": 385.0, "Ops": 22.0}
    assert set(got) == set(expected) == set(hand)
    for team, kg in hand.items():
        assert expected[team] == pytest.approx(kg, abs=1e-3)
        assert got[team]["baseline"] == pytest.approx(expected[team], abs=1e-3)
        assert got[team]["scenario"] == pytest.approx(got[team]["baseline"], abs=1e-9)
    # Company: 1,018.26 + 385 + 22 = 1,425.26 kg, budget status's sum of the team forecasts.
    assert st["company"]["forecast"] == pytest.approx(1425.26, abs=1e-3)
    assert data["company"]["baseline"] == pytest.approx(st["company"]["forecast"], abs=1e-3)
    # The status is judged as budget status judges it (the budget's share of the months covered).
    for t in st["teams"]:
        assert got[t["team"]]["baseline_status"] == t["status"]
    assert got["Ops"]["baseline_status"] is None


def test_levers_on_a_company_starting_mid_year(late_company, write):
    data = _json(
        late_company,
        write(
            "s.toml",
            """\
        year = 2025
        [[lever]]
        kind = "shift"
        from = "commute.car.*"
        to = "commute.bike"
        share = 0.5
        start = "2025-09"
        teams = ["Sales"]
        [[lever]]
        kind = "scale"
        activity = "streaming.video.hour"
        by = 0.5
        start = "2025-10"
        teams = ["Video"]
        """,
        ),
    )
    got = {t["team"]: t for t in data["teams"]}
    # Sales: Jul, Aug 169.71 each; Sep, Oct 500 km car (84.855) + 500 km bike (ADEME FR 0.00017 kg/km,
    # 0.085) = 84.94 each. Forecast Nov, Dec: (1,018.26 - 678.84) / 2 = 169.71 each, i.e. 1,000 km,
    # halved by the lever too: 84.94 each. Scenario 2 x 169.71 + 4 x 84.94 = 679.18 kg.
    assert got["Sales"]["scenario_actual_to_date"] == pytest.approx(509.30, abs=1e-6)
    assert got["Sales"]["scenario"] == pytest.approx(679.18, abs=1e-6)
    # Budget covered Jul..Dec: 1,500 x 6/12 = 750. Baseline 1,018.26 > 750: at risk; 679.18: on track.
    assert (got["Sales"]["baseline_status"], got["Sales"]["status"]) == ("at_risk", "on_track")
    # Video: Aug, Sep 55 each, Oct halved 27.5; forecast Nov, Dec (385 - 165) x 2/4 = 110 each, halved:
    # 55 each. Scenario 55 + 55 + 27.5 + 55 + 55 = 247.5 kg. Budget covered Aug..Dec 700 x 7/14 = 350:
    # baseline 385 at risk, scenario 247.5 on track.
    assert got["Video"]["scenario"] == pytest.approx(247.5, abs=1e-6)
    assert (got["Video"]["baseline_status"], got["Video"]["status"]) == ("at_risk", "on_track")
    assert got["Ops"]["delta"] == 0 and got["Ops"]["scenario"] == pytest.approx(22.0, abs=1e-6)
    # Donation at 80 EUR/t: Sales 1.01826 t = 81.46 -> 0.67918 t = 54.33: -27.13;
    # Video 0.385 t = 30.80 -> 0.2475 t = 19.80: -11.00. Company 1.42526 t = 114.02 -> 0.94868 t = 75.89: -38.13.
    assert got["Sales"]["donation_delta"] == pytest.approx(-27.13)
    assert got["Video"]["donation_delta"] == pytest.approx(-11.00)
    assert data["company"]["baseline"] == pytest.approx(1425.26, abs=1e-6)
    assert data["company"]["scenario"] == pytest.approx(948.68, abs=1e-6)
    assert data["company"]["donation_delta"] == pytest.approx(-38.13)


def test_a_mid_year_team_shows_the_budget_its_status_is_judged_against(late_company, write):
    # The status of a team whose data starts after January is judged against the budget's share of
    # the months from its first data (as budget status does); the table and JSON show that share
    # next to the annual budget, so "over" never sits beside a larger annual figure unexplained.
    path = write(
        "none.toml",
        'year = 2025\n[[lever]]\nkind = "scale"\nactivity = "commute.bike"\nby = 0.5\n'
        'start = "2025-01"\n',
    )
    data = _json(late_company, path)
    got = {t["team"]: t for t in data["teams"]}
    # Sales: flat 1,500 kg, Jul..Dec = 1,500 x 6/12 = 750; Video: 700 x (1+1+1+2+2)/14 = 350 (Aug..Dec).
    assert got["Sales"]["budget"] == pytest.approx(1500) and got["Sales"][
        "budget_covered"
    ] == pytest.approx(750)
    assert got["Video"]["budget_covered"] == pytest.approx(350)
    assert got["Ops"]["budget"] is None and got["Ops"]["budget_covered"] is None
    r = late_company("scenario", "run", path)
    assert r.exit_code == 0, r.output
    lines = r.stdout.splitlines()
    at = next(i for i, ln in enumerate(lines) if ln.startswith("│ Sales"))
    assert "750.0" in lines[at] and "at risk" in lines[at] and "of 1,500.0" in lines[at + 1]


def test_a_lever_naming_a_former_team_name_says_it_was_renamed(company, write):
    assert company("teams", "rename", "Sales", "Field").exit_code == 0
    r = company(
        "scenario",
        "run",
        write(
            "s.toml",
            'year = 2025\n[[lever]]\nkind = "scale"\nactivity = "commute.bike"\n'
            'by = 0.5\nstart = "2025-01"\nteams = ["Sales"]\n',
        ),
    )
    text = " ".join(r.output.split())
    assert (
        r.exit_code == 1 and "team 'Sales' was renamed 'Field'" in text and "use 'Field'" in text
    ), r.output
    r = company(
        "scenario",
        "run",
        write(
            "t.toml",
            'year = 2025\n[[lever]]\nkind = "scale"\nactivity = "commute.bike"\n'
            'by = 0.5\nstart = "2025-01"\nteams = ["Feild"]\n',
        ),
    )
    assert r.exit_code == 1 and "unknown team 'Feild' (did you mean 'Field'?)" in " ".join(
        r.output.split()
    )


def test_a_budgeted_team_without_data_has_no_figures_not_zeros(company, write):
    # Ops has a budget and no entry in 2025: budget status says no data (forecast null); the
    # scenario showed Baseline 0.00, Scenario 0.00, Donation 0.00.
    assert company("teams", "add", "Ops").exit_code == 0
    budget = (
        'year = 2025\nunit = "kg CO2e"\n[teams.Sales]\nbudget = 1500\n[teams.Ops]\nbudget = 900\n'
    )
    assert company("budget", "load", write("b2.toml", budget), "--replace").exit_code == 0
    lever = 'year = 2025\n[[lever]]\nkind = "scale"\ncategory = "streaming"\nby = 0.5\n'
    path = write("s.toml", lever + 'start = "2025-09"\n')
    data = _json(company, path)
    ops = next(t for t in data["teams"] if t["team"] == "Ops")
    assert ops["baseline_status"] == "no_data"
    assert [ops[k] for k in ("baseline", "scenario", "delta", "donation_delta")] == [None] * 4
    assert ops["budget"] == 900
    table = company("scenario", "run", path, "--price", "80")
    row = next(line for line in table.stdout.splitlines() if "Ops" in line)
    assert "0.00" not in row


def test_a_month_without_any_data_is_listed_as_estimated(run, write):
    # Sales from July 2025, August without any entry (a hole): the baseline estimates it, but
    # the JSON and the method named only the months after October.
    run("teams", "add", "Sales")
    rows = "".join(f"2025-{m:02d}-15,Sales,commute.car.petrol,1000,km,FR\n" for m in (7, 9, 10))
    assert run("import", "activities", write("a.csv", HEADER + rows)).exit_code == 0
    lever = 'year = 2025\n[[lever]]\nkind = "scale"\ncategory = "commuting"\nby = 0.5\n'
    data = _json(run, write("s.toml", lever + 'start = "2025-11"\n'))
    assert data["forecast_months"] == ["2025-11", "2025-12"]
    assert data["estimated_months"] == ["2025-08", "2025-11", "2025-12"]
    assert "2025-08, without any data, is estimated the same way" in data["method"]
    sales = next(t for t in data["teams"] if t["team"] == "Sales")
    # 3 recorded months x 169.71 kg, flat over July..December (6 months, 3 known): x 2
    assert sales["baseline"] == pytest.approx(6 * 169.71 / 1000)  # t CO2e (no budget file)
