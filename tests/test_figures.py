"""Figures for people (carbon.core.figures) and the chart layout: a non-zero figure never reads as 0."""

import re

import pytest

from carbon.core import figures
from carbon.report import svg


@pytest.mark.parametrize(
    "value, decimals, text",
    [
        (1234.56, 1, "1,234.6"),
        (0.0, 1, "0.0"),
        (0.05, 1, "0.1"),
        (0.04, 1, "<0.1"),
        (0.000001, 1, "<0.1"),
        (-0.03, 1, ">-0.1"),
        (0.004, 2, "<0.01"),
        (0.006, 2, "0.01"),
        (0.0004, 3, "<0.001"),
        (12.0, 0, "12"),
    ],
)
def test_fixed_never_prints_zero_for_a_non_zero_figure(value, decimals, text):
    assert figures.fixed(value, decimals) == text


@pytest.mark.parametrize(
    "part, whole, text",
    [
        (42.0, 100.0, "42%"),
        (0.7, 100.0, "<1%"),
        (0.02595, 51.92595, "<1%"),
        (0.0, 100.0, "0%"),
        (99.6, 100.0, ">99%"),
        (100.0, 100.0, "100%"),
        (1.0, 0.0, "-"),
    ],
)
def test_share_under_one_percent_reads_less_than_one(part, whole, text):
    assert figures.share(part, whole) == text


def test_chart_unit_label_clears_the_top_tick():
    chart = svg.column_chart([("Jan 24", 96.0), ("Feb 24", 100.0)], "trend", "t CO2e")
    texts = re.findall(
        r'<text x="([\d.]+)" y="([\d.]+)" text-anchor="(\w+)"[^>]*>([^<]*)</text>', chart
    )
    unit_y = next(float(y) for _x, y, _a, s in texts if s == "t CO2e")
    # Tick labels are the ones right-aligned against the axis; the top one has the smallest y.
    top_tick = min(float(y) for _x, y, anchor, _s in texts if anchor == "end")
    # Font size 10: a label spans about 10 px above its baseline and 3 px below.
    assert unit_y + 3 <= top_tick - 10, (unit_y, top_tick)
