"""Derived factors: computed by code from published parameters and grid factors.

Cloud usage follows the Cloud Carbon Footprint (CCF) method:
    energy = usage × coefficient  (vCPU-hours × average W per vCPU, GB-hours ×
             kWh per GB-hour, GB-months × Wh per TB-hour, GB × kWh per GB)
    CO2e   = energy × PUE of the provider × grid intensity of the cloud region
with average W per vCPU = min + utilisation × (max − min). Operational
emissions only: CCF's embodied (manufacturing) share is not included.

Per-resolution video streaming follows the data-volume path:
    CO2e per hour = GB per hour at that resolution × network kWh per GB × grid.
It covers network transmission only (core/metro/edge, Mytton et al. 2019):
no data centre, no access network, no viewing device. The per-hour factors
(Carbon Trust, IEA, ADEME) cover more; see the README.

pint checks that every result is a CO2e mass per activity unit before the
value is written in the unit the factor declares.
"""

from __future__ import annotations

from collections.abc import Iterable

from carbon import units
from carbon.errors import UnitError
from carbon.model import Coefficient, Factor

PROVIDERS = ("aws", "gcp", "azure")
RESOLUTIONS = ("sd", "hd", "uhd")

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
    if quantity.dimensionality != units.Q_(1, target).dimensionality:
        raise UnitError(f"derived factor {what}: result is {units.describe(quantity.units)}, expected {unit}")
    return float(quantity.to(target).magnitude)


def _fmt(c: Coefficient) -> str:
    return f"{c.value:g} {c.unit}"


def derive_cloud(grid: Iterable[Factor], coef: dict[str, Coefficient]) -> list[Factor]:
    """CCF operational factors for every cloud-region grid factor ("aws:eu-west-3")."""
    out: list[Factor] = []
    if "cloud.cpu_utilization.default" not in coef:
        return out  # no CCF coefficients loaded: nothing to derive
    util = coef["cloud.cpu_utilization.default"]
    for g in grid:
        provider = g.region.split(":", 1)[0] if ":" in g.region else None
        if provider not in PROVIDERS:
            continue
        pue = coef[f"cloud.{provider}.pue"]
        grid_q = units.Q_(g.value, units.parse(g.unit))
        lo, hi = coef[f"cloud.{provider}.vcpu.min_watts"], coef[f"cloud.{provider}.vcpu.max_watts"]
        for suffix, name, unit in CLOUD_USAGES:
            if name is None:
                watts = _q(lo) + _q(util).to("dimensionless") * (_q(hi) - _q(lo))
                energy = watts  # W per vCPU == Wh per vCPU-hour
                how = (f"average W/vCPU = {_fmt(lo)} + {util.value:g}% × ({hi.value:g} − {lo.value:g}) "
                       f"[{lo.source}]")
            else:
                energy = _q(coef[name])
                how = f"{_fmt(coef[name])} [{coef[name].source}]"
            value = _checked(energy * _q(pue) * grid_q, unit, f"cloud.{provider}.{suffix}")
            out.append(Factor(
                activity=f"cloud.{provider}.{suffix}", region=g.region, year=g.year, value=value,
                unit=unit, category="infrastructure", scope=3,
                source=(f"derived, Cloud Carbon Footprint method: {how} × PUE {pue.value:g} "
                        f"× grid {g.value:g} {g.unit} ({g.source}, {g.year})"),
                uncertainty_pct=None, source_ref=f"grid: {g.origin}",
                boundary="operational electricity of the cloud service (CCF); excludes embodied emissions",
                origin="derived",
            ))
    return out


def derive_streaming(grid: Iterable[Factor], coef: dict[str, Coefficient]) -> list[Factor]:
    """Per-resolution streaming and per-GB transfer factors for every country/EU/world grid factor."""
    out: list[Factor] = []
    if "network.core_metro_edge.per_gb" not in coef:
        return out
    per_gb = coef["network.core_metro_edge.per_gb"]
    for g in grid:
        if ":" in g.region:
            continue  # cloud regions are data-centre grids, not where viewers are
        grid_q = units.Q_(g.value, units.parse(g.unit))
        network = _q(per_gb) * grid_q
        common = dict(region=g.region, year=g.year, category="streaming", scope=3,
                      uncertainty_pct=per_gb_uncertainty(coef), source_ref=f"grid: {g.origin}",
                      boundary="network transmission only (core/metro/edge); excludes data centre, "
                               "access network and viewing device", origin="derived")
        grid_txt = f"grid {g.value:g} {g.unit} ({g.source}, {g.year})"
        out.append(Factor(activity="streaming.data_transfer", unit="kg CO2e / GB",
                          value=_checked(network, "kg CO2e / GB", "streaming.data_transfer"),
                          source=f"derived: network {_fmt(per_gb)} [{per_gb.source}] × {grid_txt}",
                          **common))
        for res in RESOLUTIONS:
            vol = coef[f"streaming.video.data_volume.{res}"]
            key = f"streaming.video.{res}"
            out.append(Factor(activity=key, unit="g CO2e / hour",
                              value=_checked(_q(vol) * network, "g CO2e / hour", key),
                              source=(f"derived: {_fmt(vol)} [{vol.source}] × network {_fmt(per_gb)} "
                                      f"[{per_gb.source}] × {grid_txt}"),
                              **common))
    return out


def per_gb_uncertainty(coef: dict[str, Coefficient]) -> float | None:
    """Mytton et al. give ±0.0009 kWh/GB (1 SD) on 0.008: about 11 %."""
    return 11.0 if "network.core_metro_edge.per_gb" in coef else None


def derive_all(factors: Iterable[Factor], coef: dict[str, Coefficient]) -> list[Factor]:
    """Every derived factor computable from `factors`' electricity.grid rows."""
    from carbon.swd import derive_web  # website traffic (Sustainable Web Design v4)

    grid = [f for f in factors if f.activity == "electricity.grid"]
    return derive_cloud(grid, coef) + derive_streaming(grid, coef) + derive_web(grid, coef)
