"""Benchmark: does a small import or a what-if cost more when the history is long?

    python bench/history.py [--small 100000] [--large 5000000] [--runs 3]

Builds two SQLite databases, each the demo plus a 10-year ledger (120 months up to the demo's
last month) of `--small` and `--large` generated rows, written FAST: one `INSERT … SELECT` over
a recursive row generator straight into the ledger, its monthly rollup built from it by one
`INSERT … SELECT … GROUP BY` (as migration 0020's backfill), ten imports (one a year) in
`batches`. The rows copy the demo's own (team, activity, unit, factor) combinations, with random
row keys and quantities. Then, on each database, it times (median of `--runs`, each run its
own process, as a user runs them):

  import   `carbon import activities` of a 1,000-row file in the last month (a new file each
           run, so the repeated-row check runs against the history every time)
  scenario `carbon scenario run` of a one-lever file over the last year

and prints both times and the ratio large/small (goal: at most 1.3). The process start-up
(about 1 s) is inside each time, as a user sees it. Figures, not assertions.
"""

from __future__ import annotations

import argparse
import os
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
YEARS = 10
IMPORT_ROWS = 1_000


def carbon(db: str, *args: str) -> float:
    start = time.perf_counter()
    proc = subprocess.run(
        [sys.executable, str(ROOT / "cli.py"), "--db", db, *args],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        check=False,
    )
    took = time.perf_counter() - start
    if proc.returncode != 0:
        raise SystemExit(
            f"carbon {' '.join(args)} failed ({proc.returncode}): {proc.stderr[-2000:]}"
        )
    return took


def months_back(last: str, n: int) -> list[str]:
    y, m = int(last[:4]), int(last[5:])
    out = []
    for _ in range(n):
        out.append(f"{y:04d}-{m:02d}")
        y, m = (y, m - 1) if m > 1 else (y - 1, 12)
    return out[::-1]


def build(path: Path, rows: int) -> tuple[str, str]:
    """The demo plus `rows` generated ledger rows over 10 years; (database URL, last month)."""
    db = f"sqlite:///{path}"
    subprocess.run(
        [sys.executable, str(ROOT / "cli.py"), "--db", db, "demo"],
        cwd=ROOT,
        check=True,
        stdout=subprocess.DEVNULL,
    )
    con = sqlite3.connect(path)
    last = con.execute("SELECT max(month) FROM ledger").fetchone()[0]
    months = months_back(last, 12 * YEARS)
    templates = con.execute(
        "SELECT DISTINCT team_id, activity, category, scope, unit, factor_id, scope3_category "
        "FROM ledger ORDER BY 1, 2, 6"
    ).fetchall()
    start = time.perf_counter()
    con.execute("CREATE TEMP TABLE bench_month (i INTEGER PRIMARY KEY, month TEXT)")
    con.executemany("INSERT INTO bench_month VALUES (?, ?)", list(enumerate(months)))
    con.execute(
        "CREATE TEMP TABLE bench_template (i INTEGER PRIMARY KEY, team_id, activity, category, scope, "
        "unit, factor_id, scope3_category)"
    )
    con.executemany(
        "INSERT INTO bench_template VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        [(i, *t) for i, t in enumerate(templates)],
    )
    per_year = -(-rows // YEARS)
    first_batch = con.execute("SELECT max(id) FROM batches").fetchone()[0] + 1
    for year in range(YEARS):
        n = min(per_year, rows - year * per_year)
        batch = first_batch + year
        con.execute(
            "INSERT INTO batches (id, kind, source_name, content_hash, params, imported_at, row_count, "
            "entry_count, co2e_kg) VALUES (?, 'activities', ?, ?, '', '2026-01-01 00:00:00', ?, ?, 0)",
            (batch, f"history-{year}.csv", f"bench-{year:064d}"[-64:], n, n),
        )
        con.execute(
            "WITH RECURSIVE g(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM g WHERE i + 1 < ?) "
            "INSERT INTO ledger (batch_id, line, team_id, month, activity, category, scope, quantity, unit, "
            "co2e_kg, factor_id, scope3_category, row_key) "
            "SELECT ?, g.i + 2, t.team_id, m.month, t.activity, t.category, t.scope, 1 + g.i % 997, t.unit, "
            "(1 + g.i % 997) * 0.1, "
            "t.factor_id, t.scope3_category, random() "
            "FROM g JOIN bench_month m ON m.i = ? * 12 + (g.i % 12) "
            "JOIN bench_template t ON t.i = g.i % ?",
            (n, batch, year, len(templates)),
        )
        con.execute(
            "INSERT INTO ledger_monthly (batch_id, team_id, month, category, scope, activity, factor_id, "
            "scope3_category, unit, quantity, co2e_kg, entries) "
            "SELECT batch_id, team_id, month, category, scope, activity, factor_id, scope3_category, "
            "unit, sum(quantity), sum(co2e_kg), count(*) FROM ledger WHERE batch_id = ? "
            "GROUP BY batch_id, team_id, month, category, scope, activity, factor_id, scope3_category, "
            "unit",
            (batch,),
        )
        con.execute(
            "UPDATE batches SET co2e_kg = (SELECT sum(co2e_kg) FROM ledger_monthly WHERE batch_id = ?) "
            "WHERE id = ?",
            (batch, batch),
        )
    con.commit()
    con.execute("ANALYZE")
    con.close()
    total = sqlite3.connect(path).execute("SELECT count(*) FROM ledger").fetchone()[0]
    print(
        f"built {total:,} ledger rows ({rows:,} generated over {months[0]}..{months[-1]}) "
        f"in {time.perf_counter() - start:.1f} s",
        flush=True,
    )
    return db, last


def activity_file(folder: Path, last: str, run: int) -> Path:
    path = folder / f"new-{run}.csv"
    teams = ["Platform", "Video", "Finance", "Marketing"]
    lines = ["date,team,activity,quantity,unit,region"]
    lines += [
        f"{last}-{1 + i % 28:02d},{teams[i % 4]},electricity.grid,{100 + i + run / 10},kWh,FR"
        for i in range(IMPORT_ROWS)
    ]
    path.write_text("\n".join(lines) + "\n")
    return path


def measure(folder: Path, db: str, last: str, runs: int) -> tuple[float, float]:
    scenario = folder / "levers.toml"
    scenario.write_text(
        f'year = {last[:4]}\n[[lever]]\nkind = "scale"\nactivity = "electricity.grid"\n'
        f'by = 0.5\nstart = "{last[:4]}-01"\n'
    )
    imports, scenarios = [], []
    for run in range(runs):
        imports.append(carbon(db, "import", "activities", str(activity_file(folder, last, run))))
        scenarios.append(carbon(db, "scenario", "run", str(scenario), "--format", "json"))
    return statistics.median(imports), statistics.median(scenarios)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--small", type=int, default=100_000)
    parser.add_argument("--large", type=int, default=5_000_000)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    print(f"load average at start: {os.getloadavg()[0]:.1f}", flush=True)
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        figures = {}
        for size in (args.small, args.large):
            db, last = build(folder / f"h{size}.db", size)
            figures[size] = measure(folder, db, last, args.runs)
            print(
                f"{size:>11,} rows: import {IMPORT_ROWS:,} rows {figures[size][0]:.2f} s, "
                f"scenario run {figures[size][1]:.2f} s",
                flush=True,
            )
        small, large = figures[args.small], figures[args.large]
        print(
            f"ratio {args.large:,} / {args.small:,}: import {large[0] / small[0]:.2f}, "
            f"scenario run {large[1] / small[1]:.2f} (goal: at most 1.3)"
        )
    print(f"load average at end: {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
