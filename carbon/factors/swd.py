"""Website traffic: the Sustainable Web Design model, version 4, as CO2.js implements it.

The Green Web Foundation's CO2.js (src/sustainable-web-design-v4.js, constants in
src/constants/index.js; mirrored here as factors/swd_2024_web_coefficients.csv):

    GB                 = bytes / 10^9 (decimal)
    operational g CO2e = GB × (kWh/GB of data centre, network, device: 0.055, 0.059, 0.080)
                            × the grid intensity of each segment (default: the global 494 g/kWh)
    embodied g CO2e    = GB × (kWh/GB of data centre, network, device: 0.012, 0.013, 0.081)
                            × 494 g/kWh, always ("per the SWDM v4 guidance, the grid intensity
                            values for embodied emissions are fixed to the global grid intensity")
    per byte           = data centre operational × (1 − green hosting factor)
                         + every other segment, operational and embodied
    per visit          = per byte × first-visit share + per byte × data reload ratio × return-visit share

Options, off by default as in CO2.js: green hosting (factor 0: grey hosting),
return visitors (first-visit share 1, return-visit share 0: every byte counted
once, which is what a transfer figure measures).

Derived factors (see `derive_web`): `web.transfer` per GB for any region (global
intensity on every segment: 148.2 g/GB) and for every country grid row (that
grid for the operational segments, the global one for the embodied ones);
`web.transfer.green_hosting` the same with green hosting (factor 1).

Page views (see `per_view`): `web.page_view` (and `web.page_view.green_hosting`) rows
give views and the page weight of one view; their factor per view is derived at import
from the row's region and year's `web.transfer` (`.green_hosting`) factor.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from carbon.core.lazy import lazy
from carbon.model import Coefficient, Factor

units = lazy("carbon.core.units")

GIGABYTE = 1_000_000_000  # CO2.js src/constants/file-size.js
SEGMENTS = ("data_centre", "network", "device")
PREFIX = "web.swd4"
# page-view key -> the per-GB key whose region and vintage it takes
PAGE_VIEW = {
    "web.page_view": "web.transfer",
    "web.page_view.green_hosting": "web.transfer.green_hosting",
}


@dataclass(frozen=True)
class Segments:
    """g CO2e per segment."""

    data_centre: float
    network: float
    device: float

    @property
    def total(self) -> float:
        return self.data_centre + self.network + self.device


def _kwh_per_gb(coef: Mapping[str, Coefficient], part: str, seg: str) -> float:
    c = coef[f"{PREFIX}.{part}.{seg}"]
    return units.converted(c.value, c.unit, "kWh / GB")


def global_grid(coef: Mapping[str, Coefficient]) -> float:
    """The model's global grid intensity, g CO2e per kWh (494 in CO2.js)."""
    c = coef[f"{PREFIX}.grid.global"]
    return units.converted(c.value, c.unit, "g_CO2e / kWh")


def operational(
    bytes_: float, coef: Mapping[str, Coefficient], grid: Mapping[str, float] | None = None
) -> Segments:
    """Operational g CO2e per segment; `grid` ({segment: g CO2e/kWh}) overrides the global intensity."""
    gb = bytes_ / GIGABYTE
    g = global_grid(coef)
    return Segments(
        *(gb * _kwh_per_gb(coef, "operational", s) * (grid or {}).get(s, g) for s in SEGMENTS)
    )


def embodied(bytes_: float, coef: Mapping[str, Coefficient]) -> Segments:
    """Embodied g CO2e per segment, always at the global grid intensity."""
    gb = bytes_ / GIGABYTE
    g = global_grid(coef)
    return Segments(*(gb * _kwh_per_gb(coef, "embodied", s) * g for s in SEGMENTS))


def per_byte(
    bytes_: float,
    coef: Mapping[str, Coefficient],
    *,
    green_hosting_factor: float = 0.0,
    grid: Mapping[str, float] | None = None,
) -> float:
    """g CO2e for transferring `bytes_` (CO2.js `perByte`): 0 below one byte."""
    if bytes_ < 1:
        return 0.0
    op, em = operational(bytes_, coef, grid), embodied(bytes_, coef)
    return (
        op.data_centre * (1 - green_hosting_factor)
        + em.data_centre
        + op.network
        + em.network
        + op.device
        + em.device
    )


