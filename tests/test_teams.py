"""A team's life: renamed (history, budgets, sign-offs and recipients follow it) and retired
(history kept, no "no data" after, new activity refused)."""

import json

import pytest
from conftest import dump

from carbon.store import team_history

HEADER = "date,team,activity,quantity,unit,region,end\n"
# ADEME Base Empreinte FR 2024 grid electricity: 0.0519 kg CO2e / kWh (factors/ademe_2024_grid_fr.csv)
# 1,000 kWh a month = 51.9 kg CO2e a month.


def months_of(team: str, first: int, last: int, year: int = 2024) -> str:
    return "".join(
        f"{year}-{m:02d},{team},electricity.grid,1000,kWh,FR,\n" for m in range(first, last + 1)
    )


@pytest.fixture
def company(run, write):
    assert run("teams", "add", "Platform", "Video").exit_code == 0
    r = run(
        "import",
        "activities",
        write("a.csv", HEADER + months_of("Platform", 1, 12) + months_of("Video", 1, 12)),
    )
    assert r.exit_code == 0, r.output
    r = run(
        "budget",
        "load",
        write("b.toml", 'year = 2024\nunit = "kg CO2e"\n[teams.Platform]\nbudget = 1200\n'),
    )
    assert r.exit_code == 0, r.output
    return run


def monthly(run, month):
    r = run("report", "monthly", "--month", month, "--format", "json")
    assert r.exit_code == 0, r.output
    return json.loads(r.stdout)


def test_rename_moves_history_and_budgets_with_the_team(company):
    r = company("teams", "rename", "Platform", "Infrastructure")
    assert r.exit_code == 0, r.output
    rep = monthly(company, "2024-03")
    # Every past month is the renamed team's: 1,000 kWh × 0.0519 = 51.9 kg, under its new name.
    assert {t["team"]: t["total"] for t in rep["teams"]} == {"Infrastructure": 51.9, "Video": 51.9}
    status = json.loads(
        company("budget", "status", "--month", "2024-03", "--format", "json").stdout
    )
    [infra] = status["teams"]
    # Budget 1,200 kg, flat: allocated to March 1,200 × 3/12 = 300; actual 3 × 51.9 = 155.7 kg.
    assert (
        infra["team"],
        infra["budget"],
        infra["allocated_to_date"],
        infra["actual_to_date"],
    ) == ("Infrastructure", 1200.0, 300.0, pytest.approx(155.7))
    r = company("report", "monthly", "--month", "2024-03", "--team", "Platform")
    assert r.exit_code == 1 and "team 'Platform' was renamed 'Infrastructure'" in r.stderr
    listed = company("teams", "list").stdout
    assert "Infrastructure" in listed and "Platform" in listed  # its former name is shown


def test_rename_to_an_existing_or_former_name_is_refused_and_changes_nothing(company, db_url):
    before = dump(db_url)
    r = company("teams", "rename", "Platform", "Video")
    assert (
        r.exit_code == 1
        and "cannot rename 'Platform' to 'Video': team 'Video' already exists" in r.stderr
    )
    r = company("teams", "rename", "Platfrom", "Infra")
    assert r.exit_code == 1 and "unknown team 'Platfrom' (did you mean 'Platform'?)" in r.stderr
    assert dump(db_url) == before
    assert company("teams", "rename", "Platform", "Infra").exit_code == 0
    # The old name still reaches the renamed team (config files), so nobody else may take it.
    r = company("teams", "add", "Platform")
    assert r.exit_code == 1 and "former name of team 'Infra'" in r.stderr
    r = company("teams", "rename", "Video", "Platform")
    assert r.exit_code == 1 and "former name of team 'Infra'" in r.stderr
    # Renaming back is the same team taking its name again.
    assert company("teams", "rename", "Infra", "Platform").exit_code == 0
    assert {t["team"] for t in monthly(company, "2024-01")["teams"]} == {"Platform", "Video"}


