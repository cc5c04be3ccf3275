"""Lifecycle split of a factor (generation scope 2, upstream + T&D scope 3 category 3) and the
GHG Protocol scope-3 category kept on each entry."""

import json

import pytest
from sqlalchemy import create_engine, text

from carbon.factors import scope3
from carbon.factors.tables import parse_factor_rows
from carbon.store import Store

FACTOR_HEADER = (
    "activity,region,year,value,unit,category,scope,source,part_generation,part_upstream,"
    "part_td,scope3_category\n"
)
# A lifecycle grid factor for Germany that states its parts (kg CO2e / kWh), as a user table
# would carry them: 0.400 = 0.350 generation + 0.030 upstream + 0.020 T&D losses.
SPLIT_DE = (
    FACTOR_HEADER
    + "electricity.grid,DE,2025,0.400,kg CO2e / kWh,infrastructure,2,Test lifecycle,0.350,0.030,0.020,\n"
)
WHOLE_DE = (
    FACTOR_HEADER
    + "electricity.grid,DE,2025,0.400,kg CO2e / kWh,infrastructure,2,Test lifecycle,,,,\n"
)
ACTIVITY = (
    "date,team,activity,quantity,unit,region\n2025-03,Platform,electricity.grid,1000,kWh,DE\n"
)


def _year(run, year=2025):
    r = run("report", "year", "--year", year, "--format", "json")
    assert r.exit_code == 0, r.output
    return json.loads(r.stdout)


def _import(run, write, factors):
    run("teams", "add", "Platform")
    r = run("factors", "import", write("f.csv", factors))
    assert r.exit_code == 0, r.output
    r = run("import", "activities", write("a.csv", ACTIVITY))
    assert r.exit_code == 0, r.output


def test_a_factor_with_parts_books_generation_as_scope_2_and_the_rest_as_3_3(run, write):
    _import(run, write, SPLIT_DE)
    d = _year(run)
    # 1,000 kWh x 0.350 = 350 kg scope 2; 1,000 x (0.030 + 0.020) = 50 kg scope 3 category 3.3
    assert d["by_scope"] == {"2": pytest.approx(350.0), "3": pytest.approx(50.0)}
    assert d["by_scope3_category"] == {"3.3": pytest.approx(50.0)}
    assert d["scope3_rows"] == [
        {
            "team": "Platform",
            "category": "infrastructure",
            "scope3_category": "3.3",
            "month": "2025-03",
            "co2e_kg": pytest.approx(50.0),
        }
    ]
    # The sum over scopes is the whole factor's: 1,000 x 0.400 = 400 kg
    assert d["total"] == pytest.approx(400.0)
    assert sum(r["co2e_kg"] for r in d["rows"]) == pytest.approx(400.0)
    # Monthly report: the same split, the same total
    r = run("report", "monthly", "--month", "2025-03", "--format", "json")
    assert r.exit_code == 0, r.output
    month = json.loads(r.stdout)
    assert month["total"] == pytest.approx(400.0)
    assert month["teams"][0]["by_scope"] == {"2": pytest.approx(350.0), "3": pytest.approx(50.0)}


def test_the_split_counts_the_activity_quantity_once(run, write, store):
    _import(run, write, SPLIT_DE)
    with store.engine.connect() as conn:
        rows = store.month_sources(conn, "2025-03")
    assert sum(r["quantity"] for r in rows) == pytest.approx(1000.0)  # the 1,000 kWh, not 2,000
    assert sum(r["co2e_kg"] for r in rows) == pytest.approx(400.0)
    # a repeat of the row names its quantity once
    r = run(
        "import",
        "activities",
        write("b.csv", ACTIVITY.replace("DE\n", "DE,again\n").replace("region\n", "region,note\n")),
    )
    assert r.exit_code == 0, r.output
    assert "electricity.grid 1000 kWh" in r.stderr


def test_the_same_factor_without_parts_is_booked_whole_as_scope_2(run, write):
    _import(run, write, WHOLE_DE)
    d = _year(run)
    assert d["by_scope"] == {"2": pytest.approx(400.0)}  # 1,000 kWh x 0.400
    assert d["by_scope3_category"] == {}


