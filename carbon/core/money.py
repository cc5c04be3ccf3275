"""Money: amounts in integer cents, ONE rounding rule, exact allocation of cents.

Rounding rule (the only one in carbon): half-up, i.e. a value exactly half-way
is rounded away from zero (0.005 € -> 0.01 €; -0.005 € -> -0.01 €), on
`decimal.Decimal` values so that binary floating point never decides a
boundary case. Amounts are then carried as integers of cents.

Allocation rule: a total of cents is shared in proportion to non-negative
weights by the largest-remainder (Hamilton) method: every share first gets the
floor of its exact quota; the cents left over go one each to the largest
remainders (ties: larger weight first, then the earlier position). The shares
sum exactly to the total, and each differs from its exact quota by less than
one cent.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction

CENT = Decimal("0.01")
ONE = Decimal(1)


def half_up(value: Decimal | int | str, quantum: Decimal = ONE) -> Decimal:
    """`value` rounded half-up (half away from zero) to a multiple of `quantum`.

    `quantum` is a power of ten such as Decimal("1") or Decimal("0.01"). A float
    is refused: pass `decimal_of(x)` so the caller states how it was read.
    """
    if isinstance(value, float):
        raise TypeError("half_up takes a Decimal (use money.decimal_of for a float)")
    return Decimal(value).quantize(quantum, rounding=ROUND_HALF_UP)


def decimal_of(x: float | int | str | Decimal) -> Decimal:
    """A Decimal from a number as it is written: a float through its shortest repr.

    (Decimal(0.1) would be 0.1000000000000000055…; decimal_of(0.1) is 0.1.)
    """
    if isinstance(x, Decimal):
        return x
    if isinstance(x, float):
        return Decimal(repr(x))
    return Decimal(x)


def to_cents(amount: Decimal) -> int:
    """An amount in currency units -> integer cents, rounded half-up."""
    return int(half_up(amount * 100))


def from_cents(cents: int) -> Decimal:
    """Integer cents -> an amount in currency units with two decimals (exact)."""
    return (Decimal(cents) / 100).quantize(CENT)


def cents_float(cents: int) -> float:
    """Cents as a float of currency units, for JSON (84016.5 for 8401650)."""
    return float(from_cents(cents))


def format_amount(cents: int, currency: str = "") -> str:
    """ "84,016.00 EUR" (thousands separated by commas, two decimals)."""
    text = f"{from_cents(cents):,.2f}"
    return f"{text} {currency}".rstrip()


def allocate(total_cents: int, weights: Sequence[int | Decimal | Fraction]) -> list[int]:
    """Share `total_cents` among `weights` (>= 0) by largest remainder; sums exactly.

    Returns one integer per weight, in the same order. All-zero weights can
    only share a total of 0. Exact arithmetic (fractions), so the result does
    not depend on floating point.
    """
    if any(w < 0 for w in weights):
        raise ValueError("allocation weights must be >= 0")
    wsum = sum((Fraction(w) for w in weights), Fraction(0))
    if not weights or wsum == 0:
        if total_cents != 0:
            raise ValueError(f"cannot allocate {total_cents} cents over zero weights")
        return [0] * len(weights)
    sign = -1 if total_cents < 0 else 1
    total = abs(total_cents)
    quotas = [Fraction(total) * Fraction(w) / wsum for w in weights]
    floors = [q.numerator // q.denominator for q in quotas]
    left = total - sum(floors)
    order = sorted(
        range(len(weights)), key=lambda i: (-(quotas[i] - floors[i]), -Fraction(weights[i]), i)
    )
    for i in order[:left]:
        floors[i] += 1
    return [sign * f for f in floors]
