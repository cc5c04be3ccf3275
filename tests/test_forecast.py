"""One year-end forecast, and months before a team's first data unknown, not zero.

A small company whose data starts in September 2026: `budget status`, `budget check`,
`donation` (running year), the pack and its e-mail must agree, and none may read January to
August as zero.
"""

import json
from datetime import date
from pathlib import Path

import pytest

from carbon.budgets import forecast as fc

# ---- the rule, pure -----------------------------------------------------------------------

PROFILE = (1, 1, 1, 1, 1, 1, 1, 1, 2, 2, 2, 2)  # sum 16; Sep..Dec weigh twice as much


def test_window_of_a_team_starting_in_september():
    win = fc.window([9, 10], range(9, 11), 10)
    assert (win.first, win.known, win.covered) == (9, (9, 10), (9, 10, 11, 12))
    assert win.unknown_before == tuple(range(1, 9)) and win.holes == () and not win.from_january
    # Flat: 2 months known, 4 covered -> actual × 4 / 2.
    assert fc.year_end(100.0, fc.FLAT, win) == 200.0
    # Profile: w(Sep..Dec) = 8, w(Sep, Oct) = 4 -> actual × 8 / 4.
    assert fc.year_end(100.0, PROFILE, win) == 200.0
    assert fc.share(PROFILE, win.covered) == 0.5 and fc.share(PROFILE, win.known) == 0.25


def test_from_january_it_is_the_budget_rule():
    # Data January..October, flat: actual ÷ (10/12); the plain budget forecast.
    win = fc.window(range(1, 11), range(1, 11), 10)
    assert win.from_january and fc.year_end(1000.0, fc.FLAT, win) == pytest.approx(1200.0)
    # December counted: no extrapolation at all.
    assert fc.year_end(1000.0, PROFILE, fc.window(range(1, 13), range(1, 13), 12)) == 1000.0


def test_a_month_without_any_data_is_unknown_and_estimated():
    # Team data in March and May; the ledger has nothing in April: a hole.
    win = fc.window([3, 5], [3, 5], 5)
    assert win.known == (3, 5) and win.holes == (4,)
    # Flat: 10 months covered (Mar..Dec) / 2 known -> 30 × 5 = 150.
    assert fc.year_end(30.0, fc.FLAT, win) == 150.0
    # A team gap (others have April, this team not) is known: its zero counts.
    win = fc.window([3, 5], [3, 4, 5], 5)
    assert win.known == (3, 4, 5) and fc.year_end(30.0, fc.FLAT, win) == 100.0


def test_no_data_and_profile_without_weight():
    assert fc.window([], [1, 2], 2).first is None
    assert fc.year_end_any(5.0, None, fc.window([], [1, 2], 2)) is None
    # A profile starting in April, data in February: the profile cannot extrapolate; the
    # total falls back to flat (Feb..Dec 11 months / 1 known) and says so.
    april = (0, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1, 1)
    win = fc.window([2], [1, 2], 2)
    assert fc.year_end(5.0, april, win) is None
    assert fc.year_end_any(5.0, april, win) == (55.0, fc.FLAT_FALLBACK)
    assert fc.year_end_any(5.0, None, win) == (55.0, fc.FLAT_RATE)


# ---- a company whose data starts in September ----------------------------------------------

HEADER = "date,team,activity,quantity,unit,region\n"
# The FR grid factor in force for 2026 is ADEME Base Empreinte 2025, 0.0461 kg CO2e / kWh
# (factors/ademe_2025_grid_fr.csv):
#   Platform  Sep 10,000 kWh -> 461 kg;   Oct 10,000 kWh -> 461 kg     actual 922 kg
#   Video     Sep 20,000 kWh -> 922 kg;   Oct 40,000 kWh -> 1,844 kg   actual 2,766 kg
#   Sales     Oct 5,000 kWh  -> 230.5 kg (from October; no budget)     actual 230.5 kg
SEPTEMBER_START = HEADER + (
    "2026-09,Platform,electricity.grid,10000,kWh,FR\n"
    "2026-10,Platform,electricity.grid,10000,kWh,FR\n"
    "2026-09,Video,electricity.grid,20000,kWh,FR\n"
    "2026-10,Video,electricity.grid,40000,kWh,FR\n"
    "2026-10,Sales,electricity.grid,5000,kWh,FR\n"
)
BUDGETS = """\
year = 2026
unit = "t CO2e"
[company]
budget = 20.0
[teams.Platform]
budget = 6.0
[teams.Video]
budget = 8.0
profile = [1, 1, 1, 1, 1, 1, 1, 1, 2, 2, 4, 4]
"""


