"""The `carbon` process's entry point: the console script, `python -m carbon` and ./cli.py.

It sets the cyclic garbage collector's first threshold for a command-line process, then runs
the click command (carbon/cli.py). A command imports a few hundred modules in its first tenth
of a second; their objects (functions, classes, SQLAlchemy's constructs) live as long as the
process, and with CPython's default threshold (a young collection every 700 new container
objects) the collector scans them again and again while they are created: 10 to 25 % of a
report's or a scenario's wall time on the demo (bench/startup.py; docs/scaling.md). A first
threshold of 50,000 collects the same garbage, later: reference counting still frees every
object that is not in a cycle at once, and a long command (`carbon serve`, `carbon schedule
start`, a 10 M-row import) still collects its cycles, every 50,000 allocations instead of 700.

The library (`from carbon import Carbon`) never touches the collector: only this process entry
does, because only here is the process carbon's own.
"""

from __future__ import annotations

import gc
from collections.abc import Sequence

YOUNG_THRESHOLD = 50_000  # new container objects between two young collections (CPython: 700)


def tune_collector() -> None:
    """Raise the young generation's threshold; the older generations' keep their values."""
    _young, middle, old = gc.get_threshold()
    gc.set_threshold(YOUNG_THRESHOLD, middle, old)


def main(args: Sequence[str] | None = None) -> None:
    """Run `carbon args` (the process's own arguments by default) as the `carbon` command."""
    tune_collector()
    from carbon.cli import main as command

    command(args, prog_name="carbon")