def test_removing_a_split_import_removes_both_parts(run, write, store):
    _import(run, write, SPLIT_DE)
    assert run("imports", "remove", "2").exit_code == 0  # import 1: the factors, 2: the activities
    with store.engine.connect() as conn:
        assert conn.execute(text("SELECT COUNT(*) FROM ledger")).scalar() == 0
        assert conn.execute(text("SELECT COUNT(*) FROM ledger_monthly")).scalar() == 0


def test_scope3_categories_of_travel_commuting_and_td_losses(run, write):
    run("teams", "add", "Sales", "Office")
    r = run(
        "import",
        "activities",
        write(
            "a.csv",
            (
                "date,team,activity,quantity,unit,region\n"
                "2024-05,Sales,travel.flight.domestic.average,1000,passenger_km,GB\n"
                "2024-05,Sales,commute.train.national,500,passenger_km,GB\n"
                "2024-05,Office,electricity.grid,1000,kWh,GB\n"
                "2024-05,Office,electricity.grid.td_losses,1000,kWh,GB\n"
            ),
        ),
    )
    assert r.exit_code == 0, r.output
    d = _year(run, 2024)
    # DESNZ 2024 (factors/desnz_2024_*.csv):
    # 3.6 business travel: 1,000 pkm x 0.16098 = 160.98 kg
    # 3.7 commuting: 500 pkm x 0.03546 = 17.73 kg
    # 3.3 T&D losses: 1,000 kWh x 0.0183 = 18.3 kg; generation 1,000 x 0.20705 = 207.05 kg scope 2 (none)
    assert d["by_scope3_category"] == {
        "3.3": pytest.approx(18.3),
        "3.6": pytest.approx(160.98),
        "3.7": pytest.approx(17.73),
    }
    assert d["by_scope"] == {"2": pytest.approx(207.05), "3": pytest.approx(18.3 + 160.98 + 17.73)}
    r = run("report", "year", "--year", 2024)
    assert "3.6" in r.stdout and "3.7" in r.stdout
    # the monthly JSON carries the same categories for May (the only month)
    r = run("report", "monthly", "--month", "2024-05", "--format", "json")
    assert json.loads(r.stdout)["by_scope3_category"] == {
        "3.3": pytest.approx(18.3),
        "3.6": pytest.approx(160.98),
        "3.7": pytest.approx(17.73),
    }
    r = run("report", "monthly", "--month", "2024-05", "--team", "Office", "--format", "json")
    assert json.loads(r.stdout)["by_scope3_category"] == {"3.3": pytest.approx(18.3)}


def test_scope3_category_xlsx_sheet_equals_the_json(run, write, tmp_path):
    openpyxl = pytest.importorskip("openpyxl")
    _import(run, write, SPLIT_DE)
    path = tmp_path / "y.xlsx"
    assert run("report", "year", "--year", 2025, "--format", "xlsx", "--out", path).exit_code == 0
    ws = openpyxl.load_workbook(path)["scope 3 categories"]
    rows = list(ws.iter_rows(values_only=True))
    assert rows[0] == ("scope-3 category", "name", "co2e (kg CO2e)")
    assert rows[1] == ("3.3", "fuel- and energy-related activities", pytest.approx(50.0))
    rows = list(openpyxl.load_workbook(path)["rows"].iter_rows(values_only=True))
    assert rows[0][-1] == "scope-3 category"
    assert sorted((r[4], r[-1], r[5]) for r in rows[1:]) == [
        (2, None, pytest.approx(350.0)),
        (3, "3.3", pytest.approx(50.0)),
    ]


def _rows(text_rows):
    header, *body = text_rows.strip().split("\n")
    cols = header.split(",")
    return [dict(zip(cols, line.split(","))) for line in body]


