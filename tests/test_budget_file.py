"""Budget files: parsing, every bad-file class (clear error, file and line, nothing written)."""

import textwrap

import pytest

from carbon.budgets import file as budget_file
from carbon.errors import InputError

TEAMS = ["Platform", "Video", "Sales", "Customer Success"]


def parse(text: str):
    return budget_file.parse(textwrap.dedent(text).lstrip("\n"), "b.toml", TEAMS)


def problems(text: str) -> list[str]:
    with pytest.raises(InputError) as exc:
        parse(text)
    assert "nothing was loaded" in str(exc.value) or "not valid TOML" in str(exc.value)
    return [str(p) for p in exc.value.problems]


def test_a_good_file():
    plan = parse("""
        year = 2026
        unit = "t CO2e"

        [company]
        budget = 200

        [teams.Platform]
        budget = 120.5
        profile = "flat"

        [teams.Video]
        budget = 60
        profile = [2, 2, 2, 2, 2, 2, 1, 1, 2, 2, 2, 2]

        [teams."Customer Success"]
        budget = 0.5
    """)
    assert plan.year == 2026 and plan.unit == "t CO2e" and plan.kg_per_unit == 1000.0
    assert [t.team for t in plan.teams] == ["Customer Success", "Platform", "Video"]
    cs, platform, video = plan.teams
    # Stored in kg: 120.5 t = 120,500 kg; no profile means flat.
    assert platform.budget_kg == 120500.0 and platform.flat and platform.weights == (1.0,) * 12
    assert cs.budget_kg == 500.0 and cs.flat
    assert video.weights == (2, 2, 2, 2, 2, 2, 1, 1, 2, 2, 2, 2) and not video.flat
    assert plan.company_budget_kg == 200000.0
    assert platform.origin == "b.toml:7" and cs.origin == "b.toml:15"


def test_kg_and_t_give_the_same_plan():
    in_t = parse('year = 2026\nunit = "t CO2e"\n[teams.Platform]\nbudget = 1.25\n')
    in_kg = parse('year = 2026\nunit = "kg CO2e"\n[teams.Platform]\nbudget = 1250\n')
    assert in_t.teams[0].budget_kg == in_kg.teams[0].budget_kg == 1250.0


def test_unknown_team_with_did_you_mean():
    found = problems("""
        year = 2026
        unit = "t CO2e"
        [teams.Platfrom]
        budget = 10
        [teams.sales]
        budget = 10
    """)
    assert found == [
        "b.toml, line 3: teams.Platfrom: unknown team 'Platfrom' (did you mean 'Platform'?); "
        "declare it with 'carbon teams add' or fix the name",
        "b.toml, line 5: teams.sales: unknown team 'sales' (did you mean 'Sales'?); "
        "declare it with 'carbon teams add' or fix the name",
    ]


def test_negative_budget():
    found = problems("""
        year = 2026
        unit = "t CO2e"

        [teams.Video]
        profile = "flat"
        budget = -5
    """)
    assert found == ["b.toml, line 6: teams.Video.budget: budget must be >= 0, got -5"]


def test_eleven_weights():
    found = problems("""
        year = 2026
        unit = "t CO2e"
        [teams.Video]
        budget = 5
        profile = [1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1]
    """)
    assert found == [
        "b.toml, line 5: teams.Video.profile: profile has 11 weights; "
        "expected 12 (January to December)"
    ]


def test_all_zero_weights_and_negative_weight():
    found = problems("""
        year = 2026
        unit = "t CO2e"
        [teams.Video]
        budget = 5
        profile = [0, 0, 0, 0, 0, 0,
                   0, 0, 0, 0, 0, 0]
        [teams.Sales]
        budget = 5
        profile = [1, 1, 1, -1, 1, 1, 1, 1, 1, 1, 1, 1]
    """)
    assert found == [
        "b.toml, line 5: teams.Video.profile: all 12 weights are zero: nothing would ever be allocated",
        "b.toml, line 9: teams.Sales.profile: weight 4 (month 4) must be a number >= 0, got -1",
    ]


@pytest.mark.parametrize(
    "unit, expected",
    [
        ("tonnes CO2", "unknown unit 'tonnes CO2'; expected a CO2e mass unit"),
        ("kg", "unit 'kg' is not a CO2e mass"),
        ("EUR / t CO2e", "unit 'EUR / t CO2e' is not a CO2e mass"),
    ],
)
def test_unknown_or_wrong_unit(unit, expected):
    found = problems(f"""
        year = 2026
        unit = "{unit}"
        [teams.Video]
        budget = 5
    """)
    assert len(found) == 1 and found[0].startswith(f"b.toml, line 2: unit: {expected}")


def test_toml_syntax_error_names_line_and_column():
    found = problems("""
        year = 2026
        unit = "t CO2e
        [teams.Video]
    """)
    assert found == ["b.toml, line 2: TOML syntax error at column 15: Illegal character '\\n'"]


