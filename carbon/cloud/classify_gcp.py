"""Sort GCP billing-export lines into CCF's usage classes (one call per distinct kind of line).

The rules and lists are CCF's (packages/gcp/src/lib/BillingExportTable.ts,
BillingExportTypes.ts, BillingExportRow.ts, ReplicationFactors.ts, MachineTypes.ts,
domain/GcpFootprintEstimationConstants.ts at HEAD b7a049c). A GCP export's
amounts are in base units: seconds (compute), byte-seconds (storage, memory),
bytes (networking); each class holds the factor per such unit.
"""

from __future__ import annotations

from carbon.cloud import ccf_method, tables
from carbon.cloud.classify import (
    COMPUTE,
    MEMORY,
    NETWORK,
    SKIP,
    STORAGE_HDD,
    STORAGE_SSD,
    UNKNOWN,
    UsageClass,
)

MEMORY_USAGE_TYPES = ("RAM", "Ram", "Memory")
UNKNOWN_USAGE_UNITS = ("requests",)
UNKNOWN_USAGE_TYPES = (
    "Dedicated Memcache",
    "BigQuery BI Engine",
    "AutoML Tables Deployment",
    "Local Disk Time Dataprep",
    "Shuffle Time",
    "Snapshots message backlog",
    "Subscriptions message backlog",
    "Subscriptions retained acknowledged messages",
    "Cloud SQL: Backups",
    "Publisher Throughput Capacity",
    "Subscriber Throughput Capacity",
    "Server node",
    "Backend Instances",
    "Frontend Instances",
    "Server Node",
    "Analysis Slots Attribution",
    "Build time",
    "Dataprep Unit",
    "IP address",
    "usage - hour",
    "D2",
    "D4",
    "Policy Charge",
    "Endpoint Charge",
    "NAT Gateway",
    "Action Time",
    "Billing Adjustment",
    "Filestore Capacity Premium",
    "Filestore Capacity Standard",
    "Pod mCPU Requests",
    "Pod Memory Requests",
    "Pod Ephemeral Storage Requests",
)
UNSUPPORTED_USAGE_TYPES = (
    "Fee",
    "fee",
    "Billing",
    "Reattribution",
    "Cache Fill",
    "External IP Charge",
    "Static Ip",
    "Vpn Tunnel",
    "Service Charge",
)
UNKNOWN_SERVICE_TYPES = (
    "Cloud DNS",
    "Cloud Key Management Service",
    "Cloud Machine Learning Engine",
    "Cloud Spanner",
    "Cloud Speech API",
    "SendGrid",
    "Support",
    "Secret Manager",
    "Cloud Build",
    "Cloud Run",
    "Cloud Data Fusion",
    "Cloud Dialogflow API",
    "Cloud Natural Language",
    "BigQuery Data Transfer Service",
    "BigQuery Reservation API",
    "Cloud AutoML",
    "Cloud Test Lab",
    "Cloud TPU",
    "Cloud Video Intelligence API",
    "Cloud Vision API",
    "Container Builder",
    "Firebase Test Lab",
    "Security Command Center",
    "Stackdriver",
)
SERVICES_TO_OVERRIDE_USAGE_UNIT_AS_UNKNOWN = ("Secret Manager", "Cloud Key Management Service")
COMPUTE_STRING_FORMATS = (
    "Core",
    "CORE",
    "VCPU",
    "vCPU",
    "CPU",
    "CPUs",
    "Kubernetes Clusters",
    "GPU",
    "DCU",
)
NETWORKING_STRING_FORMATS = ("Egress", "egress", "data delivery", "network traffic", "Download")
GPU_MACHINE_TYPES = (
    "Nvidia T4",
    "Nvidia Tesla K80",
    "Nvidia Tesla V100",
    "Nvidia Tesla A100",
    "Nvidia Tesla P4",
    "Nvidia Tesla P100",
)  # MachineTypes.ts GPU_MACHINE_TYPES
# GCPRegions.ts: multi- and dual-regions (snapshots and images stored there)
GCP_MULTI_REGIONS = ("us", "europe", "asia")
GCP_DUAL_REGIONS = ("nam4", "eur4", "asia1")
REPLICATION = {  # GCP_CLOUD_CONSTANTS.REPLICATION_FACTORS
    "CLOUD_STORAGE_SINGLE_REGION": 2,
    "CLOUD_STORAGE_DUAL_REGION": 2,
    "CLOUD_STORAGE_MULTI_REGION": 2,
    "COMPUTE_ENGINE_REGIONAL_DISKS": 2,
    "CLOUD_FILESTORE": 2,
    "CLOUD_SQL_HIGH_AVAILABILITY": 2,
    "CLOUD_MEMORY_STORE_REDIS": 2,
    "CLOUD_SPANNER_SINGLE_REGION": 2,
    "CLOUD_SPANNER_MULTI_REGION": 2,
    "KUBERNETES_ENGINE": 3,
    "DEFAULT": 1,
}
SECONDS_PER_HOUR = 3600.0
GIB = 1024.0**3  # CCF convertBytesToGigabytes / convertByteSecondsToGigabyteHours
TIB = 1024.0**4  # CCF convertByteSecondsToTerabyteHours