@pytest.mark.parametrize(
    "row, column, expected",
    [
        # parts that do not sum to the value (0.35 + 0.03 + 0.01 = 0.39, not 0.40)
        (
            "electricity.grid,DE,2025,0.400,kg CO2e / kWh,infrastructure,2,S,0.350,0.030,0.010,",
            "part_generation",
            "sum to 0.39, not to the value 0.4",
        ),
        # parts on a scope-3 row
        (
            "travel.x,DE,2025,0.400,kg CO2e / km,travel,3,S,0.350,0.050,,",
            "part_generation",
            "scope-3 row",
        ),
        # a part without the generation share
        (
            "electricity.grid,DE,2025,0.400,kg CO2e / kWh,infrastructure,2,S,,0.400,,",
            "part_generation",
            "expected part_generation",
        ),
        (
            "electricity.grid,DE,2025,0.400,kg CO2e / kWh,infrastructure,2,S,abc,0.05,,",
            "part_generation",
            "expected a number",
        ),
        ("travel.x,DE,2025,0.4,kg CO2e / km,travel,3,S,,,,3.16", "scope3_category", "3.1 to 3.15"),
        (
            "electricity.grid,DE,2025,0.4,kg CO2e / kWh,infrastructure,2,S,,,,3.3",
            "scope3_category",
            "needs scope 3",
        ),
    ],
)
def test_bad_parts_and_categories_are_refused_with_line_and_column(row, column, expected):
    from carbon.errors import InputError

    with pytest.raises(InputError) as err:
        parse_factor_rows("f.csv", _rows(FACTOR_HEADER + row), [2])
    (p,) = err.value.problems
    assert (p.file, p.line, p.column) == ("f.csv", 2, column)
    assert expected in p.message


def test_a_refused_factor_table_writes_nothing(run, write, store):
    bad = (
        FACTOR_HEADER
        + "electricity.grid,DE,2025,0.400,kg CO2e / kWh,infrastructure,2,S,0.300,0.030,,\n"
    )
    r = run("factors", "import", write("f.csv", bad))
    assert (
        r.exit_code == 1
        and "f.csv" in r.output
        and "line 2" in r.output
        and "Traceback" not in r.output
    )
    with store.engine.connect() as conn:
        assert conn.execute(text("SELECT COUNT(*) FROM user_factors")).scalar() == 0


def test_a_stated_scope3_category_wins_over_the_derived_one():
    (f,) = parse_factor_rows(
        "f.csv",
        _rows(FACTOR_HEADER + "cloud.x,,2025,1,kg CO2e / hour,infrastructure,3,S,,,,3.4"),
        [2],
    )
    assert scope3.of_factor(f) == 4  # stated (3.4 upstream transportation), not derived (3.1)
    (g,) = parse_factor_rows(
        "f.csv", _rows(FACTOR_HEADER + "cloud.x,,2025,1,kg CO2e / hour,infrastructure,3,S,,,,"), [2]
    )
    assert scope3.of_factor(g) == 1


def test_upgrade_fills_the_category_of_existing_scope3_entries(db_url):
    from test_migrations import FIRST, _fill_first_schema

    from carbon.store import migrate

    engine = create_engine(db_url)
    with engine.begin() as conn:
        migrate.upgrade(conn, FIRST)
        _fill_first_schema(conn)  # scope-2 FR grid and scope-3 EU streaming entries
    engine.dispose()
    store = Store.open(db_url)
    with store.engine.connect() as conn:
        got = conn.execute(
            text("SELECT activity, scope, scope3_category FROM ledger ORDER BY id")
        ).all()
    store.close()
    # streaming (viewers' use phase) is 3.11; the scope-2 grid entries have none
    assert [tuple(r) for r in got] == [("electricity.grid", 2, None)] * 2 + [
        ("streaming.video.hour", 3, 11)
    ] * 2


def test_factors_show_prints_the_parts(run, write):
    _import(run, write, SPLIT_DE)
    r = run("factors", "show", "electricity.grid")
    assert r.exit_code == 0, r.output
    assert (
        "generation 0.35 (scope 2), upstream 0.03 and T&D 0.02 (scope 3 category 3.3)" in r.stdout
    )


def test_market_based_scope_2_reads_the_metered_kwh_of_a_split_factor(run, write):
    # The scope-2 entry of a split factor holds only generation (350 kg for 1,000 kWh): the metered
    # electricity is still 1,000 kWh, so with no instrument the market-based figure is
    # 1,000 kWh x AIB 2025 DE residual mix 0.70147 kg/kWh = 701.47 kg (not 350 / 0.400 = 875 kWh
    # x 0.70147 = 613.79 kg, which dividing by the whole factor would give).
    _import(run, write, SPLIT_DE)
    r = run("report", "monthly", "--month", "2025-03", "--format", "json")
    assert r.exit_code == 0, r.output
    s2 = json.loads(r.stdout)["scope2"]
    assert s2["location_kg"] == pytest.approx(350.0)
    assert s2["market_kg"] == pytest.approx(701.47)
