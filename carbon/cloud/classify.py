"""Sort a bill's usage lines into CCF's usage classes, and say how each is estimated.

One call per *distinct* (service, usage type, unit, vCPU, instance type) of a
bill, not per line: a 10-million-line CUR has a few thousand. The rules are
CCF's (packages/aws/src/lib/CostAndUsageTypes.ts, CostAndUsageReportsRow.ts,
CostAndUsageReports.ts, AWSMemoryEstimatesBuilder.ts, ReplicationFactors.ts at
HEAD b7a049c); the lists below are copied from there.
"""

from __future__ import annotations

import re

from carbon.cloud import ccf_method, tables
from carbon.cloud.ccf_method import UsageClass

# Classes a usage line can fall in.
COMPUTE, STORAGE_SSD, STORAGE_HDD, NETWORK, UNKNOWN, SKIP, OUTSIDE, MEMORY = (
    "compute",
    "storage_ssd",
    "storage_hdd",
    "network",
    "unknown",
    "skip",
    "outside",
    "memory",
)

# lineItem/LineItemType counted (CCF LINE_ITEM_TYPES); every other type (Tax, Credit,
# Refund, Fee, RIFee, SavingsPlanNegation, ...) carries no usage and is skipped.
AWS_USAGE_LINE_ITEMS = ("Usage", "DiscountedUsage", "SavingsPlanCoveredUsage")

