"""The factor table kept in the database (carbon/factors/service.py, carbon/factors/store.py):
read back exactly as built, and never stale: a shipped file, an imported factor or the code that
builds the table changes, and the next command sees the new value."""

from __future__ import annotations

import csv
import io
import os
import shutil
import sqlite3
import time
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from carbon.core import resources
from carbon.factors import regions, tables
from carbon.factors import service as factors
from carbon.factors import store as kept

HEADER = (
    "activity,region,year,value,unit,category,scope,source,uncertainty_pct,source_ref,boundary\n"
)
# factors/ademe_2024_grid_fr.csv: ADEME Base Empreinte, French consumption mix 2024.
FR_2024 = 0.0519


def new_process() -> None:
    """Forget what this process read, as a new command would: the shipped tables, coefficients
    and regions read once per process, and the last table kept in memory."""
    tables._shipped.cache_clear()
    tables.load_coefficients.cache_clear()
    regions.load_regions.cache_clear()
    factors._last.clear()


@pytest.fixture(autouse=True)
def _fresh():
    new_process()
    yield
    new_process()


def grid_fr(table: tables.FactorTable, year: int = 2024) -> float:
    return table.resolve("electricity.grid", "FR", year).factor.value


def kept_rows(store) -> list[str]:
    with store.engine.connect() as conn:
        return list(conn.execute(text("SELECT fingerprint FROM factor_table_cache")).scalars())


def no_build(*_a, **_k):
    raise AssertionError("the table was rebuilt although a current one is kept")


def test_the_kept_table_is_the_built_one(store, monkeypatch):
    built = factors.factor_table(store)
    assert len(kept_rows(store)) == 1
    new_process()
    monkeypatch.setattr(tables, "build_table", no_build)
    read = factors.factor_table(store)
    # every field of every row, the key order and the region hierarchy, exactly
    assert list(read.by_key) == list(built.by_key)
    assert read.by_key == built.by_key
    assert read.regions == built.regions
    assert grid_fr(read) == FR_2024
    # resolution through the region hierarchy (factors/regions.csv) works on the table read back
    assert read.resolve("electricity.grid", "ES", 2024) == built.resolve(
        "electricity.grid", "ES", 2024
    )


def test_factors_list_is_the_same_from_the_kept_table(run):
    first = {fmt: run("factors", "list", "--format", fmt).stdout for fmt in ("csv", "json")}
    new_process()
    second = {fmt: run("factors", "list", "--format", fmt).stdout for fmt in ("csv", "json")}
    assert second == first
    assert len(first["csv"].splitlines()) > 1000  # the whole table, not an empty one


def test_a_changed_shipped_file_is_seen_not_the_kept_table(store, tmp_path, monkeypatch):
    package = tmp_path / "package"
    shutil.copytree(resources.shipped_dir("factors"), package / "_shipped" / "factors")
    monkeypatch.setattr(resources, "_PACKAGE", package)  # shipped_dir() reads the copy
    assert grid_fr(factors.factor_table(store)) == FR_2024
    before = kept_rows(store)
    # Same length, same modification time: only the content tells the change.
    path = package / "_shipped" / "factors" / "ademe_2024_grid_fr.csv"
    stat = path.stat()
    content = path.read_text(encoding="utf-8")
    assert ",0.0519," in content
    path.write_text(content.replace(",0.0519,", ",0.0600,"), encoding="utf-8")
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    assert path.stat().st_size == stat.st_size
    new_process()
    assert grid_fr(factors.factor_table(store)) == 0.06
    assert kept_rows(store) != before and len(kept_rows(store)) == 1  # replaced, not added


