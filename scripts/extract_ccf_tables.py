"""Extract Cloud Carbon Footprint's constant tables (TypeScript) into carbon's CSV data files.

Usage: python scripts/extract_ccf_tables.py CCF_CHECKOUT [--commit SHA]

CCF keeps its coefficients as TypeScript constants; carbon keeps them as data
(carbon/cloud/data/*.csv, factors/ccf_2024_grid_cloud_regions_all.csv), each row
naming the CCF file and constant it came from. Run against a CCF checkout to
refresh them; the diff shows what CCF changed.
"""

from __future__ import annotations

import csv
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "carbon" / "cloud" / "data"


def read(repo: Path, path: str) -> str:
    return subprocess.run(
        ["git", "-C", str(repo), "show", f"HEAD:{path}"], check=True, capture_output=True, text=True
    ).stdout


def block(text: str, name: str) -> str:
    """The body of `export const NAME ... = { ... }` (up to the closing brace at column 0)."""
    m = re.search(rf"export const {name}\b[^=]*=\s*\{{\n(.*?)\n\}}", text, re.S)
    if not m:
        raise SystemExit(f"{name} not found")
    return m.group(1)


def key(k: str) -> str:
    """A TypeScript key without its quotes or the whitespace inside them ('xlarge\t' -> xlarge)."""
    return k.strip().strip("'\"").strip()


def enum_values(text: str, name: str) -> dict[str, str]:
    body = re.search(rf"export enum {name} \{{(.*?)\}}", text, re.S).group(1)
    return {k: v for k, v in re.findall(r"(\w+)\s*=\s*'([^']*)'", body)}


def processor_lists(core_types: str, procs: dict[str, str]) -> dict[str, list[str]]:
    out = {}
    for name, body in re.findall(r"export const (\w+) = \[(.*?)\]", core_types, re.S):
        out[name] = [procs[p] for p in re.findall(r"COMPUTE_PROCESSOR_TYPES\.(\w+)", body)]
    return out


def processors_of(expr: str, procs: dict[str, str], lists: dict[str, list[str]]) -> list[str]:
    expr = expr.strip().rstrip(",")
    names = [procs[p] for p in re.findall(r"COMPUTE_PROCESSOR_TYPES\.(\w+)", expr)]
    for ref in re.findall(r"\.\.\.(\w+)", expr):
        names += lists[ref]
    if not names and expr in lists:
        names = lists[expr]
    return names


def family_rows(body: str):
    """(family, size, [numbers as text]) of each row of a `family: { size: [n, ...], ... }` table body."""
    family = None
    for line in body.splitlines():
        fm = re.match(r"^  ([^:/][^:]*): \{", line)
        if fm:
            family = key(fm.group(1))
            continue
        sm = re.match(r"^    ([^:/][^:]*): \[([^\]]*)\]", line)
        # key() strips the tab CCF's d3 table has in 'xlarge\t' (CCF itself never matches that row):
        # d3.xlarge is read as the instance type it is
        if sm:
            yield family, key(sm.group(1)), [x.strip() for x in sm.group(2).split(",") if x.strip()]


