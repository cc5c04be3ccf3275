"""The ledger's bulk paths store exactly what they are given: binary COPY on PostgreSQL
(carbon/store/pgcopy.py), executemany on SQLite. Run with CARBON_TEST_DB for PostgreSQL."""

import importlib
import math
import struct

import numpy as np
import pandas as pd
import pytest
from sqlalchemy import func, select

from carbon.ledger import service as importer
from carbon.store import Store, pgcopy
from carbon.store.schema import ledger, teams

SIGNATURE = b"PGCOPY\n\xff\r\n\x00" + b"\x00\x00\x00\x00" + b"\x00\x00\x00\x00"


def test_one_row_is_laid_out_as_postgresql_documents_it():
    # PostgreSQL docs, COPY "Binary Format": 11-byte signature, int32 flags 0, int32 header
    # extension 0; each tuple: int16 field count, then per field int32 length (-1: NULL) and
    # the value in network byte order; trailer int16 -1.
    frame = pd.DataFrame(
        {
            "n": np.array([1]),
            "t": pd.Series(["é"], dtype=object),
            "x": np.array([1.5]),
            "k": pd.Series([None], dtype=object),
            "s": np.array([-2]),
        }
    )
    got = pgcopy.encode(
        frame, ["n", "t", "x", "k", "s"], ["int4", "text", "float8", "int8", "int2"]
    )
    expected = (
        SIGNATURE
        + b"\x00\x05"  # 5 fields
        + b"\x00\x00\x00\x04"
        + b"\x00\x00\x00\x01"  # int4 1
        + b"\x00\x00\x00\x02"
        + b"\xc3\xa9"  # "é" is 2 UTF-8 bytes C3 A9
        + b"\x00\x00\x00\x08"
        + b"\x3f\xf8"
        + b"\x00" * 6  # 1.5 = 0x3FF8000000000000
        + b"\xff\xff\xff\xff"  # NULL
        + b"\x00\x00\x00\x02"
        + b"\xff\xfe"  # int2 -2
        + b"\xff\xff"
    )
    assert got.tobytes() == expected


def _decode(data: bytes, wires: list[str]) -> list[tuple]:
    """A reader of the format written from the documentation, independent of pgcopy."""
    assert data[:19] == SIGNATURE and data[-2:] == b"\xff\xff"
    pos, rows = 19, []
    fmt = {"int2": ">h", "int4": ">i", "int8": ">q", "float8": ">d"}
    while pos < len(data) - 2:
        (count,) = struct.unpack_from(">h", data, pos)
        pos += 2
        row = []
        for wire in wires[:count]:
            (size,) = struct.unpack_from(">i", data, pos)
            pos += 4
            if size < 0:
                row.append(None)
                continue
            raw = data[pos : pos + size]
            pos += size
            row.append(raw.decode("utf-8") if wire == "text" else struct.unpack(fmt[wire], raw)[0])
        rows.append(tuple(row))
    assert pos == len(data) - 2
    return rows


SPECIAL = [  # (line, text, quantity, row_key): values a text COPY would have to escape or round
    (1, "tab\there", 0.1, None),
    (2, "back\\slash \\N", -0.0, -(2**63)),
    (3, "new\nline\r", 5e-324, 2**63 - 1),
    (4, "Équipe ✓ 数据", 1.7976931348623157e308, 0),
    (5, "", 123456789.123456789, 42),
    (2**31 - 1, "\\.", 1e-15, None),
]


def test_special_values_survive_a_round_trip_through_the_format():
    frame = pd.DataFrame(
        {
            "line": np.array([r[0] for r in SPECIAL]),
            "text": pd.Series([r[1] for r in SPECIAL], dtype=object),
            "q": np.array([r[2] for r in SPECIAL]),
            "key": pd.Series([r[3] for r in SPECIAL], dtype=object),
        }
    )
    wires = ["int4", "text", "float8", "int8"]
    got = _decode(pgcopy.encode(frame, list(frame.columns), wires).tobytes(), wires)
    assert sorted(got) == sorted(SPECIAL, key=lambda r: r[0])  # a COPY's rows have no order
    assert math.copysign(1, next(r for r in got if r[0] == 2)[2]) == -1  # -0.0 keeps its sign


