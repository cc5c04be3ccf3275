"""carbon import cloud-billing --provider gcp: CCF parity, labels and projects, refusals.

The parity tests re-derive Cloud Carbon Footprint's own unit tests
(packages/gcp/src/__tests__/BillingExportTable.test.ts at CCF HEAD b7a049c,
2024-03-25; fixtures in __tests__/fixtures/bigQuery.fixtures.ts) from billing-export
rows with the same usage, and expect CCF's kWh and CO2e (metric tons) within 1 %.
The grid factors are CCF's own (factors/ccf_2024_grid_cloud_regions_all.csv).
GCP amounts are in base units: seconds, byte-seconds, bytes (1 GB = 1024³ bytes in CCF).
"""

from __future__ import annotations

import json

import pytest

from carbon.cloud import allocation, exports, importer
from carbon.errors import InputError
from carbon.factors import tables as factors
from carbon.ingest.problems import ProblemLog
from carbon.ledger import service as core
from carbon.ledger import views as ledger

HEAD = (
    "usage_start_time,usage_end_time,service.description,sku.description,usage.amount,usage.unit,"
    "location.region,project.id,cost,labels\n"
)


def export(rows) -> str:
    """A GCP billing export (CSV) from CCF fixture rows (day, region, service, sku, unit, amount, cost)."""
    return HEAD + "".join(
        f"{d} 00:00:00 UTC,{d} 01:00:00 UTC,{svc},{sku},{amt},{unit},{reg},p1,{cost},[]\n"
        for d, reg, svc, sku, unit, amt, cost in rows
    )


def estimate(write, rows):
    """kWh and t CO2e per (service, region), without a database."""
    path = write("gcp.csv", export(rows))
    rules = allocation.load(write("rules.toml", 'unallocated = "U"\n'), {"U"})
    info = exports.gcp_info(path, "gcp.csv")
    log = ProblemLog("gcp.csv")
    agg, classes, _counts, _n = importer.aggregate_bill(
        exports.read_gcp(path, info), info, rules, lambda r: True, log, "gcp"
    )
    assert log.count == 0
    est = importer.estimate_groups(
        agg, classes, importer.grid_lookup(factors.build_table(factors.load_shipped()), "gcp")
    )
    est = est.assign(t=est["co2e_kg"] / 1000)
    return {
        k: (v["kwh"], v["t"])
        for k, v in est.groupby(["service", "region"])[["kwh", "t"]].sum().to_dict("index").items()
    }


def check(got, expected):
    assert set(got) == set(expected)
    for key, (kwh, t) in expected.items():
        # abs=0: pytest.approx's default absolute tolerance (1e-12) would accept any tiny figure
        assert got[key][0] == pytest.approx(kwh, rel=0.01, abs=0), key
        assert got[key][1] == pytest.approx(t, rel=0.01, abs=0), key


def test_compute_and_storage_mirror_ccf(write):
    # CCF 'Returns estimation results for Cloud SQL SSD Storage, Compute Engine and Cloud Dataflow HDD'
    # (mockQueryResultsCloudSQLSSDComputeEngineDataFlowHDD):
    # compute, no machine type: 80,000 s / 3600 = 22.2222 vCPU-h × (0.68 + 50 % × (4.11 − 0.68)) W
    #   = 53.222 Wh × PUE 1.1 = 0.0585444 kWh; × us-east1 0.000434 t/kWh.
    # SSD: 4.26e18 byte-s / 3600 / 1024⁴ = 1076.23 TB-h × 1.2 Wh × 1.1 / 1000 = 1.42063 kWh.
    # HDD: 7.8e17 byte-s / 3600 / 1024⁴ = 197.06 TB-h × 0.65 Wh × 1.1 / 1000 = 0.140896 kWh; × us-west1.
    got = estimate(
        write,
        [
            (
                "2021-11-02",
                "us-east1",
                "Cloud SQL",
                "Storage PD SSD for DB in Americas",
                "byte-seconds",
                4.26e18,
                7,
            ),
            (
                "2021-11-02",
                "us-east1",
                "Compute Engine",
                "Compute optimized Core running in Americas",
                "seconds",
                80000,
                7,
            ),
            (
                "2021-10-28",
                "us-west1",
                "Cloud Dataflow",
                "Local Disk Time PD Standard Belgium",
                "byte-seconds",
                7.8e17,
                12,
            ),
        ],
    )
    check(
        got,
        {
            ("Cloud SQL", "us-east1"): (1.4206307241693137, 0.0006165537342894821),
            ("Compute Engine", "us-east1"): (0.058544444444444455, 0.000025408288888888893),
            ("Cloud Dataflow", "us-west1"): (0.14089588754965615, 0.00000845375325297937),
        },
    )