def test_a_signed_off_year_is_not_restated_by_a_rename(company):
    r = company("donation", "close", "--year", "2024", "--price", "80", "--as-of", "2025-03-01")
    # Each team 12 × 51.9 = 622.8 kg = 0.6228 t; company 1.2456 t × 80 EUR/t = 99.648 -> 99.65 EUR,
    # split 4,982.4 cents each by largest remainder: the spare cent to the first team (Platform).
    assert r.exit_code == 0 and "99.65 EUR" in r.stdout, r.output
    assert company("teams", "rename", "Platform", "Infrastructure").exit_code == 0
    data = json.loads(
        company("donation", "--year", "2024", "--as-of", "2025-03-01", "--format", "json").stdout
    )
    assert data["restated"] is False and data["amount"] == 99.65
    assert {t["team"]: t["amount"] for t in data["teams"]} == {
        "Infrastructure": 49.83,
        "Video": 49.82,
    }


def test_recipients_written_with_a_former_name_reach_the_renamed_team(company, store):
    assert company("teams", "rename", "Platform", "Infrastructure").exit_code == 0
    managers, notes = team_history.current_recipients(
        store,
        {
            "Platform": ("alice@example.org",),
            "Infrastructure": ("bob@example.org",),
            "Video": ("v@x.org",),
        },
    )
    assert managers == {
        "Infrastructure": ("alice@example.org", "bob@example.org"),
        "Video": ("v@x.org",),
    }
    assert notes == [
        (
            "recipients.managers: team 'Platform' is now called 'Infrastructure'; its manager "
            "gets 'Infrastructure''s figures (update the config file)"
        )
    ]


@pytest.fixture
def two_teams(run, write):
    assert run("teams", "add", "Platform", "Sales").exit_code == 0
    r = run(
        "import",
        "activities",
        write("a.csv", HEADER + months_of("Platform", 1, 2) + months_of("Sales", 1, 2)),
    )
    assert r.exit_code == 0, r.output
    return run


def test_retire_keeps_history_and_stops_no_data(two_teams, write):
    r = two_teams("teams", "retire", "Sales", "--from", "2024-02")
    assert (
        r.exit_code == 1
        and "has emissions recorded for 2024-02" in r.stderr
        and "from 2024-03" in r.stderr
    )
    assert two_teams("teams", "retire", "Sales", "--from", "2024-03").exit_code == 0
    assert "retired from 2024-03" in two_teams("teams", "list").stdout
    assert (
        two_teams(
            "import", "activities", write("m.csv", HEADER + months_of("Platform", 3, 3))
        ).exit_code
        == 0
    )
    march = monthly(two_teams, "2024-03")
    # Platform 51.9 kg; Sales no longer exists in March: not "without data".
    assert march["teams_without_data"] == [] and [t["team"] for t in march["teams"]] == ["Platform"]
    february = monthly(two_teams, "2024-02")
    assert {t["team"]: t["total"] for t in february["teams"]} == {"Platform": 51.9, "Sales": 51.9}
    # Asked for Sales in March, the answer says it was retired (not "no emissions recorded").
    r = two_teams("report", "monthly", "--month", "2024-03", "--team", "Sales")
    assert r.exit_code == 1
    assert "team 'Sales' was retired from 2024-03" in " ".join(r.stderr.split())


def test_activity_after_retirement_is_refused_with_its_line(two_teams, write, db_url):
    assert two_teams("teams", "retire", "Sales", "--from", "2024-03").exit_code == 0
    before = dump(db_url)
    late = (
        HEADER
        + months_of("Platform", 3, 3)
        + "2024-02-15,Sales,electricity.grid,100,kWh,FR,2024-03-15\n"
    )
    r = two_teams("import", "activities", write("late.csv", late))
    assert r.exit_code == 1
    assert (
        "late.csv, line 3, column 'team': team 'Sales' is retired from 2024-03: activity in 2024-03 is "
        "refused"
    ) in r.stderr
    assert dump(db_url) == before
    r = two_teams("teams", "retire", "Salse", "--from", "2024-03")
    assert r.exit_code == 1 and "unknown team 'Salse' (did you mean 'Sales'?)" in r.stderr


def test_create_teams_does_not_revive_a_former_name(company, write, db_url):
    assert company("teams", "rename", "Platform", "Infrastructure").exit_code == 0
    before = dump(db_url)
    r = company(
        "import",
        "activities",
        write("n.csv", HEADER + months_of("Platform", 1, 1, 2025)),
        "--create-teams",
    )
    assert r.exit_code == 1
    assert (
        "line 2, column 'team': team 'Platform' was renamed 'Infrastructure': use the new name"
        in r.stderr
    )
    assert dump(db_url) == before


