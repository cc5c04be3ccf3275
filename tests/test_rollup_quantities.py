"""Quantities in the monthly rollup (migration 0020): `scenario run` reads its year from the
rollup, per unit, and gives what the ledger gives, for new imports and for a rollup rebuilt by
the migration from a database written before it."""

from __future__ import annotations

import json
import re
from dataclasses import astuple

import pytest
from alembic import command
from alembic.config import Config
from sqlalchemy import create_engine, event, func, inspect, select, text

from carbon.api import Carbon
from carbon.store import levers, migrate
from carbon.store.schema import factor_snapshots, ledger, ledger_monthly, teams

HEADER = "date,team,activity,quantity,unit,region\n"
FIRST_HALF = [f"2025-{m:02d}-15" for m in range(1, 7)]

# Sales's grid electricity (ADEME FR 2025: 0.0461 kg CO2e/kWh), written in kWh and in MWh: one
# factor, two units in the same month (March).
IMPORT_A = HEADER + "".join(f"{d},Sales,electricity.grid,1000,kWh,FR\n" for d in FIRST_HALF)
IMPORT_A += "2025-03-20,Sales,electricity.grid,2,MWh,FR\n"
# A second import: 500 kWh more in Apr..Jun, and Video's streaming (Carbon Trust EU 55 g/h).
IMPORT_B = HEADER + "".join(
    f"2025-{m:02d}-10,Sales,electricity.grid,500,kWh,FR\n" for m in (4, 5, 6)
)
IMPORT_B += "".join(f"{d},Video,streaming.video.hour,1000,hour,EU\n" for d in FIRST_HALF)
# A third import, removed: its 10 MWh must count nowhere.
IMPORT_C = HEADER + "2025-05-05,Sales,electricity.grid,10,MWh,FR\n"

SHIFT = """\
year = 2025
[[lever]]
kind = "shift"
from = "electricity.grid"
to = "fuel.natural_gas.kwh_gross"
share = 0.5
start = "2025-03"
teams = ["Sales"]
"""


def _company(run, write) -> None:
    assert run("teams", "add", "Sales", "Video").exit_code == 0
    for name, content in (("a.csv", IMPORT_A), ("b.csv", IMPORT_B), ("c.csv", IMPORT_C)):
        r = run("import", "activities", write(name, content))
        assert r.exit_code == 0, r.output
    r = run("imports", "remove", "3")
    assert r.exit_code == 0, r.output


def _scenario(run, path) -> dict:
    r = run("scenario", "run", path, "--format", "json")
    assert r.exit_code == 0, r.output
    data = json.loads(r.stdout)
    assert data["unit"] == "t CO2e"  # no budget file: figures in tonnes
    return {t["team"]: t for t in data["teams"]}


def _t(kg: float):
    return pytest.approx(kg / 1000)


def _check_hand_figures(teams: dict) -> None:
    sales, video = teams["Sales"], teams["Video"]
    # Recorded Jan..Jun: 1,000 kWh a month + 2 MWh in March + 500 kWh in Apr..Jun = 9,500 kWh
    # x 0.0461 = 437.95 kg; flat forecast (no budget): 437.95 x 12/6 = 875.90 kg.
    assert sales["baseline_actual_to_date"] == _t(437.95)
    assert sales["baseline"] == _t(875.90)
    # From March, half of 7,500 kWh (1,000 + 2,000 + 3 x 1,500) moves to natural gas (DESNZ 2025
    # 0.18296 kg/kWh gross): Jan, Feb 2,000 x 0.0461 = 92.20; kept 3,750 x 0.0461 = 172.875;
    # moved 3,750 x 0.18296 = 686.10 -> 951.175 kg. The 2 MWh move as 1,000 kWh, not as 1.
    assert sales["scenario_actual_to_date"] == _t(951.175)
    # Jul..Dec repeat the year to date's entries (7,500 kWh and 2 MWh, 437.95 kg), the lever
    # applies: kept 437.95 / 2 = 218.975; moved (3,750 + 1,000) kWh x 0.18296 = 869.06.
    assert sales["scenario"] == _t(951.175 + 218.975 + 869.06)
    # Video: 1,000 h x 55 g = 55 kg a month, untouched: 330 kg recorded, 660 kg a year.
    assert (video["baseline"], video["scenario"]) == (_t(660.0), _t(660.0))