def test_storage_replication_mirrors_ccf(write):
    # CCF 'Returns estimation results for Cloud Storage based on replication factors'
    # (mockQueryCloudStorageWithReplicationFactors): Cloud Storage single-, dual- and multi-region,
    # each × replication 2 (CLOUD_STORAGE_*_REGION); us-central1 PUE 1.11, others 1.1.
    # us-central1: 1.17334e14 byte-s / 3600 / 1024⁴ = 0.0296430 TB-h × 0.65 × 2 × 1.11 / 1000
    #   = 4.27748e-5 kWh; × 0.000456 t/kWh = 1.95053e-8 t.
    got = estimate(
        write,
        [
            (
                "2021-11-02",
                "nam4",
                "Cloud Storage",
                "Standard Storage Iowa/South Carolina Dual-region",
                "byte-seconds",
                491520.0,
                10,
            ),
            (
                "2021-11-02",
                "us-central1",
                "Cloud Storage",
                "Standard Storage US Regional",
                "byte-seconds",
                117334055659520.0,
                120,
            ),
            (
                "2021-10-28",
                "us",
                "Cloud Storage",
                "Standard Storage US Multi-region",
                "byte-seconds",
                5.15376128e8,
                220,
            ),
        ],
    )
    # kWh are CCF's; CO2e is not: CCF multiplies nam4 and us by the SUM of their member regions'
    # factors (0.000828, 0.002805 t/kWh), carbon by their mean: nam4 (0.000456 + 0.000434) / 2 =
    # 0.000445 t/kWh; us (456 + 456 + 434 + 309 + 309 + 60 + 190 + 448 + 365 + 296) / 10 = 332.3 g.
    # CCF's t: nam4 1.4702975749969482e-16, us 5.222649420999611e-13.
    check(
        got,
        {
            ("Cloud Storage", "nam4"): (1.7757217089335124e-13, 1.7757217089335124e-13 * 0.000445),
            ("Cloud Storage", "us-central1"): (0.000042774809702245215, 1.9505313224223818e-8),
            ("Cloud Storage", "us"): (1.8619071019606457e-10, 1.8619071019606457e-10 * 0.0003323),
        },
    )


def test_networking_and_unknown_usage_mirror_ccf(write):
    # CCF 'estimation for Networking' (mockQueryNetworkingWithIngress): egress and downloads,
    # bytes / 1024³ GB × 0.001 kWh/GB × PUE 1.1: 2,597,445,774 B = 2.41906 GB -> 0.00266097 kWh.
    # Ingress is not networking for CCF: unknown usage, estimated by usage amount (GCP's
    # ESTIMATE_UNKNOWN_USAGE_BY) from the bill's classified 'bytes' lines: 0.00549100 kWh /
    # 5,359,898,887 B × 165,007,339 B = 0.000169043 kWh (Compute Engine has no classified 'bytes' line).
    got = estimate(
        write,
        [
            (
                "2021-11-02",
                "us-west1",
                "App Engine",
                "Cloud Firestore Google Egress from APAC to the Americas",
                "bytes",
                165007339,
                10,
            ),
            (
                "2021-11-02",
                "us-west1",
                "Compute Engine",
                "Network Ingress via Carrier Peering Network - EMEA Based",
                "bytes",
                165007339,
                10,
            ),
            (
                "2021-11-02",
                "us-east1",
                "Cloud Storage",
                "Download Australia",
                "bytes",
                2597445774,
                10,
            ),
            (
                "2021-11-02",
                "europe-central2",
                "Cloud Pub/Sub",
                "Download Australia",
                "bytes",
                2597445774,
                10,
            ),
        ],
    )
    check(
        got,
        {
            ("App Engine", "us-west1"): (0.000169042565766722, 1.014255394600332e-8),
            ("Compute Engine", "us-west1"): (0.00016904256576672202, 1.0142553946003321e-8),
            ("Cloud Storage", "us-east1"): (0.0026609658742323523, 0.0000011548591894168408),
            ("Cloud Pub/Sub", "europe-central2"): (0.0026609658742323523, 0.000001532716343557835),
        },
    )


def test_memory_mirrors_ccf(write):
    # CCF 'estimation for Memory' (mockQueryResultsComputeEngineRam): byte-seconds / 3600 / 1024³
    # GB-h × 0.000392 kWh/GB-h × PUE (us-west1 1.1, europe-west1 1.09, us-central1 1.11):
    # 120 byte-s -> 3.10441e-11 GB-h × 0.000392 × 1.1 = 1.33862e-14 kWh.
    got = estimate(
        write,
        [
            (
                "2021-10-28",
                "us-west1",
                "Compute engine",
                "Flex Instance RAM",
                "byte-seconds",
                120,
                10,
            ),
            (
                "2021-10-28",
                "europe-west1",
                "Compute engine",
                "N1 Predefined Instance Ram running in EMEA",
                "byte-seconds",
                260,
                8,
            ),
            (
                "2021-10-28",
                "us-central1",
                "Compute engine",
                "E2 Instance Ram running in Americas",
                "byte-seconds",
                380,
                5,
            ),
        ],
    )
    check(
        got,
        {
            ("Compute engine", "us-west1"): (1.3386209805806478e-14, 8.031725883483887e-19),
            ("Compute engine", "europe-west1"): (2.8739786810345115e-14, 3.1613765491379627e-18),
            ("Compute engine", "us-central1"): (4.277502497037252e-14, 1.9505411386489868e-17),
        },
    )


def test_unknown_usage_and_unknown_region_mirror_ccf(write):
    # CCF 'estimation for unknown App Engine Compute and Cloud DataFlow Compute'
    # (mockQueryAppEngineComputeUnknownRegion): Dataflow 1,141,961 s = 317.2114 vCPU-h × 2.395 W × 1.1
    # = 0.835693 kWh. App Engine 'Backend Instances' is unknown: no classified App Engine 'seconds',
    # so kWh per second of all classified 'seconds' lines × 14,551 s = 0.0106485 kWh.
    # Datastore storage without a region: 2.83e16 byte-s / 3600 / 1024⁴ × 0.65 × 1.1 / 1000
    # = 0.00511199 kWh at CCF's GCP unknown-region average 0.000317147 t/kWh.
    got = estimate(
        write,
        [
            ("2021-10-28", "us-east1", "App Engine", "Backend Instances", "seconds", 14551, 10),
            (
                "2021-10-28",
                "us-east1",
                "Cloud Dataflow",
                "vCPU Time Batch Iowa",
                "seconds",
                1141961,
                190,
            ),
            ("2021-10-28", "", "App Engine", "Cloud Datastore Storage", "byte-seconds", 2.83e16, 5),
        ],
    )
    check(
        got,
        {
            ("Cloud Dataflow", "us-east1"): (0.8356934040277779, 0.0003626909373480556),
            ("App Engine", "unknown"): (0.005111991817506756, 0.000001621253169531934),
            ("App Engine", "us-east1"): (0.01064850263888889, 0.000004621450145277778),
        },
    )