def _any(values: tuple[str, ...], text: str) -> bool:
    return any(v in text for v in values)


def gcp_replication(service: str, sku: str, region: str) -> tuple[float, str]:
    """CCF GCP_REPLICATION_FACTORS_FOR_SERVICES: (factor, name of the constant)."""

    def rf(name: str) -> tuple[float, str]:
        return REPLICATION[name], name

    if service == "Cloud Storage":
        if "Dual-region" in sku:
            return rf("CLOUD_STORAGE_DUAL_REGION")
        if "Multi-region" in sku:
            return rf("CLOUD_STORAGE_MULTI_REGION")
        return rf("CLOUD_STORAGE_SINGLE_REGION")
    if service == "Compute Engine":
        if "Regional" in sku:
            return rf("COMPUTE_ENGINE_REGIONAL_DISKS")
        if _any(("Snapshot", "Image"), sku):
            if region in GCP_MULTI_REGIONS:
                return rf("CLOUD_STORAGE_MULTI_REGION")
            if region in GCP_DUAL_REGIONS:
                return rf("CLOUD_STORAGE_DUAL_REGION")
            return rf("CLOUD_STORAGE_SINGLE_REGION")
    elif service == "Cloud Filestore":
        return rf("CLOUD_FILESTORE")
    elif service == "Cloud SQL":
        if "Regional - Standard storage" in sku or "HA" in sku:
            return rf("CLOUD_SQL_HIGH_AVAILABILITY")
    elif service == "Cloud Memorystore for Redis":
        if "Standard" in sku:
            return rf("CLOUD_MEMORY_STORE_REDIS")
    elif service == "Cloud Spanner":
        if "Regional" in sku:
            return rf("CLOUD_SPANNER_SINGLE_REGION")
        if "Multi-Region" in sku:
            return rf("CLOUD_SPANNER_MULTI_REGION")
    elif service == "Kubernetes Engine":
        if "Clusters" in sku and ("Regional" in sku or "Autopilot" in sku):
            return rf("KUBERNETES_ENGINE")
    elif service == "Cloud Composer":
        if "Storage" in sku or "storage" in sku:
            return rf("CLOUD_STORAGE_SINGLE_REGION")
    return rf("DEFAULT")


def machine_processors(machine_type: str) -> tuple[str, ...]:
    """CCF getComputeProcessorsFromMachineType: a shared-core type (e2-micro, f1-micro, ...) by its
    name, else by its family. CCF's code takes the family as the first two characters, so its own
    n2d, c2d and t2d rows are never reached (n2d-standard-4 gets n2's Cascade Lake); carbon takes the
    part before the first hyphen, as CCF's Recommendations.ts does (docs/cloud-billing.md)."""
    families = tables.gcp_family_processors()
    shared = next((f for f in families if "-" in f and f in machine_type), None)
    return families.get(shared or machine_type.split("-")[0], ("Unknown",))


def _embodied(machine_type: str, what: str) -> tuple[float, str]:
    """t CO2e of manufacture per vCPU-hour of a machine type (CCF getEmbodiedEmissions), and how."""
    mt = tables.gcp_machine_types().get(machine_type)
    if mt is None:
        return 0.0, ""
    # CCF: usageTimePeriod = seconds / instance vCPUs / 3600: per vCPU-hour
    per_hour = ccf_method.embodied_per_hour(mt.embodied_t, mt.vcpu, mt.largest_vcpu)
    return per_hour, (
        f"embodied: {mt.embodied_t:g} t CO2e per server × {what} / ({tables.SERVER_LIFESPAN_HOURS} h "
        f"× {mt.largest_vcpu:g} vCPUs of the largest machine type of {machine_type}'s family)"
    )


def _compute(
    service: str, sku: str, machine_type: str, pue: float, rep_note: str, replication: float
) -> UsageClass:
    """A compute line (seconds): vCPU-hours, or GPU-hours of a GPU SKU; with a machine type, its
    processors and its embodied emissions (CCF getComputeFootprintEstimate, getEmbodiedEmissions)."""
    gpu = "GPU" in sku
    if gpu:
        gpus = tuple(g for g in GPU_MACHINE_TYPES if sku.startswith(g)) or GPU_MACHINE_TYPES
        lo, hi, _ = tables.watts("gcp", gpus)
        parts = [
            f"GPU compute ({service} {sku}): GPU-hours (seconds / 3600) × (min + utilisation × (max − min)), "
            f"{'/'.join(gpus)} {lo:g}–{hi:g} W per GPU"
        ]
    else:
        processors = machine_processors(machine_type) if machine_type else ("Unknown",)
        lo, hi, known = tables.watts("gcp", processors)
        if known:
            how = f"machine type {machine_type}: {'/'.join(processors)} {lo:g}–{hi:g} W per vCPU"
        elif machine_type:
            how = f"machine type {machine_type}, processor unknown to CCF: CCF's GCP median {lo:g}–{hi:g} W per vCPU"
        else:
            how = f"machine type not in the export: CCF's GCP median {lo:g}–{hi:g} W per vCPU"
        parts = [
            f"compute ({service} {sku}): vCPU-hours (seconds / 3600) × (min + utilisation × (max − min)), {how}"
        ]
    # CCF counts a GPU line's hours as vCPU-hours of the machine's server share too
    emb, emb_how = _embodied(
        machine_type, "GPU-hours (CCF counts them as vCPU-hours)" if gpu else "vCPU-hours"
    )
    if emb_how:
        parts.append(emb_how)
    parts.append(f"PUE {pue:g}{rep_note}")
    per = (
        dict(gpu_hours=1 / SECONDS_PER_HOUR, gpu_min_w=lo, gpu_max_w=hi)
        if gpu
        else dict(vcpu_hours=1 / SECONDS_PER_HOUR, min_w=lo, max_w=hi)
    )
    return UsageClass(
        COMPUTE,
        "; ".join(parts),
        replication=replication,
        embodied_t=emb,
        embodied_hours=1 / SECONDS_PER_HOUR,
        **per,
    )