def _random_frame(n: int, seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    words = np.array(["", "kWh", "électricité", "a" * 40, "数据", None, "x\ty"], dtype=object)
    return pd.DataFrame(
        {
            "id": np.arange(n, dtype=np.int64) * 7 - 3,
            "team": pd.Series(words[rng.integers(0, len(words), n)], dtype=object),
            "scope": rng.integers(1, 4, n),
            "q": rng.standard_normal(n) * 1e6,
            "unit": pd.Series(words[rng.integers(0, 5, n)], dtype=object),
            "s3": pd.Series(
                np.where(rng.random(n) < 0.3, None, rng.integers(1, 16, n)), dtype=object
            ),
        }
    )


def _layout(row: tuple) -> tuple:
    """A row's layout: the byte length of each text (-1: NULL), and which numbers are NULL."""
    return tuple(
        (-1 if v is None else len(v.encode())) if isinstance(v, str) or v is None else 0
        for v in row
    )


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_rows_grouped_by_layout_are_the_rows_given(seed, monkeypatch):
    # The stream groups rows by layout (text lengths, NULLs): the same rows as the frame's, in
    # the frame's order within a layout; the padded encoder (many layouts) keeps the frame's order.
    frame = _random_frame(500, seed)
    wires = ["int8", "text", "int2", "float8", "text", "int2"]
    expected = [
        tuple(None if v is None else v for v in row)
        for row in frame.astype(object).itertuples(index=False, name=None)
    ]
    grouped = _decode(pgcopy.encode(frame, list(frame.columns), wires).tobytes(), wires)
    assert sorted(grouped, key=repr) == sorted(expected, key=repr)
    for shape in {_layout(r) for r in expected}:  # the frame's order within a layout
        assert [r for r in grouped if _layout(r) == shape] == [
            r for r in expected if _layout(r) == shape
        ]
    monkeypatch.setattr(importlib.import_module("carbon.store.pgcopy"), "MAX_LAYOUTS", 1)
    padded = _decode(pgcopy.encode(frame, list(frame.columns), wires).tobytes(), wires)
    assert padded == expected


def test_an_empty_frame_is_a_valid_empty_stream():
    frame = pd.DataFrame({"line": np.array([], dtype=np.int64)})
    assert pgcopy.encode(frame, ["line"], ["int4"]).tobytes() == SIGNATURE + b"\xff\xff"


def test_a_number_too_big_for_its_column_is_refused_not_wrapped():
    frame = pd.DataFrame({"line": np.array([1, 2**31])})
    with pytest.raises(OverflowError, match="line"):
        pgcopy.encode(frame, ["line"], ["int4"])


def test_fractional_numbers_are_refused_for_an_integer_column():
    frame = pd.DataFrame({"line": pd.Series([1.5, None], dtype=object)})
    with pytest.raises(TypeError, match="line"):
        pgcopy.encode(frame, ["line"], ["int4"])


def test_wire_types_follow_the_table():
    from carbon.store import LEDGER_INSERT_COLUMNS

    assert pgcopy.wire_types(ledger, LEDGER_INSERT_COLUMNS) == [
        "int4",
        "int4",
        "int4",
        "text",
        "text",
        "text",
        "int2",
        "float8",
        "text",
        "float8",
        "int4",
        "int8",
        "int2",
    ]


def test_insert_ledger_stores_exactly_the_values_given(store):
    """On the test database's backend (binary COPY on PostgreSQL): every value read back equals
    the one given, NULL row_key included."""
    with store.transaction() as conn:
        batch = store.insert_batch(conn, "activities", "special.csv", "h" * 64, "")
        rows = pd.DataFrame(
            {
                "line": np.array([r[0] for r in SPECIAL]),
                "team_id": np.arange(1, len(SPECIAL) + 1),
                "month": pd.Series(["2024-01"] * len(SPECIAL), dtype=object),
                "activity": pd.Series([r[1] for r in SPECIAL], dtype=object),
                "category": pd.Series(["catégorie"] * len(SPECIAL), dtype=object),
                "scope": np.array([3] * len(SPECIAL)),
                "quantity": np.array([r[2] for r in SPECIAL]),
                "unit": pd.Series(["kWh"] * len(SPECIAL), dtype=object),
                "co2e_kg": np.array([r[2] for r in SPECIAL]) / 2,
                "factor_id": np.array([7] * len(SPECIAL)),
                "row_key": pd.Series([r[3] for r in SPECIAL], dtype=object),
                # 0 = no scope-3 category (stored NULL), else the category number
                "scope3_category": np.array([7 if i % 2 else 0 for i in range(len(SPECIAL))]),
            }
        )
        store.insert_ledger(conn, batch, rows)
    with store.engine.connect() as conn:
        got = conn.execute(
            select(
                ledger.c.line,
                ledger.c.activity,
                ledger.c.quantity,
                ledger.c.row_key,
                ledger.c.co2e_kg,
                ledger.c.category,
                ledger.c.scope,
                ledger.c.team_id,
                ledger.c.scope3_category,
            ).order_by(ledger.c.id)
        ).all()
    assert [tuple(r[:4]) for r in got] == SPECIAL
    assert [r.co2e_kg for r in got] == [r[2] / 2 for r in SPECIAL]
    assert {(r.category, r.scope) for r in got} == {("catégorie", 3)}
    assert [r.team_id for r in got] == list(range(1, len(SPECIAL) + 1))
    assert [r.scope3_category for r in got] == [7 if i % 2 else None for i in range(len(SPECIAL))]


def test_imported_rows_keep_unicode_teams_and_large_quantities(store, write):
    # ADEME FR 2024 grid electricity 0.0519 kg CO2e/kWh (tests/test_import.py's hand example):
    # 123,456,789.125 kWh (exact in binary) x 0.0519 = 6,172,839.45625 (x 0.05)
    # + 234,567.8993375 (x 0.0019) = 6,407,407.3555875 kg, under the 1 Gt refusal.
    for name in ("Équipe données ✓", "数据团队"):
        importer.add_team(store, name)
    path = write(
        "u.csv",
        "date,team,activity,quantity,unit,region\n"
        "2024-05-10,Équipe données ✓,electricity.grid,123456789.125,kWh,FR\n"
        "2024-05-11,数据团队,electricity.grid,0.001,kWh,\n",
    )
    importer.import_activities(store, path)
    with store.engine.connect() as conn:
        got = conn.execute(
            select(teams.c.name, ledger.c.quantity, ledger.c.co2e_kg, ledger.c.line)
            .join(teams, teams.c.id == ledger.c.team_id)
            .order_by(ledger.c.line)
        ).all()
    assert [(r.name, r.quantity, r.line) for r in got] == [
        ("Équipe données ✓", 123456789.125, 2),
        ("数据团队", 0.001, 3),
    ]
    assert got[0].co2e_kg == pytest.approx(6_407_407.3555875, rel=1e-12)


def test_sqlite_connections_get_a_page_cache_that_holds_the_ledger_index(store):
    # SQLite's default cache (2 MB) turns each insert into the ledger's (month, row_key) index
    # into a page read once the index outgrows it; carbon asks for up to 256 MB (taken on use).
    if store.engine.dialect.name != "sqlite":
        pytest.skip("an SQLite setting")
    with store.engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA cache_size").scalar() == -256 * 1024
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"


def _chunk(month: str, n: int, start: int) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "line": np.arange(start, start + n),
            "team_id": np.ones(n, dtype=np.int64),
            "month": pd.Series([month] * n, dtype=object),
            "activity": pd.Series(["a.b"] * n, dtype=object),
            "category": pd.Series(["c"] * n, dtype=object),
            "scope": np.full(n, 3),
            "quantity": np.full(n, 2.0),
            "unit": pd.Series(["kWh"] * n, dtype=object),
            "co2e_kg": np.full(n, 0.5),
            "factor_id": np.full(n, 7),
            "row_key": np.arange(start, start + n, dtype=np.int64),
            "scope3_category": np.zeros(n, dtype=np.int64),
        }
    )


