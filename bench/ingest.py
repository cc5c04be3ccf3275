"""Benchmark: `carbon import activities` of N generated rows against each backend's floor.

    python bench/ingest.py [--rows 1000000] [--pg postgresql+psycopg://postgres@127.0.0.1:5432/test]

The floor is the fastest plain way to get the same CSV file into a table of its six columns
(text, a date, a double-precision quantity), with no index and no validation:
  SQLite      pandas.read_csv of the file, then ONE sqlite3 executemany of its rows, committed;
  PostgreSQL  psycopg COPY ... (FORMAT csv) of the file itself, streamed from disk in 1 MiB
              blocks (no Python per row), into a logged table, committed.
The tool is `carbon import activities` (validation, spreading, factor resolution, unit
conversion, ledger and rollup insert, one transaction). For each backend (SQLite, and
PostgreSQL with --pg) it prints rows/s, seconds and peak memory of both, the time ratio
import / floor (higher is slower) next to its goal, then the latency of the monthly report and
of the budget status over the imported rows. Each phase runs in its own process so its peak
memory is its own. The load average is printed at the start and the end of the run: the
machine may be shared. Figures, not assertions: see README "Performance".
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


# the generated file's six columns, in its order, typed as its values are; no key, no index
FLOOR_COLUMNS = "date {date}, team TEXT, activity TEXT, quantity {real}, unit TEXT, region TEXT"
COPY_BLOCK = 1 << 20  # bytes of the file handed to COPY at a time


def phase_floor(csv_path: str, db_path: str) -> dict:
    import sqlite3

    con = sqlite3.connect(db_path)
    con.execute(f"CREATE TABLE raw ({FLOOR_COLUMNS.format(date='TEXT', real='REAL')})")
    con.commit()
    t = time.perf_counter()
    df = pd.read_csv(csv_path)
    with con:  # one transaction, committed on leaving the block
        con.executemany(
            "INSERT INTO raw VALUES (?,?,?,?,?,?)", df.itertuples(index=False, name=None)
        )
    seconds = time.perf_counter() - t
    con.close()
    return {"seconds": seconds, "rows": len(df)}


def phase_floor_pg(csv_path: str, pg_url: str, schema: str) -> dict:
    import psycopg

    table = f"{schema}.raw"
    with psycopg.connect(_libpq(pg_url)) as con:
        con.execute(
            f"CREATE TABLE {table} ({FLOOR_COLUMNS.format(date='DATE', real='DOUBLE PRECISION')})"
        )
        con.commit()
        t = time.perf_counter()
        with con.cursor() as cur, open(csv_path, "rb") as fh:
            with cur.copy(f"COPY {table} FROM STDIN (FORMAT csv, HEADER true)") as copy:
                while block := fh.read(COPY_BLOCK):
                    copy.write(block)
            rows = cur.rowcount
        con.commit()
        seconds = time.perf_counter() - t
        con.execute(f"DROP TABLE {table}")  # the import's schema starts empty
    return {"seconds": seconds, "rows": rows}


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


def _libpq(url: str) -> str:
    return url.replace("postgresql+psycopg://", "postgresql://")


def _pg_schema(url: str, sql: str) -> None:
    from sqlalchemy import create_engine, text

    engine = create_engine(url)
    with engine.begin() as conn:
        conn.execute(text(sql))
    engine.dispose()


def _pg_checkpoint(url: str) -> None:
    """Write the previous phase's dirty pages now, so the next phase does not pay for them."""
    import psycopg

    try:
        with psycopg.connect(_libpq(url), autocommit=True) as con:
            con.execute("CHECKPOINT")
    except psycopg.errors.InsufficientPrivilege:
        pass  # a role without pg_checkpoint: the phases may then share a checkpoint's cost


def ratio_verdict(tool_seconds: float, floor_seconds: float, goal: float) -> tuple[float, bool]:
    """The time ratio tool / floor (higher is slower), rounded to the 2 decimals printed, and
    whether it is within `goal` (a ratio too): judged on the printed figure, so a line never
    shows "1.20x" beside "not met" for a goal of 1.2x."""
    ratio = round(tool_seconds / floor_seconds, 2)
    return ratio, ratio <= goal


