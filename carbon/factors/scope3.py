"""Scope-3 category numbers and the lifecycle split of a factor, pure.

GHG Protocol Corporate Value Chain (Scope 3) Standard, table 5.3: fifteen categories. carbon
books four of them from its report categories (docs/methodology.md "Scope 3 categories"):

- 3.1 purchased goods and services: cloud and colocation (report category `infrastructure`,
  not electricity);
- 3.3 fuel- and energy-related activities not in scope 1 or 2: the upstream and transmission &
  distribution share of electricity (`electricity.*` keys booked as scope 3, and the split-off
  part of a lifecycle electricity factor);
- 3.6 business travel (`travel`); 3.7 employee commuting (`commuting`);
- 3.11 use of sold products, indirect use phase (`streaming`: the viewers' devices and networks
  watching the company's courses; `web`: the visitors' devices and networks loading its website,
  with the hosting data centre that the Sustainable Web Design factor includes).

A factor row may state its category (`scope3_category`); otherwise it is derived here. Scope 1
and 2 entries have none (0 in frames, NULL in the database).
"""

from __future__ import annotations

from carbon.model import Factor

NAMES = {
    1: "purchased goods and services",
    3: "fuel- and energy-related activities",
    6: "business travel",
    7: "employee commuting",
    11: "use of sold products",
}
ALL = range(1, 16)  # the Standard's fifteen categories; a factor row may state any of them

BY_REPORT_CATEGORY = {"travel": 6, "commuting": 7, "streaming": 11, "web": 11}


def derive(category: str, scope: int, activity: str) -> int:
    """The scope-3 category of an entry booked under report `category` at `scope` for `activity`;
    0 for scope 1 and 2, and for a report category carbon does not classify."""
    if scope != 3:
        return 0
    if category == "infrastructure":
        return 3 if activity.startswith("electricity.") else 1
    return BY_REPORT_CATEGORY.get(category, 0)


def of_factor(f: Factor) -> int:
    """The scope-3 category of entries made with factor `f` (its own, else derived)."""
    if f.scope != 3:
        return 0
    return f.scope3_category or derive(f.category, f.scope, f.activity)


def label(number: int | None) -> str:
    """ "3.1" for category 1; "" for none."""
    return f"3.{number}" if number else ""


def sums(rows) -> dict[str, float]:
    """{"3.1": kg, ...} from (category number or None, kg, entries) rows, in category order,
    "" (not classified) last."""
    out: dict[str, float] = {}
    for number, kg, _n in sorted(rows, key=lambda r: (r[0] is None, r[0] or 0)):
        out[label(number)] = out.get(label(number), 0.0) + float(kg)
    return out


def upstream_share(f: Factor) -> float:
    """The share of a scope-2 factor's value that is scope 3 category 3 (upstream + T&D), from its
    stated parts; 0.0 when it states none (the row is booked whole)."""
    if f.part_generation is None or f.scope != 2 or f.value <= 0:
        return 0.0
    return ((f.part_upstream or 0.0) + (f.part_td or 0.0)) / f.value


def book(rows, factors: list[Factor], ix):
    """Ledger rows (a DataFrame with `co2e_kg`, `scope`) made with `factors[ix]`, with their
    `scope3_category` (0: none), and each row of a factor that states its parts split in two:
    the generation share at scope 2 (with the row's quantity), upstream + T&D as scope 3 category 3
    (same line and factor, quantity 0). The kg of a row's parts sum to the row's kg."""
    import numpy as np
    import pandas as pd

    s3 = np.array([of_factor(f) for f in factors] or [0], dtype=np.int64)[ix]
    share = np.array([upstream_share(f) for f in factors] or [0.0])[ix]
    rows = rows.assign(scope3_category=s3)
    split = share > 0
    if not split.any():
        return rows
    kg = rows["co2e_kg"].to_numpy()
    upstream = kg[split] * share[split]
    main = rows.assign(co2e_kg=np.where(split, kg - np.where(split, kg * share, 0.0), kg))
    # The activity's quantity is counted once, on the scope-2 entry: sums of quantity (the month's
    # sources, what-if levers, repeated rows) stay the activity's.
    extra = rows[split].assign(co2e_kg=upstream, scope=3, scope3_category=3, quantity=0.0)
    return pd.concat([main, extra], ignore_index=True)