SSD_SERVICES = (
    "AmazonDocDB",
    "AmazonDynamoDB",
    "AmazonEFS",
    "AmazonES",
    "AmazonSimpleDB",
    "AmazonSageMaker",
    "AWSIoTAnalytics",
    "AmazonKinesisAnalytics",
    "AmazonMQ",
    "AmazonECS",
    "AmazonLightsail",
    "AmazonNeptune",
    "AmazonFSx",
    "AmazonKinesis",
)
SSD_USAGE_TYPES = (
    "VolumeUsage.gp2",
    "VolumeUsage.io2",
    "VolumeUsage.io1",
    "VolumeUsage.gp3",
    "VolumeUsage.piops",
    "GP2-Storage",
    "PIOPS-Storage",
    "Aurora:StorageUsage",
    "Kafka.Storage.GP2",
    "ES:Magnetic-Storage",
    "TimedPITRStorage-ByteHrs",
    "ECS-EC2-GB-Hours",
    "Lambda-GB-Second",
    "Lambda-Edge-GB-Second",
    "RDS:Multi-AZ-StorageUsage",
    "Fargate-GB-Hours",
    "dc2.large",
    "dc2.8xlarge",
    "ra3.xlplus",
    "ra3.4xlarge",
    "ra3.16xlarge",
    "Storage.SSD.50",
    "Storage.MultiAZ:SSD",
    "RDS:GP3-Storage",
)
HDD_USAGE_TYPES = (
    "VolumeUsage.st1",
    "VolumeUsage.sc1",
    "VolumeUsage",
    "SnapshotUsage",
    "TimedStorage-ByteHrs",
    "RDS:StorageUsage",
    "GlacierByteHrs",
    "Aurora:BackupUsage",
    "RDS:ChargedBackupUsage",
    "TimedStorage-RRS-ByteHrs",
    "ElastiCache:BackupUsage",
    "BackupUsage",
    "Redshift:PaidSnapshots",
    "TimedStorage-SIA-ByteHrs",
    "EarlyDelete-SIA",
    "TimedStorage-GlacierStaging",
    "TimedStorage-SIA-SmObjects",
    "TimedStorage-GDA-ByteHrs",
    "TimedStorage-GDA-Staging",
    "TimedStorage-ZIA-ByteHrs",
    "TimedStorage-INT-FA-ByteHrs",
    "EarlyDelete-GDA",
    "ProcessedStorage-ByteHrs",
    "EarlyDelete-ZIA",
    "EarlyDelete-ByteHrs",
    "TimedStorage-ZIA-SmObjects",
    "TimedStorage-INT-IA-ByteHrs",
    "EarlyDelete-SIA-SmObjects",
    "EarlyDelete-ZIA-SmObjects",
    "QS-Enterprise-SPICE",
    "TimedBackupStorage-ByteHrs",
    "DurableApplicationBackups",
    "dc1.large",
    "dc1.8xlarge",
    "ds2.xlarge",
    "ds2.8xlarge",
    "EU-TimedStorage-GDA-Staging",
    "BytesDeleted-STANDARD",
    "BytesDeleted-SIA",
    "BytesDeleted-INT",
    "BytesDeleted-GDA",
    "OverwriteBytes-Put-GLACIER",
    "OverwriteBytes-Put-RRS",
    "BackupUsage.MultiAZ",
    "ColdStorage-ByteHrs-EFS",
    "WarmStorage-ByteHrs-EFS",
    "WarmStorage-ByteHrs-DynamoDB",
    "MagneticStore-ByteHrs",
    "ColdStorage-ByteHrs-DynamoDB",
    "WarmStorage-ByteHrs-S3",
    "AMP:MetricStorageByteHrs",
    "TimedStorage-INT-AIA-ByteHrs",
    "TimedStorage-GIR-ByteHrs",
)
NETWORKING_USAGE_TYPES = (
    "AWS-Out-Bytes",
    "DataTransfer-Out-Bytes",
    "DataTransfer-Regional-Bytes",
    "TotalDataXfer-Out-Bytes",
    "Egress-Bytes",
    "UploadBytes",
    "UPLOAD",
    "ExportDataSize-Bytes",
    "DOWNLOAD",
    "Data-Bytes-Out",
    "VpcEndpoint-Bytes",
    "TransitGateway-Bytes",
    "Retrieval",
    "BilledBytes",
)
UNKNOWN_USAGE_TYPES = (
    "AmazonEKS-Hours:perCluster",
    "SoftwareUsage",
    "BundleUsage",
    "Small-Directory-Usage",
    "Std-MicrosoftAD-DC-Usage",
    "InactivePipelines",
    "Lambda-Provisioned",
    "ets-hd-success",
    "ets-sd-success",
    "BuildDuration",
    "Build-Min",
    "AW-HW-User-Usage",
    "TransitGateway-Hours",
    "VpcEndpoint-Hours",
    "VPN-Usage-Hours",
    "NatGateway-Hours",
    "NatGateway-Bytes",
    "LoadBalancerUsage",
    "IdleAddress",
    "UnusedStaticIP",
    "AdditionalAddress",
    "ResolverNetworkInterface",
    "DataScanned",
    "FastSnapshotRestore",
    "GMD-Metrics",
    "Dollar",
    "Airflow-SmallEnvironment",
    "MemoryStore-ByteHrs",
    "Output-SD-Hours",
    "Output-HD-Hours",
    "Output-FullHD-Hours",
    "Input-Standard-Hours",
    "Airflow-SmallWorker",
    "AppRunner-Provisioned-GB-hours",
    "ApiGatewayCacheUsage",
    "PortUsage",
    "SharedMsftAD-Usage",
    "Kafka.mcu.general",
    "SnapshotArchiveStorage",
    "PaidPrivateCA",
    "Firehose-VpcDelivery-Hours",
    "Airflow-MediumEnvironment",
    "IPAddressManager-IP-Hours",
    "Gateway:VTL-Storage",
    "Aurora:ServerlessV2Usage",
)
UNSUPPORTED_USAGE_TYPES = (
    "EMR-EKS-EC2-GBHours",
    "APS3-EMR-EKS-EC2-vCPUHours",
    "ECS-EC2-GB-Hours",
    "ECS-EC2-vCPU-Hours",
    "Dollar",
    "HostBoxUsage",
)
HOUR_UNITS = ("Hrs", "Hours", "hours", "vCPU-Hours", "DPU-Hour", "ACU-Hr")
GB_MONTH_UNITS = ("GB-Mo", "GB-Month", "GB-Mp", "GB-month")
SECOND_UNITS = ("seconds", "Second", "Lambda-GB-Second")
GB_UNITS = ("GB", "GigaBytes")

REPLICATION = {  # AWS_CLOUD_CONSTANTS.REPLICATION_FACTORS (code values; CCF's docs say S3 = 3)
    "S3": 6,
    "S3_ONE_ZONE_REDUCED_REDUNDANCY": 2,
    "EC2_EBS_VOLUME": 2,
    "EC2_EBS_SNAPSHOT": 3,
    "EFS": 3,
    "EFS_ONE_ZONE": 2,
    "RDS_BACKUP": 3,
    "RDS_AURORA": 6,
    "RDS_MULTI_AZ": 2,
    "DOCUMENT_DB_BACKUP": 3,
    "DOCUMENT_DB_STORAGE": 2,
    "DYNAMO_DB": 2,
    "ECR_STORAGE": 3,
    "DOCUMENT_ELASTICACHE_BACKUP": 3,
    "SIMPLE_DB": 2,
    "DEFAULT": 1,
}


def _ends(values: tuple[str, ...], text: str) -> bool:
    return any(text.endswith(v) for v in values)


