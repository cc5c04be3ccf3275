"""Benchmark: how long a `carbon` command takes before it does anything.

    python bench/startup.py [--runs 7]

Loads the demo into a temporary folder, then prints, in the same run, the median
wall time of

  baseline  python -c "import click, rich.console"   (what `--help` cannot avoid)
  baseline  python -c "import sqlalchemy"             (what a database command cannot avoid)
  carbon --help
  carbon report monthly --month <the demo's latest month>
  carbon budget status  --month <the same month>

and each command's ratio to its baseline. Goals (README "Performance"): `--help` at most 2x the
click+rich baseline; report and budget status at most 1.6x the SQLAlchemy baseline. Figures, not
assertions: tests/test_startup.py guards the rule behind them (no pandas, pint or Alembic on
paths that do not need them), not the timing.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def carbon_cmd() -> list[str]:
    """The installed console script if there is one, else the checkout's launcher."""
    script = shutil.which("carbon")
    return [script] if script else [sys.executable, str(ROOT / "cli.py")]


def median_time(argv: list[str], cwd: Path, runs: int) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(argv, cwd=cwd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=7, help="runs per command (the median is printed)")
    args = parser.parse_args()
    carbon = carbon_cmd()
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        env = dict(os.environ, CARBON_DB=f"sqlite:///{work / 'carbon.db'}")
        os.environ.update(env)
        subprocess.run(carbon + ["demo"], cwd=work, check=True, stdout=subprocess.DEVNULL)
        latest = latest_month(work / "carbon.db")
        rows = [
            ("baseline: import click, rich.console", [sys.executable, "-c", "import click, rich.console"], None),
            ("baseline: import sqlalchemy", [sys.executable, "-c", "import sqlalchemy"], None),
            ("carbon --help", carbon + ["--help"], 0),
            (f"carbon report monthly --month {latest}", carbon + ["report", "monthly", "--month", latest], 1),
            (f"carbon budget status --month {latest}", carbon + ["budget", "status", "--month", latest], 1),
        ]
        timed = [(label, median_time(argv, work, args.runs), base) for label, argv, base in rows]
    goals = {0: 2.0, 1: 1.6}
    print(f"median of {args.runs} runs, {sys.platform}, Python {sys.version.split()[0]}")
    print(f"{'command':<48} {'median s':>9} {'ratio':>7} {'goal':>6}")
    for label, seconds, base in timed:
        if base is None:
            print(f"{label:<48} {seconds:>9.3f}")
        else:
            ratio = seconds / timed[base][1]
            print(f"{label:<48} {seconds:>9.3f} {ratio:>6.2f}x {goals[base]:>5.1f}x")


def latest_month(db: Path) -> str:
    """The demo's latest month with data (read from the monthly rollup)."""
    import sqlite3

    with sqlite3.connect(db) as conn:
        return conn.execute("SELECT max(month) FROM ledger_monthly").fetchone()[0]


if __name__ == "__main__":
    main()