@pytest.fixture
def new_company(run, write):
    run("teams", "add", "Platform", "Video", "Sales")
    r = run("import", "activities", write("sep-oct.csv", SEPTEMBER_START))
    assert r.exit_code == 0, r.output
    r = run("budget", "load", write("2026.toml", BUDGETS))
    assert r.exit_code == 0, r.output
    return run


def running_donation(run) -> dict:
    """The running year's donation as of 2026-11-15 (October the last month over), as JSON."""
    r = run(
        "donation",
        "--year",
        "2026",
        "--price",
        "80",
        "--as-of",
        "2026-11-15",
        "--allow-missing-months",
        "--format",
        "json",
    )
    assert r.exit_code == 0, r.output
    return json.loads(r.stdout)


def test_budget_status_counts_from_the_first_month_with_data(new_company):
    r = new_company("budget", "status", "--month", "2026-10", "--format", "json")
    assert r.exit_code == 0, r.output
    data = json.loads(r.stdout)
    teams = {t["team"]: t for t in data["teams"]}
    # Platform (6 t, flat) from September: budget covered 6 × 4/12 = 2.0 t; allocated to date
    # 6 × 2/12 = 1.0 t; forecast 0.922 × 4/2 = 1.844 t <= 2.0: on track.
    p = teams["Platform"]
    assert p["counted_from"] == "2026-09" and p["unknown_months"] == [
        f"2026-{m:02d}" for m in range(1, 9)
    ]
    assert (p["budget"], p["budget_covered"], p["allocated_to_date"]) == pytest.approx(
        (6.0, 2.0, 1.0)
    )
    assert (p["actual_to_date"], p["forecast"]) == pytest.approx((0.922, 1.844))
    assert p["status"] == "on_track"
    # Video (8 t, profile sum 8 + 12 = 20; Sep..Dec weigh 2+2+4+4 = 12, Sep+Oct 4): budget
    # covered 8 × 12/20 = 4.8 t; allocated to date 8 × 4/20 = 1.6 t; forecast 2.766 × 12/4 =
    # 8.298 t > 4.8: at risk. (January..August read as zero gave allocated 8 × 12/20 = 4.8 t and
    # forecast 2.766 ÷ 0.6 = 4.61 t < 8: "on track".)
    v = teams["Video"]
    assert (v["budget_covered"], v["allocated_to_date"]) == pytest.approx((4.8, 1.6))
    assert (v["actual_to_date"], v["forecast"]) == pytest.approx((2.766, 8.298))
    assert v["status"] == "at_risk" and v["reason"] == (
        "forecast to year end exceeds the budget's share of 2026-09 to December "
        "(counted from 2026-09, the first month with data)"
    )  # (it said "exceeds the annual budget", 8 t, which 8.298 t does too, but 4.8 t was meant)
    assert v["monthly"][0] == {"month": "2026-01", "actual": None, "allocated": None}
    # Sales (no budget) from October, flat: 0.2305 × 3 (Oct..Dec) / 1 = 0.6915 t.
    assert data["teams_without_budget"] == [
        {
            "team": "Sales",
            "actual_to_date": pytest.approx(0.2305),
            "forecast": pytest.approx(0.6915),
            "counted_from": "2026-10",
        }
    ]
    # Company: 1.844 + 8.298 + 0.6915 = 10.8335 t, counted from September; actual
    # 0.922 + 2.766 + 0.2305 = 3.9185 t.
    co = data["company"]
    assert co["forecast"] == pytest.approx(10.8335) and co["counted_from"] == "2026-09"
    assert co["actual_to_date"] == pytest.approx(3.9185) and co["budget"] == 20.0
    assert data["warnings"][0].startswith(
        "no emissions recorded before 2026-09 (the first month with data): "
        "2026-01 to 2026-08 are unknown, not zero"
    )
    # The table says the rule and the month each team is counted from.
    table = new_company("budget", "status", "--month", "2026-10").stdout
    for text in (
        "from 2026-09 (of 6.00)",
        "unknown months:",
        "are unknown, not zero",
        "10.8",
        "sum of the",
    ):
        assert text in table, text