def _contains(values: tuple[str, ...], text: str) -> bool:
    return any(v in text for v in values)


def aws_replication(service: str, usage_type: str) -> tuple[float, str]:
    """CCF's AWS_REPLICATION_FACTORS_FOR_SERVICES: (factor, name of the constant)."""

    def rf(name: str) -> tuple[float, str]:
        return REPLICATION[name], name

    if service == "AmazonS3":
        if _contains(("TimedStorage-ZIA", "EarlyDelete-ZIA", "TimedStorage-RRS"), usage_type):
            return rf("S3_ONE_ZONE_REDUCED_REDUNDANCY")
        if _contains(("TimedStorage", "EarlyDelete"), usage_type):
            return rf("S3")
    elif service == "AmazonEC2":
        if "VolumeUsage" in usage_type:
            return rf("EC2_EBS_VOLUME")
        if "SnapshotUsage" in usage_type:
            return rf("EC2_EBS_SNAPSHOT")
    elif service == "AmazonEFS":
        return rf("EFS_ONE_ZONE") if "ZIA" in usage_type else rf("EFS")
    elif service == "AmazonRDS":
        if "BackupUsage" in usage_type:
            return rf("RDS_BACKUP")
        if "Aurora" in usage_type:
            return rf("RDS_AURORA")
        if "Multi-AZ" in usage_type:
            return rf("RDS_MULTI_AZ")
    elif service == "AmazonDocDB":
        return (
            rf("DOCUMENT_DB_BACKUP") if "BackupUsage" in usage_type else rf("DOCUMENT_DB_STORAGE")
        )
    elif service == "AmazonDynamoDB":
        return rf("DYNAMO_DB")
    elif service == "AmazonECR":
        if "TimedStorage" in usage_type:
            return rf("ECR_STORAGE")
    elif service == "AmazonElastiCache":
        if "BackupUsage" in usage_type:
            return rf("DOCUMENT_ELASTICACHE_BACKUP")
    elif service == "AmazonSimpleDB":
        if "TimedStorage" in usage_type:
            return rf("SIMPLE_DB")
    return rf("DEFAULT")


def _instance_type(usage_type: str) -> str:
    """CCF parseInstanceTypeFromUsageType: 'USE2-BoxUsage:m5.xlarge' -> 'm5.xlarge'."""
    if usage_type.endswith("xl"):
        usage_type += "arge"  # the CUR sometimes cuts 'xlarge' to 'xl'
    for prefix in ("db", "cache", "Kafka"):
        if prefix in usage_type:
            return usage_type.split(prefix + ".")[-1]
    return usage_type.split(":")[-1]


def _instance_for_vcpu(usage_type: str) -> str:
    """CCF extractInstanceTypeFromUsageType."""
    return re.sub(
        r"^((db|cache|dax|dms|ml|mq|KernelGateway-ml|.+Kafka)\.)", "", usage_type.split(":")[-1]
    )


def _ec2(family: str, size: str) -> tables.InstanceSize | None:
    return tables.aws_instance_families().get("EC2_INSTANCE_TYPES", {}).get(family, {}).get(size)


def _vcpus(
    service: str, usage_type: str, vcpu_column: float | None, amount_per_unit: float
) -> float | None:
    """vCPU-hours per unit of usage (CCF getVCpuHours), or None when CCF cannot tell."""
    numbers = tables.aws_numbers()
    burstable = numbers.get("BURSTABLE_INSTANCE_BASELINE_UTILIZATION", {})
    instance = _instance_for_vcpu(usage_type)

    def vcpu_of(itype: str) -> float | None:
        parts = itype.split(".")
        family, size = (parts + ["", ""])[:2]
        if "Kafka" in usage_type:
            return numbers.get("MSK_INSTANCE_TYPES", {}).get(
                "Kafka" + usage_type.split("Kafka")[-1]
            )
        if service == "AmazonRedshift":
            rs = (
                tables.aws_instance_families()
                .get("REDSHIFT_INSTANCE_TYPES", {})
                .get(family, {})
                .get(size)
            )
            return rs.vcpu / 3600 if rs else None
        found = _ec2(family, size)
        return found.vcpu if found else None

    if service == "AWSGlue":
        return 4.0 * amount_per_unit
    if service == "AmazonSimpleDB":
        return 1.0 * amount_per_unit
    if "Aurora:ServerlessUsage" in usage_type:
        return amount_per_unit / 4
    if _contains(("Fargate-vCPU-Hours", "CPUCredits"), usage_type):
        return amount_per_unit
    hit = next((k for k in burstable if k in usage_type), None)
    if hit is not None:
        base = ".".join(instance.split(".", 2)[:2])
        v = vcpu_of(base)
        if v is None or base not in burstable:
            return None
        return v * burstable[base] / tables.DEFAULT_UTILISATION * amount_per_unit
    if not vcpu_column:
        v = vcpu_of(instance)
        return None if v is None else v * amount_per_unit
    return vcpu_column * amount_per_unit


