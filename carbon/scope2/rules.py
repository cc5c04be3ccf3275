"""Scope 2 both ways: location-based (the ledger) and market-based (instruments + residual mix), pure.

GHG Protocol Scope 2 Guidance (2015), market-based method, per team, month and country:

    market kg = Σ instruments (MWh × 1000 × their kg per kWh)
              + (metered MWh − covered MWh) × 1000 × the country's residual mix (kg per kWh)

Metered electricity is the scope-2 `electricity.grid` entries; their country is the region of
the location-based factor used (an entry whose factor is the EU's or the world's has no known
country). A figure that cannot be computed is None with the reason, never 0 and never the
location-based figure: another scope-2 activity than grid electricity, instruments covering more
than was metered (double claiming), or uncovered electricity in a country without a residual mix.
Cloud electricity is not here: for the customer it is purchased services (scope 3.1), not scope 2.
The two figures are alternatives: they are never added together. Their boundaries may differ (a
lifecycle grid factor against AIB's direct CO2-only residual mix): each figure carries the boundary
classes of what it was computed from (`boundary_label`), for the reports to print beside it.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from carbon.scope2.file import COUNTRY_RE, Instrument
from carbon.scope2.residual_mix import ResidualMix, ResidualMixes

ELECTRICITY = "electricity.grid"
LOCATION, MARKET = "location", "market"
BASES = (LOCATION, MARKET)
TOLERANCE = 1e-9  # relative: the kWh are recomputed from kg ÷ factor, exact to float rounding

# Boundary classes of a scope-2 figure, read from the `boundary` text of its factors and mixes.
LIFECYCLE = "lifecycle CO2e incl. upstream"
GENERATION = "direct CO2e of generation"
CO2_ONLY = "direct CO2 of generation only"
UNSTATED = "boundary not stated"
CONTRACTED = "instruments as contracted"

_MASS_KG = {"mg": 1e-6, "g": 1e-3, "kg": 1.0, "t": 1000.0, "tonne": 1000.0, "lb": 0.45359237}
_ENERGY_KWH = {"Wh": 1e-3, "kWh": 1.0, "MWh": 1000.0, "GWh": 1e6}
_UNIT_RE = re.compile(r"^\s*(mg|g|kg|t|tonne|lb)\s*CO2e\s*/\s*(Wh|kWh|MWh|GWh)\s*$")


def kg_per_kwh(value: float, unit: str) -> float:
    """A factor `value` in `unit` as kg CO2e per kWh. The usual mass/energy units are exact
    constants (the monthly report imports no pint); any other unit goes through carbon.core.units."""
    m = _UNIT_RE.match(unit)
    if m:
        return value * _MASS_KG[m.group(1)] / _ENERGY_KWH[m.group(2)]
    from carbon.core import units

    return value * units.multiplier(unit, "kg CO2e / kWh")


def boundary_label(text: str | None, split: bool = False) -> str:
    """The boundary class of a factor's or residual mix's `boundary` text (factors/README.md):
    "CO2 only…" (EEA, IEA, AIB) is direct CO2; a lifecycle figure (ADEME, Ember) includes upstream;
    generation or combustion (DESNZ, eGRID) is direct CO2e. A factor that states its lifecycle parts
    (`split`) books only its generation part at scope 2, so that part is direct CO2e."""
    t = (text or "").strip().lower()
    if split:
        return GENERATION
    if t.startswith("co2 only"):
        return CO2_ONLY
    if "lifecycle" in t:
        return LIFECYCLE
    if "generation" in t or "combustion" in t:
        return GENERATION
    return UNSTATED


@dataclass(frozen=True)
class Scope2:
    """One team's scope 2 in one month, both ways (kg CO2e). `market_kg` is None when it cannot be
    computed; `notes` say why (and which residual mixes were used)."""

    team: str
    month: str
    location_kg: float
    market_kg: float | None
    metered_mwh: float = 0.0
    covered_mwh: float = 0.0
    notes: tuple[str, ...] = ()
    residual_mixes: tuple[ResidualMix, ...] = ()
    over_claimed: tuple[tuple[str, float, float], ...] = ()  # (country, MWh covered, MWh metered)
    location_boundaries: tuple[str, ...] = ()  # boundary classes of the location-based factors used
    market_boundaries: tuple[
        str, ...
    ] = ()  # of the residual mixes used (and CONTRACTED for instruments)


def _is_country(region: str) -> bool:
    return bool(COUNTRY_RE.match(region)) and region != "EU"


def compute(
    rows: Iterable[tuple], instruments: Iterable[Instrument], mixes: ResidualMixes
) -> dict[tuple[str, str], Scope2]:
    """{(team, month): Scope2} from scope-2 rollup rows (team, month, activity, category, factor
    region, factor value, factor unit, kg[, factor boundary, True when the factor states its parts])
    and the instruments of the same months."""
    location: dict[tuple[str, str], float] = defaultdict(float)
    metered: dict[tuple[str, str], dict[str, float]] = defaultdict(
        lambda: defaultdict(float)
    )  # kWh
    others: dict[tuple[str, str], set[str]] = defaultdict(set)
    loc_bounds: dict[tuple[str, str], set[str]] = defaultdict(set)
    for row in rows:
        team, month, activity, _cat, region, value, unit, kg = row[:8]
        key = (team, month)
        location[key] += kg
        loc_bounds[key].add(
            boundary_label(row[8] if len(row) > 8 else None, len(row) > 9 and bool(row[9]))
        )
        if activity == ELECTRICITY:
            metered[key][region] += kg / kg_per_kwh(value, unit)
        else:
            others[key].add(activity)
    claimed: dict[tuple[str, str], dict[str, list[Instrument]]] = defaultdict(
        lambda: defaultdict(list)
    )
    for i in instruments:
        claimed[(i.team, i.month)][i.country].append(i)
    out = {}
    for key in sorted(set(location) | set(claimed)):
        team, month = key
        notes: list[str] = []
        used: dict[tuple[str, int], ResidualMix] = {}
        over: list[tuple[str, float, float]] = []
        for activity in sorted(others[key]):
            notes.append(
                f"{activity} is scope 2 but not grid electricity: carbon has no market-based "
                "method for it"
            )
        kwh = metered[key]
        covered_total = 0.0
        market = 0.0
        for country in sorted(set(kwh) | set(claimed[key])):
            have_mwh = kwh.get(country, 0.0) / 1000.0
            own = claimed[key].get(country, [])
            cover = sum(i.mwh for i in own)
            covered_total += cover
            market += sum(i.kg for i in own)
            if cover > have_mwh * (1 + TOLERANCE) + TOLERANCE:
                where = country or "an unknown country"
                notes.append(
                    f"instruments cover {cover:g} MWh in {where}, more than the {have_mwh:g} MWh of "
                    "grid electricity metered (double claiming)"
                )
                over.append((country, cover, have_mwh))
                continue
            rest = have_mwh - cover
            if rest <= have_mwh * TOLERANCE:
                continue  # fully covered
            if not _is_country(country):
                notes.append(
                    f"{rest:g} MWh of electricity was booked with the factor of "
                    f"{'region ' + country if country else 'the world'}, not of a country (the "
                    "activity's region has no country factor, docs/regions.md): its residual mix "
                    "is unknown"
                )
                continue
            mix = mixes.find(country, int(month[:4]))
            if mix is None:
                notes.append(
                    f"no residual mix for {country} in {month[:4]} or before (docs/scope2.md): "
                    f"{rest:g} MWh uncovered"
                )
                continue
            used[(mix.country, mix.year)] = mix
            market += rest * 1000.0 * mix.kg_per_kwh
        market_bounds = {boundary_label(m.boundary) for m in used.values()}
        if covered_total > 0:
            market_bounds.add(CONTRACTED)
        out[key] = Scope2(
            team,
            month,
            location[key],
            None if notes else market,
            sum(kwh.values()) / 1000.0,
            covered_total,
            tuple(notes),
            tuple(used.values()),
            tuple(over),
            tuple(sorted(loc_bounds[key])),
            tuple(sorted(market_bounds)),
        )
    return out


def total(items: Iterable[Scope2]) -> tuple[float, float | None]:
    """(location kg, market kg or None when any part has none) over `items`."""
    items = list(items)
    loc = sum(s.location_kg for s in items)
    if any(s.market_kg is None for s in items):
        return loc, None
    return loc, sum(s.market_kg for s in items)  # type: ignore[misc]


def boundaries(items: Iterable[Scope2]) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """(location-based, market-based) boundary classes over `items`, each sorted."""
    items = list(items)
    return (
        tuple(sorted({b for s in items for b in s.location_boundaries})),
        tuple(sorted({b for s in items for b in s.market_boundaries})),
    )


def both_ways(items: Iterable[Scope2], location: str, market: str) -> str:
    """ "location-based X (boundary: …) · market-based Y (boundary: …)" (X, Y already
    formatted): each figure with the boundary it is on, so a gap that is only a boundary
    difference reads as one."""
    loc_b, market_b = boundaries(items)
    return (
        f"location-based {location} (boundary: {'; '.join(loc_b) or UNSTATED}) · market-based {market}"
        + (f" (boundary: {'; '.join(market_b)})" if market_b else "")
    )


def by_team(found: Mapping[tuple[str, str], Scope2]) -> dict[str, tuple[float, float | None]]:
    teams: dict[str, list[Scope2]] = defaultdict(list)
    for (t, _m), s in found.items():
        teams[t].append(s)
    return {t: total(v) for t, v in sorted(teams.items())}


def by_month(found: Mapping[tuple[str, str], Scope2]) -> dict[str, tuple[float, float | None]]:
    months: dict[str, list[Scope2]] = defaultdict(list)
    for (_t, m), s in found.items():
        months[m].append(s)
    return {m: total(v) for m, v in sorted(months.items())}


def notes_of(found: Mapping[tuple[str, str], Scope2]) -> list[str]:
    """Every reason a market-based figure is missing, prefixed with its team and month."""
    return [f"{s.team} {s.month}: {n}" for s in found.values() for n in s.notes]


def mixes_used(found: Mapping[tuple[str, str], Scope2]) -> list[ResidualMix]:
    seen = {(m.country, m.year): m for s in found.values() for m in s.residual_mixes}
    return [seen[k] for k in sorted(seen)]
