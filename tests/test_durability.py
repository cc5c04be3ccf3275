"""Crash safety and concurrency: an import is all or nothing, whatever happens to its process.

Run on SQLite by default and on PostgreSQL with CARBON_TEST_DB (see conftest.py).
"""

from __future__ import annotations

import random
import signal
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from sqlalchemy import func, select

from carbon.ledger import service as importer
from carbon.store import Store
from carbon.store.schema import batches, ledger, ledger_monthly, teams

ROOT = Path(__file__).resolve().parent.parent
TEAMS = ("Platform", "Video")


def big_file(path: Path, rows: int, seed: int) -> Path:
    rng = np.random.default_rng(seed)
    pd.DataFrame(
        {
            "date": (
                np.datetime64("2024-01-01") + rng.integers(0, 365, rows).astype("timedelta64[D]")
            ).astype(str),
            "team": np.array(TEAMS, dtype=object)[rng.integers(0, 2, rows)],
            "activity": "electricity.grid",
            "quantity": rng.integers(1, 1000, rows),
            "unit": "kWh",
            "region": "FR",
        }
    ).to_csv(path, index=False)
    return path


def state(url: str) -> tuple:
    """(imports, teams, ledger entries, kg CO2e, rollup entries, rollup kg CO2e) — what must be
    exactly before or after: the ledger and the monthly rollup the reports read."""
    store = Store.open(url)
    try:
        with store.engine.connect() as conn:
            n_batches = conn.execute(select(func.count()).select_from(batches)).scalar_one()
            n_teams = conn.execute(select(func.count()).select_from(teams)).scalar_one()
            n, kg = conn.execute(
                select(func.count(), func.coalesce(func.sum(ledger.c.co2e_kg), 0.0))
            ).one()
            r_n, r_kg = conn.execute(
                select(
                    func.coalesce(func.sum(ledger_monthly.c.entries), 0),
                    func.coalesce(func.sum(ledger_monthly.c.co2e_kg), 0.0),
                )
            ).one()
        return n_batches, n_teams, n, round(kg, 6), int(r_n), round(r_kg, 6)
    finally:
        store.close()


def carbon(url: str, *args: str) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-c", "import cli; cli.main()", "--db", url, *map(str, args)],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


# The carbon command with a smaller chunk size (so a 150k-row file is written in 8 chunks, in
# one transaction) that says on stderr when each chunk of ledger rows has been written.
CHUNKED = """
import sys
import carbon.ingest.csvfile as csvfile
from carbon.store import Store
csvfile.CHUNK_ROWS = 20_000
_insert = Store.insert_ledger
def insert_ledger(self, conn, batch_id, rows):
    _insert(self, conn, batch_id, rows)
    print("CHUNK WRITTEN", file=sys.stderr, flush=True)
Store.insert_ledger = insert_ledger
import cli
cli.main()
"""


