"""Sort Azure cost-details lines into CCF's usage classes (one call per distinct kind of line).

The rules and lists are CCF's (packages/azure/src/lib/ConsumptionManagement.ts,
ConsumptionDetailRow.ts, ConsumptionTypes.ts, ReplicationFactors.ts,
VirtualMachineTypes.ts, domain/AzureFootprintEstimationConstants.ts at HEAD b7a049c).
As in CCF's code, a quantity is read in the unit's base (the "10" of "10 Hours" is
not applied); where CCF reads a storage line as one day regardless of its quantity,
carbon reads the quantity (see docs/cloud-billing.md, deviations).
"""

from __future__ import annotations

import csv
import re
from functools import lru_cache

from carbon.cloud import ccf_method, tables
from carbon.cloud.classify import (
    COMPUTE,
    MEMORY,
    NETWORK,
    OUTSIDE,
    SKIP,
    STORAGE_HDD,
    STORAGE_SSD,
    UNKNOWN,
    UsageClass,
)

UNKNOWN_SERVICES = (
    "Azure Bastion",
    "Load Balancer",
    "VPN Gateway",
    "Azure Front Door Service",
    "Azure Databricks",
    "Azure Data Factory v2",
    "API Management",
    "Advanced Data Security",
    "Virtual Machines Licenses",
)
UNKNOWN_USAGE_TYPES = ("Server - Free", "Requests", "Custom Domain")
UNSUPPORTED_USAGE_TYPES = ("Rulesets", "Rules", "Policies", "Kafka Surcharge", "License")
COMPUTE_USAGE_UNITS = (
    "1 Hour",
    "10 Hour",
    "10 Hours",
    "100 Hour",
    "100 Hours",
    "1000 Hour",
    "1000 Hours",
)
STORAGE_USAGE_UNITS = (
    "1 /Month",
    "100 /Month",
    "1 GB/Month",
    "10 GB/Month",
    "100 GB/Month",
    "10 /Day",
    "30 /Day",
    "1 TB/Month",
)
NETWORKING_USAGE_UNITS = ("1 GB", "1 TB", "10 GB", "100 GB", "200 GB")
MEMORY_USAGE_UNITS = ("1 GB Second", "50000 GB Seconds", "1 GB Hour", "1000 GB Hours")
STORAGE_USAGE_TYPES = (
    "Data Stored",
    "Metadata",
    "Registry Unit",
    "ZRS",
    "LRS",
    "GRS",
    "GZRS",
    "Data Retention",
    "Pay-as-you-go Data at Rest",
    "Standard Instances",
    "Node",
    "10 DTUs",
    "S0 DTUs",
    "B DTUs",
    "B DTU",
    "eDTUs",
    "On Premises Server Protected Instances",
    "Standard Trial Nodes",
    "Azure VM Protected Instances",
    "Standard User",
    "Multi-step Web Test",
    "S0 Secondary Active DTUs",
    "Resource Monitored at 5 Minute Frequency",
    "VM Replicated to Azure",
    "Basic User",
    "Standard Nodes",
    "Microsoft-hosted CI",
    "Data Processing Unit",
    "Pay as you go Warm Storage",
    "Standard Unit",
)
NETWORKING_USAGE_TYPES = (
    "Geo-Replication Data transfer",
    "Data Transfer Out",
    "Egress",
    "Geo-Replication v2 Data transfer",
    "Data Processed - Egress",
)
MEMORY_USAGE_TYPES = ("Execution Time", "Memory Duration", "C1 Cache Instance")
CACHE_MEMORY_GB = {
    "C0": 0.25,
    "C1": 1,
    "C2": 2.5,
    "C3": 6,
    "C4": 13,
    "C5": 26,
    "C6": 53,
    "P1": 6,
    "P2": 13,
    "P3": 26,
    "P4": 53,
    "P5": 120,
    "E10": 12,
    "E20": 25,
    "E50": 50,
    "E100": 100,
    "F300": 384,
    "F700": 715,
    "F1500": 1455,
}
SSD_MANAGED_DISKS_STORAGE_GB = {
    "P1": 4,
    "P2": 8,
    "P3": 16,
    "P4": 32,
    "P6": 64,
    "P10": 128,
    "P15": 256,
    "P20": 512,
    "P30": 1024,
    "P40": 2048,
    "P50": 4096,
    "P60": 8192,
    "P70": 16384,
    "P80": 32767,
    "E1": 4,
    "E2": 8,
    "E3": 16,
    "E4": 32,
    "E6": 64,
    "E10": 128,
    "E15": 256,
    "E20": 512,
    "E30": 1024,
    "E40": 2048,
    "E50": 4096,
    "E60": 8192,
    "E70": 16384,
    "E80": 32767,
}
HDD_MANAGED_DISKS_STORAGE_GB = {
    "S4": 32,
    "S6": 64,
    "S10": 128,
    "S15": 256,
    "S20": 512,
    "S30": 1024,
    "S40": 2048,
    "S50": 4096,
    "S60": 8192,
    "S70": 16384,
    "S80": 32767,
}
CONTAINER_REGISTRY_STORAGE_GB = {"Basic": 10, "Standard": 100, "Premium": 500}
REPLICATION = {  # AZURE_CLOUD_CONSTANTS.REPLICATION_FACTORS
    "STORAGE_LRS": 3,
    "STORAGE_ZRS": 3,
    "STORAGE_GRS": 6,
    "STORAGE_GZRS": 6,
    "STORAGE_DISKS": 3,
    "DATABASE_MYSQL": 3,
    "COSMOS_DB": 4,
    "SQL_DB": 3,
    "REDIS_CACHE": 2,
    "DEFAULT": 1,
}