def test_fees_are_skipped_and_requests_are_unknown(write):
    # CCF UNSUPPORTED_USAGE_TYPES ('Fee') carry no usage; 'requests' (UNKNOWN_USAGE_UNITS) with no
    # classified peer in 'requests': kWh per cost of the whole bill (CCF would give 0):
    # compute 3600 s = 1 vCPU-h × 2.395 W × 1.1 / 1000 = 0.0026345 kWh for 2.0 -> × 1.0 = 0.00131725 kWh.
    got = estimate(
        write,
        [
            (
                "2021-11-02",
                "us-east1",
                "Compute Engine",
                "N1 Predefined Instance Core running in Americas",
                "seconds",
                3600,
                2.0,
            ),
            ("2021-11-02", "us-east1", "Cloud Functions", "Invocations", "requests", 5000, 1.0),
            (
                "2021-11-02",
                "us-east1",
                "Cloud Storage",
                "Early Delete Fee",
                "byte-seconds",
                1e15,
                3.0,
            ),
        ],
    )
    assert got[("Cloud Functions", "us-east1")][0] == pytest.approx(0.0026345 / 2, rel=1e-4)
    assert ("Cloud Storage", "us-east1") not in got


# ---- through the store: projects, labels, Unallocated, refusals ---------------------------------

RULES = """unallocated = "Unallocated"

[[rule]]
tag = {team = "video"}
team = "Video"

[[rule]]
project = "platform-*"
team = "Platform"
"""

# Compute 'N1 Predefined Instance Core' in europe-west1 (PUE 1.09, grid 0.00011 t/kWh = 0.11 kg/kWh):
# 360,000 s = 100 vCPU-h × 2.395 W = 239.5 Wh × 1.09 = 0.261055 kWh -> 0.02871605 kg per line.
LINE_KG = 100 * 2.395 * 1.09 / 1000 * 0.11
BILL = (
    HEAD
    + "2026-03-01 00:00:00 UTC,2026-03-02 00:00:00 UTC,Compute Engine,N1 Predefined Instance Core running in "
    'EMEA,360000,seconds,europe-west1,video-prod,10,"[{""key"":""team"",""value"":""video""}]"\n'
    + "2026-03-01 00:00:00 UTC,2026-03-02 00:00:00 UTC,Compute Engine,N1 Predefined Instance Core running in "
    "EMEA,360000,seconds,europe-west1,platform-ci,10,[]\n"
    + "2026-03-01 00:00:00 UTC,2026-03-02 00:00:00 UTC,Compute Engine,N1 Predefined Instance Core running in "
    "EMEA,360000,seconds,europe-west1,sandbox,10,[]\n"
)


@pytest.fixture
def company(store):
    for t in ("Platform", "Video", "Unallocated"):
        core.add_team(store, t)
    return store


def by_team(store, month):
    return {t.team: t.total for t in ledger.monthly_report(store, month).teams}


def test_labels_and_projects_allocate_and_unlabelled_lands_in_unallocated(company, write):
    result = importer.import_cloud_billing(
        company, write("gcp-2026-03.csv", BILL), "gcp", write("r.toml", RULES)
    )
    got = by_team(company, "2026-03")
    assert got["Video"] == pytest.approx(LINE_KG, rel=1e-4)
    assert got["Platform"] == pytest.approx(LINE_KG, rel=1e-4)
    assert got["Unallocated"] == pytest.approx(LINE_KG, rel=1e-4)
    assert result.summary.unallocated_kg == pytest.approx(LINE_KG, rel=1e-4)


def test_newline_json_gives_the_same_figures_as_csv(company, write):
    recs = []
    for project, labels in (
        ("video-prod", [{"key": "team", "value": "video"}]),
        ("platform-ci", []),
        ("sandbox", []),
    ):
        recs.append(
            {
                "usage_start_time": "2026-03-01T00:00:00Z",
                "usage_end_time": "2026-03-02T00:00:00Z",
                "service": {"description": "Compute Engine"},
                "sku": {"description": "N1 Predefined Instance Core running in EMEA"},
                "usage": {"amount": 360000, "unit": "seconds"},
                "location": {"region": "europe-west1"},
                "project": {"id": project},
                "cost": 10,
                "labels": labels,
            }
        )
    path = write("gcp.json", "".join(json.dumps(r) + "\n" for r in recs))
    importer.import_cloud_billing(company, path, "gcp", write("r.toml", RULES))
    got = by_team(company, "2026-03")
    assert got["Video"] == pytest.approx(LINE_KG, rel=1e-4)
    assert got["Unallocated"] == pytest.approx(LINE_KG, rel=1e-4)


