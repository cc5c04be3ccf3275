"""Disclosures, end to end: gather a year's figures from the ledger and shape a framework.

Orchestration only: the figures come from carbon.ledger.year (the same SQL sums as `report
year`) and carbon.donation.service (the donation's tonnes); carbon.disclosure.rules holds the rules.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from typing import TYPE_CHECKING

from carbon.disclosure import rules
from carbon.errors import CarbonError, InputError
from carbon.metrics import store as metrics_store

if TYPE_CHECKING:
    from carbon.store import Store

REVENUE_METRIC = "revenue"


def build(
    store: Store,
    year: int,
    framework: str,
    *,
    as_of: date | None = None,
    base_year: int | None = None,
) -> rules.Disclosure:
    """The disclosure of `year` in `framework` (esrs-e1, ghgp, beges), reconciled."""
    if framework not in rules.FRAMEWORKS:
        raise InputError(f"--format {framework!r}: expected one of {', '.join(rules.FRAMEWORKS)}")
    if base_year is not None and base_year > year:
        raise InputError(
            f"--base-year {base_year} is after {year}: a base year is the reference the year "
            f"is compared with, {year} or earlier"
        )
    return rules.build(
        framework, gather(store, year, as_of=as_of or date.today(), base_year=base_year)
    )


def gather(store: Store, year: int, *, as_of: date, base_year: int | None = None) -> rules.Inputs:
    """The figures a disclosure reads (t CO2e), from the year report and the donation."""
    from carbon.donation import service as donation_service
    from carbon.donation.rules import COMPLETE
    from carbon.ledger.year import year_report
    from carbon.scope2 import rules as scope2

    rep = year_report(store, year)
    sums: dict[tuple[str, str, int, int], float] = defaultdict(float)
    for team, category, scope, _month, kg in rep.cells:
        if scope != 3:
            sums[(team, category, scope, 0)] += kg
    for team, category, label, _month, kg in rep.scope3_cells:
        sums[(team, category, 3, int(label[2:]) if label else 0)] += kg
    cells = [(t, c, s, n, kg) for (t, c, s, n), kg in sorted(sums.items())]
    _loc, market_kg = scope2.total(rep.scope2)
    found = {(s.team, s.month): s for s in rep.scope2}
    market_note = "; ".join(scope2.notes_of(found)) or "no scope-2 entry in the ledger"
    mwh = sum(s.metered_mwh for s in rep.scope2)
    with store.engine.connect() as conn:
        revenue, revenue_note = _revenue(rep, metrics_store.definitions(conn).get(REVENUE_METRIC))
    donation_rounding_t = 0.0
    try:
        view = donation_service.donation_view(store, year, as_of=as_of, scope2="location")
        d = view.donation
        if d.status != COMPLETE:
            donation_t, donation_note = (
                None,
                (
                    f"the donation of {year} is a {d.status.lower()} figure (the year is not over or not "
                    "complete): nothing to reconcile yet"
                ),
            )
        elif d.scopes or d.categories:
            donation_t, donation_note = None, "the donation counts only some scopes or categories"
        else:
            donation_t, donation_note = d.emissions_g / 1e6, ""
            donation_rounding_t = 0.5e-6 * len(d.teams)  # half a gram per team's whole grams
    except CarbonError as exc:
        donation_t, donation_note = None, f"donation not computed: {exc}"
    base_t = None
    if base_year is not None:
        try:
            base = year_report(store, base_year)
            if not any(v is None for v in base.by_month.values()):
                base_t = base.total / 1000
        except CarbonError:
            base_t = None
    not_over = tuple(m for m in rep.months if rep.in_progress and m > rep.counted_through)
    return rules.Inputs(
        year=year,
        months=tuple(m for m, v in rep.by_month.items() if v is not None),
        months_without_data=tuple(
            m for m, v in rep.by_month.items() if v is None and m not in not_over
        ),
        counted_through=rep.counted_through,
        months_not_over=not_over,
        total_t=rep.total / 1000,
        by_scope_t={k: v / 1000 for k, v in rep.by_scope.items()},
        by_scope3_t={k: v / 1000 for k, v in rep.by_scope3_category.items()},
        cells=cells,
        scope2_market_t=None if market_kg is None or not rep.scope2 else market_kg / 1000,
        scope2_market_note=market_note,
        electricity_mwh=mwh if mwh > 0 else None,
        revenue=revenue,
        revenue_note=revenue_note,
        restatements=tuple(
            f"#{x.id} {x.at:%Y-%m-%d} {x.action} by {x.by}: {x.reason}" for x in rep.restatements
        ),
        donation_t=donation_t,
        donation_note=donation_note,
        donation_rounding_t=donation_rounding_t,
        base_year=base_year,
        base_year_t=base_t,
        by_gas_t={
            scope: {g: kg / 1000 for g, kg in gases.items()} for scope, gases in rep.by_gas.items()
        },
    )


def _revenue(rep, defined) -> tuple[float | None, str]:
    """The year's `revenue` metric (its own unit, as imported: the sum of its company-wide
    monthly values) and a note; `defined` its declaration (None: not declared)."""
    if defined is not None and defined.year_rule != "sum":
        return None, (
            f"the '{REVENUE_METRIC}' metric is declared --year {defined.year_rule}: net revenue "
            f"is the year's sum of its months; declare it again with 'carbon metrics define "
            f"{REVENUE_METRIC} --year sum'"
        )
    for i in rep.intensities:
        if i.metric == REVENUE_METRIC:
            if not i.value:
                return None, f"the '{REVENUE_METRIC}' metric has no value for {rep.year}"
            if i.missing_months:
                return None, (
                    f"the '{REVENUE_METRIC}' metric misses {', '.join(i.missing_months)}: "
                    "a partial revenue would overstate the intensity"
                )
            return float(i.value), f"per unit of the '{REVENUE_METRIC}' metric ({i.label})"
    if defined is not None:
        return None, (
            f"the '{REVENUE_METRIC}' metric has no company-wide value for {rep.year} (values "
            "given for a team are not the company's net revenue): import the net revenue per "
            "month with an empty team"
        )
    return None, (
        f"no '{REVENUE_METRIC}' metric: declare it (carbon metrics define {REVENUE_METRIC} "
        "--year sum) and import the net revenue per month"
    )
