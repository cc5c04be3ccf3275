"""Figures for people: the one way a number or a share is written in a table or a page.

A figure that is not zero never reads as zero: rounded to the places shown it
would print `0.0`, which a reader takes for "nothing emitted" — the silent zero
this project refuses. It prints as `<0.1` instead (and a share below 1 % as
`<1%`). Machine outputs (JSON, CSV, XLSX) never use these: they round with `kept`, the one
rounding of a figure for a machine, which keeps its significant digits.
"""

from __future__ import annotations

import math

SIGNIFICANT = 3  # significant digits a machine output keeps at least (as the tables show them)


def kept(value: float | None, places: int = 3, digits: int = SIGNIFICANT) -> float | None:
    """`value` rounded for a machine output (JSON, CSV, XLSX): `places` decimals, but never fewer
    than `digits` significant digits, so a figure that is not zero is never written as 0.

    kept(51.94321) -> 51.943; kept(1.0583333e-07) -> 1.06e-07 (round(x, 3) would give 0.0);
    kept(-11.1753, 2, digits=2) -> -11.18; kept(0.000412, 2, digits=2) -> 0.00041; kept(None) -> None.
    """
    if value is None or value == 0 or not math.isfinite(value):
        return value
    needed = digits - 1 - math.floor(math.log10(abs(value)))
    return round(value, max(places, needed))


def fixed(value: float, decimals: int = 1) -> str:
    """`value` with thousands separators and `decimals` places; never `0.0` for a non-zero value.

    fixed(1234.56) -> "1,234.6"; fixed(0.03) -> "<0.1"; fixed(-0.03) -> ">-0.1";
    fixed(0.004, 2) -> "<0.01"; fixed(0) -> "0.0".
    """
    text = f"{value:,.{decimals}f}"
    if value == 0 or any(ch not in "-0.," for ch in text):
        return text
    smallest = f"{10**-decimals:.{decimals}f}" if decimals > 0 else "1"
    return f"<{smallest}" if value > 0 else f">-{smallest}"


def share(part: float, whole: float) -> str:
    """`part` as a whole-number percentage of `whole`: "42%"; "<1%" for a positive part under
    1 % (0.7 % would round to a misleading "1%"); ">99%" for a part above 99 % but short of the
    whole; "-" without a whole."""
    if not whole:
        return "-"
    pct = 100 * part / whole
    if 0 < pct < 1:
        return "<1%"
    if 99 < pct < 100:
        return ">99%"
    return f"{pct:.0f}%"
