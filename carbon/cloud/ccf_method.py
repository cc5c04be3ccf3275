"""CCF's energy formulas, vectorised: usage amounts in, kWh and embodied t CO2e out. Pure.

Sources: packages/core/src/{compute/ComputeEstimator, memory/MemoryEstimator,
storage/StorageEstimator, networking/NetworkingEstimator,
embodiedEmissions/EmbodiedEmissionsEstimator, unknown/UnknownEstimator}.ts (CCF b7a049c).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from carbon.cloud import tables
from carbon.cloud.classify import UsageClass

CLASS_FIELDS = ("vcpu_hours", "min_w", "max_w", "gpu_hours", "gpu_min_w", "gpu_max_w", "memory_gb_hours",
                "tb_hours", "per_month", "storage_wh_per_tb_hour", "network_gb", "replication", "embodied_t")


def class_frame(classes: list[UsageClass]) -> pd.DataFrame:
    """One row per usage class (its position in `classes`), one column per coefficient."""
    return pd.DataFrame({f: [getattr(c, f) for c in classes] for f in CLASS_FIELDS})


def hours_in_month(start: pd.Series) -> np.ndarray:
    """Real hours of the calendar month of each timestamp (February 2026: 672 h, not 730.5)."""
    return start.dt.days_in_month.to_numpy(dtype=float) * 24.0


def energy(coef, amount: np.ndarray, utilisation: np.ndarray, month_hours: np.ndarray,
           pue: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
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
    tb_hours = amount * coef["tb_hours"] * np.where(coef["per_month"].astype(bool),
                                                                month_hours, 1.0)
    storage = tb_hours * coef["storage_wh_per_tb_hour"] / 1000
    network = amount * coef["network_gb"] * tables.NETWORK_KWH_PER_GB
    kwh = (compute + memory + storage) * pue * rep + network * pue
    embodied = amount * coef["embodied_t"]
    return kwh, embodied