def _from_ledger(conn, first: str, last: str) -> list[tuple]:
    """The what-if's rows summed from the ledger itself (what `levers.ledger_rows` read before
    migration 0020): the reference the rollup must equal."""
    lg, f = ledger, factor_snapshots
    keys = (teams.c.name, lg.c.month, lg.c.activity, lg.c.category, f.c.region, f.c.year, lg.c.unit)
    q = (
        select(*keys, func.sum(lg.c.quantity), func.sum(lg.c.co2e_kg))
        .select_from(lg.join(teams, lg.c.team_id == teams.c.id).join(f, lg.c.factor_id == f.c.id))
        .where(lg.c.month >= first, lg.c.month <= last)
        .group_by(*keys, lg.c.factor_id)
    )
    return sorted(tuple(r) for r in conn.execute(q))


def _same_rows(conn) -> None:
    got = sorted(astuple(e) for e in levers.ledger_rows(conn, "2025-01", "2025-12"))
    want = _from_ledger(conn, "2025-01", "2025-12")
    assert len(got) == 6 + 1 + 6  # Sales: Jan..Jun in kWh, March in MWh; Video: Jan..Jun
    assert [g[:7] for g in got] == [w[:7] for w in want]
    assert [g[7:] for g in got] == [pytest.approx(w[7:], rel=1e-12) for w in want]


def test_scenario_reads_quantities_per_unit_from_the_rollup(run, write):
    _company(run, write)
    _check_hand_figures(_scenario(run, write("s.toml", SHIFT)))
    engine = create_engine(run.url)
    with engine.connect() as conn:
        units = conn.execute(
            select(ledger_monthly.c.unit, func.sum(ledger_monthly.c.quantity))
            .where(ledger_monthly.c.activity == "electricity.grid")
            .group_by(ledger_monthly.c.unit)
            .order_by(ledger_monthly.c.unit)
        ).all()
        # 6 x 1,000 + 3 x 500 kWh; 2 MWh (the removed import's 10 MWh gone with it)
        assert [(u, pytest.approx(q)) for u, q in units] == [("MWh", 2.0), ("kWh", 7500.0)]
        _same_rows(conn)
    engine.dispose()


def test_scenario_run_reads_no_ledger_row(run, write):
    _company(run, write)
    path = write("s.toml", SHIFT)
    statements: list[str] = []
    with Carbon.open(run.url) as carbon:
        event.listen(
            carbon.store.engine,
            "before_cursor_execute",
            lambda conn, cursor, sql, *args: statements.append(sql),
        )
        carbon.run_scenario(path)
    assert statements  # the listener saw the queries
    reads_ledger = [s for s in statements if re.search(r"\bledger\b(?!_)", s)]
    assert reads_ledger == []


def _alembic(conn) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(migrate.MIGRATIONS))
    cfg.attributes["connection"] = conn
    return cfg


def test_migration_0020_backfills_the_quantities_of_an_earlier_rollup(run, write):
    """Several imports, one in two units, and a removal, written; the database taken back to
    revision 0019 (the rollup without quantities, as carbon wrote it then) and upgraded again."""
    _company(run, write)
    path = write("s.toml", SHIFT)
    before = _scenario(run, path)
    engine = create_engine(run.url)
    with engine.begin() as conn:
        command.downgrade(_alembic(conn), "0019")
        assert migrate.current(conn) == "0019"
        cols = {c["name"] for c in inspect(conn).get_columns("ledger_monthly")}
        assert {"unit", "quantity"} & cols == set()
        # The earlier grain, per import and key: import A's Sales Jan..Jun (March's kWh and MWh
        # in one row, their quantities not kept) + import B's Sales Apr..Jun and Video Jan..Jun.
        assert conn.execute(text("SELECT count(*) FROM ledger_monthly")).scalar_one() == 6 + 3 + 6
    engine.dispose()
    after = _scenario(run, path)  # the CLI opens the database: upgraded to head (0020 backfill)
    _check_hand_figures(after)
    for team in ("Sales", "Video"):
        for key in ("baseline_actual_to_date", "baseline", "scenario_actual_to_date", "scenario"):
            assert after[team][key] == pytest.approx(before[team][key], rel=1e-12)
    engine = create_engine(run.url)
    with engine.connect() as conn:
        assert migrate.current(conn) == migrate.head()
        # March's kWh and MWh in two rows now
        assert conn.execute(text("SELECT count(*) FROM ledger_monthly")).scalar_one() == 16
        _same_rows(conn)
    engine.dispose()
