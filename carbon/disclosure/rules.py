"""Disclosures from one ledger: ESRS E1, the GHG Protocol table and the BEGES posts (pure).

Each framework is a list of lines read off the year report (carbon.ledger.year.YearReport):
the same rows, summed another way. A line the ledger cannot give is "not available" with the
reason, never 0. Every disclosure carries its reconciliation: each total and each scope-3
category against the year report's own sums, and the grand total against the donation's
tonnes. docs/disclosure.md maps each line to the ledger query behind it.

Masses here are t CO2e (the unit the frameworks ask for); the year report's kg are divided by
1,000 and nothing is rounded before the output.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

FRAMEWORKS = ("esrs-e1", "ghgp", "beges")
TOLERANCE_T = 1e-6  # a gram: sums of the same floats in another order

# GHG Protocol Corporate Value Chain (Scope 3) Standard, table 5.3.
SCOPE3_NAMES = {
    1: "Purchased goods and services",
    2: "Capital goods",
    3: "Fuel- and energy-related activities (not in scope 1 or 2)",
    4: "Upstream transportation and distribution",
    5: "Waste generated in operations",
    6: "Business travel",
    7: "Employee commuting",
    8: "Upstream leased assets",
    9: "Downstream transportation and distribution",
    10: "Processing of sold products",
    11: "Use of sold products",
    12: "End-of-life treatment of sold products",
    13: "Downstream leased assets",
    14: "Franchises",
    15: "Investments",
}

# BEGES (French regulatory GHG report, ADEME method version 5): the 23 posts in 6 categories.
BEGES_POSTS = {
    "1.1": "Émissions directes des sources fixes de combustion",
    "1.2": "Émissions directes des sources mobiles à moteur thermique",
    "1.3": "Émissions directes des procédés hors énergie",
    "1.4": "Émissions directes fugitives",
    "1.5": "Émissions issues de la biomasse (sols et forêts)",
    "2.1": "Émissions indirectes liées à la consommation d'électricité",
    "2.2": "Émissions indirectes liées à la consommation d'énergie autre que l'électricité",
    "3.1": "Transport de marchandise amont",
    "3.2": "Transport de marchandise aval",
    "3.3": "Déplacements domicile-travail",
    "3.4": "Déplacements des visiteurs et des clients",
    "3.5": "Déplacements professionnels",
    "4.1": "Achats de biens",
    "4.2": "Immobilisations de biens",
    "4.3": "Gestion des déchets",
    "4.4": "Actifs en leasing amont",
    "4.5": "Achats de services",
    "5.1": "Utilisation des produits vendus",
    "5.2": "Actifs en leasing aval",
    "5.3": "Fin de vie des produits vendus",
    "5.4": "Investissements",
    "6.1": "Autres émissions indirectes",
}
# GHG Protocol scope-3 category -> BEGES post. 3.1 is services here: carbon books cloud and
# colocation there. 3.3 (upstream of energy and T&D losses) has no post of its own in BEGES v5;
# carbon reports it under 6.1 and says so on the line, so the total still reconciles.
BEGES_OF_SCOPE3 = {
    1: "4.5",
    2: "4.2",
    3: "6.1",
    4: "3.1",
    5: "4.3",
    6: "3.5",
    7: "3.3",
    8: "4.4",
    9: "3.2",
    10: "6.1",
    11: "5.1",
    12: "5.3",
    13: "5.2",
    14: "6.1",
    15: "5.4",
}
# Scope 1 by report category (the factor tables' `category`): combustion in fixed sources,
# mobile sources, fugitive (refrigerant) emissions.
BEGES_OF_SCOPE1 = {
    "stationary_combustion": "1.1",
    "heating": "1.1",
    "mobile_combustion": "1.2",
    "fleet": "1.2",
    "vehicles": "1.2",  # the shipped DESNZ scope-1 rows of cars, vans and road fuels
    "refrigerants": "1.4",
    "fugitive": "1.4",
}


@dataclass(frozen=True)
class Line:
    """One disclosed figure. `t_co2e` None = not available (`note` says why)."""

    code: str
    label: str
    t_co2e: float | None
    unit: str = "t CO2e"
    note: str = ""


@dataclass(frozen=True)
class Check:
    """One reconciliation: the disclosed figure against the same figure elsewhere."""

    what: str
    disclosed_t: float | None
    expected_t: float | None
    against: str
    note: str = ""
    tolerance_t: float = TOLERANCE_T  # the difference allowed: a gram, or the other side's rounding

    @property
    def difference_t(self) -> float | None:
        if self.disclosed_t is None or self.expected_t is None:
            return None
        return self.disclosed_t - self.expected_t

    @property
    def ok(self) -> bool | None:
        """True reconciled, False not, None when there is nothing to compare (stated in `note`)."""
        d = self.difference_t
        return None if d is None else abs(d) <= self.tolerance_t


@dataclass(frozen=True)
class Disclosure:
    framework: str
    year: int
    months: tuple[str, ...]  # months of the year with data
    months_without_data: tuple[str, ...]  # months over without any entry (unknown, not zero)
    lines: tuple[Line, ...]
    checks: tuple[Check, ...]
    # The last month counted ("YYYY-MM"): December for a year over; for the year in progress the
    # last month over (carbon.core.calendar.counted_through), the later ones `months_not_over`.
    counted_through: str = ""
    months_not_over: tuple[str, ...] = ()

    @property
    def reconciled(self) -> bool:
        return all(c.ok is not False for c in self.checks)

    @property
    def in_progress(self) -> bool:
        """The year is not over: its figures are counted through `counted_through` only."""
        return bool(self.months_not_over)

    @property
    def progress(self) -> str:
        """ "in progress, through YYYY-MM" for a year not over, "" for a year over."""
        return f"in progress, through {self.counted_through}" if self.in_progress else ""

    @property
    def not_available(self) -> tuple[str, ...]:
        return tuple(f"{ln.code} {ln.label}" for ln in self.lines if ln.t_co2e is None)


@dataclass(frozen=True)
class Inputs:
    """What a disclosure reads, gathered by carbon.disclosure.service (t CO2e unless stated).

    `cells`: (team, report category, scope, scope-3 category number or 0, kg) of the year;
    `scope2_market_t` None when market-based scope 2 cannot be computed for every team-month;
    `donation_t` None with `donation_note` saying why (no price, a year in progress ...).
    """

    year: int
    months: tuple[str, ...]
    months_without_data: tuple[str, ...]  # months over without data
    total_t: float
    by_scope_t: Mapping[str, float]
    by_scope3_t: Mapping[str, float]  # "3.1": t, "" unclassified
    cells: Sequence[tuple[str, str, int, int, float]]
    scope2_market_t: float | None
    scope2_market_note: str
    electricity_mwh: float | None
    revenue: float | None
    revenue_note: str
    restatements: Sequence[str]
    donation_t: float | None
    donation_note: str
    # The donation counts each team's emissions in whole grams (half-up): its total may differ
    # from the ledger's by up to half a gram per team, which is no difference.
    donation_rounding_t: float = 0.0
    base_year: int | None = None
    base_year_t: float | None = None
    by_gas_t: Mapping[str, Mapping[str, float]] = field(default_factory=dict)  # scope -> gas -> t
    counted_through: str = ""  # the last month counted ("YYYY-MM")
    months_not_over: tuple[str, ...] = ()  # the year in progress: its months not over yet


def _na(code: str, label: str, why: str, unit: str = "t CO2e") -> Line:
    return Line(code, label, None, unit, f"not available: {why}")


def _sum(values: Iterable[float]) -> float:
    return math.fsum(values)


def _scope_t(x: Inputs, scope: int) -> float | None:
    return x.by_scope_t.get(str(scope))


def _scope_line(code: str, label: str, x: Inputs, scope: int) -> Line:
    t = _scope_t(x, scope)
    if t is None:
        return _na(code, label, f"no scope-{scope} entry in the ledger for {x.year}")
    return Line(code, label, t)


def _scope3_lines(x: Inputs, code_of) -> list[Line]:
    lines = []
    for n, name in SCOPE3_NAMES.items():
        t = x.by_scope3_t.get(f"3.{n}")
        if t is None:
            lines.append(
                _na(
                    code_of(n),
                    f"Scope 3 category {n}: {name}",
                    "no entry of this category in the ledger",
                )
            )
        else:
            lines.append(Line(code_of(n), f"Scope 3 category {n}: {name}", t))
    if "" in x.by_scope3_t:
        lines.append(
            Line(
                code_of(0),
                "Scope 3 not classified in a category",
                x.by_scope3_t[""],
                note="entries whose factor states no scope-3 category",
            )
        )
    return lines


def _totals(x: Inputs) -> tuple[float, float | None]:
    s1, s2, s3 = (_scope_t(x, s) or 0.0 for s in (1, 2, 3))
    location = _sum([s1, s2, s3])
    market = None if x.scope2_market_t is None else _sum([s1, x.scope2_market_t, s3])
    return location, market


def esrs_e1(x: Inputs) -> list[Line]:
    """ESRS E1-6 (gross scopes 1, 2, 3 and totals, intensity per net revenue) and E1-5 energy."""
    location, market = _totals(x)
    lines = [
        _scope_line("E1-6 44(a)", "Gross Scope 1 GHG emissions", x, 1),
        _na(
            "E1-6 48(b)",
            "Percentage of Scope 1 GHG emissions from regulated emission trading schemes",
            "the ledger does not record which emissions fall under an ETS",
            unit="%",
        ),
        _scope_line("E1-6 44(b)", "Gross location-based Scope 2 GHG emissions", x, 2),
        (
            Line("E1-6 44(b)", "Gross market-based Scope 2 GHG emissions", x.scope2_market_t)
            if x.scope2_market_t is not None
            else _na("E1-6 44(b)", "Gross market-based Scope 2 GHG emissions", x.scope2_market_note)
        ),
        _scope_line("E1-6 44(c)", "Gross Scope 3 GHG emissions", x, 3),
    ]
    lines += _scope3_lines(x, lambda n: f"E1-6 51 cat {n}" if n else "E1-6 51 unclassified")
    lines.append(Line("E1-6 44(d)", "Total GHG emissions (location-based)", location))
    lines.append(
        Line("E1-6 44(d)", "Total GHG emissions (market-based)", market)
        if market is not None
        else _na("E1-6 44(d)", "Total GHG emissions (market-based)", x.scope2_market_note)
    )
    if x.revenue:
        lines.append(
            Line(
                "E1-6 53",
                "GHG intensity per net revenue (location-based)",
                location / x.revenue,
                "t CO2e per unit of revenue",
                x.revenue_note,
            )
        )
        if market is not None:
            lines.append(
                Line(
                    "E1-6 53",
                    "GHG intensity per net revenue (market-based)",
                    market / x.revenue,
                    "t CO2e per unit of revenue",
                    x.revenue_note,
                )
            )
    else:
        lines.append(
            _na(
                "E1-6 53",
                "GHG intensity per net revenue",
                x.revenue_note,
                "t CO2e per unit of revenue",
            )
        )
    lines.append(
        _na(
            "E1-6 AR 43",
            "Biogenic CO2 emissions from biomass (outside scope 1)",
            "the ledger does not separate biogenic CO2",
        )
    )
    lines.append(
        Line(
            "E1-5 37",
            "Electricity consumption",
            x.electricity_mwh,
            "MWh",
            "metered electricity of scope-2 entries",
        )
        if x.electricity_mwh is not None
        else _na("E1-5 37", "Energy consumption", "no metered electricity in the ledger", "MWh")
    )
    lines.append(
        _na(
            "E1-5 37(a)",
            "Energy consumption by source (fossil, nuclear, renewable)",
            "the ledger does not record the energy mix",
            "MWh",
        )
    )
    return lines


def ghgp(x: Inputs) -> list[Line]:
    """The GHG Protocol Corporate Standard table: scopes, scope 3 by category, base year."""
    location, market = _totals(x)
    lines = [
        _scope_line("Scope 1", "Direct emissions", x, 1),
        *_gas_lines(x, 1),
        _scope_line(
            "Scope 2 (location)", "Indirect emissions from purchased energy, location-based", x, 2
        ),
        (
            Line(
                "Scope 2 (market)",
                "Indirect emissions from purchased energy, market-based",
                x.scope2_market_t,
            )
            if x.scope2_market_t is not None
            else _na(
                "Scope 2 (market)",
                "Indirect emissions from purchased energy, market-based",
                x.scope2_market_note,
            )
        ),
        _scope_line("Scope 3", "Other indirect emissions", x, 3),
    ]
    lines += _scope3_lines(x, lambda n: f"Scope 3.{n}" if n else "Scope 3 unclassified")
    lines.append(Line("Total (location)", "Scopes 1 + 2 (location-based) + 3", location))
    lines.append(
        Line("Total (market)", "Scopes 1 + 2 (market-based) + 3", market)
        if market is not None
        else _na("Total (market)", "Scopes 1 + 2 (market-based) + 3", x.scope2_market_note)
    )
    if x.base_year is None:
        lines.append(_na("Base year", "Base-year emissions", "no base year given (--base-year)"))
    elif x.base_year_t is None:
        lines.append(
            _na(
                "Base year",
                f"Base-year emissions ({x.base_year})",
                f"{x.base_year} is not complete in the ledger",
            )
        )
    else:
        lines.append(Line("Base year", f"Base-year emissions ({x.base_year})", x.base_year_t))
    lines.append(
        Line(
            "Recalculations",
            "Restatements written into the year's closed months",
            None,
            "",
            "; ".join(x.restatements) if x.restatements else "none recorded",
        )
    )
    return lines


GAS_LABELS = {  # the keys of the year report's by_gas (carbon.ledger.year.GAS_NAMES)
    "co2": "CO2",
    "ch4": "CH4",
    "n2o": "N2O",
    "hfcs": "HFCs",
    "other": "other gases",
}


def _gas_lines(x: Inputs, scope: int) -> list[Line]:
    """Scope `scope` per gas, from the gas parts of the factor rows used; the tonnes of rows whose
    source publishes no split are their own line ("not split"), never apportioned."""
    parts = x.by_gas_t.get(str(scope)) or {}
    if not parts:
        return [
            Line(
                f"Scope {scope} gases",
                f"Scope {scope} by gas",
                None,
                note=f"not available: no scope-{scope} entry in the ledger",
            )
        ]
    out = [
        Line(f"Scope {scope} {GAS_LABELS[g]}", f"Scope {scope}: {GAS_LABELS[g]}", parts.get(g, 0.0))
        for g in GAS_LABELS
        if parts.get(g)
    ]
    if parts.get("not_split"):
        out.append(
            Line(
                f"Scope {scope} not split",
                f"Scope {scope}: not split by gas",
                parts["not_split"],
                note="factor rows whose source publishes no per-gas split",
            )
        )
    return out


def beges_post(scope: int, category: str, scope3: int) -> str:
    """The BEGES post of ledger rows booked at (`scope`, report `category`, scope-3 category)."""
    if scope == 1:
        return BEGES_OF_SCOPE1.get(category, "1.1" if "combustion" in category else "1 (?)")
    if scope == 2:
        return "2.1" if category in ("infrastructure", "electricity") else "2.2"
    return BEGES_OF_SCOPE3.get(scope3, "6.1")


def beges(x: Inputs) -> list[Line]:
    """The BEGES posts (location-based scope 2, as the regulation asks), summed from the rows."""
    by_post: dict[str, list[float]] = {}
    for _team, category, scope, s3, kg in x.cells:
        by_post.setdefault(beges_post(scope, category, s3), []).append(kg / 1000)
    lines = []
    for post, name in BEGES_POSTS.items():
        if post in by_post:
            note = (
                "upstream of energy and T&D losses (GHG Protocol 3.3) and other unclassified "
                "scope 3"
                if post == "6.1"
                else ""
            )
            lines.append(Line(post, name, _sum(by_post[post]), note=note))
        else:
            lines.append(_na(post, name, "no entry of this post in the ledger"))
    for post in sorted(p for p in by_post if p not in BEGES_POSTS):
        lines.append(
            Line(post, "Scope 1 of a category carbon does not classify", _sum(by_post[post]))
        )
    lines.append(Line("Total", "Total des émissions (scope 2 location-based)", _totals(x)[0]))
    return lines


def _checks(framework: str, x: Inputs, lines: Sequence[Line]) -> list[Check]:
    """Every total and scope-3 category against the year report, the total against the donation."""
    location = _totals(x)[0]
    checks = [
        Check(
            "total of the scopes (location-based)", location, x.total_t, "the year report's total"
        )
    ]
    for scope in (1, 2, 3):
        t = _scope_t(x, scope)
        if t is not None:
            rows = _sum(kg / 1000 for _t, _c, s, _n, kg in x.cells if s == scope)
            checks.append(Check(f"scope {scope}", t, rows, "the year report's rows of that scope"))
    for key, t in x.by_scope3_t.items():
        rows = _sum(
            kg / 1000 for _t, _c, s, n, kg in x.cells if s == 3 and (f"3.{n}" if n else "") == key
        )
        checks.append(
            Check(
                f"scope 3 {key or 'unclassified'}",
                t,
                rows,
                "the year report's scope-3 rows of that category",
            )
        )
    if framework == "beges":
        posts = _sum(ln.t_co2e for ln in lines if ln.t_co2e is not None and ln.code != "Total")
        checks.append(Check("sum of the BEGES posts", posts, x.total_t, "the year report's total"))
    checks.append(
        Check(
            "total against the donation",
            location if x.donation_t is not None else None,
            x.donation_t,
            "the donation's tonnes (same year, scope 2 location-based)",
            x.donation_note,
            TOLERANCE_T + x.donation_rounding_t,
        )
    )
    return checks


def build(framework: str, x: Inputs) -> Disclosure:
    """The disclosure of `framework` (one of FRAMEWORKS) with its reconciliation."""
    lines = {"esrs-e1": esrs_e1, "ghgp": ghgp, "beges": beges}[framework](x)
    return Disclosure(
        framework,
        x.year,
        x.months,
        x.months_without_data,
        tuple(lines),
        tuple(_checks(framework, x, lines)),
        x.counted_through,
        x.months_not_over,
    )