def chunked_import(url: str, path: Path, source: str) -> subprocess.Popen:
    return subprocess.Popen(
        [
            sys.executable,
            "-c",
            CHUNKED,
            "--db",
            url,
            "import",
            "activities",
            str(path),
            "--source",
            source,
        ],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


@pytest.fixture
def seeded(db_url, tmp_path):
    store = Store.open(db_url)
    for t in TEAMS:
        importer.add_team(store, t)
    importer.import_activities(store, big_file(tmp_path / "seed.csv", 50, seed=0))
    store.close()
    return db_url


@pytest.mark.slow
def test_sigkill_during_import_leaves_before_or_after_state(seeded, tmp_path):
    rows = 150_000  # 8 chunks of 20,000 rows, all written in one transaction
    path = big_file(tmp_path / "big.csv", rows, seed=1)
    before = state(seeded)
    rng = random.Random(20261129)
    outcomes = {"before": 0, "after": 0}
    # Half the kills land inside the write transaction, right after chunk k of 8 was written
    # (k < 8: the commit has not happened, so only the before-state is right); the other half
    # at a random time, which may fall before, during or after the transaction.
    plan = [("chunk", k) for k in rng.sample(range(1, 8), 5)] + [
        ("time", rng.uniform(0.3, 6.0)) for _ in range(5)
    ]
    mid_transaction = 0
    for i, (how, when) in enumerate(plan):
        proc = chunked_import(seeded, path, f"big-{i}")
        if how == "chunk":
            written = 0
            for line in proc.stderr:
                written += line.strip() == "CHUNK WRITTEN"
                if written == when:
                    break
            assert written == when, f"the import ended before chunk {when} ({written} written)"
            mid_transaction += 1
        else:
            time.sleep(when)
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        now = state(seeded)
        if how == "chunk":
            assert now == before, (
                f"killed after chunk {when} of 8, before the commit: {before} -> {now}"
            )
        if now == before:
            outcomes["before"] += 1
        else:  # exactly one more import, with every row of the file, in the ledger and the rollup
            assert now[0] == before[0] + 1 and now[1] == before[1], (before, now)
            assert now[2] == before[2] + rows and now[4] == before[4] + rows, (before, now)
            assert now[5] == pytest.approx(before[5] + now[3] - before[3]), (before, now)
            outcomes["after"] += 1
            before = now
    assert sum(outcomes.values()) == len(plan) and mid_transaction == 5
    print("kill outcomes:", outcomes)


def test_concurrent_imports_and_report(seeded, tmp_path):
    a = big_file(tmp_path / "a.csv", 30_000, seed=2)
    b = big_file(tmp_path / "b.csv", 30_000, seed=3)
    before = state(seeded)
    procs = [
        carbon(seeded, "import", "activities", a),
        carbon(seeded, "import", "activities", b),
        carbon(seeded, "import", "activities", a),  # the same file twice at once
        carbon(seeded, "report", "monthly", "--month", "2024-03", "--format", "json"),
    ]
    results = [(p.wait(timeout=120), p.stdout.read(), p.stderr.read()) for p in procs]
    for rc, _out, err in results:
        assert rc == 0, err
        assert "locked" not in err and "Traceback" not in err
    assert sum("already imported" in out for _, out, _ in results[:3]) == 1
    after = state(seeded)
    assert after[0] == before[0] + 2 and after[2] == before[2] + 60_000


def test_reads_are_not_blocked_by_an_import_in_progress(seeded):
    # An import holds the write lock for its whole transaction (a minute at 10 M rows).
    # Opening the database for a report must not wait for it: a current schema is only read.
    store = Store.open(seeded)
    expected = state(seeded)

    def reads(timeout: float):
        started = time.monotonic()
        procs = [
            carbon(seeded, "report", "monthly", "--month", "2024-03", "--format", "json"),
            carbon(seeded, "imports", "list"),
            carbon(seeded, "teams", "list"),
        ]
        results = [(p.wait(timeout=timeout), p.stdout.read(), p.stderr.read()) for p in procs]
        return time.monotonic() - started, results

    # The same reads with no writer first: on a loaded machine starting three processes alone
    # can take many seconds, so the reads under a writer are compared with it, not with a clock.
    alone, _ = reads(timeout=300)
    try:
        with (
            store.transaction() as conn
        ):  # BEGIN IMMEDIATE on SQLite, the advisory lock on PostgreSQL
            conn.execute(teams.insert().values(name="Uncommitted", created_at=datetime.now(UTC)))
            waited, results = reads(timeout=alone + 60)
            for rc, _out, err in results:
                assert rc == 0, err
            assert "Uncommitted" not in results[2][1] and "Platform" in results[2][1]
            # The busy timeout is 30 s (PostgreSQL's lock would wait forever): reads that waited on
            # the writer would take at least that much longer than the same reads alone.
            assert waited < alone + 20, (waited, alone)
    finally:
        store.close()
    assert state(seeded)[1] == expected[1] + 1


def test_postgresql_write_lock_is_per_schema(db_url):
    """Two carbon databases in two schemas of one PostgreSQL database write independently;
    two writers of the same one take turns."""
    import threading
    import uuid

    from sqlalchemy import create_engine, text

    if not db_url.startswith("postgresql"):
        pytest.skip("the advisory write lock is PostgreSQL's (SQLite locks the file)")
    other_schema = "t_" + uuid.uuid4().hex[:12]
    base = db_url.split("?")[0]
    admin = create_engine(base)
    with admin.begin() as conn:
        conn.execute(text(f"CREATE SCHEMA {other_schema}"))
    mine, other = Store.open(db_url), Store.open(f"{base}?options=-csearch_path%3D{other_schema}")
    try:

        def writer(store: Store) -> threading.Event:
            done = threading.Event()

            def work():
                with store.transaction() as conn:
                    conn.execute(text("SELECT 1"))
                done.set()

            threading.Thread(target=work, daemon=True).start()
            return done

        with mine.transaction():  # holds this schema's write lock
            assert writer(other).wait(10), "a writer of another schema waited for this one"
            same = writer(mine)
            assert not same.wait(1), "two writers of the same schema ran at once"
        assert same.wait(10)  # and it went on once the lock was released
    finally:
        mine.close()
        other.close()
        with admin.begin() as conn:
            conn.execute(text(f"DROP SCHEMA {other_schema} CASCADE"))
        admin.dispose()
