"""Crash safety and concurrency: an import is all or nothing, whatever happens to its process.

Run on SQLite by default and on PostgreSQL with CARBON_TEST_DB (see conftest.py).
"""

from __future__ import annotations

import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from sqlalchemy import func, select

from carbon import importer
from carbon.store import Store
from carbon.store.schema import batches, ledger

ROOT = Path(__file__).resolve().parent.parent
TEAMS = ("Platform", "Video")


def big_file(path: Path, rows: int, seed: int) -> Path:
    rng = np.random.default_rng(seed)
    pd.DataFrame({
        "date": (np.datetime64("2024-01-01") + rng.integers(0, 365, rows).astype("timedelta64[D]")).astype(str),
        "team": np.array(TEAMS, dtype=object)[rng.integers(0, 2, rows)],
        "activity": "electricity.grid",
        "quantity": rng.integers(1, 1000, rows),
        "unit": "kWh",
        "region": "FR",
    }).to_csv(path, index=False)
    return path


def state(url: str) -> tuple[int, int, float]:
    """(imports, ledger entries, kg CO2e) — what must be exactly before or after."""
    store = Store.open(url)
    try:
        with store.engine.connect() as conn:
            n_batches = conn.execute(select(func.count()).select_from(batches)).scalar_one()
            n, kg = conn.execute(select(func.count(), func.coalesce(func.sum(ledger.c.co2e_kg), 0.0))).one()
        return n_batches, n, round(kg, 6)
    finally:
        store.close()


def carbon(url: str, *args: str) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-c", "import cli; cli.main()", "--db", url, *map(str, args)],
                            cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


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
    path = big_file(tmp_path / "big.csv", 150_000, seed=1)
    before = state(seeded)
    # The complete import, measured once, gives the after-state and the time window to kill in.
    reference_url = seeded
    rng = random.Random(20261129)
    outcomes = {"before": 0, "after": 0}
    kills = 8
    for i in range(kills):
        proc = carbon(seeded, "import", "activities", path, "--source", f"big-{i}")
        time.sleep(rng.uniform(0.2, 3.0))
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        now = state(reference_url)
        if now == before:
            outcomes["before"] += 1
        else:
            # Exactly one more import, with every row of the file.
            assert now[0] == before[0] + 1, (before, now)
            assert now[1] == before[1] + 150_000, (before, now)
            outcomes["after"] += 1
            before = now
    assert sum(outcomes.values()) == kills
    print("kill outcomes:", outcomes)


def test_concurrent_imports_and_report(seeded, tmp_path):
    a = big_file(tmp_path / "a.csv", 30_000, seed=2)
    b = big_file(tmp_path / "b.csv", 30_000, seed=3)
    before = state(seeded)
    procs = [carbon(seeded, "import", "activities", a), carbon(seeded, "import", "activities", b),
             carbon(seeded, "import", "activities", a),  # the same file twice at once
             carbon(seeded, "report", "monthly", "--month", "2024-03", "--format", "json")]
    results = [(p.wait(timeout=120), p.stdout.read(), p.stderr.read()) for p in procs]
    for rc, out, err in results:
        assert rc == 0, err
        assert "locked" not in err and "Traceback" not in err
    assert sum("already imported" in out for _, out, _ in results[:3]) == 1
    after = state(seeded)
    assert after[0] == before[0] + 2 and after[1] == before[1] + 60_000