def per_visit(
    bytes_: float,
    coef: Mapping[str, Coefficient],
    *,
    green_hosting_factor: float = 0.0,
    first_visit_share: float = 1.0,
    return_visit_share: float = 0.0,
    data_reload_ratio: float = 0.0,
    grid: Mapping[str, float] | None = None,
) -> float:
    """g CO2e per visit of a page of `bytes_` (CO2.js `perVisit`); with the defaults, per_byte."""
    first = per_byte(bytes_, coef, green_hosting_factor=green_hosting_factor, grid=grid)
    return first * first_visit_share + first * data_reload_ratio * return_visit_share


def derive_web(grid: Iterable[Factor], coef: Mapping[str, Coefficient]) -> list[Factor]:
    """`web.transfer` and `web.transfer.green_hosting` per GB: any region (the model's global
    intensity), and every country/EU grid row (that grid for the operational segments)."""
    if f"{PREFIX}.grid.global" not in coef:
        return []
    src = coef[f"{PREFIX}.grid.global"]
    g = global_grid(coef)
    out = []
    rows: list[tuple[str, int, float | None, str, str]] = [
        ("", src.year, None, f"global grid {g:g} g CO2e/kWh", f"coefficients: {src.origin}")
    ]
    for f in grid:
        if not f.region or ":" in f.region:
            continue  # any-region rows: the model's own global intensity is used; cloud regions: not viewers
        gq = units.converted(f.value, f.unit, "g_CO2e / kWh")
        rows.append(
            (
                f.region,
                f.year,
                gq,
                f"operational at grid {f.value:g} {f.unit} ({f.source}, {f.year}), "
                f"embodied at the global {g:g} g CO2e/kWh",
                f"grid: {f.origin}",
            )
        )
    for region, year, gq, how, ref in rows:
        seg_grid = {s: gq for s in SEGMENTS} if gq is not None else None
        for key, green in (("web.transfer", 0.0), ("web.transfer.green_hosting", 1.0)):
            value = per_byte(GIGABYTE, coef, green_hosting_factor=green, grid=seg_grid)
            hosting = "green hosting (data centre operational 0)" if green else "grey hosting"
            out.append(
                Factor(
                    activity=key,
                    region=region,
                    year=year,
                    value=value,
                    unit="g CO2e / GB",
                    category="web",
                    scope=3,
                    source=f"derived, {src.source}: 0.3 kWh/GB (data centre, network, device; operational and "
                    f"embodied), {hosting}, {how}",
                    uncertainty_pct=None,
                    source_ref=ref,
                    boundary="data centre, network and user device, operational and embodied (SWD v4); "
                    "no return-visitor caching",
                    origin="derived",
                )
            )
    return out


def page_view_keys(known: Iterable[str]) -> list[str]:
    """The page-view keys a factor table's keys `known` can price (their per-GB key is there)."""
    known = set(known)
    return [k for k, per_gb in PAGE_VIEW.items() if per_gb in known]


def per_view(transfer: Factor, key: str, page_bytes: float) -> Factor:
    """The factor of one view (`key`, g CO2e / view) of a page of `page_bytes` (>= 1 byte), from
    the per-data factor `transfer` resolved for the row's region and year (`PAGE_VIEW[key]`).

    With the model's defaults (first visits only) CO2.js `perVisit` is `perByte`, which is
    linear in bytes from one byte on: per view = page weight x the per-GB factor, the same
    grid, hosting and vintage as a `web.transfer` row of that region.
    """
    per_page = units.Q_(transfer.value, units.parse(transfer.unit)) * units.Q_(page_bytes, "byte")
    grams = float(per_page.to("g_CO2e").magnitude)
    return Factor(
        activity=key,
        region=transfer.region,
        year=transfer.year,
        value=grams,
        unit="g CO2e / view",
        category=transfer.category,
        scope=transfer.scope,
        source=f"derived: page weight {page_bytes:,.10g} bytes per view x {PAGE_VIEW[key]} "
        f"{transfer.value:g} {transfer.unit} [{transfer.source}]",
        uncertainty_pct=transfer.uncertainty_pct,
        source_ref=transfer.source_ref,
        boundary=transfer.boundary,
        origin="derived",
        scope3_category=transfer.scope3_category,
    )