def test_the_chunk_writer_writes_every_chunk_in_order(store):
    # On PostgreSQL each chunk is copied in a worker thread while the next is prepared.
    with store.transaction() as conn:
        batch = store.insert_batch(conn, "activities", "chunks.csv", "c" * 64, "")
        with store.ledger_writer(conn, batch) as writer:
            for i in range(5):
                writer.write(_chunk("2024-0" + str(i + 1), 1000, 2 + 1000 * i))
                writer.wait()  # as the import does before it uses the connection itself
                store.snapshot_ids(conn, [])
    with store.engine.connect() as conn:
        lines = conn.execute(select(ledger.c.line).order_by(ledger.c.id)).scalars().all()
    assert lines == list(range(2, 5002))
    assert _outside_bounds(store) == {}  # the id bounds grew with each chunk


def _refused_third_chunk(store, then: pd.DataFrame | None = None) -> None:
    """Two good chunks, then one the database refuses (an infinite figure): the error must reach
    the caller and roll the transaction back."""
    bad = _chunk("2024-03", 1000, 2002)
    bad.loc[500, "co2e_kg"] = np.inf
    with pytest.raises(Exception, match="ck_ledger_co2e_finite"):
        with store.transaction() as conn:
            batch = store.insert_batch(conn, "activities", "bad.csv", "d" * 64, "")
            with store.ledger_writer(conn, batch) as writer:
                writer.write(_chunk("2024-01", 1000, 2))
                writer.write(_chunk("2024-02", 1000, 1002))
                writer.write(bad)
                if then is not None:
                    writer.write(then)