def _any(values, text: str) -> bool:
    return any(v in text for v in values)


@lru_cache(maxsize=1)
def _vm() -> tuple[dict, dict]:
    """(table -> vm type -> (vCPUs or GPU count, memory GB)), (table -> vm type -> processors)."""
    sizes: dict[str, dict[str, tuple[float, float | None]]] = {}
    with open(tables.DATA / "ccf_azure_vm_types.csv", encoding="utf-8") as fh:
        for r in csv.DictReader(fh):
            sizes.setdefault(r["table"], {})[r["vm_type"]] = (
                float(r["vcpu_or_count"]) if r["vcpu_or_count"] else 0.0,
                float(r["memory_gb"]) if r["memory_gb"] else None,
            )
    procs: dict[str, dict[str, tuple[str, ...]]] = {}
    with open(tables.DATA / "ccf_azure_vm_processors.csv", encoding="utf-8") as fh:
        for r in csv.DictReader(fh):
            procs.setdefault(r["table"], {})[r["vm_type"]] = tuple(r["processors"].split("|"))
    return sizes, procs


def _num(text: str) -> float | None:
    return float(text) if text else None


@lru_cache(maxsize=1)
def _series() -> tuple[
    dict[str, str], dict[str, list[tuple[str, float, float | None, float | None]]]
]:
    """(vm type -> its series, series -> [(vm type, vCPUs, memory GB, embodied t CO2e)] in CCF's order).

    A size listed in two series belongs to the last (CCF getSeriesFromInstanceType)."""
    series_of: dict[str, str] = {}
    series: dict[str, list[tuple[str, float, float | None, float | None]]] = {}
    with open(tables.DATA / "ccf_azure_vm_types.csv", encoding="utf-8") as fh:
        for r in csv.DictReader(fh):
            if r["table"] == "VIRTUAL_MACHINE_TYPE_SERIES_MAPPING":
                series_of[r["vm_type"]] = r["series"]
                series.setdefault(r["series"], []).append(
                    (
                        r["vm_type"],
                        float(r["vcpu_or_count"]),
                        _num(r["memory_gb"]),
                        _num(r["embodied_t"]),
                    )
                )
    return series_of, series