def refused(company, write, db_dump, text, match, provider="gcp", name="bad.csv"):
    before = db_dump()
    with pytest.raises(InputError) as exc:
        importer.import_cloud_billing(company, write(name, text), provider, write("r.toml", RULES))
    assert db_dump() == before
    shown = str(exc.value) + "\n" + "\n".join(str(p) for p in exc.value.problems)
    assert match in shown, shown


def test_missing_column_is_refused(company, write, db_dump):
    refused(
        company,
        write,
        db_dump,
        BILL.replace("usage.unit", "usage.units"),
        "bad.csv, line 1, column 'usage.unit': required column is missing",
    )


def test_wrong_provider_is_refused_with_a_hint(company, write, db_dump):
    refused(
        company,
        write,
        db_dump,
        BILL,
        "this looks like a GCP export: use --provider gcp",
        provider="aws",
    )
    aws = (
        "lineItem/UsageStartDate,lineItem/UsageEndDate,lineItem/ProductCode,lineItem/UsageType\n"
        "2026-03-01T00:00:00Z,2026-03-02T00:00:00Z,AmazonEC2,BoxUsage:m5.xlarge\n"
    )
    refused(company, write, db_dump, aws, "this looks like an AWS export: use --provider aws")


def test_unparseable_date_is_refused(company, write, db_dump):
    refused(
        company,
        write,
        db_dump,
        BILL.replace(
            "2026-03-01 00:00:00 UTC,2026-03-02 00:00:00 UTC,Compute Engine,N1 "
            "Predefined Instance Core running in EMEA,360000,seconds,"
            "europe-west1,platform",
            "2026-03-41 00:00:00 UTC,2026-03-02 00:00:00 UTC,Compute Engine,N1 "
            "Predefined Instance Core running in EMEA,360000,seconds,"
            "europe-west1,platform",
        ),
        "bad.csv, line 3, column 'usage_start_time': expected a date and time",
    )


def test_negative_usage_is_refused(company, write, db_dump):
    refused(
        company,
        write,
        db_dump,
        BILL.replace("360000,seconds,europe-west1,sandbox", "-360000,seconds,europe-west1,sandbox"),
        "bad.csv, line 4, column 'usage.amount': negative usage",
    )


def test_unknown_region_is_refused(company, write, db_dump):
    refused(
        company,
        write,
        db_dump,
        BILL.replace("europe-west1,sandbox", "europe-wset1,sandbox"),
        "bad.csv, line 4, column 'location.region': unknown GCP region 'europe-wset1'",
    )


def test_cli_reads_gcp_and_refuses_a_bad_export_clearly(run, write, tmp_path):
    for t in ("Platform", "Video", "Unallocated"):
        run("teams", "add", t)
    res = run(
        "import",
        "cloud-billing",
        write("gcp.csv", BILL),
        "--provider",
        "gcp",
        "--rules",
        write("rules.toml", RULES),
    )
    assert res.exit_code == 0, res.output
    out = " ".join(res.stdout.split())
    assert "rule 1 (tag team=video) -> Video" in out and "unallocated (no rule matched)" in out
    rejects = tmp_path / "rejects.csv"
    text = BILL.replace("europe-west1,sandbox", "europe-wset1,sandbox")
    bad = run(
        "import",
        "cloud-billing",
        write("bad.csv", text),
        "--provider",
        "gcp",
        "--rules",
        write("rules.toml", RULES),
        "--source",
        "x",
        "--rejects",
        rejects,
    )
    assert bad.exit_code == 1
    shown = rejects.read_text()
    assert "bad.csv,4,location.region,europe-wset1," in shown
    assert "unknown GCP region 'europe-wset1'" in shown
    azure = run(
        "import",
        "cloud-billing",
        write("az.csv", "Date,MeterCategory\n"),
        "--provider",
        "azure",
        "--rules",
        write("rules.toml", RULES),
    )
    assert azure.exit_code != 0 and "Traceback" not in azure.output
    assert "column 'CostInBillingCurrency': required column is missing" in " ".join(
        azure.output.split()
    )


# ---- Azure -----------------------------------------------------------------------------------------
# Parity: CCF packages/azure/src/__tests__/ConsumptionManagement.test.ts (fixtures in
# __tests__/fixtures/consumptionManagement.fixtures.ts). Azure PUE 1.185; unknown usage by usage amount.

AZ_HEAD = (
    "Date,MeterCategory,MeterSubCategory,MeterName,Quantity,UnitOfMeasure,ResourceLocation,"
    "SubscriptionName,Tags,CostInBillingCurrency\n"
)


def az_export(rows) -> str:
    """An Azure cost details export from CCF fixture rows (date, region, category, meter, unit, quantity, cost)."""
    return AZ_HEAD + "".join(
        f"{d},{svc},,{meter},{q},{unit},{reg},sub1,,{cost}\n"
        for d, reg, svc, meter, unit, q, cost in rows
    )


def az_estimate(write, rows):
    path = write("az.csv", az_export(rows))
    rules = allocation.load(write("rules.toml", 'unallocated = "U"\n'), {"U"})
    info = exports.azure_info(path, "az.csv")
    log = ProblemLog("az.csv")
    agg, classes, _counts, _n = importer.aggregate_bill(
        exports.read_azure(path, info), info, rules, lambda r: True, log, "azure"
    )
    assert log.count == 0
    est = importer.estimate_groups(
        agg, classes, importer.grid_lookup(factors.build_table(factors.load_shipped()), "azure")
    )
    est = est.assign(t=est["co2e_kg"] / 1000)
    return {
        k: (v["kwh"], v["t"])
        for k, v in est.groupby(["service", "region"])[["kwh", "t"]].sum().to_dict("index").items()
    }


