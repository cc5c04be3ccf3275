"""Did-you-mean suggestions for names typed by people (teams, keys, columns).

One function for the whole program. Values longer than a name can be are
not compared: difflib is quadratic, and a 10^6-character cell must not stall
an import.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable

MAX_NAME = 200


def did_you_mean(word: str, choices: Iterable[str], cutoff: float = 0.6) -> str | None:
    """The closest choice to `word`, or None when nothing is close (or `word` is too long)."""
    word = str(word)
    if len(word) > MAX_NAME:
        return None
    close = difflib.get_close_matches(
        word, [c for c in choices if len(c) <= MAX_NAME], n=1, cutoff=cutoff
    )
    return close[0] if close else None
