"""Benchmark: import a generated AWS Cost and Usage Report of N lines, next to the floor.

    python bench/cloud_billing.py [--lines 10000000] [--gzip]

Prints lines/s for, on SQLite:
  floor   pandas.read_csv of the CUR in chunks, only the columns carbon reads, and a
          group-by sum of usage and cost per month, service, usage type and region: the
          least any importer of this file must do;
  import  `carbon import cloud-billing` (validation, CCF classification of each distinct usage
          line, kWh, allocation rules, aggregation per month/team/service/region/class,
          unknown usage from cost, ledger insert, one transaction);
and the peak memory of each (each phase runs in its own process). Figures, not assertions:
see README "Performance". Target: import >= 100,000 lines/s.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

# (product code, usage type, pricing unit, instance type, vCPUs, amount, cost per unit)
USAGE = [
    ("AmazonEC2", "EUW3-BoxUsage:m5.xlarge", "Hrs", "m5.xlarge", "4", 1.0, 0.224),
    ("AmazonEC2", "EUW3-BoxUsage:c5.2xlarge", "Hrs", "c5.2xlarge", "8", 1.0, 0.404),
    ("AmazonEC2", "EUW3-BoxUsage:t3.medium", "Hrs", "t3.medium", "2", 1.0, 0.0472),
    ("AmazonEC2", "EUW3-EBS:VolumeUsage.gp3", "GB-Mo", "", "", 0.14, 0.0928),
    ("AmazonS3", "EUW3-TimedStorage-ByteHrs", "GB-Mo", "", "", 0.9, 0.024),
    ("AmazonEC2", "EUW3-USE1-AWS-Out-Bytes", "GB", "", "", 2.5, 0.02),
    ("AmazonEC2", "EUW3-NatGateway-Hours", "Hrs", "", "", 1.0, 0.048),
    ("AmazonRDS", "EUW3-InstanceUsage:db.r5.large", "Hrs", "db.r5.large", "2", 1.0, 0.27),
    ("AmazonEC2", "EUW3-DataTransfer-Out-Bytes", "GB", "", "", 0.4, 0.09),
    ("AWSLambda", "EUW3-Lambda-GB-Second", "Lambda-GB-Second", "", "", 3600.0, 0.0000167),
]
TEAMS = ["platform", "video", "pedagogy", "mentoring", "marketing", ""]  # "" = untagged
RULES = """unallocated = "Unallocated"
[[rule]]
tag = {Team = "video*"}
team = "Video"
[[rule]]
tag = {Team = "platform"}
team = "Platform"
[[rule]]
tag = {Team = "pedagogy"}
split = {Pedagogy = 0.7, Mentoring = 0.3}
[[rule]]
service = "AmazonS3"
team = "Platform"
"""
CARBON_TEAMS = ["Platform", "Video", "Pedagogy", "Mentoring", "Unallocated"]


def phase_generate(path: str, lines: str, gz: str) -> dict:
    n, block = int(lines), 1_000_000
    rng = np.random.default_rng(1)
    first = True
    compression = "gzip" if gz == "1" else None
    for start in range(0, n, block):
        m = min(block, n - start)
        kind = rng.integers(0, len(USAGE), m)
        hour = rng.integers(0, 24 * 90, m)  # Jan..Mar 2026, hourly lines
        t0 = np.datetime64("2026-01-01T00:00:00") + hour.astype("timedelta64[h]")
        u = [np.array([x[i] for x in USAGE], dtype=object)[kind] for i in range(5)]
        amount = np.round(np.array([x[5] for x in USAGE])[kind] * rng.gamma(2.0, 0.5, m), 6)
        cost = np.round(amount * np.array([x[6] for x in USAGE])[kind], 8)
        lit = np.where(rng.random(m) < 0.01, "Tax", "Usage")
        frame = pd.DataFrame({
            "identity/LineItemId": [f"id{start + i}" for i in range(m)],
            "bill/PayerAccountId": "123456789012",
            "lineItem/UsageStartDate": np.datetime_as_string(t0, unit="s"),
            "lineItem/UsageEndDate": np.datetime_as_string(t0 + np.timedelta64(1, "h"), unit="s"),
            "lineItem/ProductCode": u[0], "lineItem/UsageType": u[1],
            "lineItem/UsageAmount": amount, "pricing/unit": u[2], "product/region": "eu-west-3",
            "lineItem/UnblendedCost": cost, "lineItem/CurrencyCode": "USD",
            "lineItem/UsageAccountId": np.where(rng.random(m) < 0.5, "111122223333", "444455556666"),
            "lineItem/LineItemType": lit, "lineItem/ResourceId": "",
            "product/instanceType": u[3], "product/vcpu": u[4],
            "resourceTags/user:Team": np.array(TEAMS, dtype=object)[rng.integers(0, len(TEAMS), m)],
        })
        frame.to_csv(path, index=False, header=first, mode="w" if first else "a", compression=compression)
        first = False
    return {}


def phase_floor(path: str) -> dict:
    from carbon.cloud import exports

    t = time.perf_counter()
    info = exports.aws_info(Path(path), path)
    rows = 0
    parts = []
    for chunk, _ in exports.read_aws(Path(path), info):
        rows += len(chunk)
        chunk["amount"] = pd.to_numeric(chunk["amount"])
        chunk["cost"] = pd.to_numeric(chunk["cost"])
        chunk["month"] = chunk["start"].str[:7]
        parts.append(chunk.groupby(["month", "service", "usage_type", "region"])[["amount", "cost"]].sum())
    pd.concat(parts).groupby(level=[0, 1, 2, 3]).sum()
    return {"seconds": time.perf_counter() - t, "rows": rows}


def phase_import(path: str, db_url: str, rules: str) -> dict:
    from carbon import importer
    from carbon.cloud.importer import import_cloud_billing
    from carbon.store import Store

    store = Store.open(db_url)
    for team in CARBON_TEAMS:
        importer.add_team(store, team)
    t = time.perf_counter()
    out = import_cloud_billing(store, Path(path), "aws", Path(rules))
    return {"seconds": time.perf_counter() - t, "rows": out.outcome.batch.row_count,
            "entries": out.outcome.batch.entry_count, "kg": out.outcome.batch.co2e_kg}


def peak_rss_mb() -> float:
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def _run_phase(name: str, *args: str) -> dict:
    code = (f"import json, sys; sys.path.insert(0, {str(Path(__file__).parent)!r}); "
            f"import cloud_billing as b; r = b.phase_{name}(*{list(args)!r}); "
            "r['max_rss_mb'] = b.peak_rss_mb(); print(json.dumps(r))")
    out = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--lines", type=int, default=1_000_000)
    ap.add_argument("--gzip", action="store_true", help="generate a .csv.gz CUR")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory(prefix="carbon-bench-cur-") as tmp:
        work = Path(tmp)
        cur = work / ("cur.csv.gz" if args.gzip else "cur.csv")
        rules = work / "rules.toml"
        rules.write_text(RULES, encoding="utf-8")
        t = time.perf_counter()
        _run_phase("generate", str(cur), str(args.lines), "1" if args.gzip else "0")
        print(f"generated {args.lines:,} CUR lines ({cur.stat().st_size / 1e6:.0f} MB) in "
              f"{time.perf_counter() - t:.1f} s")
        floor = _run_phase("floor", str(cur))
        imp = _run_phase("import", str(cur), f"sqlite:///{work / 'carbon.db'}", str(rules))
        f_rate, i_rate = floor["rows"] / floor["seconds"], imp["rows"] / imp["seconds"]
        print(f"{'phase':<44}{'lines/s':>12}{'seconds':>10}{'peak RSS MB':>13}")
        print(f"{'floor (chunked read_csv + group-by)':<44}{f_rate:>12,.0f}{floor['seconds']:>10.1f}"
              f"{floor['max_rss_mb']:>13,.0f}")
        print(f"{'carbon import cloud-billing (SQLite)':<44}{i_rate:>12,.0f}{imp['seconds']:>10.1f}"
              f"{imp['max_rss_mb']:>13,.0f}")
        print(f"import / floor: {i_rate / f_rate:.2f}; {imp['entries']:,} ledger entries, "
              f"{imp['kg'] / 1000:,.3f} t CO2e (target >= 100,000 lines/s)")


if __name__ == "__main__":
    main()