def test_a_chunk_the_database_refuses_fails_the_import_and_writes_nothing(store, db_dump):
    # The database's own check (a finite figure) refuses the third chunk: its error reaches the
    # caller (from the worker thread, on both backends) and the whole transaction is rolled back.
    before = db_dump()
    _refused_third_chunk(store, then=_chunk("2024-04", 1000, 3002))
    assert db_dump() == before


def test_a_chunk_is_written_in_row_key_order_each_row_whole(store):
    # Rows go in sorted by row_key (the repeated-row index leads with it: inserts in key order
    # land next to each other); each row keeps its own values, and rows without keys keep theirs.
    chunk = _chunk("2024-03", 6, 2)
    chunk["row_key"] = np.array([50, -7, 3, 3, 2**62, 0], dtype=np.int64)
    chunk["quantity"] = np.arange(6, dtype=float)
    with store.transaction() as conn:
        batch = store.insert_batch(conn, "activities", "order.csv", "e" * 64, "")
        store.insert_ledger(conn, batch, chunk)
    with store.engine.connect() as conn:
        got = conn.execute(
            select(ledger.c.row_key, ledger.c.line, ledger.c.quantity).order_by(ledger.c.id)
        ).all()
    assert [tuple(r) for r in got] == [
        (-7, 3, 1.0),
        (0, 7, 5.0),
        (3, 4, 2.0),
        (3, 5, 3.0),
        (50, 2, 0.0),
        (2**62, 6, 4.0),
    ]


@pytest.mark.filterwarnings(
    "ignore:Selection of the SingletonThreadPool"
)  # SQLAlchemy's, for `shared`
def test_the_chunk_writer_threads_on_a_file_and_writes_at_once_in_memory(tmp_path):
    # A SQLite file is written by a worker thread (as PostgreSQL's COPY); an in-memory database
    # has one connection per thread in SQLAlchemy, so its chunks are written in the caller's.
    from carbon.store import LedgerWriter

    shared = "sqlite:///file:carbon_t?mode=memory&cache=shared&uri=true"  # in memory too
    for url, threaded in (
        (f"sqlite:///{tmp_path / 'f.db'}", True),
        ("sqlite://", False),
        (shared, False),
    ):
        store = Store.open(url)
        with store.transaction() as conn:
            batch = store.insert_batch(conn, "activities", "t.csv", "f" * 64, "")
            assert LedgerWriter(store, conn, batch).threaded is threaded
            with store.ledger_writer(conn, batch) as writer:
                writer.write(_chunk("2024-05", 300, 2))
                writer.write(_chunk("2024-06", 300, 302))
            rows = conn.execute(select(func.count()).select_from(ledger)).scalar_one()
        assert rows == 600, url
        store.close()


def _outside_bounds(store) -> dict[int, tuple[int, int]]:
    """{batch: (its ledger rows, those found within its id bounds)} where the two differ."""
    from carbon.store.schema import batches, ledger_rows_of

    out = {}
    with store.engine.connect() as conn:
        for (b,) in conn.execute(select(batches.c.id)):
            rows = conn.execute(select(func.count()).where(ledger.c.batch_id == b)).scalar_one()
            found = conn.execute(select(func.count()).where(ledger_rows_of(b))).scalar_one()
            if rows != found:
                out[b] = (rows, found)
    return out


