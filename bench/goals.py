"""Every speed goal of the README's Performance section, measured in one run.

    python bench/goals.py [--quick] [--pg postgresql+psycopg://postgres@127.0.0.1:5432/test]

Runs, one after the other and each in its own processes, bench/history.py (a 1,000-row import
and `scenario run` at 100 k vs 5 M ledger rows), bench/ingest.py at 1 M and 10 M rows (SQLite,
and PostgreSQL with --pg, against their floors), bench/startup.py (`factors list`, the start-up
of `scenario run` and `report pack`, and the other start-up goals) and bench/cloud_billing.py
(a bill with every field quoted against the same bill unquoted); then prints, together, every
line in which a script states a goal, under the script's name, with the load average at the
start and the end. `--quick` runs each at a small size to check the whole chain works (its
figures say nothing about the goals). Figures, not assertions: the README's tables come from
the scripts' full output, which is printed as they run.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
from pathlib import Path

BENCH = Path(__file__).resolve().parent


def plan(quick: bool, pg: str | None) -> list[tuple[str, list[str]]]:
    """(label, arguments of a bench script) in the order they run."""
    pg_args = ["--pg", pg] if pg else []
    if quick:
        return [
            ("history", ["history.py", "--small", "2000", "--large", "20000", "--runs", "1"]),
            ("ingest 20 k", ["ingest.py", "--rows", "20000", *pg_args]),
            ("startup", ["startup.py", "--runs", "1"]),
            ("cloud bills", ["cloud_billing.py", "--lines", "20000"]),
        ]
    return [
        ("history", ["history.py", "--small", "100000", "--large", "5000000", "--runs", "3"]),
        ("ingest 1 M", ["ingest.py", "--rows", "1000000", *pg_args]),
        ("ingest 10 M", ["ingest.py", "--rows", "10000000", *pg_args]),
        ("startup", ["startup.py", "--runs", "7"]),
        ("cloud bills", ["cloud_billing.py", "--lines", "300000"]),
    ]


def goal_lines(output: str) -> list[str]:
    """The lines of a script's output that state a goal, or the header of a table with a goal
    column and its rows that carry one."""
    lines = output.splitlines()
    out: list[str] = []
    in_table = False
    for line in lines:
        if "goal" in line.lower():
            out.append(line)
            in_table = line.rstrip().endswith("goal")  # startup.py's table header
            continue
        if in_table and line.rstrip().endswith(("x", "s")) and "  " in line:
            out.append(line)
        elif in_table and not line.strip():
            in_table = False
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="small sizes: check the chain runs")
    ap.add_argument("--pg", help="a PostgreSQL URL for bench/ingest.py's PostgreSQL rows")
    args = ap.parse_args()
    start = os.getloadavg()
    summary: list[tuple[str, list[str]]] = []
    for label, argv in plan(args.quick, args.pg):
        print(f"== {label}: python bench/{' '.join(argv)}", flush=True)
        proc = subprocess.run(
            [sys.executable, str(BENCH / argv[0]), *argv[1:]],
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            check=False,
        )
        print(proc.stdout, flush=True)
        if proc.returncode != 0:
            summary.append((label, [f"FAILED (exit {proc.returncode}): see its output above"]))
            continue
        summary.append((label, goal_lines(proc.stdout) or ["(no goal line found)"]))
    end = os.getloadavg()
    print(f"== goals (load average {start[0]:.1f} at the start, {end[0]:.1f} at the end)")
    for label, lines in summary:
        print(f"-- {label}")
        for line in lines:
            print(f"   {line.strip()}")


if __name__ == "__main__":
    main()
