"""Where the shipped data lives: inside the installed package, or at the repo top.

A wheel carries `factors/` and `budgets/` as `carbon/_shipped/...`
(see pyproject.toml); a source checkout has them beside `carbon/`.
"""

from __future__ import annotations

from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent.parent  # carbon/ (this file is carbon/core/)


def shipped_dir(name: str) -> Path:
    """The directory of shipped data `name` ("factors" or "budgets")."""
    for candidate in (_PACKAGE / "_shipped" / name, _PACKAGE.parent / name):
        if candidate.is_dir():
            return candidate
    raise FileNotFoundError(f"shipped data directory {name!r} not found (broken install?)")


def demo_dir() -> Path:
    """The demo organisation's activity data (package data of carbon.demo)."""
    return _PACKAGE / "demo"
