"""bench/goals.py gathers the lines in which each benchmark states a goal, and only those."""

from __future__ import annotations

from benchload import load_bench  # tests/benchload.py

# The shapes the scripts print (bench/ingest.py, bench/startup.py), with lines around them.
INGEST = """load average at start: 0.03 1.11 1.64 (1, 5, 15 min)
SQLite      carbon import activities                   118,028      8.47          453
SQLite      import / floor 2.06x (goal <= 1.2x: not met); over 1,000,000 entries: monthly report 2 ms
"""
STARTUP = """median of 7 interleaved runs, linux
command                                           median s   ratio   cpu s   ratio   goal
baseline: import sqlalchemy                          0.204           0.204
carbon --help                                        0.072   1.24x   0.072   1.25x   2.0x
carbon factors list --format csv                     0.314   1.54x   0.313   1.53x  <0.5s

done
"""


def test_goal_lines_keep_the_goals_and_leave_the_rest():
    goals = load_bench("goals").goal_lines
    assert goals(INGEST) == [INGEST.splitlines()[2]]
    got = goals(STARTUP)
    # the table's header and its rows with a goal; not the baseline (no goal), not what follows
    assert got == [STARTUP.splitlines()[i] for i in (1, 3, 4)]
    assert goals("nothing to see\n") == []


def test_the_full_plan_runs_every_goal_once():
    plan = load_bench("goals").plan(False, "postgresql+psycopg://u@h/db")
    scripts = [argv[0] for _label, argv in plan]
    assert scripts == ["history.py", "ingest.py", "ingest.py", "startup.py", "cloud_billing.py"]
    sizes = [argv[argv.index("--rows") + 1] for _label, argv in plan if argv[0] == "ingest.py"]
    assert sizes == ["1000000", "10000000"]
    assert all("--pg" in argv for _label, argv in plan if argv[0] == "ingest.py")