def test_every_problem_is_listed_at_once():
    found = problems("""
        yaer = 2026
        [teams.Video]
        budjet = 5
        profile = "seasonal"
    """)
    assert found == [
        "b.toml, line 1: yaer: unknown key 'yaer' (did you mean 'year'?); expected year, unit, company, teams",
        "b.toml: missing 'year = YYYY' (the budget year)",
        "b.toml: missing 'unit = \"t CO2e\"' (the unit of every budget in the file)",
        "b.toml, line 3: teams.Video.budjet: unknown key 'budjet' (did you mean 'budget'?); "
        "expected budget, profile",
        "b.toml, line 2: teams.Video: team 'Video' has no 'budget = ...'",
        'b.toml, line 4: teams.Video.profile: profile must be "flat" or a list of 12 monthly '
        "weights, got 'seasonal'",
    ]


def test_other_bad_values():
    found = problems("""
        year = "2026"
        unit = "t CO2e"
        teams = {}
        [company]
        budget = true
    """)
    assert found == [
        "b.toml, line 1: year: year must be a whole year such as 2026, got '2026'",
        "b.toml, line 5: company.budget: budget must be a number, got True",
        "b.toml, line 3: teams: no team budgets: add a [teams.NAME] table per team",
    ]


def test_not_utf8():
    with pytest.raises(InputError, match="not a UTF-8 text file"):
        budget_file.decode(b'year = 2026\nunit = "t CO2e" # \xff\n', "b.toml")


# ---- through the command: a clear error and nothing written --------------------------

GOOD = """
year = 2026
unit = "t CO2e"
[teams.Platform]
budget = 10
"""

BAD_FILES = {
    "unknown team": (
        'year = 2026\nunit = "t CO2e"\n[teams.Platfrom]\nbudget = 10\n',
        "line 3: teams.Platfrom: unknown team 'Platfrom' (did you mean 'Platform'?)",
    ),
    "negative budget": (
        'year = 2026\nunit = "t CO2e"\n[teams.Platform]\nbudget = -1\n',
        "line 4: teams.Platform.budget: budget must be >= 0, got -1",
    ),
    "11 weights": (
        'year = 2026\nunit = "t CO2e"\n[teams.Platform]\nbudget = 1\n'
        "profile = [1,1,1,1,1,1,1,1,1,1,1]\n",
        "line 5: teams.Platform.profile: profile has 11 weights",
    ),
    "all-zero weights": (
        'year = 2026\nunit = "t CO2e"\n[teams.Platform]\nbudget = 1\n'
        "profile = [0,0,0,0,0,0,0,0,0,0,0,0]\n",
        "all 12 weights are zero",
    ),
    "unknown unit": (
        'year = 2026\nunit = "tons"\n[teams.Platform]\nbudget = 1\n',
        "line 2: unit: unit 'tons' is not a CO2e mass",
    ),
    "unit longer than the database keeps": (
        'year = 2026\nunit = "t CO2e' + " " * 60 + '"\n[teams.Platform]\nbudget = 1\n',
        "line 2: unit: unit too long: 66 characters, at most 50",
    ),
    "year already loaded": (
        'year = 2026\nunit = "t CO2e"\n[teams.Platform]\nbudget = 11\n',
        "line 1: year: budgets for 2026 were loaded from",
    ),
}


@pytest.mark.parametrize("case", sorted(BAD_FILES))
def test_bad_file_is_refused_and_nothing_is_written(case, run, write, db_dump):
    run("teams", "add", "Platform", "Video")
    r = run("budget", "load", write("good.toml", GOOD))
    assert r.exit_code == 0, r.output
    before = db_dump()
    text, expected = BAD_FILES[case]
    path = write("bad.toml", text)
    r = run("budget", "load", path)
    assert r.exit_code == 1
    assert "nothing was loaded" in r.stderr and expected in r.stderr and str(path) in r.stderr
    assert "Traceback" not in r.output
    assert db_dump() == before


def test_replace_swaps_the_year_and_identical_file_changes_nothing(run, write, db_dump):
    run("teams", "add", "Platform")
    path = write("good.toml", GOOD)
    assert run("budget", "load", path).exit_code == 0
    before = db_dump()
    r = run("budget", "load", path)
    assert r.exit_code == 0 and "already loaded for 2026; nothing changed" in r.stdout
    assert db_dump() == before
    r = run("budget", "load", "--replace", write("new.toml", GOOD.replace("10", "12")))
    assert r.exit_code == 0 and "replaced the earlier budgets of 2026" in r.stdout
    r = run("budget", "show", "--year", "2026", "--format", "json")
    assert '"budget": 12.0' in r.stdout


def test_missing_file(run):
    r = run("budget", "load", "nope.toml")
    assert r.exit_code == 1 and "cannot read budget file 'nope.toml'" in r.stderr


def test_a_budget_that_would_not_be_a_finite_figure_is_refused_with_its_line():
    # 1e308 t = 1e311 kg: past a float once in kg, and past a gigatonne long before.
    with pytest.raises(InputError) as exc:
        parse("""
            year = 2026
            unit = "t CO2e"
            [teams.Platform]
            budget = 1e308
        """)
    assert "above 1000 Mt CO2e" in str(exc.value.problems[0])
