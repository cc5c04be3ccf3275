"""Money rules: the one half-up rounding, cents, largest-remainder allocation."""

from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from carbon.core import money
from carbon.donation import rules as donation

# ---- half-up rounding --------------------------------------------------------------------


@pytest.mark.parametrize(
    "value, expected",
    [
        ("0.5", "1"),  # half-way: up (banker's rounding would give 0)
        ("2.5", "3"),  # banker's: 2
        ("1.4999", "1"),
        ("-2.5", "-3"),  # half away from zero
        ("-0.4", "0"),
    ],
)
def test_half_up_to_units(value, expected):
    assert money.half_up(Decimal(value)) == Decimal(expected)


@pytest.mark.parametrize(
    "amount, cents",
    [
        ("0.005", 1),  # exactly half a cent: up
        ("0.00499", 0),  # just below: down
        ("1.005", 101),  # float round(1.005, 2) gives 1.0 (1.005 is 1.00499… in binary)
        ("2.675", 268),  # float round(2.675, 2) gives 2.67
        ("84016", 8401600),
    ],
)
def test_to_cents_half_up_boundary(amount, cents):
    assert money.to_cents(Decimal(amount)) == cents


def test_half_up_refuses_a_float_and_decimal_of_reads_it_as_written():
    with pytest.raises(TypeError):
        money.half_up(1.005)
    # Decimal(1.005) would be 1.00499999999999989…; as written it is 1.005.
    assert money.decimal_of(1.005) == Decimal("1.005")
    assert money.to_cents(money.decimal_of(1.005)) == 101


def test_cents_round_trip_and_format():
    assert money.from_cents(8401600) == Decimal("84016.00")
    assert money.cents_float(6918945) == 69189.45
    assert money.format_amount(6918945, "EUR") == "69,189.45 EUR"
    assert money.format_amount(-34050) == "-340.50"


# ---- largest remainder ----------------------------------------------------------------------


def test_allocate_hand_examples():
    # 10 cents over 3 equal weights: quotas 3.33 each; naive rounding gives 3+3+3 = 9.
    # Largest remainder: floors 3,3,3, one cent left -> the first (ties: earlier position).
    assert money.allocate(10, [1, 1, 1]) == [4, 3, 3]
    # 100 cents over 2:3:5 -> exact quotas 20, 30, 50.
    assert money.allocate(100, [2, 3, 5]) == [20, 30, 50]
    # 7 cents over 1:2 -> quotas 2.333, 4.667: floors 2, 4; the cent left goes to the
    # larger remainder (0.667), i.e. the second.
    assert money.allocate(7, [1, 2]) == [2, 5]
    # Equal remainders, different weights: 5 cents over 1:1:2 -> quotas 1.25, 1.25, 2.5;
    # floors 1, 1, 2, one cent left; remainders .25 .25 .5 -> the third.
    assert money.allocate(5, [1, 1, 2]) == [1, 1, 3]
    # A zero weight gets nothing.
    assert money.allocate(100, [0, 5]) == [0, 100]


def test_allocate_negative_total_and_bad_weights():
    assert money.allocate(-10, [1, 1, 1]) == [-4, -3, -3]
    assert money.allocate(0, [0, 0]) == [0, 0]
    with pytest.raises(ValueError):
        money.allocate(1, [0, 0])
    with pytest.raises(ValueError):
        money.allocate(10, [1, -1])


@settings(max_examples=300, deadline=None)
@given(
    team_g=st.lists(st.integers(min_value=0, max_value=10**12), min_size=1, max_size=40).filter(
        lambda gs: sum(gs) > 0
    ),
    price_cents=st.integers(min_value=1, max_value=500_000),  # 0.01 .. 5,000.00 per t
)
def test_team_shares_sum_exactly_to_the_total(team_g, price_cents):
    """For any emission split and price, team amounts sum to the total to the cent, each
    within one cent of its exact proportional share, never negative."""
    price = Decimal(price_cents) / 100
    total = donation.amount_cents(sum(team_g), price)
    shares = donation.share(total, [(f"T{i}", g) for i, g in enumerate(team_g)])
    assert sum(shares) == total
    gsum = sum(team_g)
    for g, s in zip(team_g, shares):
        exact = Fraction(total) * g / gsum
        assert s >= 0
        assert abs(s - exact) < 1


@settings(max_examples=100, deadline=None)
@given(
    kg=st.lists(st.floats(min_value=0.001, max_value=1e7, allow_nan=False), min_size=1, max_size=12)
)
def test_donation_team_amounts_sum_to_total_through_compute(kg):
    """The same property through the full rule (floats from SQL, gram rounding)."""
    from datetime import date

    from carbon.prices.rules import Choice, manual_price

    data = donation.YearData(
        2024, tuple(f"2024-{m:02d}" for m in range(1, 13)), {f"T{i}": v for i, v in enumerate(kg)}
    )
    d = donation.compute(data, Choice(manual_price("79.75", "EUR", 2024)), date(2025, 6, 1))
    assert sum(t.amount_cents for t in d.teams) == d.amount_cents
    assert d.amount_cents == money.to_cents(Decimal(d.emissions_g) / 10**6 * Decimal("79.75"))