def test_budget_check_is_not_on_track_on_eight_zero_months(new_company):
    r = new_company("budget", "check", "--month", "2026-10")
    # Video at risk (see above): exit 1, where January..August as zero gave exit 0.
    assert r.exit_code == 1, r.output
    assert (
        "WARN  Video: at risk: actual 2.77 of 4.80 t CO2e, the budget's share of 2026-09 to December "
        "(annual 8.00; earlier months unknown), forecast 8.30 t CO2e"
    ) in r.stdout
    assert "ok    Platform: on track: actual 0.92 of 2.00 t CO2e" in r.stdout


def test_donation_gives_the_same_year_end_figure(new_company):
    # Running year, as of 2026-11-15 (October the last month over). January..August have no
    # data: refused without --allow-missing-months.
    r = new_company("donation", "--year", "2026", "--price", "80", "--as-of", "2026-11-15")
    assert r.exit_code == 1 and "2026-01" in r.stderr and "--allow-missing-months" in r.stderr
    assert "unknown, not zero" in r.stderr
    data = running_donation(new_company)
    teams = {t["team"]: t for t in data["teams"]}
    # Per team, in grams, the same rule as budget status:
    #   Platform 922,000 × 4/2 = 1,844,000; Video 2,766,000 × 12/4 = 8,298,000 (its profile);
    #   Sales 230,500 × 3/1 = 691,500 (flat). Total 10,833,500 g = 10.8335 t × 80 EUR/t = 866.68 EUR.
    # (Before: 3,918,500 g ÷ 10 × 12 = 4.7022 t -> 376.18 EUR: two months divided by ten.)
    assert {n: t["emissions_t"] for n, t in teams.items()} == {
        "Platform": 1.844,
        "Sales": 0.6915,
        "Video": 8.298,
    }
    assert data["emissions_t"] == 10.8335 and data["amount"] == 866.68
    assert (
        teams["Video"]["forecast_method"] == "profile"
        and teams["Sales"]["forecast_method"] == "flat"
    )
    assert (
        teams["Sales"]["counted_from"] == "2026-10" and teams["Video"]["counted_from"] == "2026-09"
    )
    assert any("INCOMPLETE YEAR" in w and "unknown, not zero" in w for w in data["warnings"])
    assert any(
        m.startswith("Forecast weights: the budget profile of Platform, Video; flat for Sales")
        for m in data["method"]
    )
    # The same company figure as budget status's company forecast (10.8335 t above).
    status = json.loads(
        new_company("budget", "status", "--month", "2026-10", "--format", "json").stdout
    )
    assert status["company"]["forecast"] == pytest.approx(data["emissions_t"], abs=1e-6)
    for t in status["teams"]:
        assert t["forecast"] == pytest.approx(teams[t["team"]]["emissions_t"], abs=1e-6)


def test_the_pack_and_its_email_show_the_same_rule(new_company, store, tmp_path: Path):
    from carbon.pack import delivery
    from carbon.pack import service as pack

    built = pack.build(store, "2026-10", tmp_path / "packs")
    rep = json.loads((built.path / "report.json").read_text(encoding="utf-8"))
    status = rep["budget_status"]
    assert status["company"]["forecast"] == pytest.approx(10.8335)
    video = next(t for t in status["teams"] if t["team"] == "Video")
    assert video["forecast"] == pytest.approx(8.298) and video["status"] == "at_risk"
    html = (built.path / "report.html").read_text(encoding="utf-8")
    assert "from 2026-09" in html and "are unknown, not zero" in html
    # The budget table has a company row with its forecast.
    assert "<th>Company</th>" in html
    body = delivery.summary_html(rep, "Video")
    assert "at risk (from 2026-09)" in body and "unknown, not zero" in body


def test_a_donation_without_budgets_is_flat_from_each_team_start(run, write):
    # Same data, no budget file: every team flat from its first month with data.
    # Platform 922,000 × 4/2 = 1,844,000; Video 2,766,000 × 4/2 = 5,532,000 (flat, not its
    # profile's 12/4); Sales 230,500 × 3/1 = 691,500 -> 8,067,500 g = 8.0675 t.
    run("teams", "add", "Platform", "Video", "Sales")
    run("import", "activities", write("sep-oct.csv", SEPTEMBER_START))
    data = running_donation(run)
    assert data["emissions_t"] == 8.0675
    assert all(t["forecast_method"] == "flat" for t in data["teams"])


def test_status_at_is_the_same_for_the_pack(new_company, store):
    from carbon.budgets import service as stored

    rep = stored.status_at(store, "2026-10", today=date(2026, 11, 15))
    assert rep.company.forecast == pytest.approx(10833.5)  # kg


# ---- a retired team is never forecast past its retirement ----------------------------------