def test_every_import_finds_all_its_ledger_rows_within_its_id_bounds(run, store, write):
    """Removal and the repeated-row check read a batch's ledger rows within the id bounds it
    keeps (migration 0024): every writer (activities in chunks, the survey, a cloud bill) must
    keep bounds holding all its rows, also once a removal has freed the last ids for reuse."""
    from carbon.store.schema import batches

    assert run("demo").exit_code == 0
    assert _outside_bounds(store) == {}
    with store.engine.connect() as conn:
        last = conn.execute(select(func.max(batches.c.id))).scalar_one()
        kinds = {k for (k,) in conn.execute(select(batches.c.kind).distinct())}
        assert conn.execute(select(func.count()).select_from(ledger)).scalar_one() > 1000
    assert {"activities", "commuting-survey", "cloud-billing"} <= kinds, kinds
    assert run("imports", "remove", str(last)).exit_code == 0  # the highest ids are free again
    csv = "date,team,activity,quantity,unit,region\n2026-10-05,Platform,electricity.grid,7,kWh,FR\n"
    assert run("import", "activities", write("late.csv", csv)).exit_code == 0
    assert _outside_bounds(store) == {}


def _index_sql(store) -> list:
    """The ledger's indexes as the database holds them (name, definition)."""
    with store.engine.connect() as conn:
        if conn.dialect.name == "postgresql":
            return conn.exec_driver_sql(
                "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = 'ledger' "
                "AND schemaname = current_schema() ORDER BY indexname"
            ).all()
        return conn.exec_driver_sql(
            "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = 'ledger'"
        ).all()


def _drops(store) -> list[str]:
    """The DROP INDEX statements this store's connections will send (collected as sent)."""
    from sqlalchemy import event

    seen: list[str] = []

    @event.listens_for(store.engine, "before_cursor_execute")
    def keep(conn, cursor, statement, *args):
        if statement.lstrip().upper().startswith("DROP INDEX"):
            seen.append(statement)

    return seen


def _write_chunks(store, name: str, months: int, start: int = 2) -> None:
    with store.transaction() as conn:
        batch = store.insert_batch(conn, "activities", name, name[0] * 64, "")
        with store.ledger_writer(conn, batch) as writer:
            for i in range(months):
                writer.write(_chunk(f"2024-{i + 1:02d}", 1000, start + 1000 * i))


def test_a_first_load_writes_without_the_row_key_index_and_builds_it_again(store, monkeypatch):
    # Past BULK_LOAD_ROWS rows, an import at least as large as the ledger before it writes the
    # rest without the row-key index and builds it at the end, as the schema says (both backends).
    import carbon.store as stored

    declared = _index_sql(store)
    assert any(name == "ix_ledger_row_key_month" for name, _sql in declared)
    monkeypatch.setitem(stored.BULK_LOAD_ROWS, store.engine.dialect.name, 2000)
    drops = _drops(store)
    _write_chunks(store, "a.csv", 4)
    assert len(drops) == 1 and "ix_ledger_row_key_month" in drops[0]
    assert _index_sql(store) == declared  # built again, the same definition
    with store.engine.connect() as conn:
        lines = conn.execute(select(ledger.c.line).order_by(ledger.c.id)).scalars().all()
        if conn.dialect.name == "postgresql":
            conn.exec_driver_sql("SET enable_seqscan = off")  # 4,000 rows: a scan would do
            plan = " ".join(
                r[0]
                for r in conn.exec_driver_sql(
                    "EXPLAIN SELECT batch_id FROM ledger WHERE row_key = 5 AND month = '2024-01'"
                )
            )
        else:
            plan = conn.exec_driver_sql(
                "EXPLAIN QUERY PLAN SELECT batch_id FROM ledger "
                "WHERE row_key = 5 AND month = '2024-01'"
            ).all()[0][3]
    assert lines == list(range(2, 4002))
    assert "ix_ledger_row_key_month" in plan
    _write_chunks(store, "b.csv", 3, start=10_000)  # the ledger holds more than it adds: as is
    assert len(drops) == 1


