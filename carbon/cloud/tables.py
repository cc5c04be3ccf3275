"""Cloud Carbon Footprint's constant tables, as data (carbon/cloud/data/*.csv).

Extracted from CCF's TypeScript by scripts/extract_ccf_tables.py; each file names
the CCF source file and constant. Read once per process.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from statistics import median

DATA = Path(__file__).with_name("data")
CCF_REF = "Cloud Carbon Footprint (HEAD b7a049c, 2024-03-25)"

# Provider constants from CCF's {Aws,Gcp,Azure}FootprintEstimationConstants.ts.
PROVIDER = {
    "aws": dict(min_watts=0.74, max_watts=3.5, memory_avg=80.69, pue=1.135, ssd=1.2, hdd=0.65),
    # GCP's fallback is the median (MIN_WATTS_MEDIAN / MAX_WATTS_MEDIAN), AWS's and Azure's the mean.
    "gcp": dict(min_watts=0.68, max_watts=4.11, memory_avg=None, pue=1.1, ssd=1.2, hdd=0.65),
    "azure": dict(min_watts=0.74, max_watts=3.54, memory_avg=80.47, pue=1.185, ssd=1.2, hdd=0.65),
}
MEMORY_KWH_PER_GB_HOUR = 0.000392  # MEMORY_COEFFICIENT
NETWORK_KWH_PER_GB = 0.001  # NETWORKING_COEFFICIENT
DEFAULT_UTILISATION = 50.0  # AVG_CPU_UTILIZATION_2020 (percent)
SERVER_LIFESPAN_HOURS = 35040  # SERVER_EXPECTED_LIFESPAN: 4 years
GCP_PUE_BY_REGION = {  # GCP_CLOUD_CONSTANTS.PUE_TRAILING_TWELVE_MONTH
    "us-east4": 1.08,
    "us-central1": 1.11,
    "us-central2": 1.11,
    "europe-west1": 1.09,
    "europe-west4": 1.07,
    "europe-north1": 1.09,
    "asia-east1": 1.12,
    "asia-southeast1": 1.13,
}


def pue(provider: str, region: str) -> float:
    """PUE of the data centre: per region where CCF has one (GCP), else the provider average."""
    if provider == "gcp" and region in GCP_PUE_BY_REGION:
        return GCP_PUE_BY_REGION[region]
    return PROVIDER[provider]["pue"]


def _rows(name: str) -> list[dict[str, str]]:
    with open(DATA / name, encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


@lru_cache(maxsize=1)
def processor_coefficients() -> dict[tuple[str, str, str], float]:
    """(provider, processor, "min_watts" | "max_watts" | "memory_gb_per_chip") -> value."""
    return {
        (r["provider"], r["processor"], r["quantity"]): float(r["value"])
        for r in _rows("ccf_processors.csv")
    }


def _average_or_median(processors: list[str], values: list[float]) -> float:
    # CCF getWattsByAverageOrMedian: the median when Sandy Bridge or Ivy Bridge (outliers) is in
    # the group, else the mean.
    if not values:
        return 0.0
    if "Sandy Bridge" in processors or "Ivy Bridge" in processors:
        return float(median(values))
    return sum(values) / len(values)


def watts(provider: str, processors: tuple[str, ...]) -> tuple[float, float, bool]:
    """(min W, max W per vCPU, True when the processors were known) for a processor group."""
    coef = processor_coefficients()
    lo = [
        coef[(provider, p, "min_watts")] for p in processors if (provider, p, "min_watts") in coef
    ]
    hi = [
        coef[(provider, p, "max_watts")] for p in processors if (provider, p, "max_watts") in coef
    ]
    lo_v, hi_v = _average_or_median(list(processors), lo), _average_or_median(list(processors), hi)
    if not lo_v or not hi_v:
        return PROVIDER[provider]["min_watts"], PROVIDER[provider]["max_watts"], False
    return lo_v, hi_v, True


def memory_per_chip(provider: str, processors: tuple[str, ...]) -> float:
    coef = processor_coefficients()
    vals = [
        coef[(provider, p, "memory_gb_per_chip")]
        for p in processors
        if (provider, p, "memory_gb_per_chip") in coef
    ]
    return sum(vals) / len(vals) if vals else PROVIDER[provider]["memory_avg"]


@dataclass(frozen=True)
class InstanceSize:
    vcpu: float
    memory_gb: float
    embodied_t: float | None  # scope-3 emissions of the whole server, t CO2e (CCF's third column)


@lru_cache(maxsize=1)
def aws_instance_families() -> dict[str, dict[str, dict[str, InstanceSize]]]:
    """table -> family -> size -> InstanceSize, in CCF's order (largest size last)."""
    out: dict[str, dict[str, dict[str, InstanceSize]]] = {}
    for r in _rows("ccf_aws_instance_types.csv"):
        emb = float(r["embodied_t"]) if r["embodied_t"] else None
        out.setdefault(r["table"], {}).setdefault(r["family"], {})[r["size"]] = InstanceSize(
            float(r["vcpu"]), float(r["memory_gb"]), emb
        )
    return out