def test_azure_compute_and_unknown_usage_mirror_ccf(write):
    # CCF 'Returns estimates for Compute' (mockConsumptionManagementResponseOne), the lines whose
    # figures do not depend on a VM's memory share or embodied emissions (not read for Azure yet):
    # Container Instances 'vCPU Duration' (1 vCPU) 10 × '1000 Hours' -> 10 vCPU-h, as CCF's code reads
    #   the quantity: 10 × (0.74 + 50 % × (3.54 − 0.74)) W = 21.4 Wh × 1.185 = 0.025359 kWh.
    # MySQL '2 vCore' 12 × '100 Hours': 24 vCPU-h × 2.14 W × 1.185 × replication 3 = 0.1825848 kWh,
    #   region 'Unknown': CCF's azure unknown-region average 0.00035128 t/kWh.
    # VM licences and VPN gateway are unknown usage: kWh per '100 Hours' unit of MySQL × 12.
    got = az_estimate(
        write,
        [
            (
                "2021-11-03",
                "SouthCentralUS",
                "Container Instances",
                "vCPU Duration",
                "1000 Hours",
                10,
                5,
            ),
            ("2021-11-03", "Unknown", "Azure Database for MySQL", "2 vCore", "100 Hours", 12, 5),
            (
                "2021-11-03",
                "ukwest",
                "Virtual Machines Licenses",
                "1-2 vCPU VM Support",
                "100 Hours",
                12,
                5,
            ),
            ("2021-11-03", "Unknown", "VPN Gateway", "VpnGw1", "100 Hours", 12, 5),
        ],
    )
    check(
        got,
        {
            ("Container Instances", "southcentralus"): (0.025359, 0.000009464764929),
            ("Azure Database for MySQL", "unknown"): (0.18258479999999996, 0.00006413838151448518),
            ("Virtual Machines Licenses", "ukwest"): (0.18258479999999996, 0.00004108157999999999),
            ("VPN Gateway", "unknown"): (0.18258479999999996, 0.00006413838151448518),
        },
    )


def test_azure_storage_with_replication_mirrors_ccf(write):
    # CCF 'Returns estimates for Storage' (mockConsumptionManagementResponseTwo). CCF reads a storage
    # line as one day of the disk or GB whatever its quantity; carbon reads the quantity in months of
    # the line's month, so CCF's lines are re-derived as one day of November (quantity 1/30; 720 h):
    # uksouth S10 (128 GB HDD) + P4 (32 GB SSD) disks, replication 3 (STORAGE_DISKS):
    #   (0.128 × 24 × 0.65 + 0.032 × 24 × 1.2) × 1.185 × 3 / 1000 = 0.010374912 kWh.
    # MySQL 'Data Stored' 2 GB for a day: 0.048 TB-h × 1.2 × 1.185 × 3 / 1000 = 0.000204768 kWh.
    # Container Registry Basic (10 GB) one day: 0.24 TB-h × 1.2 × 1.185 / 1000 = 0.00034128 kWh.
    # HDInsight S30 (1024 GB HDD): 24.576 TB-h × 0.65 × 1.185 / 1000 = 0.018929664 kWh.
    # Synapse 'Data Stored' 2 TB for a day: 48 TB-h × 1.2 × 1.185 / 1000 = 0.068256 kWh.
    # ZRS snapshots 10 GB (replication 3): 0.00102384 kWh; P4 LRS disk, region 'Unknown': 0.003276288 kWh.
    day = 1 / 30
    got = az_estimate(
        write,
        [
            ("2021-11-02", "uksouth", "Storage", "S10 Disks", "1 /Month", day, 5),
            ("2021-11-02", "uksouth", "Storage", "P4 Disks", "1 /Month", day, 5),
            (
                "2021-11-02",
                "westeurope",
                "Azure Database for MySQL",
                "Data Stored",
                "10 GB/Month",
                2 * day,
                5,
            ),
            (
                "2021-11-02",
                "westeurope",
                "Container Registry",
                "Basic Registry Unit",
                "30 /Day",
                1,
                5,
            ),
            ("2021-11-02", "uksouth", "HDInsight", "S30 Disk", "1 /Month", day, 5),
            (
                "2021-11-02",
                "uksouth",
                "Azure Synapse Analytics",
                "Data Stored",
                "1 TB/Month",
                2 * day,
                5,
            ),
            ("2021-11-02", "centralindia", "Storage", "ZRS Snapshots", "100 GB/Month", 10 * day, 5),
            ("2021-11-02", "Unknown", "Storage", "P4 LRS Disk", "1 /Month", day, 1),
        ],
    )
    check(
        got,
        {
            ("Storage", "uksouth"): (0.010374912000000002, 0.0000023343552),
            ("Azure Database for MySQL", "westeurope"): (0.000204768, 6.72458112e-8),
            ("Container Registry", "westeurope"): (0.00034127999999999996, 1.12076352e-7),
            ("HDInsight", "uksouth"): (0.018929664000000002, 0.0000042591744),
            ("Azure Synapse Analytics", "uksouth"): (0.068256, 0.0000153576),
            ("Storage", "centralindia"): (0.0010238399999999998, 7.250834879999999e-7),
            ("Storage", "unknown"): (0.003276288, 0.0000011508943225029118),
        },
    )