def test_an_imported_factor_is_seen_and_its_removal_too(run, write):
    grid = "electricity.grid,FR,2024,{v},kg CO2e / kWh,infrastructure,2,Mine,,,lifecycle\n"

    def listed() -> float:
        new_process()  # each command a new process: only the database remembers
        r = run(
            "factors", "list", "--search", "electricity.grid", "--region", "FR", "--format", "csv"
        )
        return {int(x["year"]): float(x["value"]) for x in csv.DictReader(io.StringIO(r.stdout))}[
            2024
        ]

    assert listed() == FR_2024
    r = run("factors", "import", write("a.csv", HEADER + grid.format(v="0.07")))
    assert r.exit_code == 0, r.output
    assert listed() == 0.07
    batch = r.stdout.split("(import ")[1].split(")")[0]
    assert run("imports", "remove", batch).exit_code == 0
    assert listed() == FR_2024
    # Another file whose rows may take the removed rows' ids again (SQLite reuses the highest
    # ids): same number of rows, another value, still seen.
    assert run("factors", "import", write("b.csv", HEADER + grid.format(v="0.08"))).exit_code == 0
    assert listed() == 0.08


def test_a_refused_import_leaves_the_kept_table_as_it_was(run, write, store, db_dump):
    # No current table is kept (the one kept by the factor import is dropped); the activity
    # import that then builds the table is refused (a bad cell): the database, kept table
    # included, is exactly as before, and nothing is kept after the refusal either.
    assert run("teams", "add", "Ops").exit_code == 0
    assert run("factors", "list", "--format", "csv").exit_code == 0
    stale = kept_rows(store)
    r = run(
        "factors", "import", write("f.csv", HEADER + "x.y,FR,2024,2,kg CO2e / kWh,heating,1,S,,,\n")
    )
    assert r.exit_code == 0, r.output
    with store.engine.begin() as conn:  # back to the table kept before the factor import
        conn.execute(text("DELETE FROM factor_table_cache"))
        conn.execute(
            text(
                "INSERT INTO factor_table_cache (fingerprint, built_at, body) VALUES (:f, :t, '{}')"
            ),
            {"f": stale[0], "t": "2026-01-01 00:00:00"},
        )
    before = db_dump()
    new_process()
    bad = "date,team,activity,quantity,unit,region\n2024-05,Ops,x.y,lots,kWh,FR\n"
    r = run("import", "activities", write("a.csv", bad))
    assert r.exit_code == 1 and "quantity" in r.output
    assert db_dump() == before and kept_rows(store) == stale
    # The next command that reads factors keeps the new table.
    new_process()
    assert run("factors", "list", "--format", "csv").exit_code == 0
    assert len(kept_rows(store)) == 1 and kept_rows(store) != stale


def test_a_first_import_keeps_the_table_it_built_once_it_has_committed(
    run, write, store, monkeypatch
):
    # A new database: the import builds the table inside its transaction and keeps it after its
    # commit, so the next command reads it instead of building it again.
    assert run("teams", "add", "Ops").exit_code == 0
    assert kept_rows(store) == []
    csv = "date,team,activity,quantity,unit,region\n2024-05,Ops,electricity.grid,100,kWh,FR\n"
    r = run("import", "activities", write("a.csv", csv))
    assert r.exit_code == 0, r.output
    assert len(kept_rows(store)) == 1
    new_process()
    monkeypatch.setattr(tables, "build_table", no_build)
    assert grid_fr(factors.factor_table(store)) == FR_2024