def classify_gcp(
    service: str, sku: str, unit: str, region: str, machine_type: str = ""
) -> UsageClass:
    """The usage class of one kind of GCP billing-export line (CCF getFootprintEstimateFromUsageRow);
    `machine_type` is the line's compute.googleapis.com/machine_spec ("" when the export has none)."""
    if _any(UNSUPPORTED_USAGE_TYPES, sku):
        return UsageClass(SKIP, f"{sku}: fee or charge without usage (CCF UNSUPPORTED_USAGE_TYPES)")
    if _any(SERVICES_TO_OVERRIDE_USAGE_UNIT_AS_UNKNOWN, service):
        unit = "Unknown"
    if (
        _any(UNKNOWN_USAGE_TYPES, sku)
        or _any(UNKNOWN_SERVICE_TYPES, service)
        or unit in UNKNOWN_USAGE_UNITS
        or not sku
    ):
        return UsageClass(
            UNKNOWN,
            f"{service} {sku} ({unit}): no CCF coefficient (CCF UNKNOWN_USAGE_TYPES / "
            "UNKNOWN_SERVICE_TYPES / UNKNOWN_USAGE_UNITS)",
        )
    if _any(
        (
            "Kubernetes Clusters",
            "Cloud Composer Compute CPUs",
            "Cloud Composer vCPU",
            "Cloud Composer SQL vCPU",
        ),
        sku,
    ):
        # CCF counts these as a configured number of vCPUs per cluster/environment of an e2-medium
        # machine; carbon has no such setting and estimates them as unknown usage (docs/cloud-billing.md)
        return UsageClass(
            UNKNOWN, f"{sku}: per-cluster or per-environment charge (vCPUs not in the export)"
        )
    pue = tables.pue("gcp", region)
    replication, rep_name = gcp_replication(service, sku, region)
    rep_note = f", replication {replication:g} ({rep_name})" if replication != 1 else ""
    if unit == "seconds":
        if not _any(COMPUTE_STRING_FORMATS, sku):
            return UsageClass(UNKNOWN, f"{sku}: seconds of something CCF does not count as compute")
        return _compute(service, sku, machine_type, pue, rep_note, replication)
    if unit == "byte-seconds":
        if _any(MEMORY_USAGE_TYPES, sku) and not _any(COMPUTE_STRING_FORMATS, sku):
            return UsageClass(
                MEMORY,
                f"memory ({service} {sku}): GB-hours (byte-seconds / 3600 / 1024³) × "
                f"{tables.MEMORY_KWH_PER_GB_HOUR:g} kWh/GB-h; PUE {pue:g}",
                memory_gb_hours=1 / SECONDS_PER_HOUR / GIB,
            )
        ssd = "SSD" in sku
        coef = tables.PROVIDER["gcp"]["ssd" if ssd else "hdd"]
        return UsageClass(
            STORAGE_SSD if ssd else STORAGE_HDD,
            f"{'SSD' if ssd else 'HDD'} storage ({service} {sku}): TB-hours (byte-seconds / 3600 / "
            f"1024⁴) × {coef:g} Wh per TB-hour × replication {replication:g} ({rep_name}) × PUE {pue:g}",
            tb_hours=1 / SECONDS_PER_HOUR / TIB,
            storage_wh_per_tb_hour=coef,
            replication=replication,
        )
    if unit == "bytes":
        if _any(NETWORKING_STRING_FORMATS, sku):
            return UsageClass(
                NETWORK,
                f"networking ({service} {sku}): GB (bytes / 1024³) × "
                f"{tables.NETWORK_KWH_PER_GB:g} kWh/GB × PUE {pue:g}",
                network_gb=1 / GIB,
            )
        return UsageClass(
            UNKNOWN,
            f"{sku}: bytes CCF does not count as networking (not in NETWORKING_STRING_FORMATS)",
        )
    return UsageClass(
        UNKNOWN, f"unit {unit!r}: not a unit CCF estimates for GCP (seconds, byte-seconds, bytes)"
    )
