"""Derived factors: computed by code from published parameters and grid factors.

Cloud usage follows the Cloud Carbon Footprint (CCF) method:
    energy = usage × coefficient  (vCPU-hours × average W per vCPU, GB-hours ×
             kWh per GB-hour, GB-months × Wh per TB-hour, GB × kWh per GB)
    CO2e   = energy × PUE of the provider × grid intensity of the cloud region
with average W per vCPU = min + utilisation × (max − min). Operational
emissions only: CCF's embodied (manufacturing) share is not included.
They are derived for every cloud-region grid row (that provider only) and for
every country or EU grid row (each provider): a cloud region without a grid
row of its own resolves, through the region hierarchy, to its country's row
(aws:eu-south-2 -> ES; docs/regions.md). The any-region (world) grid row
derives no cloud factor: a cloud region the hierarchy cannot place is refused.

Per-resolution video streaming (streaming.video.sd/.hd/.uhd) follows ADEME's
impactCO2 model (publicodes-acv-numerique) for a country whose decomposition of
a default HD hour is shipped (factors/*_streaming_*_coefficients.csv; today FR):
    per hour = devices (manufacture + use) + data-centre construction   [per hour]
             + GB per hour at that resolution x (transmission + data-centre use
               of the HD hour) / 3 GB                                   [per GB]
as the model itself computes it when its "quality" changes. So the HD factor is
the sum of the published per-hour components, on the same boundary as that
country's streaming.video.hour factor (lifecycle incl. viewing device), and the
per-GB part alone is that country's streaming.data_transfer.

Elsewhere, each region's own streaming.video.hour factor (Carbon Trust for the
EU, IEA for any region, or one a user imports) is scaled by resolution with the
shares of that model: SD = hour x SD/HD, HD = hour, UHD = hour x UHD/HD (ADEME's
ratios: a default hour is an HD hour). The per-resolution factors then sit on
that region's per-hour boundary, whatever it is (Carbon Trust: use phase; IEA:
CO2 only), so HD hours and plain hours weigh the same in every region and the
resolution lever keeps the share of a streaming hour that depends on the data.

Elsewhere streaming.data_transfer keeps the data-volume path:
    CO2e per GB = network kWh per GB x grid,
network transmission only (core/metro/edge, Mytton et al. 2019): no data
centre, no access network, no device. No per-resolution factor is derived on
that boundary: summed with the per-hour factors it would weigh 58x less.

pint checks that every result is a CO2e mass per activity unit before the
value is written in the unit the factor declares.
"""

from __future__ import annotations

from collections.abc import Iterable

from carbon.core import units
from carbon.errors import UnitError
from carbon.model import Coefficient, Factor

PROVIDERS = ("aws", "gcp", "azure")
RESOLUTIONS = ("sd", "hd", "uhd")
# The parts of a streaming hour in the ADEME impactCO2 model (one coefficient each, per region).
STREAMING_PARTS = (
    "device_manufacture",
    "device_use",
    "transmission",
    "datacentre_construction",
    "datacentre_use",
)

# (key suffix, coefficient name pattern, result unit)
CLOUD_USAGES = (
    ("vcpu_hour", None, "kg CO2e / vCPU_hour"),
    ("memory_gb_hour", "cloud.memory", "kg CO2e / GB_hour"),
    ("storage_ssd_gb_month", "cloud.storage.ssd", "kg CO2e / GB_month"),
    ("storage_hdd_gb_month", "cloud.storage.hdd", "kg CO2e / GB_month"),
    ("network_gb", "cloud.network", "kg CO2e / GB"),
)


def _q(c: Coefficient):
    return units.Q_(c.value, units.parse(c.unit))


def _checked(quantity, unit: str, what: str) -> float:
    target = units.parse(unit)
    if quantity.dimensionality != target.dimensionality:
        raise UnitError(
            f"derived factor {what}: result is {units.describe(quantity.units)}, expected {unit}"
        )
    return float(quantity.to(target).magnitude)