def test_during_a_postgresql_bulk_load_the_rollup_stays_readable(store, monkeypatch):
    # The index drop locks the ledger table until the import commits: a reader of the ledger
    # itself waits; the monthly rollup, which reports and budgets read, does not.
    from sqlalchemy.exc import OperationalError

    import carbon.store as stored
    from carbon.store.schema import ledger_monthly

    if store.engine.dialect.name != "postgresql":
        pytest.skip("PostgreSQL's lock (SQLite's readers read the last committed state)")
    monkeypatch.setitem(stored.BULK_LOAD_ROWS, store.engine.dialect.name, 1500)
    _write_chunks(store, "a.csv", 1)  # something committed to read: 1,000 rows of 2024-01
    with store.transaction() as conn:
        batch = store.insert_batch(conn, "activities", "b.csv", "b" * 64, "")
        with store.ledger_writer(conn, batch) as writer:
            for i in range(3):  # 3,000 rows written, 1,000 before: dropped before the third
                writer.write(_chunk(f"2024-{i + 2:02d}", 1000, 5000 + 1000 * i))
            writer.wait()
            with store.engine.connect() as reader:
                reader.exec_driver_sql("SET lock_timeout = '500ms'")
                got = reader.execute(select(func.count()).select_from(ledger_monthly)).scalar()
                assert got is not None
                with pytest.raises(OperationalError):
                    reader.execute(select(func.count()).select_from(ledger)).scalar()
                reader.rollback()
    with store.engine.connect() as reader:
        assert reader.execute(select(func.count()).select_from(ledger)).scalar_one() == 4000


def test_a_refused_first_load_leaves_the_index_and_everything_as_it_was(
    store, db_dump, monkeypatch
):
    import carbon.store as stored

    monkeypatch.setitem(stored.BULK_LOAD_ROWS, store.engine.dialect.name, 1500)
    before, indexes = db_dump(), _index_sql(store)
    drops = _drops(store)
    _refused_third_chunk(store)  # the index is dropped after the second chunk
    assert len(drops) == 1  # the refusal came after the drop
    assert db_dump() == before  # the index among the rest (SQLite's dump holds the schema)
    assert _index_sql(store) == indexes


def test_the_writer_numbers_its_rows_and_the_next_writer_of_any_kind_follows(store):
    # On PostgreSQL the chunk writer gives its rows' ids itself (one drawn from the sequence,
    # the sequence set past the last at the end); on SQLite the rowid. Either way: ids in the
    # order written, a direct insert after it (the cloud importers' path) and a refused writer
    # in between collide with nothing, and ids only grow.
    with store.transaction() as conn:
        batch = store.insert_batch(conn, "activities", "one.csv", "e" * 64, "")
        with store.ledger_writer(conn, batch) as writer:
            for i in range(3):
                writer.write(_chunk(f"2024-0{i + 1}", 1000, 2 + 1000 * i))
    _refused_third_chunk(store)
    with store.transaction() as conn:
        batch = store.insert_batch(conn, "cloud-billing", "bill.csv", "f" * 64, "")
        store.insert_ledger(conn, batch, _chunk("2024-05", 10, 2))
        third = store.insert_batch(conn, "activities", "two.csv", "g" * 64, "")
        with store.ledger_writer(conn, third) as writer:
            writer.write(_chunk("2024-06", 500, 2))
    with store.engine.connect() as conn:
        rows = conn.execute(select(ledger.c.id, ledger.c.batch_id, ledger.c.line)).all()
    by_id = sorted(rows)
    assert len({r.id for r in rows}) == len(rows) == 3000 + 10 + 500
    assert [r.line for r in by_id[:3000]] == list(range(2, 3002))  # the order written
    assert [r.batch_id for r in by_id] == sorted(r.batch_id for r in by_id)  # ids only grow
    assert _outside_bounds(store) == {}


def test_too_many_layout_variants_for_the_key_fall_back_to_the_padded_stream():
    # 40 text columns of 3 lengths each: 3**40 layouts overflow a 64-bit key (wrapped keys would
    # group rows of different layouts); the frame takes the padded path, in the frame's order.
    rng = np.random.default_rng(7)
    words = np.array(["a", "bb", "ccc"], dtype=object)
    frame = pd.DataFrame(
        {f"t{i}": pd.Series(words[rng.integers(0, 3, 60)], dtype=object) for i in range(40)}
    )
    wires = ["text"] * 40
    got = _decode(pgcopy.encode(frame, list(frame.columns), wires).tobytes(), wires)
    assert got == [tuple(r) for r in frame.itertuples(index=False, name=None)]