def test_azure_networking_mirrors_ccf(write):
    # CCF 'Returns estimates for Networking' (mockConsumptionManagementResponseThree):
    # 10 GB × 0.001 kWh/GB × 1.185 = 0.01185 kWh; 10 TB = 10,000 GB -> 11.85 kWh (uksouth 0.000225 t/kWh).
    # 'Data Transfer Out - ASIA To Any' is outside CCF's networking boundary: no entry.
    got = az_estimate(
        write,
        [
            ("2021-11-02", "uksouth", "Storage", "Geo-Replication Data transfer", "1 GB", 10, 5),
            ("2021-11-02", "uksouth", "Bandwidth", "Geo-Replication Data transfer", "1 TB", 10, 5),
            ("2021-11-02", "uksouth", "Bandwidth", "Data Transfer Out - ASIA To Any", "1 TB", 5, 5),
        ],
    )
    check(
        got,
        {
            ("Storage", "uksouth"): (0.011850000000000001, 0.00000266625),
            ("Bandwidth", "uksouth"): (11.850000000000001, 0.0026662500000000002),
        },
    )


AZ_RULES = """unallocated = "Unallocated"

[[rule]]
tag = {team = "video"}
team = "Video"

[[rule]]
subscription = "platform-*"
team = "Platform"
"""
# 'vCPU Duration' (1 vCPU) 100 hours in westeurope: 100 × 2.14 W × 1.185 / 1000 = 0.25359 kWh
# × CCF westeurope grid 0.0003284 t/kWh -> 0.083278956 kg per line.
AZ_LINE_KG = 100 * 2.14 * 1.185 / 1000 * 0.3284
AZ_BILL = (
    AZ_HEAD + "03/01/2026,Container Instances,,vCPU Duration,100,1 Hour,West Europe,video-sub,"
    '"{""team"": ""video""}",3\n'
    + "03/01/2026,Container Instances,,vCPU Duration,100,1 Hour,westeurope,platform-prod,,3\n"
    + "03/01/2026,Container Instances,,vCPU Duration,100,1 Hour,WestEurope,sandbox,,3\n"
)


def test_azure_tags_and_subscriptions_allocate_and_untagged_lands_in_unallocated(company, write):
    importer.import_cloud_billing(
        company, write("az-2026-03.csv", AZ_BILL), "azure", write("r.toml", AZ_RULES)
    )
    got = by_team(company, "2026-03")
    assert got["Video"] == pytest.approx(AZ_LINE_KG, rel=1e-4)
    assert got["Platform"] == pytest.approx(AZ_LINE_KG, rel=1e-4)
    assert got["Unallocated"] == pytest.approx(AZ_LINE_KG, rel=1e-4)


def az_refused(company, write, db_dump, text, match, provider="azure"):
    before = db_dump()
    with pytest.raises(InputError) as exc:
        importer.import_cloud_billing(
            company, write("bad.csv", text), provider, write("r.toml", AZ_RULES)
        )
    assert db_dump() == before
    shown = str(exc.value) + "\n" + "\n".join(str(p) for p in exc.value.problems)
    assert match in shown, shown


def test_azure_bad_exports_are_refused_with_line_and_column(company, write, db_dump):
    az_refused(
        company,
        write,
        db_dump,
        AZ_BILL.replace("UnitOfMeasure", "Unit"),
        "bad.csv, line 1, column 'UnitOfMeasure': required column is missing",
    )
    az_refused(
        company,
        write,
        db_dump,
        AZ_BILL,
        "this looks like an AZURE export: use --provider azure",
        provider="gcp",
    )
    az_refused(
        company,
        write,
        db_dump,
        AZ_BILL.replace(
            "03/01/2026,Container Instances,,vCPU Duration,100,1 Hour,westeurope",
            "13/41/2026,Container Instances,,vCPU Duration,100,1 Hour,westeurope",
        ),
        "bad.csv, line 3, column 'Date': expected a date and time",
    )
    az_refused(
        company,
        write,
        db_dump,
        AZ_BILL.replace("100,1 Hour,WestEurope", "-100,1 Hour,WestEurope"),
        "bad.csv, line 4, column 'Quantity': negative usage",
    )
    az_refused(
        company,
        write,
        db_dump,
        AZ_BILL.replace("WestEurope,sandbox", "WestEurop,sandbox"),
        "bad.csv, line 4, column 'ResourceLocation': unknown AZURE region 'westeurop'",
    )


def test_azure_memory_mirrors_ccf(write):
    # CCF 'Returns estimates for Memory' (mockConsumptionManagementResponseFive), all but the D8 v3 VM
    # line (its figure includes the VM's memory share, not read for Azure yet). GB-hours × 0.000392
    # kWh/GB-h × PUE 1.185 (× replication 2 for Redis):
    # Redis C1 cache (1 GB) 48 h: 48 × 0.000392 × 1.185 × 2 = 0.04459392 kWh.
    # Functions 0.111375 GB-s units / 3600 -> 1.43711e-8 kWh; Container Instances 14.44976 GB-h -> 0.0067122 kWh.
    got = az_estimate(
        write,
        [
            ("2021-11-03", "apsoutheast", "Redis Cache", "C1 Cache Instance", "100 Hours", 48, 5),
            (
                "2021-11-02",
                "EastUS2",
                "Functions",
                "Execution Time",
                "50000 GB Seconds",
                0.111375,
                5,
            ),
            (
                "2021-11-02",
                "ukwest",
                "Container Instances",
                "Memory Duration",
                "1000 GB Hours",
                14.44976379,
                5,
            ),
            (
                "2021-11-04",
                "EastUS",
                "Functions",
                "Standard Execution Time",
                "1 GB Second",
                12.0185,
                5,
            ),
            (
                "2021-11-04",
                "CentralUS",
                "Container Instances",
                "Standard Memory Duration",
                "1 GB Hour",
                2546.8697512514464,
                5,
            ),
        ],
    )
    check(
        got,
        {
            ("Redis Cache", "apsoutheast"): (0.04459392, 0.000018194319360000002),
            ("Functions", "eastus2"): (0.0000000143710875, 5.4476337675375e-12),
            ("Container Instances", "ukwest"): (0.0067122042757308, 0.00000151024596203943),
            ("Functions", "eastus"): (0.0000015507871166666667, 5.878553215277167e-10),
            ("Container Instances", "centralus"): (1.1830719368513218, 0.0005042891453706233),
        },
    )


