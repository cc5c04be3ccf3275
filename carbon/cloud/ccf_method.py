"""CCF's energy formulas, vectorised: usage amounts in, kWh and embodied t CO2e out. Pure.

Also the per-size coefficients all providers share: memory above the processor's per-chip
threshold and embodied emissions per hour.

Sources: packages/core/src/{compute/ComputeEstimator, memory/MemoryEstimator,
storage/StorageEstimator, networking/NetworkingEstimator,
embodiedEmissions/EmbodiedEmissionsEstimator, unknown/UnknownEstimator}.ts (CCF b7a049c).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

from carbon.cloud import tables

CLASS_FIELDS = (
    "vcpu_hours",
    "min_w",
    "max_w",
    "gpu_hours",
    "gpu_min_w",
    "gpu_max_w",
    "memory_gb_hours",
    "tb_hours",
    "per_month",
    "storage_wh_per_tb_hour",
    "network_gb",
    "replication",
    "embodied_t",
    "embodied_hours",
)


@dataclass(frozen=True)
class UsageClass:
    """How one kind of usage line turns into energy, per unit of its usage amount.

    Energy of a line (kWh) = amount × (vcpu_hours × W(u) + gpu_hours × W_gpu(u)) / 1000 × PUE × replication
    + amount × memory_gb_hours × 0.000392 × PUE × replication (compute);
    amount × tb_hours × coefficient Wh/TB-h / 1000 × PUE × replication (storage, × hours of the month
    when `per_month`); amount × gb × 0.001 × PUE (network). W(u) = min + u/100 × (max − min).
    """

    kind: str
    method: str  # what was assumed, in words (stored with each entry)
    vcpu_hours: float = 0.0
    min_w: float = 0.0
    max_w: float = 0.0
    gpu_hours: float = 0.0
    gpu_min_w: float = 0.0
    gpu_max_w: float = 0.0
    memory_gb_hours: float = 0.0
    tb_hours: float = 0.0  # per unit; per GB-month: 1/1000 TB, times the month's hours (per_month)
    per_month: bool = False
    storage_wh_per_tb_hour: float = 0.0
    network_gb: float = 0.0
    replication: float = 1.0
    embodied_t: float = (
        0.0  # t CO2e of manufacture per hour of the embodied entry (instance- or vCPU-hour)
    )
    embodied_hours: float = (
        1.0  # hours of the embodied entry per unit of usage (GCP seconds: 1/3600)
    )


def class_frame(classes: list[UsageClass]) -> pd.DataFrame:
    """One row per usage class (its position in `classes`), one column per coefficient."""
    return pd.DataFrame({f: [getattr(c, f) for c in classes] for f in CLASS_FIELDS})


def hours_in_month(start: pd.Series) -> np.ndarray:
    """Real hours of the calendar month of each timestamp (February 2026: 672 h, not 730.5)."""
    return start.dt.days_in_month.to_numpy(dtype=float) * 24.0


def energy(
    coef, amount: np.ndarray, utilisation: np.ndarray, month_hours: np.ndarray, pue: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """(kWh, embodied t CO2e) of each line; `coef` holds each line's class coefficients.

    `coef` maps each of CLASS_FIELDS to one value per line (a DataFrame or a dict of arrays);
    utilisation in percent (CCF default 50); PUE per line (its provider and region).
    """
    coef = {f: np.asarray(coef[f]) for f in CLASS_FIELDS}
    u = utilisation / 100.0
    cpu_w = coef["min_w"] + u * (coef["max_w"] - coef["min_w"])
    gpu_w = coef["gpu_min_w"] + u * (coef["gpu_max_w"] - coef["gpu_min_w"])
    rep = coef["replication"]
    compute = amount * (coef["vcpu_hours"] * cpu_w + coef["gpu_hours"] * gpu_w) / 1000
    memory = amount * coef["memory_gb_hours"] * tables.MEMORY_KWH_PER_GB_HOUR
    tb_hours = (
        amount * coef["tb_hours"] * np.where(coef["per_month"].astype(bool), month_hours, 1.0)
    )
    storage = tb_hours * coef["storage_wh_per_tb_hour"] / 1000
    network = amount * coef["network_gb"] * tables.NETWORK_KWH_PER_GB
    kwh = (compute + memory + storage) * pue * rep + network * pue
    embodied = embodied_hours(coef, amount) * coef["embodied_t"]
    return kwh, embodied


def embodied_hours(coef, amount: np.ndarray) -> np.ndarray:
    """Hours of each line's embodied entry (instance-hours, or vCPU-hours for GCP); 0 without one."""
    coef_t, per_unit = np.asarray(coef["embodied_t"]), np.asarray(coef["embodied_hours"])
    return np.where(coef_t > 0, amount * per_unit, 0.0)


def physical_chips(largest_vcpu: float) -> int:
    """CCF getPhysicalChips: one physical chip per (at most) 96 vCPUs of the largest size."""
    return math.ceil(largest_vcpu / 96)


def memory_above_chips(
    largest_memory_gb: float, chips: int, per_chip_gb: float, size_memory_gb: float
) -> float:
    """GB of memory per hour counted on top of compute (CCF calculateGigabyteHours, per hour).

    The largest size of a family stands for the whole server: its memory per chip above what the
    processor's chip holds (SPECpower's `per_chip_gb`) is shared by the size's fraction of the largest
    size's memory. 0 when the chip holds it all.
    """
    extra = largest_memory_gb / chips - per_chip_gb
    if extra <= 0:
        return 0.0
    return extra / (largest_memory_gb / size_memory_gb)


def embodied_per_hour(server_t: float, size_vcpu: float, largest_vcpu: float) -> float:
    """t CO2e of manufacture per hour of usage (CCF EmbodiedEmissionsEstimator as its callers feed it).

    CCF: server emissions × (usageTimePeriod / lifespan) × (vCPUs / largest vCPUs), with
    usageTimePeriod = usage hours / vCPUs, so the size's vCPUs cancel: per hour of usage (an instance-
    or VM-hour for AWS and Azure, a vCPU-hour for GCP), server emissions / (lifespan × largest vCPUs).
    """
    return server_t * (1 / size_vcpu / tables.SERVER_LIFESPAN_HOURS) * (size_vcpu / largest_vcpu)
