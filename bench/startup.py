"""Benchmark: how long a `carbon` command takes before it does anything.

    python bench/startup.py [--runs 7]

Loads the demo into a temporary folder, then prints, in the same run, the median
wall time of

  baseline  python -c "import click, rich.console"   (what `--help` cannot avoid)
  baseline  python -c "import sqlalchemy"             (what a database command cannot avoid)
  carbon --help
  carbon report monthly --month <the demo's latest month>
  carbon budget status  --month <the same month>
  carbon factors list   (--format table, csv and json: the whole factor table, ~1,900 rows)
  carbon scenario run   <the demo's levers file>
  carbon report pack    --month <the same month>   (into a new folder at each run)

and each command's ratio to its baseline, with the CPU time (user + system) of the same runs next
to it. Goals (README "Performance"): `--help` at most 2x the click+rich baseline; report and
budget status at most 1.6x the SQLAlchemy baseline; `factors list` under 0.5 s in every format
(it reads the factor table kept in the database: the warm-up run keeps it, as the first command
on a new database does); `scenario run` and `report pack` at most 2x the SQLAlchemy baseline
(the warm-up's `scenario run` keeps pint's answers and the parsed prices, as the first what-if on
a database does: later runs import neither pandas nor pint).
Figures, not assertions:
tests/test_startup.py guards the rule behind them (no pandas, pint or Alembic on paths that do
not need them, a command imports no other command's module), not the timing.

The runs are interleaved (run 1 of every command, then run 2, ...), so a machine whose load
changes during the benchmark slows every row alike and the ratios stay comparable. Python's
bytecode is cached as after an install (in a temporary folder, never in the checkout), even
when PYTHONDONTWRITEBYTECODE is set: otherwise carbon's own modules would be compiled at every
run while the baselines' libraries come precompiled. `--no-bytecode-cache` measures that case.
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
LEVERS = ROOT / "carbon" / "demo" / "levers-2026.toml"  # the demo's what-if file
FACTORS_GOAL = "<0.5s"  # factors list, every format: an absolute goal, not a ratio


def carbon_cmd() -> list[str]:
    """The installed console script if there is one, else the checkout's launcher."""
    script = shutil.which("carbon")
    return [script] if script else [sys.executable, str(ROOT / "cli.py")]


def run_once(argv, cwd: Path, env: dict) -> tuple[float, float]:
    """One run of `argv` (a list, or a function returning a new one at each call): wall time
    and CPU time (user + system of the child), in seconds."""
    if callable(argv):
        argv = argv()
    start = time.perf_counter()
    proc = subprocess.Popen(
        argv, cwd=cwd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    _pid, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode != 0:
        raise SystemExit(f"{' '.join(argv)} failed (exit {proc.returncode})")
    return wall, usage.ru_utime + usage.ru_stime


def bench_env(work: Path, bytecode_cache: bool) -> dict:
    env = dict(os.environ, CARBON_DB=f"sqlite:///{work / 'carbon.db'}")
    if bytecode_cache:
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        env["PYTHONPYCACHEPREFIX"] = str(work / "pycache")
    return env


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--runs", type=int, default=7, help="runs per command (the median is printed)"
    )
    parser.add_argument(
        "--no-bytecode-cache",
        dest="bytecode_cache",
        action="store_false",
        help="compile every module at every run if PYTHONDONTWRITEBYTECODE says so",
    )
    args = parser.parse_args()
    carbon = carbon_cmd()
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        env = bench_env(work, args.bytecode_cache)
        subprocess.run(carbon + ["demo"], cwd=work, env=env, check=True, stdout=subprocess.DEVNULL)
        latest = latest_month(work / "carbon.db")
        rows = [
            (
                "baseline: import click, rich.console",
                [sys.executable, "-c", "import click, rich.console"],
                None,
            ),
            ("baseline: import sqlalchemy", [sys.executable, "-c", "import sqlalchemy"], None),
            ("carbon --help", carbon + ["--help"], 0),
            (
                f"carbon report monthly --month {latest}",
                carbon + ["report", "monthly", "--month", latest],
                1,
            ),
            (
                f"carbon budget status --month {latest}",
                carbon + ["budget", "status", "--month", latest],
                1,
            ),
            *(
                (
                    f"carbon factors list --format {fmt}",
                    carbon + ["factors", "list", "--format", fmt],
                    1,
                )
                for fmt in ("table", "csv", "json")
            ),
            (f"carbon scenario run {LEVERS.name}", carbon + ["scenario", "run", str(LEVERS)], 1),
            (f"carbon report pack --month {latest}", pack_argv(carbon, latest, work), 1),
        ]
        for _label, argv, _base in rows:  # warm-up: the bytecode cache, the file system cache
            run_once(argv, work, env)
        walls: list[list[float]] = [[] for _ in rows]
        cpus: list[list[float]] = [[] for _ in rows]
        for _ in range(args.runs):
            for i, (_label, argv, _base) in enumerate(rows):
                wall, cpu = run_once(argv, work, env)
                walls[i].append(wall)
                cpus[i].append(cpu)
    wall = [statistics.median(w) for w in walls]
    cpu = [statistics.median(c) for c in cpus]
    goals = {0: "2.0x", 1: "1.6x"}
    print(
        f"median of {args.runs} interleaved runs, {sys.platform}, Python {sys.version.split()[0]}, "
        f"bytecode {'cached' if args.bytecode_cache else 'as the environment says'}, "
        f"load average {os.getloadavg()[0]:.1f}"
    )
    print(f"{'command':<48} {'median s':>9} {'ratio':>7} {'cpu s':>7} {'ratio':>7} {'goal':>6}")
    for i, (label, _argv, base) in enumerate(rows):
        if base is None:
            print(f"{label:<48} {wall[i]:>9.3f} {'':>7} {cpu[i]:>7.3f}")
        else:
            goal = (
                FACTORS_GOAL
                if "factors list" in label
                else ("2.0x" if "scenario" in label or "pack" in label else goals[base])
            )
            print(
                f"{label:<48} {wall[i]:>9.3f} {wall[i] / wall[base]:>6.2f}x {cpu[i]:>7.3f} "
                f"{cpu[i] / cpu[base]:>6.2f}x {goal:>6}"
            )


def pack_argv(carbon: list[str], month: str, work: Path):
    """`carbon report pack` into a new folder at each call (a pack never overwrites one)."""
    runs = iter(range(1_000_000))

    def argv() -> list[str]:
        return carbon + [
            "report",
            "pack",
            "--month",
            month,
            "--out",
            str(work / f"packs-{next(runs)}"),
        ]

    return argv


def latest_month(db: Path) -> str:
    """The demo's latest month with data (read from the monthly rollup)."""
    import sqlite3

    with sqlite3.connect(db) as conn:
        return conn.execute("SELECT max(month) FROM ledger_monthly").fetchone()[0]


if __name__ == "__main__":
    main()
