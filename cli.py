"""The checkout's launcher: `python cli.py ...` runs the `carbon` command from a source tree.

The command itself lives in carbon/cli.py (installed as the `carbon` console script; also
`python -m carbon`); this file is not installed.
"""

from carbon.cli import main

__all__ = ["main"]

if __name__ == "__main__":
    main()
