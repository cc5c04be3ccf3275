"""GCP machine types and Azure VM sizes: processor, memory share and embodied emissions at CCF parity.

The parity tests re-derive Cloud Carbon Footprint's own unit tests (CCF HEAD b7a049c,
2024-03-25) from export rows with the same usage, and expect CCF's kWh and CO2e (metric
tons) within 1 %, at CCF's grid factors (shipped in factors/ccf_2024_grid_cloud_regions*.csv):
- GCP: packages/gcp/src/__tests__/BillingExportTable.test.ts, fixtures in
  __tests__/fixtures/bigQuery.fixtures.ts (the `machineType` of a fixture row is the export's
  system label compute.googleapis.com/machine_spec);
- Azure: packages/azure/src/__tests__/ConsumptionManagement.test.ts, fixtures in
  __tests__/fixtures/consumptionManagement.fixtures.ts.
CCF adds a compute line's embodied emissions, converted to kWh at the grid factor, to its kWh
and CO2e; carbon keeps them as their own scope-3 entry, so `kwh_ccf` and `t` add them back.
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

SPEC = "compute.googleapis.com/machine_spec"
GCP_HEAD = (
    "usage_start_time,usage_end_time,service.description,sku.description,usage.amount,usage.unit,"
    "location.region,project.id,cost,labels,system_labels\n"
)
AZ_HEAD = (
    "Date,MeterCategory,MeterSubCategory,MeterName,Quantity,UnitOfMeasure,ResourceLocation,"
    "SubscriptionName,Tags,CostInBillingCurrency\n"
)


def labels(machine_type: str | None) -> str:
    """A system_labels CSV cell holding the machine type (CCF's fixtures' `machineType`)."""
    pairs = [] if machine_type is None else [{"key": SPEC, "value": machine_type}]
    return '"' + json.dumps(pairs).replace('"', '""') + '"'


def gcp_export(rows) -> str:
    """GCP export from CCF fixture rows (day, region, service, sku, unit, amount, cost, machine type)."""
    return GCP_HEAD + "".join(
        f"{d} 00:00:00 UTC,{d} 01:00:00 UTC,{svc},{sku},{amt},{unit},{reg},p1,{cost},[],{labels(mt)}\n"
        for d, reg, svc, sku, unit, amt, cost, mt in rows
    )


def az_export(rows) -> str:
    """Azure cost details from CCF fixture rows (date, region, category, meter, unit, quantity, cost)."""
    return AZ_HEAD + "".join(
        f"{d},{svc},,{meter},{q},{unit},{reg},sub1,,{cost}\n"
        for d, reg, svc, meter, unit, q, cost in rows
    )


def estimate(write, provider: str, text: str):
    """kWh (CCF's way, embodied included) and t CO2e per (service, region, month), without a database."""
    path = write(f"{provider}.csv", text)
    rules = allocation.load(write("rules.toml", 'unallocated = "U"\n'), {"U"})
    info = getattr(exports, f"{provider}_info")(path, path.name)
    log = ProblemLog(path.name)
    agg, classes, _counts, _n = importer.aggregate_bill(
        getattr(exports, f"read_{provider}")(path, info), info, rules, lambda r: True, log, provider
    )
    assert log.count == 0
    grid_of = importer.grid_lookup(factors.build_table(factors.load_shipped()), provider)
    est = importer.estimate_groups(agg, classes, grid_of)
    kg_per_kwh = [grid_of(r, int(y))[1] for r, y in zip(est["region"], est["year"])]
    est = est.assign(
        kwh_ccf=est["kwh"] + est["embodied_kg"] / kg_per_kwh,
        t=(est["co2e_kg"] + est["embodied_kg"]) / 1000,
    )
    return {
        k: (v["kwh_ccf"], v["t"])
        for k, v in est.groupby(["service", "region", "month"])[["kwh_ccf", "t"]]
        .sum()
        .to_dict("index")
        .items()
    }


def check(got, expected):
    assert set(got) == set(expected)
    for key, (kwh, t) in expected.items():
        assert got[key][0] == pytest.approx(kwh, rel=0.01), key
        assert got[key][1] == pytest.approx(t, rel=0.01), key


# ---- GCP --------------------------------------------------------------------------------------------


def test_gcp_machine_types_mirror_ccf(write):
    # CCF 'Returns estimation results for Compute with different machine types'
    # (mockQueryComputeWithDifferentMachineTypes). vCPU-hours = seconds / 3600; PUE 1.1.
    # n1-standard-1 (us-west1): n1 = Skylake, Broadwell, Haswell, Sandy Bridge, Ivy Bridge: the median
    #   (Sandy/Ivy Bridge among them) 1.0–4.74 W -> 2.87 W at 50 %; 80,000 s = 22.2222 vCPU-h × 2.87 ×
    #   1.1 / 1000 = 0.0701556 kWh. Embodied: 1.6771 t × 22.2222 h / (35,040 h × 96 vCPUs of
    #   n1-standard-96) = 1.10790e-5 t = 0.184650 kWh at us-west1's 0.00006 t/kWh -> 0.254806 kWh.
    # g1-small and e2-medium (shared core): processor unknown, CCF's GCP median 0.68–4.11 W; embodied
    #   1.5771 t / (35,040 × 96) (N1 shared core) and 1.2303 t / (35,040 × 32 of e2-standard-32).
    got = estimate(
        write,
        "gcp",
        gcp_export(
            [
                (
                    "2020-11-02",
                    "us-east1",
                    "Compute Engine",
                    "Small Instance with 1 VCPU running in EMEA",
                    "seconds",
                    17512304,
                    10,
                    "g1-small",
                ),
                (
                    "2020-11-02",
                    "us-west1",
                    "Compute Engine",
                    "N1 Predefined Instance Core running in Americas",
                    "seconds",
                    80000,
                    7,
                    "n1-standard-1",
                ),
                (
                    "2020-10-28",
                    "us-east1",
                    "Compute Engine",
                    "E2 Instance Core running in Americas",
                    "seconds",
                    9234985,
                    10,
                    "e2-medium",
                ),
            ]
        ),
    )
    check(
        got,
        {
            ("Compute Engine", "us-east1", 202011): (18.070628440241652, 0.007842652743064876),
            ("Compute Engine", "us-west1", 202011): (0.2548100421387902, 0.000015288602528327412),
            ("Compute Engine", "us-east1", 202010): (13.243675227657059, 0.005747755048803163),
        },
    )


def test_gcp_embodied_emissions_mirror_ccf(write):
    # CCF 'Returns estimation results for Compute with Embodied Emissions'
    # (mockQueryComputeWithDifferentMachineTypesForEmbodiedEmissions), us-central1 PUE 1.11.
    # n2-standard-2: n2 = Cascade Lake 0.64–3.97 W -> 2.305 W; 345,599.54 s = 95.9999 vCPU-h × 2.305 ×
    #   1.11 / 1000 = 0.245624 kWh; embodied 1.8879 t × 95.9999 / (35,040 × 128 of n2-standard-128)
    #   = 4.04083e-5 t = 0.0886147 kWh at us-central1's 0.000456 t/kWh -> 0.334239 kWh.
    # The last line has no machine type: CCF's GCP median and no embodied emissions.
    got = estimate(
        write,
        "gcp",
        gcp_export(
            [
                (
                    "2020-11-02",
                    "us-central1",
                    "Compute Engine",
                    "N1 Predefined Instance Core running in Americas",
                    "seconds",
                    86400,
                    0.758656,
                    "n1-standard-1",
                ),
                (
                    "2020-10-28",
                    "us-central1",
                    "Compute Engine",
                    "E2 Instance Core running in Americas",
                    "seconds",
                    259200,
                    1.570404,
                    "e2-medium",
                ),
                (
                    "2020-09-03",
                    "us-central1",
                    "Compute Engine",
                    "N2 Predefined Instance Core running in Americas",
                    "seconds",
                    345599.5396,
                    0.959995,
                    "n2-standard-2",
                ),
                (
                    "2020-08-04",
                    "asia-south1",
                    "Compute Engine",
                    "N1 Shared Core Instance running in Mumbai",
                    "seconds",
                    93698,
                    0.681886,
                    "f1-micro",
                ),
                (
                    "2020-07-05",
                    "asia-south1",
                    "Compute Engine",
                    "N1 Shared Core Instance running in Mumbai",
                    "seconds",
                    93698,
                    0.681886,
                    None,
                ),
            ]
        ),
    )
    # (CCF's five days are put in five months here: carbon groups per month)
    check(
        got,
        {
            ("Compute Engine", "us-central1", 202011): (
                0.10269717440919651,
                0.00004682991153059361,
            ),
            ("Compute Engine", "us-central1", 202010): (
                0.36465495281182403,
                0.00016628265848219178,
            ),
            ("Compute Engine", "us-central1", 202009): (
                0.33423618476684713,
                0.00015241170025368233,
            ),
            ("Compute Engine", "asia-south1", 202008): (0.0867815253369615, 0.0000581436219757642),
            ("Compute Engine", "asia-south1", 202007): (
                0.06856871694444444,
                0.00004594104035277778,
            ),
        },
    )


def test_gcp_without_system_labels_is_unchanged_and_n2d_is_amd(write):
    # No system_labels column, or an empty one: CCF's GCP median 0.68–4.11 W -> 2.395 W at 50 %:
    # 3600 s = 1 vCPU-h × 2.395 × 1.1 (us-east1) / 1000 = 0.0026345 kWh, no embodied emissions.
    row = [
        (
            "2021-11-02",
            "us-east1",
            "Compute Engine",
            "N2D AMD Instance Core running in Americas",
            "seconds",
            3600,
            1,
            None,
        )
    ]
    with_column = estimate(write, "gcp", gcp_export(row))
    without = gcp_export(row).replace(",system_labels\n", "\n").replace(',[],"[]"\n', ",[]\n")
    assert "system_labels" not in without
    for got in (with_column, estimate(write, "gcp", without)):
        assert got[("Compute Engine", "us-east1", 202111)][0] == pytest.approx(0.0026345, rel=1e-6)
    # n2d-standard-4: CCF's table maps n2d to AMD EPYC 2nd Gen (0.47–1.69 W -> 1.08 W), which CCF's
    # code never reaches (it takes the first two characters, 'n2': Cascade Lake); carbon takes the
    # family before the hyphen: 1 vCPU-h × 1.08 × 1.1 / 1000 = 0.001188 kWh; embodied 2.3205 t × 1 h /
    # (35,040 × 224 vCPUs of n2d-standard-224) = 2.95646e-7 t = 0.000681212 kWh at us-east1's 0.000434.
    n2d = estimate(write, "gcp", gcp_export([row[0][:-1] + ("n2d-standard-4",)]))
    kwh, t = n2d[("Compute Engine", "us-east1", 202111)]
    assert kwh == pytest.approx(0.001188 + 2.3205 / (35040 * 224) / 0.000434, rel=1e-4)
    assert t == pytest.approx(0.001188 * 0.000434 + 2.3205 / (35040 * 224), rel=1e-4)


def test_gcp_unknown_usage_ratio_leaves_embodied_out_as_ccf(write):
    # CCF's BillingExportTable.getEstimateByUsageUnit adds embodied emissions after the compute kWh
    # went into KILOWATT_HOURS_BY_SERVICE_AND_USAGE_UNIT: the ratio of unknown 'seconds' is compute
    # only. n1-standard-1 3600 s in us-east1: 1 vCPU-h × 2.87 W × 1.1 = 0.003157 kWh per 3600 s;
    # App Engine 'Backend Instances' (unknown) 7200 s -> 0.006314 kWh.
    got = estimate(
        write,
        "gcp",
        gcp_export(
            [
                (
                    "2021-11-02",
                    "us-east1",
                    "Compute Engine",
                    "N1 Predefined Instance Core running in Americas",
                    "seconds",
                    3600,
                    1,
                    "n1-standard-1",
                ),
                (
                    "2021-11-02",
                    "us-east1",
                    "App Engine",
                    "Backend Instances",
                    "seconds",
                    7200,
                    1,
                    None,
                ),
            ]
        ),
    )
    assert got[("App Engine", "us-east1", 202111)][0] == pytest.approx(0.006314, rel=1e-6)


def test_gcp_gpu_line_with_a_machine_type_gets_embodied_as_ccf(write):
    # CCF's getEstimateByUsageUnit adds getEmbodiedEmissions to every compute line with a machine
    # type, a GPU SKU's too (its seconds read as vCPU-seconds). a2-highgpu-1g, 3600 s of 'Nvidia Tesla
    # A100 GPU' in us-east1: 1 GPU-h × (46 + 50 % × (407 − 46)) W = 226.5 Wh × 1.1 = 0.24915 kWh;
    # embodied 5.464 t × 1 h / (35,040 h × 96 vCPUs of a2-highgpu-8g) = 1.62436e-6 t.
    got = estimate(
        write,
        "gcp",
        gcp_export(
            [
                (
                    "2021-11-02",
                    "us-east1",
                    "Compute Engine",
                    "Nvidia Tesla A100 GPU running in Americas",
                    "seconds",
                    3600,
                    3,
                    "a2-highgpu-1g",
                )
            ]
        ),
    )
    kwh, t = got[("Compute Engine", "us-east1", 202111)]
    assert t == pytest.approx(0.24915 * 0.000434 + 5.464 / (35040 * 96), rel=1e-4)
    assert kwh == pytest.approx(0.24915 + 5.464 / (35040 * 96) / 0.000434, rel=1e-4)


# ---- GCP through the store: its own scope-3 line, refusals ---------------------------------------------

RULES = 'unallocated = "Unallocated"\n'
# n1-standard-4, 360,000 s = 100 vCPU-h in europe-west1 (PUE 1.09, grid 0.11 kg/kWh):
# compute 100 × 2.87 W × 1.09 / 1000 = 0.31283 kWh -> 0.0344113 kg;
# embodied 1,677.1 kg × 100 vCPU-h / (35,040 h × 96 vCPUs) = 0.0498543 kg (0.000498543 kg per vCPU-hour).
GCP_COMPUTE_KG = 100 * 2.87 * 1.09 / 1000 * 0.11
GCP_EMBODIED_KG = 1677.1 * 100 / (35040 * 96)
GCP_BILL = (
    GCP_HEAD
    + "2026-03-01 00:00:00 UTC,2026-03-02 00:00:00 UTC,Compute Engine,N1 Predefined Instance Core "
    f"running in EMEA,360000,seconds,europe-west1,web,10,[],{labels('n1-standard-4')}\n"
    "2026-03-01 00:00:00 UTC,2026-03-02 00:00:00 UTC,Compute Engine,Storage PD Capacity,1e15,byte-seconds,"
    "europe-west1,web,1,[],\n"
)
# Storage PD Capacity (HDD, replication 1): 1e15 / 3600 / 1024⁴ TB-h × 0.65 Wh × 1.09 / 1000 × 0.11 kg/kWh
GCP_STORAGE_KG = 1e15 / 3600 / 1024**4 * 0.65 * 1.09 / 1000 * 0.11


@pytest.fixture
def company(store):
    core.add_team(store, "Unallocated")
    return store


def sources(store, month):
    with store.engine.connect() as conn:
        return {s["activity"]: s for s in store.month_sources(conn, month)}


def test_gcp_machine_type_gives_its_own_embodied_entry(company, write):
    importer.import_cloud_billing(
        company, write("gcp.csv", GCP_BILL), "gcp", write("r.toml", RULES)
    )
    src = sources(company, "2026-03")
    assert src["cloud.gcp.compute"]["co2e_kg"] == pytest.approx(GCP_COMPUTE_KG, rel=1e-4)
    assert "n1-standard-4" in src["cloud.gcp.compute"]["source"]
    embodied = src["cloud.gcp.embodied"]
    assert embodied["co2e_kg"] == pytest.approx(GCP_EMBODIED_KG, rel=1e-4)
    assert embodied["quantity"] == pytest.approx(100) and embodied["quantity_unit"] == "hour"
    assert embodied["value"] == pytest.approx(1677.1 / (35040 * 96), rel=1e-4)
    assert "scope 3" in embodied["boundary"] and "vCPU-hours" in embodied["source"]
    total = ledger.monthly_report(company, "2026-03").total
    assert total == pytest.approx(GCP_COMPUTE_KG + GCP_EMBODIED_KG + GCP_STORAGE_KG, rel=1e-4)


def test_gcp_machine_type_from_newline_json(company, write):
    # BigQuery writes system_labels as a nested array in newline JSON: same figures as the CSV
    recs = [
        {
            "usage_start_time": "2026-03-01T00:00:00Z",
            "usage_end_time": "2026-03-02T00:00:00Z",
            "service": {"description": "Compute Engine"},
            "sku": {"description": "N1 Predefined Instance Core running in EMEA"},
            "usage": {"amount": 360000, "unit": "seconds"},
            "location": {"region": "europe-west1"},
            "project": {"id": "web"},
            "cost": 10,
            "labels": [],
            "system_labels": [
                {"key": "compute.googleapis.com/cores", "value": "4"},
                {"key": SPEC, "value": "n1-standard-4"},
            ],
        }
    ]
    path = write("gcp.json", "".join(json.dumps(r) + "\n" for r in recs))
    importer.import_cloud_billing(company, path, "gcp", write("r.toml", RULES))
    assert ledger.monthly_report(company, "2026-03").total == pytest.approx(
        GCP_COMPUTE_KG + GCP_EMBODIED_KG, rel=1e-4
    )


@pytest.mark.parametrize(
    "cell, expected",
    [
        (
            '"[{""key"": ""compute.googleapis.com/machine_spec"", ""value"": ""n1-standard-4""}"',
            'expected a JSON array of {"key", "value"} objects',
        ),
        (
            '"{""machine_spec"": ""n1-standard-4""}"',
            'expected a JSON array of {"key", "value"} objects',
        ),
        (
            '"[{""key"": ""compute.googleapis.com/machine_spec"", ""value"": ""N1 Standard 4""}]"',
            "'N1 Standard 4' is not a machine type; expected lower-case words joined by hyphens",
        ),
        (
            '"[{""key"": ""compute.googleapis.com/machine_spec"", ""value"": 4}]"',
            "4 is not a machine type",
        ),
    ],
)
def test_malformed_machine_type_labels_are_refused(company, write, db_dump, cell, expected):
    text = GCP_BILL.replace(labels("n1-standard-4"), cell)
    before = db_dump()
    with pytest.raises(InputError) as exc:
        importer.import_cloud_billing(
            company, write("bad.csv", text), "gcp", write("r.toml", RULES)
        )
    assert db_dump() == before
    shown = "\n".join(str(p) for p in exc.value.problems)
    assert "bad.csv, line 2, column 'system_labels'" in shown and expected in shown, shown


def test_cli_refuses_a_malformed_machine_type_without_traceback(run, write):
    run("teams", "add", "Unallocated")
    bad = GCP_BILL.replace("n1-standard-4", "n1 standard 4")
    res = run(
        "import",
        "cloud-billing",
        write("bad.csv", bad),
        "--provider",
        "gcp",
        "--rules",
        write("r.toml", RULES),
    )
    assert res.exit_code == 1 and "Traceback" not in res.output
    assert "column 'system_labels'" in " ".join(res.output.split())


# ---- Azure ------------------------------------------------------------------------------------------


def test_azure_vm_compute_memory_and_embodied_mirror_ccf(write):
    # CCF 'Returns estimates for Compute' (mockConsumptionManagementResponseOne), its VM lines; PUE 1.185.
    # 'D2 v2/DS2 v2' is read as D2 v2: 2 vCPUs (series D1-5 v2), Cascade Lake/Skylake/Broadwell/Haswell
    #   averaged 0.75–4.165 W -> 2.4575 W; 17 h (CCF reads '10 Hours' quantities in hours) × 2 × 2.4575 ×
    #   1.185 / 1000 = 0.0990128 kWh. Memory: D5 v2, the largest of the series, has 56 GB on one chip,
    #   below the processors' 69.2 GB per chip: none. Embodied: 1.2055 t × 17 h / (35,040 × 16 vCPUs of
    #   D5 v2) = 3.65533e-5 t = 0.162459 kWh at uksouth's 0.000225 t/kWh -> 0.261472 kWh.
    # 'D4as v4 Spot' (AMD EPYC 2nd Gen 0.47–1.69 W): memory (384 GB of D96as v4 − 129.78 GB per chip) /
    #   (384 / 16) = 10.59 GB per hour; embodied 1.5604 t per server of 96 vCPUs.
    # 'F1' (App Service): 1 vCPU, embodied 1.6383 t / (35,040 × 16 of F16).
    got = estimate(
        write,
        "azure",
        az_export(
            [
                ("2020-11-02", "uksouth", "Virtual Machines", "D2 v2/DS2 v2", "10 Hours", 17, 5),
                (
                    "2020-11-02",
                    "westeurope",
                    "Virtual Machines",
                    "D4as v4 Spot",
                    "1 Hour",
                    0.250004,
                    10,
                ),
                ("2020-11-02", "CentralUS", "Azure App Service", "F1", "1 Hour", 7, 10),
            ]
        ),
    )
    check(
        got,
        {
            ("Virtual Machines", "uksouth", 202011): (0.2614738305048199, 0.00005883161186358448),
            ("Virtual Machines", "westeurope", 202011): (
                0.002863085156621724,
                9.402371654345742e-7,
            ),
            ("Azure App Service", "centralus", 202011): (
                0.0683736557005491,
                0.00002914454423698185,
            ),
        },
    )


def test_azure_vm_memory_mirrors_ccf(write):
    # CCF 'Returns estimates for Memory' (mockConsumptionManagementResponseFive), its D8 v3 line:
    # 5 h × 8 vCPUs × 2.4575 W = 98.3 Wh; memory: D64 v3 (largest of D2-64 v3) has 256 GB on one
    # chip, above the 69.2 GB per chip of Cascade Lake/Skylake/Broadwell/Haswell (98.12, 81.32, 69.65,
    # 27.71 averaged): (256 − 69.2) / (256 / 32) = 23.35 GB per hour × 5 h × 0.000392 = 0.0457660 kWh;
    # (0.0983 + 0.0457660) × 1.185 = 0.170718 kWh, plus embodied 1.4829 t × 5 / (35,040 × 64).
    got = estimate(
        write,
        "azure",
        az_export(
            [("2020-11-03", "northeurope", "Virtual Machines", "D8 v3 Spot", "1 Hour", 5, 20)]
        ),
    )
    check(
        got,
        {
            ("Virtual Machines", "northeurope", 202011): (
                0.18258564019771067,
                0.00005086835935908219,
            )
        },
    )


def test_azure_embodied_emissions_mirror_ccf(write):
    # CCF 'Returns estimates for Compute with Embodied Emissions, and modern usage type'
    # (mockConsumptionManagementResponseNine). DS11-1 v2 is a constrained-vCPU size: 1 vCPU of a
    # 2-vCPU platform (VIRTUAL_MACHINE_TYPE_CONSTRAINED_VCPU_CAPABLE_MAPPING), processor unknown
    # (Azure average 0.74–3.54 W -> 2.14 W): 0.250004 h × 2.14 × 1.185 / 1000 = 0.000633998 kWh;
    # embodied 1.15 t × 0.250004 h / (35,040 h × 2) = 4.10251e-6 t = 0.0124924 kWh at westeurope's
    # 0.0003284 t/kWh -> 0.0131264 kWh; no memory share (CCF reads memory from the series table only).
    got = estimate(
        write,
        "azure",
        az_export(
            [
                ("2020-11-02", "northeurope", "Virtual Machines", "D8 v3", "1 Hour", 5, 10),
                (
                    "2020-11-02",
                    "westeurope",
                    "Virtual Machines",
                    "DS11-1 v2",
                    "1 Hour",
                    0.250004,
                    15,
                ),
                ("2020-11-02", "uksouth", "Virtual Machines", "D2 v2", "10 Hour", 17, 5),
                ("2020-11-02", "EASTUS", "Virtual Machines", "D2 v2", "10 Hour", 17, 5),
            ]
        ),
    )
    check(
        got,
        {
            ("Virtual Machines", "northeurope", 202011): (
                0.18258564019771067,
                0.00005086835935908219,
            ),
            ("Virtual Machines", "westeurope", 202011): (
                0.013126433307939065,
                0.000004310720698327189,
            ),
            ("Virtual Machines", "uksouth", 202011): (0.2614738305048199, 0.00005883161186358448),
            ("Virtual Machines", "eastus", 202011): (0.19544303461417178, 0.00007408639568815949),
        },
    )


def test_azure_gpu_vms_mirror_ccf(write):
    # CCF 'Returns estimates for GPU Virtual Machines' (mockConsumptionManagementResponseEleven):
    # NC24 1 h: 24 vCPUs × 2.14 W + 4 Tesla K80 × (35 + 50 % × (306 − 35)) W = 51.36 + 682 Wh;
    # memory (224 GB of NC24 − Azure's 80.47 GB average per chip) = 143.53 GB × 0.000392 = 0.0562638 kWh;
    # (0.73336 + 0.0562638) × 1.185 = 0.935719 kWh, plus embodied emissions of the NC-series server.
    got = estimate(
        write,
        "azure",
        az_export(
            [
                ("2020-11-02", "northeurope", "Virtual Machines", "NC24", "10 Hours", 1, 10),
                ("2020-11-03", "EASTUS", "Virtual Machines", "NC24", "10 Hours", 1, 10),
                (
                    "2020-11-03",
                    "WESTEUROPE",
                    "Virtual Machines",
                    "ND96asr A100 v4",
                    "10 Hours",
                    1,
                    10,
                ),
            ]
        ),
    )
    check(
        got,
        {
            ("Virtual Machines", "northeurope", 202011): (
                0.9444048570032982,
                0.00026311119316111894,
            ),
            ("Virtual Machines", "eastus", 202011): (0.9420988104279044, 0.0003571204539700953),
            ("Virtual Machines", "westeurope", 202011): (2.774591597330377, 0.0009111758805632959),
        },
    )


def test_azure_vm_embodied_is_its_own_entry(company, write):
    # D8 v3, 10 h in westeurope (grid 0.3284 kg/kWh): compute 80 vCPU-h × 2.4575 W = 196.6 Wh; memory
    # 23.35 GB × 10 h × 0.000392 = 0.091532 kWh; (0.1966 + 0.091532) × 1.185 = 0.341436 kWh -> 0.112128 kg.
    # Embodied: 1,482.9 kg × 10 h / (35,040 h × 64 vCPUs of D64 v3) = 0.00661127 kg, its own entry.
    text = AZ_HEAD + "03/01/2026,Virtual Machines,,D8 v3,10,1 Hour,westeurope,sub1,,4\n"
    importer.import_cloud_billing(company, write("az.csv", text), "azure", write("r.toml", RULES))
    src = sources(company, "2026-03")
    assert src["cloud.azure.compute"]["co2e_kg"] == pytest.approx(
        (0.1966 + 0.091532) * 1.185 * 0.3284, rel=1e-4
    )
    assert "memory above 69.2 GB per chip" in src["cloud.azure.compute"]["source"]
    embodied = src["cloud.azure.embodied"]
    assert embodied["co2e_kg"] == pytest.approx(1482.9 * 10 / (35040 * 64), rel=1e-4)
    assert embodied["quantity"] == pytest.approx(10) and "scope 3" in embodied["boundary"]