def _origins(coefs: Iterable[Coefficient]) -> str:
    """ "a.csv:2-6, b.csv:3" from the coefficients' "file:line" origins."""
    lines: dict[str, list[int]] = {}
    for c in coefs:
        name, _, line = c.origin.rpartition(":")
        lines.setdefault(name, []).append(int(line))
    return ", ".join(
        f"{n}:{min(v)}" + (f"-{max(v)}" if len(set(v)) > 1 else "") for n, v in lines.items()
    )


def _fmt(c: Coefficient) -> str:
    return f"{c.value:g} {c.unit}"


def _providers(region: str) -> tuple[str, ...]:
    """Providers whose cloud factors a grid row of `region` yields (see the module docstring)."""
    if ":" in region:
        provider = region.split(":", 1)[0]
        return (provider,) if provider in PROVIDERS else ()
    return PROVIDERS if region else ()


def _cloud_energy(
    provider: str, coef: dict[str, Coefficient]
) -> list[tuple[str, str, object, str]]:
    """Per usage of `provider`: (key suffix, result unit, energy × PUE, how it was computed)."""
    util = coef["cloud.cpu_utilization.default"]
    pue = coef[f"cloud.{provider}.pue"]
    lo, hi = coef[f"cloud.{provider}.vcpu.min_watts"], coef[f"cloud.{provider}.vcpu.max_watts"]
    out = []
    for suffix, name, unit in CLOUD_USAGES:
        if name is None:
            watts = _q(lo) + _q(util).to("dimensionless") * (_q(hi) - _q(lo))
            energy = watts  # W per vCPU == Wh per vCPU-hour
            how = (
                f"average W/vCPU = {_fmt(lo)} + {util.value:g}% × ({hi.value:g} − {lo.value:g}) "
                f"[{lo.source}]"
            )
        else:
            energy = _q(coef[name])
            how = f"{_fmt(coef[name])} [{coef[name].source}]"
        out.append((suffix, unit, energy * _q(pue), f"{how} × PUE {pue.value:g}"))
    return out


def derive_cloud(grid: Iterable[Factor], coef: dict[str, Coefficient]) -> list[Factor]:
    """CCF operational factors for every cloud-region ("aws:eu-west-3") and country grid factor."""
    out: list[Factor] = []
    if "cloud.cpu_utilization.default" not in coef:
        return out  # no CCF coefficients loaded: nothing to derive
    usages: dict[str, list] = {}  # per provider, computed once (the grid is the only variable)
    for g in grid:
        providers = _providers(g.region)
        if not providers:
            continue
        grid_q = units.Q_(g.value, units.parse(g.unit))
        for provider in providers:
            if provider not in usages:
                usages[provider] = _cloud_energy(provider, coef)
            for suffix, unit, energy_pue, how in usages[provider]:
                value = _checked(energy_pue * grid_q, unit, f"cloud.{provider}.{suffix}")
                out.append(
                    Factor(
                        activity=f"cloud.{provider}.{suffix}",
                        region=g.region,
                        year=g.year,
                        value=value,
                        unit=unit,
                        category="infrastructure",
                        scope=3,
                        source=(
                            f"derived, Cloud Carbon Footprint method: {how} "
                            f"× grid {g.value:g} {g.unit} ({g.source}, {g.year})"
                        ),
                        uncertainty_pct=None,
                        source_ref=f"grid: {g.origin}",
                        boundary="operational electricity of the cloud service (CCF); excludes embodied emissions",
                        origin="derived",
                    )
                )
    return out


def derive_streaming(
    grid: Iterable[Factor], coef: dict[str, Coefficient], hourly: Iterable[Factor] = ()
) -> list[Factor]:
    """Streaming factors: the full-boundary model where shipped, each other region's per-hour
    factor scaled by resolution, and the network path per GB elsewhere.

    Returns per-resolution (g CO2e / hour, or the per-hour factor's unit) and per-GB (g or
    kg CO2e / GB) factors.
    """
    full = derive_streaming_full(coef)
    modelled = {f.region for f in full}
    return (
        full
        + derive_streaming_scaled([h for h in hourly if h.region not in modelled], full)
        + derive_data_transfer([g for g in grid if g.region not in modelled], coef)
    )