def ratio_line(tool_seconds: float, floor_seconds: float, goal: float) -> str:
    """E.g. "import / floor 9.10x (goal <= 4x: not met)"."""
    ratio, met = ratio_verdict(tool_seconds, floor_seconds, goal)
    return f"import / floor {ratio:.2f}x (goal <= {goal:g}x: {'met' if met else 'not met'})"


def load_average() -> str:
    one, five, fifteen = os.getloadavg()
    return f"{one:.2f} {five:.2f} {fifteen:.2f} (1, 5, 15 min)"


def _run_phase(name: str, *args: str) -> dict:
    code = (
        f"import json, sys; sys.path.insert(0, {str(Path(__file__).parent)!r}); "
        f"import ingest; r = ingest.phase_{name}(*{list(args)!r}); "
        "r['max_rss_mb'] = ingest.peak_rss_mb(); print(json.dumps(r))"
    )
    out = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


GOALS = {"SQLite": 1.2, "PostgreSQL": 4.0}  # import time / floor time, at 1 M and 10 M rows


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
    print(f"load average at start: {load_average()}")
    work = Path(tempfile.mkdtemp(prefix="carbon-bench-"))
    csv_path = work / "activities.csv"
    t = time.perf_counter()
    _run_phase("generate", str(csv_path), str(args.rows))  # in a child: this process stays small
    print(
        f"generated {args.rows:,} rows ({csv_path.stat().st_size / 1e6:.0f} MB) in {time.perf_counter() - t:.1f} s"
    )
    backends = [
        (
            "SQLite",
            "floor: read_csv + one executemany",
            ("floor", str(csv_path), str(work / "floor.db")),
            f"sqlite:///{work / 'carbon.db'}",
            None,
        )
    ]
    if args.pg:
        schema = f"bench_{os.getpid()}"
        backends.append(
            (
                "PostgreSQL",
                "floor: COPY (FORMAT csv) of the file",
                ("floor_pg", str(csv_path), args.pg, schema),
                f"{args.pg}?options=-csearch_path%3D{schema}",
                schema,
            )
        )
    print(f"{'backend':<12}{'phase':<38}{'rows/s':>12}{'seconds':>10}{'peak RSS MB':>13}")
    for name, floor_label, floor_call, db_url, schema in backends:
        if schema:
            _pg_schema(args.pg, f"CREATE SCHEMA {schema}")
        try:
            floor = _run_phase(*floor_call)
            if schema:
                _pg_checkpoint(args.pg)
            imp = _run_phase("import", str(csv_path), db_url)
            if schema:
                _pg_checkpoint(args.pg)
            rep = _run_phase("report", db_url, str(work))
        finally:
            if schema:
                _pg_schema(args.pg, f"DROP SCHEMA {schema} CASCADE")
        if floor["rows"] != imp["rows"]:
            sys.exit(
                f"{name}: the floor wrote {floor['rows']:,} rows, the import read {imp['rows']:,}"
            )
        for label, run in ((floor_label, floor), ("carbon import activities", imp)):
            print(
                f"{name:<12}{label:<38}{run['rows'] / run['seconds']:>12,.0f}{run['seconds']:>10.2f}"
                f"{run['max_rss_mb']:>13,.0f}"
            )
        print(
            f"{name:<12}{ratio_line(imp['seconds'], floor['seconds'], GOALS[name])}; over "
            f"{imp['entries']:,} entries: monthly report {rep['seconds'] * 1000:.0f} ms, budget "
            f"status {rep['status_seconds'] * 1000:.0f} ms (goal < 1000 each)"
        )
    print(f"load average at end: {load_average()}")
    if not args.keep:
        for p in work.iterdir():
            p.unlink()
        work.rmdir()
    else:
        print(f"kept {work}")


if __name__ == "__main__":
    main()
