"""Double counting across imports (pure): row identities and the words of a warning.

Rules (docs/integrity.md):

- An activity row's identity is its date, end, team, activity, quantity (as a
  number), unit and region (after --region filled an empty cell). `row_keys`
  hashes it to 64 bits, column-wise (each distinct value hashed once), and
  `with_team` adds the team by its id (so a renamed team keeps its identities).
- A file whose rows repeat rows of another import (same identity) is imported
  with a warning giving the count and the first lines; with --strict it is
  refused. Rows repeated inside one file are not flagged (two equal trips are
  two trips).
- A commuting survey naming an employee who already commutes, in another
  survey import of overlapping months (any source), is refused: one person
  commutes once. `--allow-repeated-employees` accepts it (ids of two numbering
  schemes that collide).
"""

from __future__ import annotations

from carbon.core import limits
from carbon.core.lazy import lazy
from carbon.model import EmployeeClash, RepeatedLine, RepeatedRows  # noqa: F401  re-exported (shared records, carbon/model.py)

np = lazy("numpy")  # imported when rows are keyed, not when a database opens
pd = lazy("pandas")

FIRST_LINES = limits.FIRST_LINES  # repeated lines shown in a warning or refusal


def _mix(x: np.ndarray) -> np.ndarray:
    """splitmix64's finaliser, vectorised: spreads every input bit over the 64 output bits."""
    x = x ^ (x >> np.uint64(30))
    x = x * np.uint64(0xBF58476D1CE4E5B9)
    x = x ^ (x >> np.uint64(27))
    x = x * np.uint64(0x94D049BB133111EB)
    return x ^ (x >> np.uint64(31))


def text_hash(values: np.ndarray) -> np.ndarray:
    """uint64 hash of each text value, computed once per distinct value (keys and names repeat)."""
    codes, uniques = pd.factorize(values, use_na_sentinel=False)
    hashed = pd.util.hash_array(np.asarray(uniques, dtype=object).astype(str).astype(object))
    return hashed[codes] if len(codes) else np.zeros(0, dtype=np.uint64)


def _combine(key: np.ndarray, part: np.ndarray) -> np.ndarray:
    with np.errstate(over="ignore"):  # uint64 arithmetic wraps, as a hash wants
        return _mix(key * np.uint64(31) + _mix(part))


def row_keys(
    start: np.ndarray,
    end: np.ndarray,
    activity_hash: np.ndarray,
    quantity: np.ndarray,
    unit_hash: np.ndarray,
    region_hash: np.ndarray,
) -> np.ndarray:
    """64-bit identity of each activity row, less its team (int64; see `with_team`).

    `start`/`end`: datetime64[D] (first and last day covered); the text columns (as stripped)
    by their `text_hash` (a caller holding a column's distinct values hashes each once:
    `text_hash(uniques)[codes]`); `quantity` as float (so "100" and "100.0" are equal).
    Stable across processes and chunks: pandas' text hash (a fixed key), numbers by their
    bits, combined column by column with splitmix64 — about 0.1 s per million rows.
    """
    qty = (np.asarray(quantity, dtype=np.float64) + 0.0).view(np.uint64)  # + 0.0: -0.0 == 0.0
    parts = [
        start.astype("datetime64[D]").astype(np.int64).view(np.uint64),
        end.astype("datetime64[D]").astype(np.int64).view(np.uint64),
        activity_hash,
        qty,
        unit_hash,
        region_hash,
    ]
    key = np.full(len(qty), np.uint64(0x9E3779B97F4A7C15), dtype=np.uint64)
    for part in parts:
        key = _combine(key, part)
    return key.view(np.int64)


def with_team(keys: np.ndarray, team_ids: np.ndarray) -> np.ndarray:
    """Row keys (`row_keys`) completed with the team, by its id: a renamed team keeps its rows' identity."""
    return _combine(
        np.asarray(keys, dtype=np.int64).view(np.uint64),
        np.asarray(team_ids, dtype=np.int64).view(np.uint64),
    ).view(np.int64)