def derive_streaming_scaled(hourly: Iterable[Factor], full: list[Factor]) -> list[Factor]:
    """streaming.video.{sd,hd,uhd} for each region's streaming.video.hour factor outside the
    modelled regions: the hour factor x (resolution / HD) of the first modelled region's model
    (a default streaming hour is an HD hour in ADEME's model), on that factor's own boundary."""
    model = {
        f.activity.rsplit(".", 1)[1]: f for f in full if f.activity.startswith("streaming.video.")
    }
    if set(model) != set(RESOLUTIONS):
        return []
    hd = model["hd"]
    out: list[Factor] = []
    for h in hourly:
        for res in RESOLUTIONS:
            ratio = model[res].value / hd.value
            out.append(
                Factor(
                    activity=f"streaming.video.{res}",
                    region=h.region,
                    year=h.year,
                    value=h.value * ratio,
                    unit=h.unit,
                    category=h.category,
                    scope=h.scope,
                    uncertainty_pct=h.uncertainty_pct,
                    source=(
                        f"derived: streaming.video.hour {h.value:g} {h.unit} ({h.source}, {h.year}) x "
                        f"{res.upper()}/HD = {model[res].value:.4f}/{hd.value:.4f} = {ratio:.4f} "
                        f"(ADEME impactCO2 model, {hd.region} {hd.year}: a default hour is an HD hour)"
                    ),
                    source_ref=f"hour: {h.origin}; ratio: {model[res].source_ref}",
                    boundary=(
                        f"as streaming.video.hour of this region: {h.boundary}"
                        if h.boundary
                        else "as streaming.video.hour of this region"
                    ),
                    origin="derived",
                )
            )
    return out


def _full_model_regions(coef: dict[str, Coefficient]) -> list[str]:
    """Regions with a shipped decomposition of a streaming hour: "streaming.fr.*" -> "FR"."""
    out = []
    for name in coef:
        parts = name.split(".")
        if len(parts) == 3 and parts[0] == "streaming" and parts[2] == "device_manufacture":
            out.append(parts[1].upper())
    return sorted(out)