def _memory_gb_hours(itype: str) -> tuple[float, str]:
    """Extra memory GB-hours per instance-hour (CCF AWSMemoryEstimatesBuilder), and how."""
    fams = tables.aws_instance_families()
    family, _, size = itype.partition(".")
    table = (
        fams.get("EC2_INSTANCE_TYPES", {})
        if family in fams.get("EC2_INSTANCE_TYPES", {})
        else fams.get("REDSHIFT_INSTANCE_TYPES", {})
    )
    if family not in table or itype in tables.aws_numbers().get(
        "BURSTABLE_INSTANCE_BASELINE_UTILIZATION", {}
    ):
        return 0.0, ""
    this = table[family].get(size)
    if this is None:
        return 0.0, ""
    largest = list(table[family].values())[-1]
    processors = (
        tables.aws_processors()
        .get("INSTANCE_TYPE_COMPUTE_PROCESSOR_MAPPING", {})
        .get(itype, ("Unknown",))
    )
    per_chip = tables.memory_per_chip("aws", processors)
    chips = 2 if family in ("m5zn", "z1d") else ccf_method.physical_chips(largest.vcpu)
    gbh = ccf_method.memory_above_chips(largest.memory_gb, chips, per_chip, this.memory_gb)
    if gbh <= 0:
        return 0.0, ""
    return gbh, (
        f"memory above {per_chip:g} GB per chip ({chips} chip(s) of {largest.memory_gb:g} GB "
        f"in {family}.{list(table[family])[-1]}): {gbh:.4g} GB per hour × 0.000392 kWh/GB-h"
    )


def _embodied(itype: str) -> tuple[float, str]:
    """t CO2e of manufacture per instance-hour (CCF getEmbodiedEmissions), and how."""
    parts = itype.split(".")
    if len(parts) < 2:
        return 0.0, ""
    family, size = parts[-2], parts[-1]
    fams = tables.aws_instance_families()
    for table in ("EC2_INSTANCE_TYPES", "INSTANCE_FAMILY_TO_INSTANCE_TYPE_MAPPING"):
        fam = fams.get(table, {}).get(family)
        if fam and size in fam and fam[size].embodied_t:
            largest = list(fam.values())[-1].vcpu
            this = fam[size]
            per_hour = ccf_method.embodied_per_hour(this.embodied_t, this.vcpu, largest)
            return per_hour, (
                f"embodied: {this.embodied_t:g} t CO2e per {family} server × hours / "
                f"({tables.SERVER_LIFESPAN_HOURS} h × {largest:g} vCPUs)"
            )
    return 0.0, ""