def test_bigquery_result_with_underscore_names_reads_like_the_export(company, write):
    # the pre-aggregation query of docs/cloud-billing.md names columns service_description, ...
    # (BigQuery allows no dot in a column name): same figures as the dotted export (LINE_KG each)
    text = BILL.replace(HEAD, HEAD.replace(".", "_"))
    importer.import_cloud_billing(company, write("bq.csv", text), "gcp", write("r.toml", RULES))
    got = by_team(company, "2026-03")
    assert got["Video"] == pytest.approx(LINE_KG, rel=1e-4)
    assert got["Unallocated"] == pytest.approx(LINE_KG, rel=1e-4)


# ---- a malformed labels / Tags cell refuses the bill; an empty one is no tags ---------------------

VIDEO_CELL = '"[{""key"":""team"",""value"":""video""}]"'  # line 2 of BILL, the Video line


@pytest.mark.parametrize(
    "cell, expected",
    [
        ("team=video", 'expected a JSON array of {"key", "value"} objects'),
        (
            '"{""team"": ""video""}"',
            'expected a JSON array of {"key", "value"} objects',
        ),  # Azure's form, not GCP's
        (
            '"[{""k"": ""team"", ""v"": ""video""}]"',
            'expected a JSON array of {"key", "value"} objects',
        ),
        ('"[{""key"": ""team"", ""value"": {""name"": ""video""}}]"', "with text values"),
        (
            '"[{""key"": ""team"", ""value"": ""video""}"',
            'expected a JSON array of {"key", "value"} objects',
        ),
        (
            '"[{""key"": ""team"", ""value"": ""video""}, {""key"": ""Team"", ""value"": ""audio""}]"',
            "label 'team' is given twice, as 'video' and 'audio'; expected each name once",
        ),
    ],
)
def test_gcp_malformed_labels_cell_is_refused_with_line_and_column(
    company, write, db_dump, cell, expected
):
    # before: the cell read as "no labels" and the Video line landed in Unallocated without a word
    refused(
        company, write, db_dump, BILL.replace(VIDEO_CELL, cell), "bad.csv, line 2, column 'labels'"
    )
    refused(company, write, db_dump, BILL.replace(VIDEO_CELL, cell), expected)


def test_gcp_malformed_labels_are_refused_even_when_no_rule_names_a_tag(company, write, db_dump):
    before = db_dump()
    with pytest.raises(InputError) as exc:
        importer.import_cloud_billing(
            company,
            write("bad.csv", BILL.replace(VIDEO_CELL, "team=video")),
            "gcp",
            write("r.toml", 'unallocated = "Unallocated"\n'),
        )
    assert db_dump() == before
    assert [(p.line, p.column, p.value) for p in exc.value.problems] == [
        (2, "labels", "team=video")
    ]


def test_gcp_labels_are_parsed_once_per_distinct_cell(company, write, db_dump, monkeypatch):
    # three lines, two distinct cells (the Video cell, and "oops" twice): two parses, both bad lines named
    seen = []
    real = exports.gcp_labels
    monkeypatch.setattr(exports, "gcp_labels", lambda text: seen.append(text) or real(text))
    text = BILL.replace(",10,[]\n", ",10,oops\n")
    before = db_dump()
    with pytest.raises(InputError) as exc:
        importer.import_cloud_billing(
            company, write("bad.csv", text), "gcp", write("r.toml", RULES)
        )
    assert db_dump() == before
    assert sorted(seen) == sorted(['[{"key":"team","value":"video"}]', "oops"])
    assert [(p.line, p.column) for p in exc.value.problems] == [(3, "labels"), (4, "labels")]


def test_gcp_empty_labels_cell_is_unallocated_and_valid_cells_unchanged(company, write):
    # the sandbox line's "[]" becomes an empty cell: still no labels -> Unallocated; the Video line
    # (valid cell) and the Platform line (by project) keep LINE_KG each, as in the test above
    text = BILL.replace("europe-west1,sandbox,10,[]\n", "europe-west1,sandbox,10,\n")
    assert text != BILL
    one_line_per_team(company, write("gcp.csv", text), "gcp", write("r.toml", RULES), LINE_KG)


def one_line_per_team(company, path, provider, rules, kg):
    """Import `path` with the rules file `rules`; Video, Platform and Unallocated each get one line's `kg`."""
    importer.import_cloud_billing(company, path, provider, rules)
    got = by_team(company, "2026-03")
    assert {t: got.get(t) for t in ("Video", "Platform", "Unallocated")} == pytest.approx(
        {"Video": kg, "Platform": kg, "Unallocated": kg}, rel=1e-4
    )


