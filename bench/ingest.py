"""Benchmark: import N generated activity rows into SQLite, next to the floor.

    python bench/ingest.py [--rows 1000000] [--db sqlite:///PATH]

Prints rows/s for:
  floor   pandas.read_csv of the file + one raw sqlite3 executemany of the
          same rows into a table of the same columns (no validation at all);
  import  `carbon import activities` (validation, spreading, factor resolution,
          unit conversion, ledger insert, one transaction);
then the peak memory (max RSS) of the import process and the latency of the
monthly report over the imported rows. Each phase runs in its own process so
its peak memory is its own. Figures, not assertions: see README "Performance".
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

ACTIVITIES = [  # (activity, unit, region, typical quantity)
    ("cloud.aws.vcpu_hour", "vCPU_hour", "aws:eu-west-3", 24.0),
    ("cloud.aws.memory_gb_hour", "GB_hour", "aws:eu-west-3", 96.0),
    ("cloud.aws.network_gb", "GB", "aws:us-east-1", 3.5),
    ("electricity.grid", "kWh", "FR", 12.0),
    ("streaming.video.hour", "minute", "EU", 45.0),
    ("commute.car.petrol", "mi", "GB", 12.0),
]
TEAMS = ["Platform", "Video", "Pedagogy", "Mentoring", "Marketing", "Sales", "People", "Finance"]


def generate(path: Path, rows: int, seed: int = 1) -> None:
    rng = np.random.default_rng(seed)
    kind = rng.integers(0, len(ACTIVITIES), rows)
    day = rng.integers(0, 365, rows)
    dates = (np.datetime64("2024-01-01") + day.astype("timedelta64[D]")).astype(str)
    acts = np.array([a[0] for a in ACTIVITIES], dtype=object)[kind]
    units = np.array([a[1] for a in ACTIVITIES], dtype=object)[kind]
    regions = np.array([a[2] for a in ACTIVITIES], dtype=object)[kind]
    qty = np.round(np.array([a[3] for a in ACTIVITIES])[kind] * rng.gamma(2.0, 0.5, rows), 3)
    teams = np.array(TEAMS, dtype=object)[rng.integers(0, len(TEAMS), rows)]
    pd.DataFrame({"date": dates, "team": teams, "activity": acts, "quantity": qty, "unit": units,
                  "region": regions}).to_csv(path, index=False)


def phase_floor(csv_path: str, db_path: str) -> dict:
    import sqlite3

    t = time.perf_counter()
    df = pd.read_csv(csv_path, dtype=str, keep_default_na=False)
    con = sqlite3.connect(db_path)
    con.execute("CREATE TABLE raw (date TEXT, team TEXT, activity TEXT, quantity TEXT, unit TEXT, region TEXT)")
    with con:
        con.executemany("INSERT INTO raw VALUES (?,?,?,?,?,?)", df.itertuples(index=False, name=None))
    con.close()
    return {"seconds": time.perf_counter() - t, "rows": len(df)}


def phase_import(csv_path: str, db_url: str) -> dict:
    from carbon import importer
    from carbon.store import Store

    store = Store.open(db_url)
    for team in TEAMS:
        importer.add_team(store, team)
    t = time.perf_counter()
    out = importer.import_activities(store, Path(csv_path))
    return {"seconds": time.perf_counter() - t, "rows": out.batch.row_count, "entries": out.batch.entry_count}


def phase_report(db_url: str) -> dict:
    from carbon import ledger
    from carbon.store import Store

    store = Store.open(db_url)
    ledger.monthly_report(store, "2024-06")  # warm the connection and caches once
    times = []
    for month in ("2024-03", "2024-06", "2024-12"):
        t = time.perf_counter()
        ledger.monthly_report(store, month)
        times.append(time.perf_counter() - t)
    return {"seconds": max(times)}


def _run_phase(name: str, *args: str) -> dict:
    code = (f"import json, resource, sys; sys.path.insert(0, {str(Path(__file__).parent)!r}); "
            f"import ingest; r = ingest.phase_{name}(*{list(args)!r}); "
            "r['max_rss_mb'] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024; print(json.dumps(r))")
    out = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--rows", type=int, default=1_000_000)
    ap.add_argument("--keep", action="store_true", help="keep the work directory")
    args = ap.parse_args()
    work = Path(tempfile.mkdtemp(prefix="carbon-bench-"))
    csv_path = work / "activities.csv"
    t = time.perf_counter()
    generate(csv_path, args.rows)
    print(f"generated {args.rows:,} rows ({csv_path.stat().st_size / 1e6:.0f} MB) in {time.perf_counter() - t:.1f} s")
    floor = _run_phase("floor", str(csv_path), str(work / "floor.db"))
    db_url = f"sqlite:///{work / 'carbon.db'}"
    imp = _run_phase("import", str(csv_path), db_url)
    rep = _run_phase("report", db_url)
    f_rate = floor["rows"] / floor["seconds"]
    i_rate = imp["rows"] / imp["seconds"]
    print(f"{'phase':<34}{'rows/s':>12}{'seconds':>10}{'peak RSS MB':>13}")
    print(f"{'floor (read_csv + executemany)':<34}{f_rate:>12,.0f}{floor['seconds']:>10.1f}{floor['max_rss_mb']:>13,.0f}")
    print(f"{'carbon import activities':<34}{i_rate:>12,.0f}{imp['seconds']:>10.1f}{imp['max_rss_mb']:>13,.0f}")
    print(f"import / floor: {i_rate / f_rate:.2f} (target >= 0.33); ledger entries: {imp['entries']:,}")
    print(f"monthly report over {imp['entries']:,} entries: {rep['seconds'] * 1000:.0f} ms (target < 1000)")
    if not args.keep:
        for p in work.iterdir():
            p.unlink()
        work.rmdir()
    else:
        print(f"kept {work}")


if __name__ == "__main__":
    main()
