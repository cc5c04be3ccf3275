"""Cloud bills deduplicated: a bill whose usage lines are already in the ledger from another import
is refused (count, first lines, earlier import), unless --replace of that import or --allow-overlap.

Kestrel's own bills for March 2026: three S3 buckets on AWS, Compute Engine on GCP, container
instances on Azure, and CCF's own estimates. Every bill goes to the team Web.
"""

from __future__ import annotations

import pytest

from carbon.cloud import ccf_estimates, importer
from carbon.errors import InputError
from carbon.ledger import service as core
from carbon.ledger import views as ledger
from carbon.store import cloud_lines

RULES = 'unallocated = "Web"\n'

AWS_LEGACY = (
    "lineItem/UsageStartDate,lineItem/UsageEndDate,lineItem/ProductCode,lineItem/UsageType,"
    "lineItem/UsageAmount,pricing/unit,product/region,lineItem/UnblendedCost,lineItem/UsageAccountId,"
    "lineItem/LineItemType,lineItem/ResourceId\n"
)
AWS_CUR2 = (
    "line_item_usage_start_date,line_item_usage_end_date,line_item_product_code,line_item_usage_type,"
    "line_item_usage_amount,pricing_unit,product_region_code,line_item_unblended_cost,"
    "line_item_usage_account_id,line_item_line_item_type,line_item_resource_id\n"
)


def aws_rows(month: str = "2026-03", end: str = "2026-04", first_start: str = "") -> str:
    """Three buckets of 1,000 GB-Mo each (lines 2-4); `first_start` replaces line 2's start."""
    out = []
    for i, bucket in enumerate(("media", "logs", "backups")):
        start = first_start if i == 0 and first_start else f"{month}-01T00:00:00Z"
        out.append(
            f"{start},{end}-01T00:00:00Z,AmazonS3,EUW3-TimedStorage-ByteHrs,1000,GB-Mo,eu-west-3,23,"
            f"123456789012,Usage,arn:aws:s3:::kestrel-{bucket}\n"
        )
    return "".join(out)


# S3 (HDD, replication 6) in eu-west-3, CCF constants: 1,000 GB × 744 h / 1000 × 0.65 Wh × 6 × PUE
# 1.135 / 1000 = 3.293316 kWh × 0.0511 kg/kWh (aws:eu-west-3) = 0.168288 kg per bucket.
BUCKET_KG = 3.293316 * 0.0511

GCP = (
    "usage_start_time,usage_end_time,service.description,sku.description,usage.amount,usage.unit,"
    "location.region,project.id,cost,labels\n"
    "2026-03-02 00:00:00 UTC,2026-03-02 01:00:00 UTC,Compute Engine,Compute optimized Core running in Americas,"
    "80000,seconds,us-east1,kestrel-web,7,[]\n"
    "2026-03-03 00:00:00 UTC,2026-03-03 01:00:00 UTC,Compute Engine,Compute optimized Core running in Americas,"
    "80000,seconds,us-east1,kestrel-web,7,[]\n"
)

AZURE = (
    "Date,MeterCategory,MeterSubCategory,MeterName,Quantity,UnitOfMeasure,ResourceLocation,SubscriptionName,"
    "Tags,CostInBillingCurrency,ResourceId\n"
    "03/01/2026,Container Instances,,vCPU Duration,100,1 Hour,westeurope,kestrel-prod,,3,/sub/kestrel/ci/web\n"
    "03/02/2026,Container Instances,,vCPU Duration,100,1 Hour,westeurope,kestrel-prod,,3,/sub/kestrel/ci/web\n"
)
# 'vCPU Duration' 100 h in westeurope: 100 × 2.14 W × 1.185 / 1000 = 0.25359 kWh × 0.3284 kg/kWh.
AZ_LINE_KG = 100 * 2.14 * 1.185 / 1000 * 0.3284

CCF = (
    "timestamp,cloudProvider,accountId,accountName,serviceName,region,kilowattHours,co2e\n"
    "2026-03-01,AWS,123456789012,kestrel,AmazonS3,eu-west-3,10,0.000511\n"
    "2026-03-02,AWS,123456789012,kestrel,AmazonS3,eu-west-3,10,0.000511\n"
)


@pytest.fixture
def kestrel(store):
    core.add_team(store, "Web")
    return store


def web(store, month="2026-03") -> float:
    return {t.team: t.total for t in ledger.monthly_report(store, month).teams}["Web"]


def _refused(fn, db_dump, *match):
    before = db_dump()
    with pytest.raises(InputError) as exc:
        fn()
    shown = str(exc.value) + "\n" + "\n".join(str(p) for p in exc.value.problems)
    for m in match:
        assert m in shown, shown
    assert db_dump() == before
    return exc.value