def test_window_of_a_team_retired_during_the_year():
    assert fc.last_month(2026, None) == 12 and fc.last_month(2026, "2027-01") == 12
    assert fc.last_month(2026, "2026-12") == 11 and fc.last_month(2026, "2026-01") == 0
    assert fc.last_month(2027, "2026-06") == 0
    # Data Sep, Oct; retired from December; counted through October: Sep..Nov covered.
    win = fc.window([9, 10], range(1, 11), 10, last=11)
    assert (win.first, win.known, win.covered) == (9, (9, 10), (9, 10, 11))
    assert fc.year_end(100.0, fc.FLAT, win) == 150.0
    # Counted through November, retired from November: nothing is estimated.
    win = fc.window([9, 10], range(1, 12), 11, last=10)
    assert (win.covered, win.known, win.holes) == ((9, 10), (9, 10), ())
    assert fc.year_end(100.0, fc.FLAT, win) == 100.0


@pytest.fixture
def retirements(new_company):
    # Platform retired from December, Sales from November (after their last data).
    assert new_company("teams", "retire", "Platform", "--from", "2026-12").exit_code == 0
    assert new_company("teams", "retire", "Sales", "--from", "2026-11").exit_code == 0
    return new_company


def test_budget_status_of_a_retired_team_stops_at_its_retirement(retirements, write):
    data = json.loads(
        retirements("budget", "status", "--month", "2026-10", "--format", "json").stdout
    )
    teams = {t["team"]: t for t in data["teams"]}
    # Platform (6 t, flat), Sep..Nov: budget covered 6 × 3/12 = 1.5 t; forecast
    # 0.922 × 3/2 = 1.383 t (not × 4/2 = 1.844 t, which counted December).
    p = teams["Platform"]
    assert (p["budget_covered"], p["forecast"]) == pytest.approx((1.5, 1.383))
    assert p["reason"] == (
        "forecast to year end within the budget's share of 2026-09 to 2026-11 "
        "(counted from 2026-09, the first month with data; retired from 2026-12)"
    )
    # Sales (no budget), October only: 0.2305 t, nothing after its retirement.
    [sales] = data["teams_without_budget"]
    assert sales["forecast"] == pytest.approx(0.2305)
    # Video unchanged (8.298 t): company 1.383 + 8.298 + 0.2305 = 9.9115 t.
    assert teams["Video"]["forecast"] == pytest.approx(8.298)
    assert data["company"]["forecast"] == pytest.approx(9.9115)
    # November recorded for Video only: Platform's missing November is a gap (it still existed).
    nov_csv = write("nov.csv", HEADER + "2026-11,Video,electricity.grid,1000,kWh,FR\n")
    assert retirements("import", "activities", nov_csv).exit_code == 0
    nov = json.loads(
        retirements("budget", "status", "--month", "2026-11", "--format", "json").stdout
    )
    assert any(w.startswith("Platform: no emissions recorded for 2026-11") for w in nov["warnings"])


def test_the_months_after_a_retirement_are_not_gaps():
    from carbon.budgets.rules import Actuals
    from carbon.budgets.status import team_gaps

    by_month = {"Ops": {"2026-09": 1.0}, "Web": {"2026-09": 1.0, "2026-10": 1.0, "2026-11": 1.0}}
    months = ("2026-09", "2026-10", "2026-11")
    assert team_gaps(Actuals("2026-11", by_month, months_with_data=months), "Ops", 2026, 11) == [
        "2026-10",
        "2026-11",
    ]
    retired = Actuals("2026-11", by_month, months_with_data=months, retired={"Ops": "2026-11"})
    assert team_gaps(retired, "Ops", 2026, 11) == ["2026-10"]


def test_the_donation_does_not_count_a_retired_team_past_its_retirement(retirements):
    data = running_donation(retirements)
    # Platform 922,000 × 3/2 = 1,383,000 g; Video 8,298,000 g; Sales 230,500 g:
    # 9,911,500 g = 9.9115 t × 80 EUR/t = 792.92 EUR (was 10.8335 t, 866.68 EUR).
    assert {t["team"]: t["emissions_t"] for t in data["teams"]} == {
        "Platform": 1.383,
        "Sales": 0.2305,
        "Video": 8.298,
    }
    assert data["emissions_t"] == 9.9115 and data["amount"] == 792.92


