"""The checkout's launcher: `python cli.py ...` runs the `carbon` command from a source tree.

The command itself lives in carbon/cli.py, started by carbon/launch.py (installed as the `carbon`
console script; also `python -m carbon`); this file is not installed. Tests import its `main`
(the click group) to invoke commands in-process.
"""

from carbon.cli import main

__all__ = ["main"]

if __name__ == "__main__":
    from carbon.launch import main as launch

    launch()  # as the console script: the collector set for a command (carbon/launch.py)
