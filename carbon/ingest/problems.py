"""Problems found in bulk, kept column-wise (a file may have a million bad rows)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from carbon.errors import InputError, Problem

COLUMNS = ("line", "column", "value", "message")


MAX_VALUE_CHARS = 200


def _short(value) -> str:
    """A cell as shown in a message: at most MAX_VALUE_CHARS characters."""
    text = str(value)
    return (
        text
        if len(text) <= MAX_VALUE_CHARS
        else text[:MAX_VALUE_CHARS] + f"… ({len(text):,} characters)"
    )


def quoted(value) -> str:
    """A bad value echoed in a message, in quotes and cut like a cell: 'Platfrom'."""
    return repr(_short(value))


class ProblemLog:
    """Collects problems as small DataFrames; turns them into one InputError."""

    def __init__(self, file: str, aliases: dict[str, str] | None = None):
        self.file = file
        # Column names as the user's file calls them (a survey's "mode" is an "activity").
        self.aliases = aliases or {}
        self._parts: list[pd.DataFrame] = []
        self.count = 0  # problems recorded, repeats included: > 0 means refuse

    def add(self, lines: np.ndarray, column: str | None, values, message) -> None:
        """Record one problem per line; `message` is a string or one string per line."""
        n = len(lines)
        if n == 0:
            return
        self._parts.append(
            pd.DataFrame(
                {
                    "line": np.asarray(lines, dtype=np.int64),
                    "column": [self.aliases.get(column or "", column or "")] * n,
                    "value": [_short(v) for v in values] if values is not None else [""] * n,
                    "message": message if not isinstance(message, str) else [message] * n,
                }
            )
        )
        self.count += n

    def frame(self) -> pd.DataFrame:
        """Every distinct problem, by line and column.

        A survey row becomes one activity row per month, and an activity row
        spread over two years is resolved once per year: the same cell with the
        same problem is found more than once, and listed (and counted) once.
        """
        if not self._parts:
            return pd.DataFrame(columns=list(COLUMNS))
        out = pd.concat(self._parts, ignore_index=True).drop_duplicates(list(COLUMNS))
        return out.sort_values(["line", "column"], kind="stable").reset_index(drop=True)

    def error(self, headline: str, shown: int = 50) -> InputError:
        """The refusal: `headline`, then the number of distinct problems in parentheses."""
        frame = self.frame()
        headline = f"{headline} ({len(frame)} problem{'s' if len(frame) != 1 else ''})"
        problems = [
            Problem(
                self.file,
                int(r.line) if r.line > 0 else None,
                r.column or None,
                str(r.value),
                r.message,
            )
            for r in frame.head(shown).itertuples(index=False)
        ]
        err = InputError(headline, problems, total=len(frame))
        err.rejects = frame.assign(file=self.file)[["file", *COLUMNS]]  # type: ignore[attr-defined]
        return err