@lru_cache(maxsize=1)
def _constrained() -> dict[str, tuple[float, float, float | None]]:
    """Constrained-vCPU size -> (vCPUs, platform vCPUs, embodied t CO2e)
    (VIRTUAL_MACHINE_TYPE_CONSTRAINED_VCPU_CAPABLE_MAPPING)."""
    with open(tables.DATA / "ccf_azure_vm_types.csv", encoding="utf-8") as fh:
        return {
            r["vm_type"]: (
                float(r["vcpu_or_count"]),
                float(r["platform_vcpu"]),
                _num(r["embodied_t"]),
            )
            for r in csv.DictReader(fh)
            if r["table"] == "VIRTUAL_MACHINE_TYPE_CONSTRAINED_VCPU_CAPABLE_MAPPING"
        }


def vm_memory(meter: str, processors: tuple[str, ...]) -> tuple[float, str]:
    """GB per VM-hour above the processors' per-chip memory (CCF
    getGigabyteHoursFromInstanceTypeAndProcessors), and how. Only sizes of
    VIRTUAL_MACHINE_TYPE_SERIES_MAPPING with a memory figure have one, as in CCF's code."""
    series_of, series = _series()
    name = series_of.get(meter)
    if name is None:
        return 0.0, ""
    sizes = series[name]
    this = next(s for s in reversed(sizes) if s[0] == meter)
    largest = sizes[-1]
    if not this[2] or not largest[2]:
        return 0.0, ""
    per_chip = tables.memory_per_chip("azure", processors)
    chips = ccf_method.physical_chips(largest[1])
    gb = ccf_method.memory_above_chips(largest[2], chips, per_chip, this[2])
    if gb <= 0:
        return 0.0, ""
    return gb, (
        f"memory above {per_chip:g} GB per chip ({chips} chip(s) of {largest[2]:g} GB in {largest[0]}, "
        f"the largest of {name}): {gb:.4g} GB per hour × {tables.MEMORY_KWH_PER_GB_HOUR:g} kWh/GB-h"
    )


def vm_embodied(meter: str) -> tuple[float, str]:
    """t CO2e of manufacture per VM-hour (CCF getEmbodiedEmissions with
    getDataFromSeriesNameAndUsageType), and how: the size's series, else its constrained-vCPU row,
    whose largest size is its platform vCPUs."""
    series_of, series = _series()
    name = series_of.get(meter)
    if name is not None:
        sizes = series[name]
        this = next(s for s in reversed(sizes) if s[0] == meter)
        vcpu, server_t, largest, whole = (
            this[1],
            this[3],
            sizes[-1][1],
            f"{sizes[-1][0]}, the largest of {name}",
        )
    elif meter in _constrained():
        vcpu, largest, server_t = _constrained()[meter]
        whole = f"the platform vCPUs of {meter}"
    else:
        return 0.0, ""
    if not vcpu or not server_t or not largest:
        return 0.0, ""
    per_hour = ccf_method.embodied_per_hour(server_t, vcpu, largest)
    return per_hour, (
        f"embodied: {server_t:g} t CO2e per server × hours / ({tables.SERVER_LIFESPAN_HOURS} h × "
        f"{largest:g} vCPUs of {whole})"
    )


def azure_replication(service: str, meter: str) -> tuple[float, str]:
    """CCF AZURE_REPLICATION_FACTORS_FOR_SERVICES: (factor, name of the constant)."""

    def rf(name: str) -> tuple[float, str]:
        return REPLICATION[name], name

    if service == "Storage":
        for key, name in (
            ("LRS", "STORAGE_LRS"),
            ("GZRS", "STORAGE_GZRS"),
            ("ZRS", "STORAGE_ZRS"),
            ("GRS", "STORAGE_GRS"),
            ("Disks", "STORAGE_DISKS"),
        ):
            if key in meter:
                return rf(name)
    elif service == "Azure Database for MySQL":
        return rf("DATABASE_MYSQL")
    elif service == "Azure Cosmos DB":
        if "Data Stored" in meter:
            return rf("COSMOS_DB")
    elif service == "SQL Database":
        if _any(("Data Stored", "vCore"), meter):
            return rf("SQL_DB")
    elif service == "Redis Cache":
        return rf("REDIS_CACHE")
    return rf("DEFAULT")


def parse_meter(meter: str) -> str:
    """CCF ConsumptionDetailRow.parseUsageType: 'D4as v4 Spot' -> 'D4as v4'; 'D2 v2/DS2 v2' -> 'D2 v2'."""
    if "Spot" in meter:
        return meter.replace(" Spot", "")
    if "/" in meter:
        return meter.split("/")[0]
    return meter