def test_a_scenario_baseline_stops_at_a_teams_retirement(retirements, write):
    path = write(
        "s.toml",
        'year = 2026\n[[lever]]\nkind = "scale"\nactivity = "electricity.grid"\nby = 1.0\n'
        'start = "2026-01"\n',
    )
    r = retirements(
        "scenario", "run", path, "--format", "json", "--price", "80", "--month", "2026-10"
    )
    assert r.exit_code == 0, r.output
    data = json.loads(r.stdout)
    assert data["unit"] == "t CO2e"  # the budget file's
    got = {t["team"]: t for t in data["teams"]}
    # The baseline is budget status's forecast: Platform 1.383 t, Sales 0.2305 t (see above).
    assert got["Platform"]["baseline"] == pytest.approx(1.383)
    assert got["Platform"]["budget_covered"] == pytest.approx(1.5)
    assert got["Sales"]["baseline"] == pytest.approx(0.2305)


def test_the_donation_warns_of_a_teams_month_without_data(run, write):
    # Platform has no October while Video has: the running year's donation counted it as zero
    # silently (budget status warned). FR grid 0.0461 kg/kWh: Platform Sep + Nov 922 kg, known
    # Sep..Nov (October known: Video has it), flat: 922 × 4/3 = 1,229.333 kg.
    run("teams", "add", "Platform", "Video")
    rows = "".join(
        f"2026-{m},{t},electricity.grid,10000,kWh,FR\n"
        for m in ("09", "10", "11")
        for t in ("Platform", "Video")
        if (t, m) != ("Platform", "10")
    )
    assert run("import", "activities", write("a.csv", HEADER + rows)).exit_code == 0
    r = run(
        "donation", "--year", "2026", "--price", "80", "--as-of", "2026-12-05",
        "--allow-missing-months", "--format", "json",
    )  # fmt: skip
    assert r.exit_code == 0, r.output
    data = json.loads(r.stdout)
    teams = {t["team"]: t["emissions_t"] for t in data["teams"]}
    assert teams["Platform"] == pytest.approx(1.229333)
    assert data["team_gaps"] == {"Platform": ["2026-10"]}
    assert any(
        w.startswith("Platform: no emissions recorded for 2026-10 while other teams have some")
        for w in data["warnings"]
    )
    text = run("donation", "--year", "2026", "--price", "80", "--as-of", "2026-12-05",
               "--allow-missing-months")  # fmt: skip
    assert "Platform: no emissions recorded for 2026-10" in " ".join(text.output.split())


def test_a_past_years_donation_warns_of_a_teams_month_without_data(run, write):
    run("teams", "add", "Platform", "Video")
    rows = "".join(
        f"2025-{m:02d},{t},electricity.grid,1000,kWh,FR\n"
        for m in range(1, 13)
        for t in ("Platform", "Video")
        if (t, m) != ("Platform", 3)
    )
    assert run("import", "activities", write("2025.csv", HEADER + rows)).exit_code == 0
    r = run("donation", "--year", "2025", "--price", "80", "--as-of", "2026-12-05",
            "--format", "json")  # fmt: skip
    assert r.exit_code == 0, r.output
    data = json.loads(r.stdout)
    assert data["status"] == "complete"
    assert data["team_gaps"] == {"Platform": ["2025-03"]}
    assert any(
        w.startswith("Platform: no emissions recorded for 2025-03") and "counted as zero" in w
        for w in data["warnings"]
    )


def test_budget_check_of_a_retired_team_names_its_months(run, write):
    # Legacy (budget 1.2 t) retired from July, data January to June: "the budget's share of
    # 2026-01 to December (annual 1.20; earlier months unknown)" said neither its months nor why.
    run("teams", "add", "Legacy", "Web")
    rows = "".join(
        f"2026-{m:02d},{t},electricity.grid,1000,kWh,FR\n"
        for m in range(1, 12)
        for t in ("Legacy", "Web")
        if not (t == "Legacy" and m > 6)
    )
    assert run("import", "activities", write("a.csv", HEADER + rows)).exit_code == 0
    assert run("teams", "retire", "Legacy", "--from", "2026-07").exit_code == 0
    budget = 'year = 2026\nunit = "t CO2e"\n[teams.Legacy]\nbudget = 1.2\n[teams.Web]\nbudget = 2\n'
    assert run("budget", "load", write("b.toml", budget)).exit_code == 0
    r = run("budget", "check", "--month", "2026-11")
    line = " ".join(next(ln for ln in r.stdout.splitlines() if "Legacy" in ln).split())
    # 6 x 46.1 kg = 0.2766 t of 1.2 x 6/12 = 0.60 t
    assert "the budget's share of 2026-01 to 2026-06 (annual 1.20; retired after it)" in line, line
    assert "unknown" not in line