def classify_aws(
    service: str, usage_type: str, unit: str, vcpu_column: float | None, line_item_type: str
) -> UsageClass:
    """The usage class of one kind of CUR line (CCF getFootprintEstimateFromUsageRow)."""
    if line_item_type not in AWS_USAGE_LINE_ITEMS:
        return UsageClass(
            SKIP, f"line item type {line_item_type or '(empty)'}: no usage (CCF LINE_ITEM_TYPES)"
        )
    if _ends(UNSUPPORTED_USAGE_TYPES, usage_type) or _contains(UNSUPPORTED_USAGE_TYPES, usage_type):
        return UsageClass(
            SKIP, f"{usage_type}: counted in other lines or no energy (CCF UNSUPPORTED_USAGE_TYPES)"
        )
    # CCF cleanUsageUnit / cleanUsageAmount
    per_unit = 1.0
    if "Fargate-GB-Hours" in usage_type:
        unit = "GB-Hours"
    if service == "AmazonRedshift" and unit == "seconds":
        unit, per_unit = "Hrs", 1 / 3600
    if _ends(UNKNOWN_USAGE_TYPES, usage_type) or _contains(UNKNOWN_USAGE_TYPES, usage_type):
        return UsageClass(UNKNOWN, f"{usage_type}: no CCF coefficient (CCF UNKNOWN_USAGE_TYPES)")
    if unit not in HOUR_UNITS + GB_MONTH_UNITS + ("GB-Hours",) + SECOND_UNITS + GB_UNITS:
        return UsageClass(UNKNOWN, f"unit {unit!r}: not a unit CCF estimates (KNOWN_USAGE_UNITS)")
    pue = tables.pue("aws", "")
    replication, rep_name = aws_replication(service, usage_type)
    if unit in HOUR_UNITS or unit in SECOND_UNITS:
        lambda_seconds = unit in SECOND_UNITS
        vcpu_hours = (
            per_unit / 3600
            if lambda_seconds
            else _vcpus(service, usage_type, vcpu_column, per_unit)
        )
        if vcpu_hours is None:
            return UsageClass(
                UNKNOWN,
                f"{usage_type}: vCPUs unknown (no product/vcpu, instance type not in CCF's tables)",
            )
        itype = _instance_type(usage_type)
        if service == "AWSLambda":
            processors = ("AWS Graviton2",) if usage_type.endswith("-ARM") else ("Unknown",)
        else:
            processors = (
                tables.aws_processors()
                .get("INSTANCE_TYPE_COMPUTE_PROCESSOR_MAPPING", {})
                .get(itype, ("Unknown",))
            )
        lo, hi, known = tables.watts("aws", processors)
        how = (
            f"{'/'.join(processors)} {lo:g}–{hi:g} W per vCPU"
            if known
            else f"provider average {lo:g}–{hi:g} W per vCPU (processor unknown)"
        )
        parts = [
            f"compute ({service} {usage_type}): vCPU-hours × (min + utilisation × (max − min)), {how}"
        ]
        gpu_hours = gmin = gmax = 0.0
        gpus = tables.aws_numbers().get("GPU_INSTANCES_TYPES", {})
        if not lambda_seconds and any(k in usage_type for k in gpus):
            count = gpus.get(_instance_for_vcpu(usage_type))
            if count:
                gproc = (
                    tables.aws_processors()
                    .get("INSTANCE_TYPE_GPU_PROCESSOR_MAPPING", {})
                    .get(itype, ("Unknown",))
                )
                gmin, gmax, _ = tables.watts("aws", gproc)
                gpu_hours = count * per_unit
                parts.append(f"{count:g} GPU(s) {'/'.join(gproc)} {gmin:g}–{gmax:g} W")
        mem = emb = 0.0
        if not lambda_seconds:
            mem, mem_how = _memory_gb_hours(itype)
            if mem_how:
                parts.append(mem_how)
            emb, emb_how = _embodied(itype)
            if emb_how:
                parts.append(emb_how)
        parts.append(
            f"PUE {pue:g}"
            + (f", replication {replication:g} ({rep_name})" if replication != 1 else "")
        )
        return UsageClass(
            COMPUTE,
            "; ".join(parts),
            vcpu_hours=vcpu_hours,
            min_w=lo,
            max_w=hi,
            gpu_hours=gpu_hours,
            gpu_min_w=gmin,
            gpu_max_w=gmax,
            memory_gb_hours=mem * per_unit,
            replication=replication,
            embodied_t=emb,
            embodied_hours=per_unit,
        )
    if unit in GB_MONTH_UNITS or unit == "GB-Hours":
        ssd = _ends(SSD_USAGE_TYPES, usage_type) or (
            _ends(SSD_SERVICES, service) and "Backup" not in usage_type
        )
        hdd = not ssd and _ends(HDD_USAGE_TYPES, usage_type)
        if not (ssd or hdd):
            return UsageClass(
                UNKNOWN, f"{usage_type}: storage of unknown medium (neither CCF SSD nor HDD type)"
            )
        coef = tables.PROVIDER["aws"]["ssd" if ssd else "hdd"]
        monthly = unit != "GB-Hours"
        how = (
            f"{'SSD' if ssd else 'HDD'} storage ({service} {usage_type}): "
            f"{'GB-months × hours of the month' if monthly else 'GB-hours'} / 1000 × {coef:g} Wh per TB-hour × "
            f"replication {replication:g} ({rep_name}) × PUE {pue:g}"
        )
        return UsageClass(
            STORAGE_SSD if ssd else STORAGE_HDD,
            how,
            tb_hours=1 / 1000,
            per_month=monthly,
            storage_wh_per_tb_hour=coef,
            replication=replication,
        )
    # GB: networking
    if _ends(NETWORKING_USAGE_TYPES, usage_type) and service != "AmazonCloudFront":
        return UsageClass(
            NETWORK,
            f"networking ({service} {usage_type}): GB × 0.001 kWh/GB × PUE {pue:g}",
            network_gb=1.0,
        )
    return UsageClass(
        OUTSIDE,
        f"{usage_type}: data transfer CCF does not count (not in NETWORKING_USAGE_TYPES, "
        "or CloudFront)",
    )
