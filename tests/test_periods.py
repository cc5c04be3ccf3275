"""Calendar rules: pro-rata spreading and weekday counts."""

import numpy as np
import pytest

from carbon.core import calendar as periods


def _spread(start, end):
    row, month, share = periods.spread(
        np.array([start], dtype="datetime64[D]"), np.array([end], dtype="datetime64[D]")
    )
    return dict(zip(month.astype(str), share))


def test_spread_over_a_month_boundary():
    # 2025-01-25..2025-02-03: 7 days in January, 3 in February, 10 in all.
    assert _spread("2025-01-25", "2025-02-03") == pytest.approx(
        {"2025-01": 0.7, "2025-02": 0.3}, rel=1e-12
    )


def test_spread_over_a_leap_february():
    # 2024-02-15..2024-03-15: Feb 15..29 = 15 days (leap year), Mar 1..15 = 15 days.
    assert _spread("2024-02-15", "2024-03-15") == pytest.approx(
        {"2024-02": 0.5, "2024-03": 0.5}, rel=1e-12
    )
    # Non-leap 2025: Feb 15..28 = 14 days, Mar 1..15 = 15 days.
    assert _spread("2025-02-15", "2025-03-15") == pytest.approx(
        {"2025-02": 14 / 29, "2025-03": 15 / 29}
    )


def test_spread_single_day_and_year_boundary():
    assert _spread("2025-06-30", "2025-06-30") == {"2025-06": 1.0}
    # 2025-12-15..2026-01-14: 17 days in December, 14 in January.
    assert _spread("2025-12-15", "2026-01-14") == pytest.approx(
        {"2025-12": 17 / 31, "2026-01": 14 / 31}
    )


@pytest.mark.parametrize(
    "year, month, weekdays",
    [
        (2026, 2, 20),  # Feb 2026: 4 full weeks
        (2024, 2, 21),  # leap Feb 2024 starts on a Thursday
        (2024, 4, 22),
        (2024, 1, 23),
    ],
)
def test_weekdays_in_month(year, month, weekdays):
    assert periods.weekdays_in_month(year, month) == weekdays


def test_month_range():
    assert periods.month_range("2024-11", "2025-02") == ["2024-11", "2024-12", "2025-01", "2025-02"]
    with pytest.raises(ValueError):
        periods.month_range("2025-02", "2024-11")
    with pytest.raises(ValueError):
        periods.parse_month("2025-13")