def derive_streaming_full(coef: dict[str, Coefficient]) -> list[Factor]:
    """Per-resolution and per-GB streaming factors on the per-hour factor's boundary (ADEME model).

    Per hour: devices and data-centre construction do not depend on the resolution; transmission
    and data-centre use are per GB, published for the model's default HD hour
    (streaming.video.data_volume.hd GB), and scale with the resolution's GB per hour.
    """
    out: list[Factor] = []
    if "streaming.video.data_volume.hd" not in coef:
        return out
    ref_volume = coef["streaming.video.data_volume.hd"]
    for region in _full_model_regions(coef):
        c = {part: coef[f"streaming.{region.lower()}.{part}"] for part in STREAMING_PARTS}
        fixed = _q(c["device_manufacture"]) + _q(c["device_use"]) + _q(c["datacentre_construction"])
        per_gb = (_q(c["transmission"]) + _q(c["datacentre_use"])) / _q(ref_volume)
        fixed_g = _checked(fixed, "g CO2e / hour", "streaming devices")
        per_gb_g = _checked(per_gb, "g CO2e / GB", "streaming per GB")
        g = {k: _checked(_q(v), "g CO2e / hour", k) for k, v in c.items()}
        how_fixed = (
            f"{fixed_g:.4f} g/h (device manufacture {g['device_manufacture']:.4f} + device use "
            f"{g['device_use']:.4f} + data-centre construction {g['datacentre_construction']:.4f})"
        )
        how_gb = (
            f"{per_gb_g:.5f} g/GB (transmission {g['transmission']:.4f} + data-centre use "
            f"{g['datacentre_use']:.4f} g for the {ref_volume.value:g} GB of an HD hour)"
        )
        common = {
            "region": region,
            "year": c["device_manufacture"].year,
            "category": "streaming",
            "scope": 3,
            "uncertainty_pct": None,
            "origin": "derived",
        }
        src = c["device_manufacture"].source
        out.append(
            Factor(
                activity="streaming.data_transfer",
                unit="g CO2e / GB",
                value=per_gb_g,
                source=f"derived, ADEME impactCO2 streaming model [{src}]: the per-GB part, {how_gb}",
                boundary=(
                    "network incl. home box + data-centre use, lifecycle (ADEME/NegaOctet), per GB "
                    "transferred; excludes the viewing device (counted per hour, not per GB)"
                ),
                source_ref=f"coefficients: {_origins([*c.values(), ref_volume])}",
                **common,
            )
        )
        for res in RESOLUTIONS:
            vol = coef[f"streaming.video.data_volume.{res}"]
            key = f"streaming.video.{res}"
            value = _checked(fixed + _q(vol) * per_gb, "g CO2e / hour", key)
            out.append(
                Factor(
                    activity=key,
                    unit="g CO2e / hour",
                    value=value,
                    source=(
                        f"derived, ADEME impactCO2 streaming model [{src}] at {_fmt(vol)} "
                        f"[{vol.source}]: {how_fixed} + {vol.value:g} GB/h x {how_gb}"
                    ),
                    boundary=(
                        "lifecycle, as streaming.video.hour of this region (ADEME): viewing device "
                        "manufacture (allocated by viewing time) and use, network incl. home box, "
                        "data centre; default device mix, fixed network"
                    ),
                    source_ref=f"coefficients: {_origins([*c.values(), ref_volume, vol])}",
                    **common,
                )
            )
    return out


def derive_data_transfer(grid: Iterable[Factor], coef: dict[str, Coefficient]) -> list[Factor]:
    """streaming.data_transfer per GB from the core-network energy and each country/EU/world grid."""
    out: list[Factor] = []
    if "network.core_metro_edge.per_gb" not in coef:
        return out
    per_gb = coef["network.core_metro_edge.per_gb"]
    for g in grid:
        if ":" in g.region:
            continue  # cloud regions are data-centre grids, not where viewers are
        grid_q = units.Q_(g.value, units.parse(g.unit))
        out.append(
            Factor(
                activity="streaming.data_transfer",
                unit="kg CO2e / GB",
                value=_checked(_q(per_gb) * grid_q, "kg CO2e / GB", "streaming.data_transfer"),
                source=(
                    f"derived: network {_fmt(per_gb)} [{per_gb.source}] × grid {g.value:g} {g.unit} "
                    f"({g.source}, {g.year})"
                ),
                region=g.region,
                year=g.year,
                category="streaming",
                scope=3,
                uncertainty_pct=per_gb_uncertainty(coef),
                source_ref=f"grid: {g.origin}",
                boundary=(
                    "network transmission only (core/metro/edge); excludes data centre, access network "
                    "and viewing device"
                ),
                origin="derived",
            )
        )
    return out


def per_gb_uncertainty(coef: dict[str, Coefficient]) -> float | None:
    """Mytton et al. give ±0.0009 kWh/GB (1 SD) on 0.008: about 11 %."""
    return 11.0 if "network.core_metro_edge.per_gb" in coef else None


def derive_all(factors: Iterable[Factor], coef: dict[str, Coefficient]) -> list[Factor]:
    """Every derived factor computable from `factors`' electricity.grid rows."""
    from carbon.factors.swd import derive_web  # website traffic (Sustainable Web Design v4)

    factors = list(factors)
    grid = [f for f in factors if f.activity == "electricity.grid"]
    hourly = [f for f in factors if f.activity == "streaming.video.hour"]
    return derive_cloud(grid, coef) + derive_streaming(grid, coef, hourly) + derive_web(grid, coef)
