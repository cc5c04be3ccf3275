"""Benchmark: `carbon serve`'s pages and API answers on a large ledger, in-process.

    python bench/serve.py [--rows 2000000] [--runs 15] [--db URL]

Generates N activity rows over 2024 (bench/ingest.py's generator: eight teams, six activities),
imports them into a temporary SQLite database (or the empty database --db names), then asks the
application (Starlette's TestClient, no network) each page and API question `--runs` times and
prints, in ms: the first answer (computed from the database: the cost after each change of the
data), the median of all runs (the server keeps each answer under its ETag until the data change,
so repeats are answered from memory), the slowest, and the answer sent again with its ETag (304).
Goal (README "Performance"): every median under 100 ms. Last, the start-up of `carbon serve` on
the same database: the time until its port answers (goal: under 2 s). Figures, not assertions.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import quote

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "bench")]

from ingest import TEAMS, generate  # noqa: E402  (bench/ingest.py)

from carbon.api import Carbon  # noqa: E402

MONTH = "2024-12"
QUESTIONS = [
    "/",
    f"/?month={MONTH}",
    f"/teams/{quote(TEAMS[0])}?month={MONTH}",
    "/year/2024",
    "/scenarios",
    f"/api/v1/report/monthly?month={MONTH}",
    f"/api/v1/report/monthly?month={MONTH}&team={TEAMS[1]}",
    f"/api/v1/budget/status?month={MONTH}",
    "/api/v1/report/year?year=2024",
    "/api/v1/donation?year=2024&as_of=2025-02-01",
    "/api/v1/teams",
]


def start_up_seconds(url: str, runs: int = 3, port: int = 8765) -> list[float]:
    """Seconds from launching `carbon serve` until its port accepts a connection, `runs` times."""
    import socket
    import subprocess

    found = []
    for _ in range(runs):
        t0 = time.perf_counter()
        proc = subprocess.Popen(
            [sys.executable, str(ROOT / "cli.py"), "--db", url, "serve", "--port", str(port)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            while time.perf_counter() - t0 < 60:
                try:
                    socket.create_connection(("127.0.0.1", port), timeout=0.1).close()
                    break
                except OSError:
                    time.sleep(0.02)
            found.append(time.perf_counter() - t0)
        finally:
            proc.terminate()
            proc.wait()
    return found


def main() -> None:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--rows", type=int, default=2_000_000)
    ap.add_argument("--runs", type=int, default=15)
    ap.add_argument(
        "--db", metavar="URL", help="an empty database to fill (default: a temporary SQLite file)"
    )
    args = ap.parse_args()
    from starlette.testclient import TestClient

    with tempfile.TemporaryDirectory() as work:
        url = args.db or f"sqlite:///{Path(work) / 'carbon.db'}"
        csv = Path(work) / "activities.csv"
        generate(csv, args.rows)
        carbon = Carbon.open(url)
        for team in TEAMS:
            carbon.add_team(team)
        started = time.perf_counter()
        carbon.import_activities(csv)
        print(f"imported {args.rows:,} rows in {time.perf_counter() - started:.1f} s")
        budget = Path(work) / "budgets.toml"
        budget.write_text(
            'year = 2024\nunit = "t CO2e"\n'
            + "".join(f'[teams."{t}"]\nbudget = 50\n' for t in TEAMS),
            encoding="utf-8",
        )
        carbon.load_budget(budget)
        client = TestClient(carbon.web_app(local=True))
        print(f"{'question':<58} {'first ms':>9} {'median ms':>10} {'max ms':>8} {'304 ms':>8}")
        for path in QUESTIONS:
            times, status, tag = [], None, None
            for _ in range(args.runs):
                t0 = time.perf_counter()
                got = client.get(path)
                times.append((time.perf_counter() - t0) * 1000)
                status, tag = got.status_code, got.headers.get("etag")
            t0 = time.perf_counter()
            again = client.get(path, headers={"If-None-Match": tag or ""})
            cached = (time.perf_counter() - t0) * 1000
            note = "" if status == 200 else f"  (status {status})"
            print(
                f"{path:<58} {times[0]:>9.1f} {statistics.median(times):>10.1f} {max(times):>8.1f} "
                f"{cached if again.status_code == 304 else float('nan'):>8.1f}{note}"
            )
        carbon.close()
        starts = start_up_seconds(url)
        print(
            "carbon serve start-up until the port answers: "
            + ", ".join(f"{t:.2f}" for t in starts)
            + " s (goal: under 2 s)"
        )


if __name__ == "__main__":
    main()