def test_a_change_of_the_building_code_is_another_fingerprint(tmp_path, monkeypatch):
    copy = tmp_path / "carbon"
    for name in factors.BUILDERS:
        (copy / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(Path(factors.__file__).parent.parent / name, copy / name)
    monkeypatch.setattr(factors, "_PACKAGE", copy)
    before = factors.fingerprint([])
    assert before == factors.fingerprint([])  # the same inputs, the same fingerprint
    derived = copy / "factors" / "derived.py"
    derived.write_text(derived.read_text(encoding="utf-8") + "\n# changed\n", encoding="utf-8")
    assert factors.fingerprint([]) != before
    derived.unlink()
    assert factors.fingerprint([]) is None  # a file it cannot read: nothing is kept


def test_a_kept_table_of_another_layout_is_rebuilt(store):
    user: list = []
    key = factors.fingerprint(user)
    assert kept.write(store.engine, key, '{"fields": ["activity"], "by_key": {}}')
    assert grid_fr(factors.factor_table(store)) == FR_2024
    with store.engine.connect() as conn:
        assert tables.table_from_json(kept.read(conn, key)).by_key  # replaced by the built one


def _hold_cache_lock(db_url: str):
    """Another connection holding what the cache write needs, as a concurrent writer does: the
    SQLite write lock, or PostgreSQL's lock on the cache table (readers still pass)."""
    if db_url.startswith("sqlite"):
        con = sqlite3.connect(db_url.removeprefix("sqlite:///"), isolation_level=None)
        con.execute("BEGIN IMMEDIATE")
        return con.rollback, con.close
    engine = create_engine(db_url)
    conn = engine.connect()
    conn.execute(text("LOCK TABLE factor_table_cache IN EXCLUSIVE MODE"))

    def close():
        conn.close()
        engine.dispose()

    return conn.rollback, close


def test_a_locked_database_keeps_nothing_and_does_not_wait(store, db_url):
    release, close = _hold_cache_lock(db_url)
    try:
        start = time.monotonic()
        assert grid_fr(factors.factor_table(store)) == FR_2024
        assert time.monotonic() - start < 10  # not the 30 s busy timeout of a write
    finally:
        release()
        close()
    assert kept_rows(store) == []  # skipped, not an error
    new_process()
    factors.factor_table(store)
    assert len(kept_rows(store)) == 1  # the next command keeps it


def test_an_in_memory_database_keeps_nothing():
    from carbon.store import Store

    s = Store.open("sqlite://")
    try:
        assert grid_fr(factors.factor_table(s)) == FR_2024
        assert kept_rows(s) == []
    finally:
        s.close()


def test_a_read_only_database_keeps_nothing_and_answers(db_url, run):
    if not db_url.startswith("sqlite"):
        pytest.skip("a read-only SQLite file (PostgreSQL: the lock test above refuses the write)")
    assert run("teams", "list").exit_code == 0  # the schema, at the head
    path = db_url.removeprefix("sqlite:///")
    r = run("--db", f"sqlite:///file:{path}?mode=ro&uri=true", "factors", "list", "--format", "csv")
    assert r.exit_code == 0, r.output
    assert len(r.stdout.splitlines()) > 1000
    with sqlite3.connect(path) as con:
        assert con.execute("SELECT count(*) FROM factor_table_cache").fetchone() == (0,)


def test_what_is_kept_beside_the_table_lives_and_goes_with_it(store, tmp_path, monkeypatch):
    """pint's answers and the parsed shipped prices are kept under keys derived from the table's
    fingerprint: kept while the table is current, dropped when a changed file replaces it."""
    from carbon.prices import service as prices

    shipped = prices.all_prices(store)  # parses the shipped prices and keeps them
    with store.engine.connect() as conn:
        table, answers = factors.with_unit_answers(store, conn)
    assert answers.co2e_kg_per("MWh", "kg CO2e / kWh") == 1000.0 and answers.added
    factors.keep_unit_answers(store, answers)
    key = answers.fingerprint
    assert sorted(kept_rows(store)) == sorted(
        [key, factors.beside_key("unit answers", key), factors.beside_key("shipped prices", key)]
    )
    new_process()
    monkeypatch.setattr(prices.price_tables, "load_shipped", no_build)  # must be read back
    assert prices.all_prices(store) == shipped
    with store.engine.connect() as conn:
        _, again = factors.with_unit_answers(store, conn)
    assert again.co2e_kg_per("MWh", "kg CO2e / kWh") == 1000.0 and not again.added
    # A changed shipped file: another fingerprint, a new table, nothing of the old one beside it.
    package = tmp_path / "package"
    shutil.copytree(resources.shipped_dir("factors"), package / "_shipped" / "factors")
    monkeypatch.setattr(resources, "_PACKAGE", package)
    path = package / "_shipped" / "factors" / "ademe_2024_grid_fr.csv"
    path.write_text(path.read_text(encoding="utf-8").replace(",0.0519,", ",0.0600,"), "utf-8")
    new_process()
    assert grid_fr(factors.factor_table(store)) == 0.06
    assert len(kept_rows(store)) == 1 and key not in kept_rows(store)