@pytest.mark.parametrize("header", [AWS_LEGACY, AWS_CUR2], ids=["legacy", "cur2"])
def test_a_reexported_cur_with_one_timestamp_changed_is_refused(kestrel, write, db_dump, header):
    rules = write("r.toml", RULES)
    importer.import_cloud_billing(
        kestrel, write("cur-2026-03.csv", header + aws_rows()), "aws", rules, source="cur-march"
    )
    assert web(kestrel) == pytest.approx(3 * BUCKET_KG, rel=1e-4)  # 0.504864 kg
    # The re-export: same lines, line 2's start one second later (a new content hash).
    again = write("cur-2026-03-v2.csv", header + aws_rows(first_start="2026-03-01T00:00:01Z"))
    err = _refused(
        lambda: importer.import_cloud_billing(kestrel, again, "aws", rules, source="cur-march-v2"),
        db_dump,
        # lines 3 and 4 are the same usage lines; line 2 changed its period.
        "2 usage lines of",
        "already in the ledger from import 1 ('cur-march', cloud-billing)",
        "line 3: 2026-03: the same usage line as line 3 of import 1",
        "line 4: 2026-03: the same usage line as line 4 of import 1",
        "--allow-overlap",
    )
    assert err.total == 2
    assert web(kestrel) == pytest.approx(3 * BUCKET_KG, rel=1e-4)  # not counted twice
    # --replace of that import swaps it: still 3 buckets, not 6.
    importer.import_cloud_billing(kestrel, again, "aws", rules, source="cur-march", replace=True)
    assert web(kestrel) == pytest.approx(3 * BUCKET_KG, rel=1e-4)
    # --allow-overlap imports it, said in a warning (then counted twice: 6 buckets).
    out = importer.import_cloud_billing(
        kestrel,
        write("copy.csv", header + aws_rows()),
        "aws",
        rules,
        source="copy",
        allow_overlap=True,
    )
    assert "counted twice" in out.outcome.warnings[0]
    assert web(kestrel) == pytest.approx(6 * BUCKET_KG, rel=1e-4)


def test_legacy_and_cur2_of_the_same_bill_overlap(kestrel, write, db_dump):
    rules = write("r.toml", RULES)
    importer.import_cloud_billing(
        kestrel, write("legacy.csv", AWS_LEGACY + aws_rows()), "aws", rules
    )
    _refused(
        lambda: importer.import_cloud_billing(
            kestrel, write("cur2.csv", AWS_CUR2 + aws_rows()), "aws", rules
        ),
        db_dump,
        "3 usage lines of",
    )


def test_another_month_or_resource_is_not_an_overlap_and_only_its_months_are_read(
    kestrel, write, monkeypatch
):
    rules = write("r.toml", RULES)
    importer.import_cloud_billing(kestrel, write("mar.csv", AWS_LEGACY + aws_rows()), "aws", rules)
    asked = []
    real = cloud_lines.keys_of_months

    def spy(conn, months, except_batches):
        asked.append(list(months))
        return real(conn, months, except_batches)

    monkeypatch.setattr(cloud_lines, "keys_of_months", spy)
    importer.import_cloud_billing(
        kestrel, write("apr.csv", AWS_LEGACY + aws_rows("2026-04", "2026-05")), "aws", rules
    )
    assert asked == [["2026-04"]]  # March's keys are never read for an April bill
    other = AWS_LEGACY + aws_rows().replace("kestrel-", "kestrel-eu-")  # other buckets, same period
    importer.import_cloud_billing(kestrel, write("other.csv", other), "aws", rules)
    assert web(kestrel) == pytest.approx(6 * BUCKET_KG, rel=1e-4)


def test_gcp_azure_and_ccf_reexports_are_refused(kestrel, write, db_dump):
    rules = write("r.toml", RULES)
    importer.import_cloud_billing(kestrel, write("gcp.csv", GCP), "gcp", rules, source="gcp-march")
    gcp_kg = web(kestrel)
    reexport = GCP.replace("2026-03-03 00:00:00 UTC", "2026-03-03 00:00:05 UTC")
    _refused(
        lambda: importer.import_cloud_billing(kestrel, write("gcp2.csv", reexport), "gcp", rules),
        db_dump,
        "1 usage line of",
        "from import 1 ('gcp-march', cloud-billing)",
        "line 2: 2026-03: the same usage line as line 2 of import 1",
    )

    importer.import_cloud_billing(
        kestrel, write("az.csv", AZURE), "azure", rules, source="az-march"
    )
    assert web(kestrel) - gcp_kg == pytest.approx(2 * AZ_LINE_KG, rel=1e-4)
    _refused(
        lambda: importer.import_cloud_billing(
            kestrel, write("az2.csv", AZURE + "\n"), "azure", rules
        ),
        db_dump,
        "2 usage lines of",
        "('az-march', cloud-billing)",
    )

    ccf_estimates.import_ccf_estimates(kestrel, write("ccf.csv", CCF), rules, source="ccf-march")
    before = web(kestrel)
    _refused(
        lambda: ccf_estimates.import_ccf_estimates(
            kestrel, write("ccf2.csv", CCF.replace(",10,", ",11,")), rules
        ),
        db_dump,
        "2 usage lines of",
        "('ccf-march', ccf-estimates)",
    )
    assert web(kestrel) == before


def test_cli_refusal_and_allow_overlap(run, write, tmp_path):
    assert run("teams", "add", "Web").exit_code == 0
    rules = write("r.toml", RULES)
    assert (
        run(
            "import",
            "cloud-billing",
            write("a.csv", AWS_LEGACY + aws_rows()),
            "--provider",
            "aws",
            "--rules",
            rules,
        ).exit_code
        == 0
    )
    b = write("b.csv", AWS_LEGACY + aws_rows(first_start="2026-03-01T00:00:01Z"))
    r = run("import", "cloud-billing", b, "--provider", "aws", "--rules", rules)
    assert (
        r.exit_code == 1
        and "2 usage lines" in r.stderr
        and "already in the ledger from import" in r.stderr
    )
    r = run("import", "cloud-billing", b, "--provider", "aws", "--rules", rules, "--allow-overlap")
    assert r.exit_code == 0 and "counted twice" in r.output