def write(path: Path, header: list[str], rows: list[list]) -> None:
    with open(path, "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh, lineterminator="\n")
        w.writerow(header)
        w.writerows(rows)
    print(f"{path.relative_to(ROOT)}: {len(rows)} rows")


def main(repo: Path) -> None:
    commit = subprocess.run(
        ["git", "-C", str(repo), "log", "-1", "--format=%h %cs"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()
    ref = f"github.com/cloud-carbon-footprint/cloud-carbon-footprint (HEAD {commit.replace(' ', ', ')})"
    core_types = read(repo, "packages/core/src/compute/ComputeProcessorTypes.ts")
    procs = enum_values(core_types, "COMPUTE_PROCESSOR_TYPES")
    lists = processor_lists(core_types, procs)

    # --- processor coefficients per provider ------------------------------------------------
    rows = []
    consts = {
        "aws": "packages/aws/src/domain/AwsFootprintEstimationConstants.ts",
        "gcp": "packages/gcp/src/domain/GcpFootprintEstimationConstants.ts",
        "azure": "packages/azure/src/domain/AzureFootprintEstimationConstants.ts",
    }
    for provider, path in consts.items():
        text = read(repo, path)
        for table, what in (
            ("MIN_WATTS_BY_COMPUTE_PROCESSOR", "min_watts"),
            ("MAX_WATTS_BY_COMPUTE_PROCESSOR", "max_watts"),
            ("MEMORY_BY_COMPUTE_PROCESSOR", "memory_gb_per_chip"),
        ):
            m = re.search(rf"{table}: \{{(.*?)\n  \}}", text, re.S)
            if not m:
                continue
            for p, v in re.findall(r"\[COMPUTE_PROCESSOR_TYPES\.(\w+)\]:\s*([\d.]+)", m.group(1)):
                rows.append([provider, procs[p], what, float(v), f"{ref} {path} {table}"])
    write(
        DATA / "ccf_processors.csv",
        ["provider", "processor", "quantity", "value", "source_ref"],
        rows,
    )

    # --- AWS instance tables ---------------------------------------------------------------
    path = "packages/aws/src/lib/AWSInstanceTypes.ts"
    text = read(repo, path)
    rows = []
    for table in (
        "EC2_INSTANCE_TYPES",
        "INSTANCE_FAMILY_TO_INSTANCE_TYPE_MAPPING",
        "REDSHIFT_INSTANCE_TYPES",
    ):
        for family, size, vals in family_rows(block(text, table)):
            nums = [float(x) for x in vals]
            rows.append([table, family, size, nums[0], nums[1], nums[2] if len(nums) > 2 else ""])
    write(
        DATA / "ccf_aws_instance_types.csv",
        ["table", "family", "size", "vcpu", "memory_gb", "embodied_t"],
        rows,
    )

    rows = []
    for table in (
        "BURSTABLE_INSTANCE_BASELINE_UTILIZATION",
        "GPU_INSTANCES_TYPES",
        "MSK_INSTANCE_TYPES",
    ):
        for k, v in re.findall(r"^\s+([\w'.-]+):\s*([\d.]+),?", block(text, table), re.M):
            rows.append([table, key(k), float(v)])
    write(DATA / "ccf_aws_instance_numbers.csv", ["table", "name", "value"], rows)

    rows = []
    for table in ("INSTANCE_TYPE_COMPUTE_PROCESSOR_MAPPING", "INSTANCE_TYPE_GPU_PROCESSOR_MAPPING"):
        body = block(text, table)
        for k, expr in re.findall(r"^\s+([\w'.-]+):\s*(.+?),?\s*(?://.*)?$", body, re.M):
            names = processors_of(expr, procs, lists)
            if names:
                rows.append([table, key(k), "|".join(names)])
    write(DATA / "ccf_aws_instance_processors.csv", ["table", "instance_type", "processors"], rows)

    # --- grid factors of every cloud region ------------------------------------------------
    core = read(repo, "packages/core/src/FootprintEstimationConstants.ts")
    nerc = dict(re.findall(r"(\w+):\s*([\d.]+)", block(core, "US_NERC_REGIONS_EMISSIONS_FACTORS")))
    grid = []
    sections = {  # where each provider's location-based grid table starts in its constants file
        "aws": "AWS_EMISSIONS_FACTORS_METRIC_TON_PER_KWH",
        "gcp": "just use the Grid emissions factors",  # not the carbon-free-energy variant
        "azure": "AZURE_EMISSIONS_FACTORS_METRIC_TON_PER_KWH",
    }
    region_files = {
        "aws": "packages/aws/src/lib/AWSRegions.ts",
        "gcp": "packages/gcp/src/lib/GCPRegions.ts",
        "azure": "packages/azure/src/lib/AzureRegions.ts",
    }
    for provider, rpath in region_files.items():
        rtext = read(repo, rpath)
        names: dict[tuple[str, str], str] = {}
        for enum in re.findall(r"export enum (\w+)", rtext):
            names.update({(enum, k): v for k, v in enum_values(rtext, enum).items()})
        for k, v in re.findall(r"^  (\w+): \{\s*name: '([^']*)'", rtext, re.M):
            names[("AZURE_REGIONS", k)] = v
        ctext = read(repo, consts[provider])
        body = ctext[ctext.index(sections[provider]) :]
        ends = [i for i in (body.find("\n}"), body.find("\n  }\n")) if i >= 0]
        body = body[: min(ends)] if ends else body
        for enum, k, v in re.findall(r"\[(\w+)\.(\w+)(?:\.name)?\]:\s*([\w.]+)", body):
            literal = bool(re.match(r"[\d.]", v))
            value = float(v) if literal else float(nerc[v.split(".")[-1]])
            note = k if literal else f"{k} = US_NERC_REGIONS_EMISSIONS_FACTORS.{v.split('.')[-1]}"
            grid.append([provider, names[(enum, k)], value, f"{ref} {consts[provider]} {note}"])
    write(
        DATA / "ccf_grid_regions.csv", ["provider", "region", "t_co2e_per_kwh", "source_ref"], grid
    )

    extract_gcp_machine_types(repo, ref, procs, lists)
    extract_azure_vm_types(repo, ref, procs, lists)


def extract_gcp_machine_types(
    repo: Path, ref: str, procs: dict[str, str], lists: dict[str, list[str]]
) -> None:
    """GCP machine types (vCPUs, embodied t CO2e of the server) and the processors of each family."""
    path = "packages/gcp/src/lib/MachineTypes.ts"
    text = read(repo, path)
    shared = enum_values(text, "SHARED_CORE_PROCESSORS")
    rows = []
    for table in (
        "MACHINE_FAMILY_TO_MACHINE_TYPE_MAPPING",
        "MACHINE_FAMILY_SHARED_CORE_TO_MACHINE_TYPE_MAPPING",
    ):
        for family, size, (vcpu, emb) in family_rows(block(text, table)):
            rows.append([table, family, size, vcpu, emb, f"{ref} {path} {table}"])
    table = "N1_SHARED_CORE_MACHINE_FAMILY_TO_MACHINE_TYPE_MAPPING"
    for k, vals in re.findall(r"^  ([\w'.-]+): \[([^\]]*)\]", block(text, table), re.M):
        vcpu, emb = (x.strip() for x in vals.split(","))
        rows.append([table, "", key(k), vcpu, emb, f"{ref} {path} {table}"])
    write(
        DATA / "ccf_gcp_machine_types.csv",
        ["table", "family", "machine_type", "vcpu", "embodied_t", "source_ref"],
        rows,
    )

    rows = []
    table = "INSTANCE_TYPE_COMPUTE_PROCESSOR_MAPPING"
    for k, expr in re.findall(r"^\s+([\w'.\[\]-]+):\s*(.+?),?\s*$", block(text, table), re.M):
        sk = re.fullmatch(r"\[SHARED_CORE_PROCESSORS\.(\w+)\]", k)
        rows.append(
            [
                table,
                shared[sk.group(1)] if sk else key(k),
                "|".join(processors_of(expr, procs, lists)),
                f"{ref} {path} {table}",
            ]
        )
    write(
        DATA / "ccf_gcp_machine_processors.csv",
        ["table", "family", "processors", "source_ref"],
        rows,
    )


def extract_azure_vm_types(
    repo: Path, ref: str, procs: dict[str, str], lists: dict[str, list[str]]
) -> None:
    """Azure VM sizes: vCPUs (or GPUs), memory, platform vCPUs of a constrained size, embodied t CO2e."""
    path = "packages/azure/src/lib/VirtualMachineTypes.ts"
    text = read(repo, path)
    table = "VIRTUAL_MACHINE_TYPE_SERIES_MAPPING"
    rows = [
        [
            table,
            series,
            size,
            *(vals + ["", ""])[:2],
            "",
            (vals + [""] * 3)[2],
            f"{ref} {path} {table}",
        ]
        for series, size, vals in family_rows(block(text, table))
    ]
    for table in (
        "VIRTUAL_MACHINE_TYPE_VCPU_MEMORY_MAPPING",
        "VIRTUAL_MACHINE_TYPE_CONSTRAINED_VCPU_CAPABLE_MAPPING",
    ):
        for k, body in re.findall(r"^  ([^:/]+): \[([^\]]*)\]", block(text, table), re.M):
            vals = [x.strip() for x in body.split(",")] + ["", "", ""]
            rows.append(
                [table, "", key(k), vals[0], vals[1], vals[2], vals[3], f"{ref} {path} {table}"]
            )
    table = "GPU_VIRTUAL_MACHINE_TYPES"
    for k, n in re.findall(r"^  ([^:/]+): (\d+)", block(text, table), re.M):
        rows.append([table, "", key(k), n, "", "", "", f"{ref} {path} {table}"])
    write(
        DATA / "ccf_azure_vm_types.csv",
        [
            "table",
            "series",
            "vm_type",
            "vcpu_or_count",
            "memory_gb",
            "platform_vcpu",
            "embodied_t",
            "source_ref",
        ],
        rows,
    )

    rows = []
    for table in (
        "INSTANCE_TYPE_COMPUTE_PROCESSOR_MAPPING",
        "GPU_VIRTUAL_MACHINE_TYPE_PROCESSOR_MAPPING",
    ):
        for k, expr in re.findall(r"^  ([^:/]+):\s*(.+?),?\s*$", block(text, table), re.M):
            rows.append(
                [
                    table,
                    key(k),
                    "|".join(processors_of(expr, procs, lists)),
                    f"{ref} {path} {table}",
                ]
            )
    write(
        DATA / "ccf_azure_vm_processors.csv", ["table", "vm_type", "processors", "source_ref"], rows
    )


if __name__ == "__main__":
    main(Path(sys.argv[1]))


# Cloud regions whose CCF figure is an EEA country value (CO2 only), the same figures that
# factors/ccf_2024_grid_cloud_regions.csv and eea_2022_grid_ie.csv label so.
EEA_REGIONS = {
    "aws:eu-central-1",
    "aws:eu-west-2",
    "aws:eu-south-1",
    "aws:eu-north-1",
    "azure:northeurope",
    "azure:westeurope",
    "azure:uk",
    "azure:uksouth",
    "azure:ukwest",
}
# GCP multi- and dual-regions: the regions each stores data in. Dual-regions: Google's predefined
# pairs (Cloud Storage "Bucket locations"; nam4 = Iowa + South Carolina, as its SKUs name it).
# Multi-regions: Google names a geography, not data centres, so every GCP region CCF lists there.
GCP_MEMBERS = {
    "nam4": ("us-central1", "us-east1"),
    "eur4": ("europe-north1", "europe-west4"),
    "asia1": ("asia-northeast1", "asia-northeast2"),
    "us": (
        "us-central1",
        "us-central2",
        "us-east1",
        "us-east4",
        "us-east5",
        "us-west1",
        "us-west2",
        "us-west3",
        "us-west4",
        "us-south1",
    ),
    # EU multi-region: data centres in EU member states (not London europe-west2, Zurich europe-west6)
    "europe": (
        "europe-central2",
        "europe-north1",
        "europe-southwest1",
        "europe-west1",
        "europe-west3",
        "europe-west4",
        "europe-west8",
        "europe-west9",
    ),
    "asia": (
        "asia-east1",
        "asia-east2",
        "asia-northeast1",
        "asia-northeast2",
        "asia-northeast3",
        "asia-south1",
        "asia-south2",
        "asia-southeast1",
        "asia-southeast2",
    ),
}
HEADER = [
    "activity",
    "region",
    "year",
    "value",
    "unit",
    "category",
    "scope",
    "source",
    "uncertainty_pct",
    "source_ref",
    "boundary",
    "scope3_category",
]
# A cloud region's electricity is the provider's scope 2 and, for the customer, a purchased service:
# scope 3 category 1, as `carbon import cloud-billing` books it; a manual entry gets the same.
CLOUD_SCOPE, CLOUD_CATEGORY = 3, 1
LOCATION = "grid intensity of the cloud region as used by Cloud Carbon Footprint (location-based)"


def multi_region_rows(gcp: dict[str, str], refs: dict[str, str]) -> tuple[list[list], list[list]]:
    """(carbon's rows, CCF's rows) for GCP's multi- and dual-regions.

    CCF's figure for such a location is the SUM of its members' intensities (EUR4 = europe-north1 +
    europe-west4), not an intensity; carbon ships the unweighted mean of the members (Google
    publishes no split of a location's data across its data centres) and keeps CCF's figure as an
    alternative table.
    """
    ours, theirs = [], []
    for loc, members in GCP_MEMBERS.items():
        vals = [float(gcp[m]) for m in members]
        mean = sum(vals) / len(vals)
        listed = " + ".join(f"gcp:{m} {float(gcp[m]) * 1e6:g}" for m in members)
        ours.append(
            [
                "electricity.grid",
                f"gcp:{loc}",
                2021,
                f"{mean:.10g}",
                "t CO2e / kWh",
                "infrastructure",
                CLOUD_SCOPE,
                "carbon: mean of CCF's member-region factors (Google published grid factors, no CFE)",
                "",
                f"mean of {len(members)} CCF region rows (ccf_2024_grid_cloud_regions*.csv), g CO2e/kWh: ({listed}) / {len(members)} "
                f"= {mean * 1e6:.6g}; members: Google Cloud Storage 'Bucket locations'; CCF's own figure "
                f"{gcp[loc]} t/kWh ({refs[loc].split(') ', 1)[1]}) is a sum: "
                "factors/alternatives/ccf_2024_grid_gcp_multiregion_sums.csv",
                f"grid intensity of the GCP {'dual' if len(members) == 2 else 'multi'}-region {loc}: unweighted "
                f"mean of its {len(members)} member regions' location-based intensities (range "
                f"{min(vals) * 1e6:g}-{max(vals) * 1e6:g} g CO2e/kWh)",
                CLOUD_CATEGORY,
            ]
        )
        total = sum(vals)
        check = (
            "equal to the"
            if abs(total - float(gcp[loc])) < 1e-9
            else f"not equal (CCF's members or their figures then differ) to the {total * 1e6:g} g"
        )
        theirs.append(
            [
                "electricity.grid",
                f"gcp:{loc}",
                2021,
                gcp[loc],
                "t CO2e / kWh",
                "infrastructure",
                CLOUD_SCOPE,
                "CCF (sum of member regions' Google grid factors)",
                "",
                refs[loc],
                f"NOT an intensity: Cloud Carbon Footprint's figure for {loc}, {check} sum of the "
                f"{len(members)} member rows carbon averages; import only to reproduce CCF's own output",
                CLOUD_CATEGORY,
            ]
        )
    return ours, theirs


def write_grid_factors(
    grid_csv: Path, existing: Path, out: Path, alternative: Path | None = None
) -> None:
    """The factor-format table of every CCF cloud region not already in `existing`."""
    have = {r["region"] for r in csv.DictReader(open(existing, encoding="utf-8"))}
    rows, seen = [], {}
    gcp = {
        r["region"]: r["t_co2e_per_kwh"]
        for r in csv.DictReader(open(grid_csv, encoding="utf-8"))
        if r["provider"] == "gcp"
    }
    refs = {
        r["region"]: r["source_ref"]
        for r in csv.DictReader(open(grid_csv, encoding="utf-8"))
        if r["provider"] == "gcp"
    }
    multi, ccf_sums = multi_region_rows(gcp, refs)
    multi_by_region = {r[1]: r for r in multi}
    for r in csv.DictReader(open(grid_csv, encoding="utf-8")):
        # carbon's region codes are lower case; Azure's exports spell regions in either case
        region = f"{r['provider']}:{r['region'].lower()}"
        if region in have or region in seen:
            if region in seen and seen[region] != r["t_co2e_per_kwh"]:
                raise SystemExit(
                    f"{region}: two values in CCF ({seen[region]}, {r['t_co2e_per_kwh']})"
                )
            continue
        seen[region] = r["t_co2e_per_kwh"]
        if region in multi_by_region:
            rows.append(multi_by_region[region])
            continue
        nerc = "US_NERC" in r["source_ref"]
        boundary = LOCATION
        if r["region"] == "Unknown":
            year, source = (2022 if r["provider"] == "aws" else 2021), "CCF unknown-region average"
            boundary = (
                "Cloud Carbon Footprint's average for a usage row without a region "
                "(average of the provider's regions)"
            )
        elif nerc:
            # eGRID's NERC regions (SERC, RFC, WECC, MRO, TRE), not its subregions (SRVC, ...)
            year, source = 2020, "CCF (EPA eGRID2020 NERC region)"
        elif region in EEA_REGIONS:
            year, source = 2022, "CCF (EEA)"
            boundary = f"CO2 only (EEA country CO2 intensity, carried here as CO2e: CH4 and N2O missing); {LOCATION}"
        elif r["provider"] == "gcp":
            year, source = 2021, "CCF (Google published grid factor, no CFE)"
        else:
            # one carbonfootprint.com table, the same figures on AWS and Azure rows (af-south-1 =
            # southafrica): one label and one vintage for both providers
            year, source = 2021, "CCF (carbonfootprint.com 2021 factors)"
        rows.append(
            [
                "electricity.grid",
                region,
                year,
                r["t_co2e_per_kwh"],
                "t CO2e / kWh",
                "infrastructure",
                CLOUD_SCOPE,
                source,
                "",
                r["source_ref"],
                boundary,
                CLOUD_CATEGORY,
            ]
        )
    write(out, HEADER, rows)
    if alternative is not None:
        write(alternative, HEADER, ccf_sums)


if __name__ == "__main__" and len(sys.argv) > 1:
    write_grid_factors(
        DATA / "ccf_grid_regions.csv",
        ROOT / "factors" / "ccf_2024_grid_cloud_regions.csv",
        ROOT / "factors" / "ccf_2024_grid_cloud_regions_all.csv",
        ROOT / "factors" / "alternatives" / "ccf_2024_grid_gcp_multiregion_sums.csv",
    )
