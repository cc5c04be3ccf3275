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
    return subprocess.run(["git", "-C", str(repo), "show", f"HEAD:{path}"], check=True,
                          capture_output=True, text=True).stdout


def block(text: str, name: str) -> str:
    """The body of `export const NAME ... = { ... }` (up to the closing brace at column 0)."""
    m = re.search(rf"export const {name}\b[^=]*=\s*\{{\n(.*?)\n\}}", text, re.S)
    if not m:
        raise SystemExit(f"{name} not found")
    return m.group(1)


def key(k: str) -> str:
    return k.strip().strip("'\"")


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
        # a size CCF spells with a tab ('xlarge\t' of d3) matches no instance type, in CCF or here
        if sm and not re.search(r"\s['\"]$", sm.group(1)):
            yield family, key(sm.group(1)), [x.strip() for x in sm.group(2).split(",") if x.strip()]


def write(path: Path, header: list[str], rows: list[list]) -> None:
    with open(path, "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh, lineterminator="\n")
        w.writerow(header)
        w.writerows(rows)
    print(f"{path.relative_to(ROOT)}: {len(rows)} rows")


def main(repo: Path) -> None:
    commit = subprocess.run(["git", "-C", str(repo), "log", "-1", "--format=%h %cs"], check=True,
                            capture_output=True, text=True).stdout.strip()
    ref = f"github.com/cloud-carbon-footprint/cloud-carbon-footprint (HEAD {commit.replace(' ', ', ')})"
    core_types = read(repo, "packages/core/src/compute/ComputeProcessorTypes.ts")
    procs = enum_values(core_types, "COMPUTE_PROCESSOR_TYPES")
    lists = processor_lists(core_types, procs)

    # --- processor coefficients per provider ------------------------------------------------
    rows = []
    consts = {"aws": "packages/aws/src/domain/AwsFootprintEstimationConstants.ts",
              "gcp": "packages/gcp/src/domain/GcpFootprintEstimationConstants.ts",
              "azure": "packages/azure/src/domain/AzureFootprintEstimationConstants.ts"}
    for provider, path in consts.items():
        text = read(repo, path)
        for table, what in (("MIN_WATTS_BY_COMPUTE_PROCESSOR", "min_watts"),
                            ("MAX_WATTS_BY_COMPUTE_PROCESSOR", "max_watts"),
                            ("MEMORY_BY_COMPUTE_PROCESSOR", "memory_gb_per_chip")):
            m = re.search(rf"{table}: \{{(.*?)\n  \}}", text, re.S)
            if not m:
                continue
            for p, v in re.findall(r"\[COMPUTE_PROCESSOR_TYPES\.(\w+)\]:\s*([\d.]+)", m.group(1)):
                rows.append([provider, procs[p], what, float(v), f"{ref} {path} {table}"])
    write(DATA / "ccf_processors.csv", ["provider", "processor", "quantity", "value", "source_ref"], rows)

    # --- AWS instance tables ---------------------------------------------------------------
    path = "packages/aws/src/lib/AWSInstanceTypes.ts"
    text = read(repo, path)
    rows = []
    for table in ("EC2_INSTANCE_TYPES", "INSTANCE_FAMILY_TO_INSTANCE_TYPE_MAPPING", "REDSHIFT_INSTANCE_TYPES"):
        for family, size, vals in family_rows(block(text, table)):
            nums = [float(x) for x in vals]
            rows.append([table, family, size, nums[0], nums[1], nums[2] if len(nums) > 2 else ""])
    write(DATA / "ccf_aws_instance_types.csv",
          ["table", "family", "size", "vcpu", "memory_gb", "embodied_kg_co2e"], rows)

    rows = []
    for table in ("BURSTABLE_INSTANCE_BASELINE_UTILIZATION", "GPU_INSTANCES_TYPES", "MSK_INSTANCE_TYPES"):
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
    region_files = {"aws": "packages/aws/src/lib/AWSRegions.ts", "gcp": "packages/gcp/src/lib/GCPRegions.ts",
                    "azure": "packages/azure/src/lib/AzureRegions.ts"}
    for provider, rpath in region_files.items():
        rtext = read(repo, rpath)
        names: dict[tuple[str, str], str] = {}
        for enum in re.findall(r"export enum (\w+)", rtext):
            names.update({(enum, k): v for k, v in enum_values(rtext, enum).items()})
        for k, v in re.findall(r"^  (\w+): \{\s*name: '([^']*)'", rtext, re.M):
            names[("AZURE_REGIONS", k)] = v
        ctext = read(repo, consts[provider])
        body = ctext[ctext.index(sections[provider]):]
        ends = [i for i in (body.find("\n}"), body.find("\n  }\n")) if i >= 0]
        body = body[:min(ends)] if ends else body
        for enum, k, v in re.findall(r"\[(\w+)\.(\w+)(?:\.name)?\]:\s*([\w.]+)", body):
            literal = bool(re.match(r"[\d.]", v))
            value = float(v) if literal else float(nerc[v.split(".")[-1]])
            note = k if literal else f"{k} = US_NERC_REGIONS_EMISSIONS_FACTORS.{v.split('.')[-1]}"
            grid.append([provider, names[(enum, k)], value, f"{ref} {consts[provider]} {note}"])
    write(DATA / "ccf_grid_regions.csv", ["provider", "region", "t_co2e_per_kwh", "source_ref"], grid)

    extract_gcp_machine_types(repo, ref, procs, lists)
    extract_azure_vm_types(repo, ref, procs, lists)


def extract_gcp_machine_types(repo: Path, ref: str, procs: dict[str, str], lists: dict[str, list[str]]) -> None:
    """GCP machine types (vCPUs, embodied t CO2e of the server) and the processors of each family."""
    path = "packages/gcp/src/lib/MachineTypes.ts"
    text = read(repo, path)
    shared = enum_values(text, "SHARED_CORE_PROCESSORS")
    rows = []
    for table in ("MACHINE_FAMILY_TO_MACHINE_TYPE_MAPPING", "MACHINE_FAMILY_SHARED_CORE_TO_MACHINE_TYPE_MAPPING"):
        for family, size, (vcpu, emb) in family_rows(block(text, table)):
            rows.append([table, family, size, vcpu, emb, f"{ref} {path} {table}"])
    table = "N1_SHARED_CORE_MACHINE_FAMILY_TO_MACHINE_TYPE_MAPPING"
    for k, vals in re.findall(r"^  ([\w'.-]+): \[([^\]]*)\]", block(text, table), re.M):
        vcpu, emb = (x.strip() for x in vals.split(","))
        rows.append([table, "", key(k), vcpu, emb, f"{ref} {path} {table}"])
    write(DATA / "ccf_gcp_machine_types.csv",
          ["table", "family", "machine_type", "vcpu", "embodied_t", "source_ref"], rows)

    rows = []
    table = "INSTANCE_TYPE_COMPUTE_PROCESSOR_MAPPING"
    for k, expr in re.findall(r"^\s+([\w'.\[\]-]+):\s*(.+?),?\s*$", block(text, table), re.M):
        sk = re.fullmatch(r"\[SHARED_CORE_PROCESSORS\.(\w+)\]", k)
        rows.append([table, shared[sk.group(1)] if sk else key(k), "|".join(processors_of(expr, procs, lists)),
                     f"{ref} {path} {table}"])
    write(DATA / "ccf_gcp_machine_processors.csv", ["table", "family", "processors", "source_ref"], rows)


def extract_azure_vm_types(repo: Path, ref: str, procs: dict[str, str], lists: dict[str, list[str]]) -> None:
    """Azure VM sizes: vCPUs (or GPUs), memory, platform vCPUs of a constrained size, embodied t CO2e."""
    path = "packages/azure/src/lib/VirtualMachineTypes.ts"
    text = read(repo, path)
    table = "VIRTUAL_MACHINE_TYPE_SERIES_MAPPING"
    rows = [[table, series, size, *(vals + ["", ""])[:2], "", (vals + [""] * 3)[2], f"{ref} {path} {table}"]
            for series, size, vals in family_rows(block(text, table))]
    for table in ("VIRTUAL_MACHINE_TYPE_VCPU_MEMORY_MAPPING", "VIRTUAL_MACHINE_TYPE_CONSTRAINED_VCPU_CAPABLE_MAPPING"):
        for k, body in re.findall(r"^  ([^:/]+): \[([^\]]*)\]", block(text, table), re.M):
            vals = [x.strip() for x in body.split(",")] + ["", "", ""]
            rows.append([table, "", key(k), vals[0], vals[1], vals[2], vals[3], f"{ref} {path} {table}"])
    table = "GPU_VIRTUAL_MACHINE_TYPES"
    for k, n in re.findall(r"^  ([^:/]+): (\d+)", block(text, table), re.M):
        rows.append([table, "", key(k), n, "", "", "", f"{ref} {path} {table}"])
    write(DATA / "ccf_azure_vm_types.csv", ["table", "series", "vm_type", "vcpu_or_count", "memory_gb",
                                            "platform_vcpu", "embodied_t", "source_ref"], rows)

    rows = []
    for table in ("INSTANCE_TYPE_COMPUTE_PROCESSOR_MAPPING", "GPU_VIRTUAL_MACHINE_TYPE_PROCESSOR_MAPPING"):
        for k, expr in re.findall(r"^  ([^:/]+):\s*(.+?),?\s*$", block(text, table), re.M):
            rows.append([table, key(k), "|".join(processors_of(expr, procs, lists)), f"{ref} {path} {table}"])
    write(DATA / "ccf_azure_vm_processors.csv", ["table", "vm_type", "processors", "source_ref"], rows)


if __name__ == "__main__":
    main(Path(sys.argv[1]))


def write_grid_factors(grid_csv: Path, existing: Path, out: Path) -> None:
    """The factor-format table of every CCF cloud region not already in `existing`."""
    have = {r["region"] for r in csv.DictReader(open(existing, encoding="utf-8"))}
    rows, seen = [], {}
    for r in csv.DictReader(open(grid_csv, encoding="utf-8")):
        # carbon's region codes are lower case; Azure's exports spell regions in either case
        region = f"{r['provider']}:{r['region'].lower()}"
        if region in have or region in seen:
            if region in seen and seen[region] != r["t_co2e_per_kwh"]:
                raise SystemExit(f"{region}: two values in CCF ({seen[region]}, {r['t_co2e_per_kwh']})")
            continue
        seen[region] = r["t_co2e_per_kwh"]
        nerc = "US_NERC" in r["source_ref"]
        if r["region"] == "Unknown":
            year, source = (2022 if r["provider"] == "aws" else 2021), "CCF unknown-region average"
        elif nerc:
            year, source = 2020, "CCF (EPA eGRID2020 NERC subregion)"
        elif r["provider"] == "aws":
            year, source = 2022, "CCF (carbonfootprint.com / EEA, 2022 update)"
        elif r["provider"] == "gcp":
            year, source = 2021, "CCF (Google published grid factor, no CFE)"
        else:
            year, source = 2021, "CCF (carbonfootprint.com 2021 factors)"
        boundary = "grid intensity of the cloud region as used by Cloud Carbon Footprint (location-based)"
        if r["region"] == "Unknown":
            boundary = ("Cloud Carbon Footprint's average for a usage row without a region "
                        "(average of the provider's regions)")
        rows.append(["electricity.grid", region, year, r["t_co2e_per_kwh"], "t CO2e / kWh", "infrastructure",
                     2, source, "", r["source_ref"], boundary])
    write(out, ["activity", "region", "year", "value", "unit", "category", "scope", "source", "uncertainty_pct",
                "source_ref", "boundary"], rows)


if __name__ == "__main__" and len(sys.argv) > 1:
    write_grid_factors(DATA / "ccf_grid_regions.csv", ROOT / "factors" / "ccf_2024_grid_cloud_regions.csv",
                       ROOT / "factors" / "ccf_2024_grid_cloud_regions_all.csv")
