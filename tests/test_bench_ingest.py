"""bench/ingest.py's verdict on its goals: the time ratio import / floor (higher is slower),
judged on the figure it prints."""

from __future__ import annotations

from benchload import load_bench  # tests/benchload.py


def test_ratio_is_tool_time_over_floor_time():
    bench = load_bench("ingest")
    # 45.5 s of import against 5.0 s of COPY: 45.5 / 5.0 = 9.1 times slower, over a 4x goal
    assert bench.ratio_verdict(45.5, 5.0, 4.0) == (9.1, False)
    assert bench.ratio_line(45.5, 5.0, 4.0) == "import / floor 9.10x (goal <= 4x: not met)"
    # 11.0 s against 10.0 s: 1.1, within 1.2
    assert bench.ratio_line(11.0, 10.0, 1.2) == "import / floor 1.10x (goal <= 1.2x: met)"


def test_goal_is_judged_on_the_printed_ratio():
    bench = load_bench("ingest")
    # 12.04 / 10 = 1.204, printed 1.20: met, never "1.20x ... not met" beside a 1.2x goal
    assert bench.ratio_line(12.04, 10.0, 1.2) == "import / floor 1.20x (goal <= 1.2x: met)"
    # 12.1 / 10 = 1.21: not met
    assert bench.ratio_verdict(12.1, 10.0, 1.2) == (1.21, False)