def _vcpus(meter: str) -> float:
    sizes, _ = _vm()
    for table in (
        "VIRTUAL_MACHINE_TYPE_SERIES_MAPPING",
        "VIRTUAL_MACHINE_TYPE_VCPU_MEMORY_MAPPING",
        "VIRTUAL_MACHINE_TYPE_CONSTRAINED_VCPU_CAPABLE_MAPPING",
    ):
        found = sizes.get(table, {}).get(meter)
        if found and found[0]:
            return found[0]
    return 1.0  # CCF getVCpus: 1 when the meter is not a known VM size


def classify_azure(service: str, meter_raw: str, unit: str) -> UsageClass:
    """The usage class of one kind of Azure cost-details line (CCF getFootprintEstimateFromUsageRow)."""
    meter = parse_meter(meter_raw)
    if _any(UNSUPPORTED_USAGE_TYPES, meter):
        return UsageClass(
            SKIP,
            f"{meter_raw}: licence, rule or surcharge without usage (CCF UNSUPPORTED_USAGE_TYPES)",
        )
    units = COMPUTE_USAGE_UNITS + STORAGE_USAGE_UNITS + NETWORKING_USAGE_UNITS + MEMORY_USAGE_UNITS
    if _any(UNKNOWN_SERVICES, service) or _any(UNKNOWN_USAGE_TYPES, meter) or not _any(units, unit):
        return UsageClass(
            UNKNOWN,
            f"{service} {meter_raw} ({unit}): no CCF coefficient (CCF UNKNOWN_SERVICES / "
            "UNKNOWN_USAGE_TYPES / unit)",
        )
    pue = tables.pue("azure", "")
    replication, rep_name = azure_replication(service, meter)
    rep_note = f", replication {replication:g} ({rep_name})" if replication != 1 else ""
    if unit in COMPUTE_USAGE_UNITS:
        if _any(MEMORY_USAGE_TYPES, meter):
            gb = CACHE_MEMORY_GB.get(meter.split(" ")[0], 0.0) if "Cache" in meter else 1.0
            return UsageClass(
                MEMORY,
                f"memory ({service} {meter_raw}): {gb:g} GB per hour × "
                f"{tables.MEMORY_KWH_PER_GB_HOUR:g} kWh/GB-h; PUE {pue:g}{rep_note}",
                memory_gb_hours=gb,
                replication=replication,
            )
        _, procs = _vm()
        vcpus = _vcpus(meter)
        processors = procs.get("INSTANCE_TYPE_COMPUTE_PROCESSOR_MAPPING", {}).get(
            meter, ("Unknown",)
        )
        lo, hi, known = tables.watts("azure", processors)
        how = (
            f"{'/'.join(processors)} {lo:g}–{hi:g} W per vCPU"
            if known
            else f"provider average {lo:g}–{hi:g} W per vCPU (processor unknown)"
        )
        parts = [
            f"compute ({service} {meter_raw}): {vcpus:g} vCPU(s) × hours × (min + utilisation × (max − min)), "
            f"{how}"
        ]
        gpu_hours = gmin = gmax = 0.0
        sizes, _ = _vm()
        gpus = sizes.get("GPU_VIRTUAL_MACHINE_TYPES", {})
        if _any(gpus, meter):
            count = gpus.get(meter, (1.0, None))[0] or 1.0
            gproc = procs.get("GPU_VIRTUAL_MACHINE_TYPE_PROCESSOR_MAPPING", {}).get(
                meter, ("Unknown",)
            )
            gmin, gmax, _ = tables.watts("azure", gproc)
            gpu_hours = count
            parts.append(f"{count:g} GPU(s) {'/'.join(gproc)} {gmin:g}–{gmax:g} W")
        memory, mem_how = vm_memory(meter, processors)
        embodied, emb_how = vm_embodied(meter)
        parts += [p for p in (mem_how, emb_how) if p]
        parts.append(f"PUE {pue:g}{rep_note}")
        return UsageClass(
            COMPUTE,
            "; ".join(parts),
            vcpu_hours=vcpus,
            min_w=lo,
            max_w=hi,
            gpu_hours=gpu_hours,
            gpu_min_w=gmin,
            gpu_max_w=gmax,
            memory_gb_hours=memory,
            replication=replication,
            embodied_t=embodied,
        )
    if unit in STORAGE_USAGE_UNITS:
        ssd_disk = _any(SSD_MANAGED_DISKS_STORAGE_GB, meter)
        hdd_disk = _any(HDD_MANAGED_DISKS_STORAGE_GB, meter)
        ssd = ssd_disk or _any(STORAGE_USAGE_TYPES, meter)
        if not ssd and not hdd_disk:
            return UsageClass(
                UNKNOWN, f"{meter_raw}: storage of unknown medium (neither CCF SSD nor HDD meter)"
            )
        # TB-hours per unit of quantity
        if unit == "1 TB/Month":
            tb, per_month, what = 1.0, True, "TB-months × hours of the month"
        else:
            size = None
            if ssd_disk:
                m = re.search(r"(P|E)\d{1,2}", meter)
                size = SSD_MANAGED_DISKS_STORAGE_GB.get(m.group(0)) if m else None
            elif hdd_disk:
                size = HDD_MANAGED_DISKS_STORAGE_GB.get(
                    re.sub(r"Disks?", "", meter, count=1).strip()
                )
            elif _any([f"{k} Registry Unit" for k in CONTAINER_REGISTRY_STORAGE_GB], meter):
                size = CONTAINER_REGISTRY_STORAGE_GB[meter.replace(" Registry Unit", "").strip()]
            if (ssd_disk or hdd_disk) and size is None:
                return UsageClass(UNKNOWN, f"{meter_raw}: managed disk of unknown size")
            if size is None:
                tb, per_month, what = 1 / 1000, True, "GB-months × hours of the month / 1000"
            elif unit.endswith("/Day"):
                tb, per_month, what = size * 24 / 1000, False, f"days × {size:g} GB × 24 h / 1000"
            else:
                tb, per_month, what = (
                    size / 1000,
                    True,
                    f"months × {size:g} GB × hours of the month / 1000",
                )
        coef = tables.PROVIDER["azure"]["ssd" if ssd else "hdd"]
        return UsageClass(
            STORAGE_SSD if ssd else STORAGE_HDD,
            f"{'SSD' if ssd else 'HDD'} storage ({service} {meter_raw}): {what} TB-hours × {coef:g} Wh "
            f"per TB-hour × replication {replication:g} ({rep_name}) × PUE {pue:g}",
            tb_hours=tb,
            per_month=per_month,
            storage_wh_per_tb_hour=coef,
            replication=replication,
        )
    if unit in NETWORKING_USAGE_UNITS:
        if _any(NETWORKING_USAGE_TYPES, meter) and "To Any" not in meter:
            gb = 1000.0 if "TB" in unit else 1.0
            return UsageClass(
                NETWORK,
                f"networking ({service} {meter_raw}): {gb:g} GB per unit × "
                f"{tables.NETWORK_KWH_PER_GB:g} kWh/GB × PUE {pue:g}",
                network_gb=gb,
            )
        return UsageClass(
            OUTSIDE,
            f"{meter_raw}: data transfer CCF does not count (not in NETWORKING_USAGE_TYPES, "
            "or 'To Any')",
        )
    # memory units
    if unit in ("1 GB Second", "50000 GB Seconds"):
        gbh, what = 1 / 3600, "GB-seconds / 3600"
    elif unit == "1 GB Hour" or meter in MEMORY_USAGE_TYPES:
        gbh, what = 1.0, "GB-hours"
    else:
        return UsageClass(UNKNOWN, f"{meter_raw} ({unit}): memory of a VM size CCF cannot tell")
    return UsageClass(
        MEMORY,
        f"memory ({service} {meter_raw}): {what} × {tables.MEMORY_KWH_PER_GB_HOUR:g} kWh/GB-h; "
        f"PUE {pue:g}{rep_note}",
        memory_gb_hours=gbh,
        replication=replication,
    )
