"""Benchmark: import N generated activity rows into SQLite, next to the floor.

    python bench/ingest.py [--rows 1000000] [--pg postgresql+psycopg://postgres@127.0.0.1:5432/test]

Prints rows/s for, on SQLite (and on PostgreSQL with --pg):
  floor   pandas.read_csv of the file + the backend's raw bulk path for the
          same rows into a table of the same columns, no validation at all
          (sqlite3 executemany; psycopg COPY);
  import  `carbon import activities` (validation, spreading, factor resolution,
          unit conversion, ledger insert, one transaction);
then the peak memory of the import process and the latency of the monthly
report and of the budget status over the imported rows. Each phase runs in its own process so
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


def phase_generate(path: str, rows: str) -> dict:
    generate(Path(path), int(rows))
    return {}


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
    pd.DataFrame(
        {
            "date": dates,
            "team": teams,
            "activity": acts,
            "quantity": qty,
            "unit": units,
            "region": regions,
        }
    ).to_csv(path, index=False)


def phase_floor(csv_path: str, db_path: str) -> dict:
    import sqlite3

    t = time.perf_counter()
    df = pd.read_csv(csv_path, dtype=str, keep_default_na=False)
    con = sqlite3.connect(db_path)
    con.execute(
        "CREATE TABLE raw (date TEXT, team TEXT, activity TEXT, quantity TEXT, unit TEXT, region TEXT)"
    )
    with con:
        con.executemany(
            "INSERT INTO raw VALUES (?,?,?,?,?,?)", df.itertuples(index=False, name=None)
        )
    con.close()
    return {"seconds": time.perf_counter() - t, "rows": len(df)}


def phase_floor_pg(csv_path: str, pg_url: str) -> dict:
    import psycopg

    dsn = pg_url.replace("postgresql+psycopg://", "postgresql://")
    t = time.perf_counter()
    df = pd.read_csv(csv_path, dtype=str, keep_default_na=False)
    with psycopg.connect(dsn) as con, con.cursor() as cur:
        cur.execute(
            "CREATE TEMP TABLE raw (date TEXT, team TEXT, activity TEXT, quantity TEXT, unit TEXT, region TEXT)"
        )
        with cur.copy("COPY raw FROM STDIN") as copy:
            for row in df.itertuples(index=False, name=None):
                copy.write_row(row)
    return {"seconds": time.perf_counter() - t, "rows": len(df)}


def phase_import(csv_path: str, db_url: str) -> dict:
    from carbon.ledger import service as importer
    from carbon.store import Store

    store = Store.open(db_url)
    for team in TEAMS:
        importer.add_team(store, team)
    t = time.perf_counter()
    out = importer.import_activities(store, Path(csv_path))
    return {
        "seconds": time.perf_counter() - t,
        "rows": out.batch.row_count,
        "entries": out.batch.entry_count,
    }


def phase_report(db_url: str, work: str) -> dict:
    from carbon.budgets import service as stored_budgets
    from carbon.ledger import views as ledger
    from carbon.store import Store

    store = Store.open(db_url)
    budget = Path(work) / "budget-2024.toml"
    budget.write_text(
        'year = 2024\nunit = "t CO2e"\n'
        + "".join(f"[teams.{t}]\nbudget = 1000.0\n" for t in TEAMS),
        encoding="utf-8",
    )
    stored_budgets.load_file(store, budget, replace=True)
    ledger.monthly_report(store, "2024-06")  # warm the connection and caches once
    stored_budgets.status_at(store, "2024-06")
    report, status = [], []
    for month in ("2024-03", "2024-06", "2024-12"):
        t = time.perf_counter()
        ledger.monthly_report(store, month)
        report.append(time.perf_counter() - t)
        t = time.perf_counter()
        stored_budgets.status_at(store, month)
        status.append(time.perf_counter() - t)
    return {"seconds": max(report), "status_seconds": max(status)}


def peak_rss_mb() -> float:
    """This process's peak resident memory (VmHWM: unlike ru_maxrss, not inherited across exec)."""
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def _pg_schema(url: str, sql: str) -> None:
    from sqlalchemy import create_engine, text

    engine = create_engine(url)
    with engine.begin() as conn:
        conn.execute(text(sql))
    engine.dispose()


def _run_phase(name: str, *args: str) -> dict:
    code = (
        f"import json, sys; sys.path.insert(0, {str(Path(__file__).parent)!r}); "
        f"import ingest; r = ingest.phase_{name}(*{list(args)!r}); "
        "r['max_rss_mb'] = ingest.peak_rss_mb(); print(json.dumps(r))"
    )
    out = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--rows", type=int, default=1_000_000)
    ap.add_argument("--keep", action="store_true", help="keep the work directory")
    ap.add_argument(
        "--pg", metavar="URL", help="also measure PostgreSQL (a schema of its own, dropped after)"
    )
    args = ap.parse_args()
    work = Path(tempfile.mkdtemp(prefix="carbon-bench-"))
    csv_path = work / "activities.csv"
    t = time.perf_counter()
    _run_phase("generate", str(csv_path), str(args.rows))  # in a child: this process stays small
    print(
        f"generated {args.rows:,} rows ({csv_path.stat().st_size / 1e6:.0f} MB) in {time.perf_counter() - t:.1f} s"
    )
    backends = [
        ("SQLite", "floor", str(work / "floor.db"), f"sqlite:///{work / 'carbon.db'}", None)
    ]
    if args.pg:
        schema = f"bench_{os.getpid()}"
        backends.append(
            (
                "PostgreSQL",
                "floor_pg",
                args.pg,
                f"{args.pg}?options=-csearch_path%3D{schema}",
                schema,
            )
        )
    print(f"{'backend':<12}{'phase':<32}{'rows/s':>12}{'seconds':>10}{'peak RSS MB':>13}")
    for name, floor_phase, floor_target, db_url, schema in backends:
        if schema:
            _pg_schema(args.pg, f"CREATE SCHEMA {schema}")
        try:
            floor = _run_phase(floor_phase, str(csv_path), floor_target)
            imp = _run_phase("import", str(csv_path), db_url)
            rep = _run_phase("report", db_url, str(work))
        finally:
            if schema:
                _pg_schema(args.pg, f"DROP SCHEMA {schema} CASCADE")
        f_rate = floor["rows"] / floor["seconds"]
        i_rate = imp["rows"] / imp["seconds"]
        print(
            f"{name:<12}{'floor (read_csv + bulk path)':<32}{f_rate:>12,.0f}{floor['seconds']:>10.1f}"
            f"{floor['max_rss_mb']:>13,.0f}"
        )
        print(
            f"{name:<12}{'carbon import activities':<32}{i_rate:>12,.0f}{imp['seconds']:>10.1f}"
            f"{imp['max_rss_mb']:>13,.0f}"
        )
        # the share of the bare read_csv + bulk-write rate the import must keep, at 10 M rows
        target = 0.6 if schema else 0.7
        print(
            f"{name:<12}import / floor: {i_rate / f_rate:.2f} (target >= {target}); over {imp['entries']:,} "
            f"entries: monthly report {rep['seconds'] * 1000:.0f} ms, budget status "
            f"{rep['status_seconds'] * 1000:.0f} ms (target < 1000 each)"
        )
    if not args.keep:
        for p in work.iterdir():
            p.unlink()
        work.rmdir()
    else:
        print(f"kept {work}")


if __name__ == "__main__":
    main()