@lru_cache(maxsize=1)
def aws_numbers() -> dict[str, dict[str, float]]:
    out: dict[str, dict[str, float]] = {}
    for r in _rows("ccf_aws_instance_numbers.csv"):
        out.setdefault(r["table"], {})[r["name"]] = float(r["value"])
    return out


@lru_cache(maxsize=1)
def aws_processors() -> dict[str, dict[str, tuple[str, ...]]]:
    out: dict[str, dict[str, tuple[str, ...]]] = {}
    for r in _rows("ccf_aws_instance_processors.csv"):
        out.setdefault(r["table"], {})[r["instance_type"]] = tuple(r["processors"].split("|"))
    return out


@lru_cache(maxsize=1)
def known_regions() -> dict[str, set[str]]:
    """Cloud regions CCF has a grid factor for, per provider (lower case)."""
    out: dict[str, set[str]] = {}
    for r in _rows("ccf_grid_regions.csv"):
        out.setdefault(r["provider"], set()).add(r["region"].lower())
    return out


@dataclass(frozen=True)
class MachineType:
    """A GCP machine type in CCF's MachineTypes.ts: its vCPUs, the embodied emissions of its server
    (t CO2e) and the vCPUs of the largest type of its family (the whole server)."""

    vcpu: float
    embodied_t: float
    largest_vcpu: float


@lru_cache(maxsize=1)
def gcp_machine_types() -> dict[str, MachineType]:
    """machine type -> MachineType, as CCF getDataFromMachineType finds it: first in
    MACHINE_FAMILY_TO_MACHINE_TYPE_MAPPING (family = the first two parts, 'n1-standard'), then in
    the shared-core table of its first part ('e2'), then in the N1 shared-core table; the largest
    type of a family is its last row (CCF's order)."""
    tables_: dict[str, dict[str, dict[str, tuple[float, float]]]] = {}
    for r in _rows("ccf_gcp_machine_types.csv"):
        tables_.setdefault(r["table"], {}).setdefault(r["family"], {})[r["machine_type"]] = (
            float(r["vcpu"]),
            float(r["embodied_t"]),
        )
    out: dict[str, MachineType] = {}
    for table in (
        "N1_SHARED_CORE_MACHINE_FAMILY_TO_MACHINE_TYPE_MAPPING",
        "MACHINE_FAMILY_SHARED_CORE_TO_MACHINE_TYPE_MAPPING",
        "MACHINE_FAMILY_TO_MACHINE_TYPE_MAPPING",
    ):
        for family in tables_.get(
            table, {}
        ).values():  # later tables win, as CCF looks them up first
            largest = list(family.values())[-1][0]
            out.update({name: MachineType(v, e, largest) for name, (v, e) in family.items()})
    return out


@lru_cache(maxsize=1)
def gcp_family_processors() -> dict[str, tuple[str, ...]]:
    """Machine family ('n2d', or a shared-core type 'e2-micro') -> processors (CCF
    INSTANCE_TYPE_COMPUTE_PROCESSOR_MAPPING of MachineTypes.ts)."""
    return {
        r["family"]: tuple(r["processors"].split("|"))
        for r in _rows("ccf_gcp_machine_processors.csv")
    }
