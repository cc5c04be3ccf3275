"""A text column as codes into its distinct values (pure, vectorised).

An activity file repeats a few teams, keys, units, regions and dates over millions of rows.
Each column is factorised once, when it is stripped; every later test (a known team, a region's
shape, a date's parse), lookup and hash then runs once per distinct value and is spread back
through the codes, instead of hashing every row's text again for each of them.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import numpy as np
import pandas as pd


@dataclass(frozen=True)
class Coded:
    """`uniques[codes]` is the column: `uniques` its distinct values (str, stripped, each once,
    in order of first appearance), `codes` an index into them per row."""

    codes: np.ndarray  # intp, one per row
    uniques: np.ndarray  # object (str)

    @cached_property
    def values(self) -> np.ndarray:
        """The column as an object array of str, one per row (built once)."""
        return self.uniques[self.codes] if len(self.codes) else np.array([], dtype=object)

    def per_value(self, result: np.ndarray) -> np.ndarray:
        """`result` (one entry per distinct value) spread over the rows."""
        return np.asarray(result)[self.codes]

    def isin(self, allowed) -> np.ndarray:
        """Per row: whether its value is in `allowed` (tested once per distinct value)."""
        allowed = allowed if isinstance(allowed, (set, frozenset, dict)) else set(allowed)
        hit = np.fromiter((u in allowed for u in self.uniques), dtype=bool, count=len(self.uniques))
        return self.per_value(hit)


def strip(values: np.ndarray) -> Coded:
    """The column's values with surrounding spaces stripped, as codes (`Coded`).

    Values that differ only by their spaces (" FR" and "FR") become one distinct value.
    """
    codes, raw = pd.factorize(np.asarray(values, dtype=object), use_na_sentinel=False)
    return _merged(codes, np.array([str(u).strip() for u in raw], dtype=object))


def constant(n: int, value: str = "") -> Coded:
    """A column of `n` rows all holding `value` (a column the file does not have)."""
    return Coded(np.zeros(n, dtype=np.intp), np.array([value], dtype=object))


def replaced(column: Coded, old: str, new: str) -> Coded:
    """The column with every `old` value read as `new` (e.g. an empty region as the default)."""
    uniques = column.uniques.copy()
    uniques[uniques == old] = new
    return _merged(column.codes, uniques)


def _merged(codes: np.ndarray, uniques: np.ndarray) -> Coded:
    """Codes into `uniques` whose entries may repeat -> codes into distinct entries."""
    again, distinct = pd.factorize(uniques, use_na_sentinel=False)
    if len(distinct) == len(uniques):
        return Coded(np.asarray(codes, dtype=np.intp), uniques)
    return Coded(again.astype(np.intp)[codes], np.asarray(distinct, dtype=object))


def combine(parts: list[tuple[np.ndarray, int]]) -> tuple[np.ndarray, int]:
    """(one code per row for a tuple of codes, the number of distinct tuples): equal tuples get
    equal codes, numbered in order of first appearance. Each part is given with its number of
    values (its codes in range(size)); the tuple is built part by part and renumbered after each,
    so the codes stay below the number of rows, however many values each part has."""
    out = np.zeros(len(parts[0][0]) if parts else 0, dtype=np.int64)
    count = 1
    for codes, size in parts:
        out, uniq = pd.factorize(out * max(int(size), 1) + np.asarray(codes, dtype=np.int64))
        count = len(uniq)
    return out.astype(np.intp), count


def groups(codes: np.ndarray) -> list[np.ndarray]:
    """Row positions of each code 0..max (codes as from pd.factorize), each in ascending order."""
    if not len(codes):
        return []
    order = np.argsort(codes, kind="stable")
    bounds = np.cumsum(np.bincount(codes))
    return np.split(order, bounds[:-1])