def test_teams_add_is_all_or_nothing(run, db_url):
    assert run("teams", "add", "Platform").exit_code == 0
    before = dump(db_url)
    # A bad name (trailing space) after a good one: neither is declared.
    r = run("teams", "add", "Good", "Bad ")
    assert r.exit_code == 1 and "no team was declared" in r.stderr, r.output
    # A name already declared, after a new one: neither is declared.
    r = run("teams", "add", "Video", "Platform")
    assert r.exit_code == 1 and "'Platform' is already declared" in r.stderr
    # Twice in one command: the second is refused, the first not kept.
    assert run("teams", "add", "Ops", "Ops").exit_code == 1
    assert dump(db_url) == before


def test_a_name_differing_only_in_case_is_refused(company, write, db_url):
    before = dump(db_url)
    r = company("teams", "add", "platform")
    assert r.exit_code == 1
    assert "'platform' differs only in case from team 'Platform'" in r.stderr
    r = company("teams", "rename", "Video", "PLATFORM")
    assert r.exit_code == 1 and "differs only in case from team 'Platform'" in r.stderr
    # --create-teams does not declare 'video' beside 'Video' either; it names the line.
    r = company(
        "import",
        "activities",
        write("n.csv", HEADER + months_of("video", 1, 1, 2025)),
        "--create-teams",
    )
    assert r.exit_code == 1
    assert (
        "line 2, column 'team': team 'video' differs only in case from the declared team 'Video'"
    ) in r.stderr
    assert dump(db_url) == before
    # A team may change the case of its own name.
    assert company("teams", "rename", "Video", "VIDEO").exit_code == 0


def test_a_file_naming_a_team_by_its_former_name_is_told_the_new_one(two_teams, write):
    # "unknown team 'Sales'; declare it with 'carbon teams add' or import with --create-teams":
    # both are refused for a former name. The message names the new name.
    assert two_teams("teams", "rename", "Sales", "Commercial").exit_code == 0
    r = two_teams("import", "activities", write("old.csv", HEADER + months_of("Sales", 5, 5)))
    assert r.exit_code == 1
    text = " ".join(r.stderr.split())
    assert "team 'Sales' was renamed 'Commercial': use the new name" in text
    assert "--create-teams" not in text


def test_metrics_and_certificates_naming_a_former_team_name_are_told_the_new_one(two_teams, write):
    assert two_teams("teams", "rename", "Sales", "Commercial").exit_code == 0
    assert two_teams("metrics", "define", "headcount", "--year", "mean").exit_code == 0
    metrics = write("m.csv", "month,metric,value,team\n2024-05,headcount,3,Sales\n")
    certificates = write(
        "g.csv",
        "month,team,country,mwh,instrument,factor_kg_per_kwh\n2024-05,Sales,FR,1,guarantee_of_origin,0\n",
    )
    for args in (("import", "metrics", metrics), ("import", "energy-attributes", certificates)):
        r = two_teams(*args)
        assert r.exit_code == 1, args
        text = " ".join(r.stderr.split())
        assert "team 'Sales' was renamed 'Commercial': use the new name" in text, args


def test_a_budget_file_naming_a_former_team_name_is_told_the_new_one(two_teams, write):
    assert two_teams("teams", "rename", "Sales", "Commercial").exit_code == 0
    budget = 'year = 2024\nunit = "t CO2e"\n[teams.Sales]\nbudget = 1\n'
    r = two_teams("budget", "load", write("b.toml", budget))
    assert r.exit_code == 1
    assert "team 'Sales' was renamed 'Commercial': use the new name" in " ".join(r.stderr.split())


def test_a_pool_share_and_an_intensity_naming_a_former_team_name_are_told_the_new_one(
    two_teams, write
):
    assert two_teams("teams", "rename", "Sales", "Commercial").exit_code == 0
    alloc = write("a.toml", "[pool.Office]\nshares = {Platform = 0.5, Sales = 0.5}\n")
    r = two_teams(
        "import", "activities", write("o.csv", HEADER + months_of("Office", 5, 5)),
        "--allocation", alloc,
    )  # fmt: skip
    assert r.exit_code == 1
    assert "team 'Sales' was renamed 'Commercial': use the new name" in " ".join(r.stderr.split())
    r = two_teams("metrics", "intensity", "--year", "2024", "--team", "Sales")
    assert r.exit_code == 1
    assert "team 'Sales' was renamed 'Commercial': use the new name" in " ".join(r.stderr.split())
