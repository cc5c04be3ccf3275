"""Text columns as codes (carbon/ingest/coded.py): the same answers as the values themselves."""

from __future__ import annotations

import numpy as np
import pandas as pd

from carbon.ingest.coded import combine, constant, groups, replaced, strip
from carbon.ledger import duplicates


def test_strip_merges_values_that_differ_only_by_spaces():
    col = strip(np.array([" FR", "DE", "FR ", "", "DE", " "], dtype=object))
    assert list(col.values) == ["FR", "DE", "FR", "", "DE", ""]
    assert list(col.uniques) == ["FR", "DE", ""]  # each once, in order of first appearance
    assert list(col.codes) == [0, 1, 0, 2, 1, 2]


def test_isin_and_replaced_answer_per_row():
    col = strip(np.array(["a", " b", "c", "a"], dtype=object))
    assert list(col.isin({"a", "c"})) == [True, False, True, True]
    assert list(col.isin(["b"])) == [False, True, False, False]
    filled = replaced(strip(np.array(["", "FR", " ", "DE"], dtype=object)), "", "FR")
    assert list(filled.values) == ["FR", "FR", "FR", "DE"]
    assert list(filled.uniques) == ["FR", "DE"]  # the default merged with the FR already there
    assert list(constant(3).values) == ["", "", ""]


def test_combine_numbers_distinct_tuples_in_order_of_first_appearance():
    rng = np.random.default_rng(3)
    n = 5_000
    parts = [(rng.integers(0, size, n), size) for size in (7, 1, 50_000, 3)]
    codes, count = combine(parts)
    tuples = list(zip(*(p for p, _ in parts)))
    expected, uniq = pd.factorize(pd.Series(tuples, dtype=object))
    assert count == len(uniq)
    assert np.array_equal(codes, expected)


def test_combine_stays_small_with_many_values_per_part():
    n = 1_000
    big = np.arange(n)
    codes, count = combine([(big, n), (big[::-1], n), (big, n), (big, n), (big, n), (big, n)])
    assert count == n and codes.max() == n - 1  # no overflow of a 1e18 mixed-radix number


def test_groups_are_the_positions_of_each_code():
    codes = np.array([2, 0, 2, 1, 0, 2])
    assert [list(g) for g in groups(codes)] == [[1, 4], [3], [0, 2, 5]]
    assert groups(np.array([], dtype=np.intp)) == []


def test_row_keys_from_hashes_of_distinct_values_equal_the_row_keys():
    col = strip(np.array(["electricity.grid", "commute.bike", "electricity.grid"], dtype=object))
    unit = strip(np.array(["kWh", "km", "kWh"], dtype=object))
    region = strip(np.array(["FR", "", "FR"], dtype=object))
    day = np.array(["2026-01-01", "2026-01-02", "2026-01-01"], dtype="datetime64[D]")
    qty = np.array([1.5, 2.0, 1.5])
    rows = np.arange(3)
    hashed = duplicates.row_keys(
        day,
        day,
        duplicates.text_hash(col.uniques)[col.codes[rows]],
        qty,
        duplicates.text_hash(unit.uniques)[unit.codes[rows]],
        duplicates.text_hash(region.uniques)[region.codes[rows]],
    )
    h = duplicates.text_hash
    plain = duplicates.row_keys(day, day, h(col.values), qty, h(unit.values), h(region.values))
    assert np.array_equal(hashed, plain)
    assert hashed[0] == hashed[2] and hashed[0] != hashed[1]