def gcp_json(labels_of_lines) -> str:
    """A newline-JSON export of the three BILL lines; `labels` per line (absent when the value is ...)."""
    recs = []
    for project, labels in zip(("video-prod", "platform-ci", "sandbox"), labels_of_lines):
        rec = {
            "usage_start_time": "2026-03-01T00:00:00Z",
            "usage_end_time": "2026-03-02T00:00:00Z",
            "service": {"description": "Compute Engine"},
            "sku": {"description": "N1 Predefined Instance Core running in EMEA"},
            "usage": {"amount": 360000, "unit": "seconds"},
            "location": {"region": "europe-west1"},
            "project": {"id": project},
            "cost": 10,
        }
        if labels is not ...:
            rec["labels"] = labels
        recs.append(rec)
    return "".join(json.dumps(r) + "\n" for r in recs)


@pytest.mark.parametrize(
    "labels, expected",
    [
        ("team=video", 'expected a JSON array of {"key", "value"} objects'),
        (
            {"team": "video"},
            'expected a JSON array of {"key", "value"} objects',
        ),  # an object, not flattened away
        ([{"key": "team"}, {"key": "team", "value": "audio"}], "label 'team' is given twice"),
    ],
)
def test_gcp_newline_json_malformed_labels_is_refused_with_line_and_column(
    company, write, db_dump, labels, expected
):
    text = gcp_json([[{"key": "team", "value": "video"}], labels, []])
    refused(company, write, db_dump, text, "bad.json, line 2, column 'labels'", name="bad.json")
    refused(company, write, db_dump, text, expected, name="bad.json")


def test_gcp_newline_json_reads_labels_when_the_first_record_has_none(company, write):
    # newline JSON leaves out an empty field: the first record has no labels key, so its keys do not
    # tell whether the file has labels; the second holds team=video and must still be read
    text = gcp_json([..., [{"key": "team", "value": "video"}], None])
    importer.import_cloud_billing(company, write("gcp.json", text), "gcp", write("r.toml", RULES))
    got = by_team(company, "2026-03")
    # line 1 (video-prod, no labels, no project rule) -> Unallocated; line 2 (platform-ci, team=video):
    # rule 1 (tag) comes first -> Video; line 3 (sandbox, labels null) -> Unallocated
    assert got["Video"] == pytest.approx(LINE_KG, rel=1e-4)
    assert got["Unallocated"] == pytest.approx(2 * LINE_KG, rel=1e-4)
    assert "Platform" not in got or got["Platform"] == 0


AZ_VIDEO_CELL = '"{""team"": ""video""}"'  # line 2 of AZ_BILL


@pytest.mark.parametrize(
    "cell, expected",
    [
        ("team=video", "expected a JSON object of tag names and text values"),
        (
            '"[{""key"": ""team"", ""value"": ""video""}]"',
            "expected a JSON object of tag names",
        ),  # GCP's form
        ('"{""team"": ""video"""', "expected a JSON object of tag names"),
        ('"{""team"": [""video""]}"', "expected a JSON object of tag names and text values"),
        (
            '"{""team"": ""video"", ""Team"": ""audio""}"',
            "tag 'team' is given twice, as 'video' and 'audio'",
        ),
    ],
)
def test_azure_malformed_tags_cell_is_refused_with_line_and_column(
    company, write, db_dump, cell, expected
):
    az_refused(
        company,
        write,
        db_dump,
        AZ_BILL.replace(AZ_VIDEO_CELL, cell),
        "bad.csv, line 2, column 'Tags'",
    )
    az_refused(company, write, db_dump, AZ_BILL.replace(AZ_VIDEO_CELL, cell), expected)


def test_azure_tags_without_braces_and_empty_cells_are_read(company, write):
    # Azure's older exports write "team": "video" without braces: the same Video line; the two
    # empty cells stay no tags (Platform by subscription, sandbox -> Unallocated): AZ_LINE_KG each
    text = AZ_BILL.replace(AZ_VIDEO_CELL, '"""Team"": ""video"", ""env"": ""prod"""')
    assert text != AZ_BILL
    one_line_per_team(
        company, write("az.csv", text), "azure", write("r.toml", AZ_RULES), AZ_LINE_KG
    )


def test_cli_refuses_a_malformed_labels_cell_without_traceback(run, write):
    for t in ("Platform", "Video", "Unallocated"):
        run("teams", "add", t)
    res = run(
        "import",
        "cloud-billing",
        write("bad.csv", BILL.replace(VIDEO_CELL, "team=video")),
        "--provider",
        "gcp",
        "--rules",
        write("rules.toml", RULES),
    )
    assert res.exit_code == 1 and "Traceback" not in res.output
    out = " ".join(res.output.split())
    assert "bad.csv, line 2, column 'labels'" in out and "nothing was written" in out, out


def test_an_all_empty_utilization_column_uses_the_default(company, write):
    # an empty utilization cell is CCF's default 50 %: the figures of BILL, LINE_KG per team
    text = (
        BILL.replace(",labels\n", ",labels,utilization\n")
        .replace(']"\n', ']",\n')
        .replace(",[]\n", ",[],\n")
    )
    assert text.count(",\n") == 3
    importer.import_cloud_billing(company, write("gcp.csv", text), "gcp", write("r.toml", RULES))
    got = by_team(company, "2026-03")
    assert got["Video"] == pytest.approx(LINE_KG, rel=1e-4)
    assert got["Unallocated"] == pytest.approx(LINE_KG, rel=1e-4)
