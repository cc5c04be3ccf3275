"""The activity file's `page_weight` column: the data size of one page view (web.page_view rows).

Required on `web.page_view` rows, refused on every other activity; a number with a data unit
("2.3 MB", "850 kB", "1.5 MiB"), at least one byte. Parsed once per distinct text.
"""

from __future__ import annotations

import math
import re

import numpy as np
import pandas as pd

from carbon.core import units
from carbon.errors import UnitError
from carbon.factors import swd
from carbon.ingest.problems import ProblemLog

COLUMN = "page_weight"
EXPECTED = "expected a data size with its unit, such as 2.3 MB, 850 kB or 1.5 MiB"
_QTY_RE = re.compile(r"^([+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?)\s*(\S.*)?$")


def _bytes(text: str) -> tuple[float, str | None]:
    """(bytes, None) or (nan, what is wrong) for one cell's text."""
    m = _QTY_RE.match(text)
    if not m or not m.group(2):
        return math.nan, EXPECTED
    try:
        number = float(m.group(1))
        mult = units.multiplier(m.group(2), "byte")
    except (ValueError, UnitError):
        return math.nan, EXPECTED
    size = number * mult
    if not math.isfinite(size):
        return math.nan, EXPECTED
    if size < 1:
        return math.nan, "expected a page weight of at least 1 byte"
    return size, None


def parse(
    values: np.ndarray, activity: np.ndarray, lines: np.ndarray, log: ProblemLog
) -> tuple[np.ndarray, np.ndarray]:
    """(bytes per view, 0.0 on other rows; ok) for stripped `values`; problems go to `log`."""
    is_view = np.isin(activity, list(swd.PAGE_VIEW))
    given = values != ""
    missing = is_view & ~given
    log.add(
        lines[missing],
        COLUMN,
        values[missing],
        "a web.page_view row needs the page weight of one view: " + EXPECTED,
    )
    stray = ~is_view & given
    log.add(
        lines[stray],
        COLUMN,
        values[stray],
        [
            f"page_weight is only for web.page_view rows (leave it empty for {a})"
            for a in activity[stray]
        ],
    )
    size = np.zeros(len(values))
    bad = np.zeros(len(values), dtype=bool)
    check = is_view & given
    if check.any():
        codes, uniq = pd.factorize(values[check], use_na_sentinel=False)
        parsed = [_bytes(str(u)) for u in uniq]
        size[check] = np.array([b for b, _ in parsed])[codes]
        why = np.array([w or "" for _, w in parsed], dtype=object)[codes]
        wrong = why != ""
        pos = np.flatnonzero(check)[wrong]
        log.add(lines[pos], COLUMN, values[pos], list(why[wrong]))
        bad[pos] = True
    return size, ~missing & ~stray & ~bad
