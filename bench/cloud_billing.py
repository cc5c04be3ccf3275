"""Benchmark: import a generated AWS Cost and Usage Report of N lines, next to the floor.

    python bench/cloud_billing.py [--lines 10000000] [--gzip] [--runs 3]

Also imports the same bill with every field quoted and prints the time ratio (goal <= 1.2:
quoted fields stay on pyarrow's reader; only a quoted line break needs pandas's).

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


def phase_generate(path: str, lines: str, gz: str, quoted: str = "0") -> dict:
    generate(Path(path), int(lines), gz == "1", quoted=quoted == "1")
    return {}


def generate(
    path: Path,
    lines: int,
    gz: bool = False,
    seed: int = 1,
    block: int = 1_000_000,
    quoted: bool = False,
) -> None:
    """Write the CUR in blocks of `block` lines, each built and written as whole Arrow columns.

    Values that repeat (dates, usage types, accounts, tags) are drawn as indices into their few
    distinct values and materialised by `take`; nothing is formatted per line in Python.
    Needs pyarrow (the `parquet` extra). No value needs quoting, so none is quoted.
    """
    import pyarrow as pa
    import pyarrow.compute as pc
    import pyarrow.csv as pacsv

    rng = np.random.default_rng(seed)
    hours = np.datetime64("2026-01-01T00:00:00") + np.arange(24 * 90).astype(
        "timedelta64[h]"
    )  # Jan..Mar
    starts = pa.array(np.datetime_as_string(hours, unit="s"))
    ends = pa.array(np.datetime_as_string(hours + np.timedelta64(1, "h"), unit="s"))
    usage = [pa.array([x[i] for x in USAGE]) for i in range(5)]
    per_unit = np.array([x[5] for x in USAGE])
    price = np.array([x[6] for x in USAGE])
    names = [
        "identity/LineItemId",
        "bill/PayerAccountId",
        "lineItem/UsageStartDate",
        "lineItem/UsageEndDate",
        "lineItem/ProductCode",
        "lineItem/UsageType",
        "lineItem/UsageAmount",
        "pricing/unit",
        "product/region",
        "lineItem/UnblendedCost",
        "lineItem/CurrencyCode",
        "lineItem/UsageAccountId",
        "lineItem/LineItemType",
        "lineItem/ResourceId",
        "product/instanceType",
        "product/vcpu",
        "resourceTags/user:Team",
    ]

    def pick(values: list[str], ix: np.ndarray) -> pa.Array:
        return pc.take(pa.array(values), pa.array(ix))

    sink = pa.CompressedOutputStream(str(path), "gzip") if gz else pa.OSFile(str(path), "wb")
    schema = pa.schema(
        [
            (
                n,
                pa.float64()
                if n in ("lineItem/UsageAmount", "lineItem/UnblendedCost")
                else pa.string(),
            )
            for n in names
        ]
    )
    with sink:
        sink.write((",".join(names) + "\n").encode())  # Arrow would quote the header's names
        writer = pacsv.CSVWriter(
            sink,
            schema,
            write_options=pacsv.WriteOptions(
                include_header=False, quoting_style="all_valid" if quoted else "none"
            ),
        )
        for first in range(0, lines, block):
            m = min(block, lines - first)
            kind = pa.array(rng.integers(0, len(USAGE), m))
            hour = pa.array(rng.integers(0, len(hours), m))
            k = kind.to_numpy()
            amount = np.round(per_unit[k] * rng.gamma(2.0, 0.5, m), 6)
            cost = np.round(amount * price[k], 8)
            ids = pc.binary_join_element_wise(
                "id", pc.cast(pa.array(np.arange(first, first + m)), pa.string()), ""
            )
            const = np.zeros(m, dtype=np.int64)
            columns = [
                ids,
                pick(["123456789012"], const),
                pc.take(starts, hour),
                pc.take(ends, hour),
                pc.take(usage[0], kind),
                pc.take(usage[1], kind),
                pa.array(amount),
                pc.take(usage[2], kind),
                pick(["eu-west-3"], const),
                pa.array(cost),
                pick(["USD"], const),
                pick(["111122223333", "444455556666"], (rng.random(m) < 0.5).astype(np.int64)),
                pick(["Usage", "Tax"], (rng.random(m) < 0.01).astype(np.int64)),
                pick([""], const),
                pc.take(usage[3], kind),
                pc.take(usage[4], kind),
                pick(TEAMS, rng.integers(0, len(TEAMS), m)),
            ]
            writer.write_table(pa.Table.from_arrays(columns, schema=schema))
        writer.close()


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
        parts.append(
            chunk.groupby(["month", "service", "usage_type", "region"])[["amount", "cost"]].sum()
        )
    pd.concat(parts).groupby(level=[0, 1, 2, 3]).sum()
    return {"seconds": time.perf_counter() - t, "rows": rows}


def phase_import(path: str, db_url: str, rules: str) -> dict:
    from carbon.cloud.importer import import_cloud_billing
    from carbon.ledger import service as importer
    from carbon.store import Store

    store = Store.open(db_url)
    for team in CARBON_TEAMS:
        importer.add_team(store, team)
    t = time.perf_counter()
    out = import_cloud_billing(store, Path(path), "aws", Path(rules))
    return {
        "seconds": time.perf_counter() - t,
        "rows": out.outcome.batch.row_count,
        "entries": out.outcome.batch.entry_count,
        "kg": out.outcome.batch.co2e_kg,
    }


def peak_rss_mb() -> float:
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def _run_phase(name: str, *args: str) -> dict:
    code = (
        f"import json, sys; sys.path.insert(0, {str(Path(__file__).parent)!r}); "
        f"import cloud_billing as b; r = b.phase_{name}(*{list(args)!r}); "
        "r['max_rss_mb'] = b.peak_rss_mb(); print(json.dumps(r))"
    )
    out = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def _median_run(runs: list[dict]) -> dict:
    """The run of median time (the lower middle one for an even count)."""
    return sorted(runs, key=lambda r: r["seconds"])[(len(runs) - 1) // 2]


def _seconds(runs: list[dict]) -> str:
    return ", ".join(f"{r['seconds']:.2f}" for r in runs)


def main() -> None:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--lines", type=int, default=1_000_000)
    ap.add_argument("--gzip", action="store_true", help="generate a .csv.gz CUR")
    ap.add_argument(
        "--runs",
        type=int,
        default=3,
        help="imports of each bill (quoted and not, interleaved, each into a new database); "
        "medians are printed (default 3)",
    )
    args = ap.parse_args()
    with tempfile.TemporaryDirectory(prefix="carbon-bench-cur-") as tmp:
        work = Path(tmp)
        cur = work / ("cur.csv.gz" if args.gzip else "cur.csv")
        rules = work / "rules.toml"
        rules.write_text(RULES, encoding="utf-8")
        t = time.perf_counter()
        _run_phase("generate", str(cur), str(args.lines), "1" if args.gzip else "0")
        print(
            f"generated {args.lines:,} CUR lines ({cur.stat().st_size / 1e6:.0f} MB) in "
            f"{time.perf_counter() - t:.1f} s"
        )
        floor = _run_phase("floor", str(cur))
        # the same bill with every field quoted, as many exporters write it: the same reader
        quoted = work / ("cur-quoted.csv.gz" if args.gzip else "cur-quoted.csv")
        _run_phase("generate", str(quoted), str(args.lines), "1" if args.gzip else "0", "1")
        plain_runs, quoted_runs = [], []
        for i in range(max(1, args.runs)):  # interleaved: a change of load slows both alike
            plain_runs.append(
                _run_phase("import", str(cur), f"sqlite:///{work / f'p{i}.db'}", str(rules))
            )
            quoted_runs.append(
                _run_phase("import", str(quoted), f"sqlite:///{work / f'q{i}.db'}", str(rules))
            )
        imp, q_imp = _median_run(plain_runs), _median_run(quoted_runs)
        f_rate, i_rate = floor["rows"] / floor["seconds"], imp["rows"] / imp["seconds"]
        print(f"{'phase':<44}{'lines/s':>12}{'seconds':>10}{'peak RSS MB':>13}")
        print(
            f"{'floor (chunked read_csv + group-by)':<44}{f_rate:>12,.0f}{floor['seconds']:>10.1f}"
            f"{floor['max_rss_mb']:>13,.0f}"
        )
        print(
            f"{'carbon import cloud-billing (SQLite)':<44}{i_rate:>12,.0f}{imp['seconds']:>10.1f}"
            f"{imp['max_rss_mb']:>13,.0f}"
        )
        print(
            f"import / floor: {i_rate / f_rate:.2f}; {imp['entries']:,} ledger entries, "
            f"{imp['kg'] / 1000:,.3f} t CO2e (target >= 100,000 lines/s)"
        )
        same = all(
            abs(r["kg"] - imp["kg"]) <= 1e-9 * max(1.0, abs(imp["kg"]))
            for r in plain_runs + quoted_runs
        )
        print(
            f"{'the same bill, every field quoted':<44}{q_imp['rows'] / q_imp['seconds']:>12,.0f}"
            f"{q_imp['seconds']:>10.1f}{q_imp['max_rss_mb']:>13,.0f}"
        )
        print(
            f"quoted / unquoted time: {q_imp['seconds'] / imp['seconds']:.2f} (goal <= 1.2; "
            f"medians of {len(plain_runs)} interleaved imports each: "
            f"{_seconds(plain_runs)} s unquoted, {_seconds(quoted_runs)} s quoted); "
            f"same figures: {'yes' if same else 'NO'}"
        )


if __name__ == "__main__":
    main()
