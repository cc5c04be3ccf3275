"""Bad cells in every importer: refused with file, line, column and value, nothing written; what
validation might miss, the database refuses; JSON never carries Infinity or NaN.

A small company (Platform, Video) imports its own bills, metrics and energy attributes from
September 2025.
"""

from __future__ import annotations

import json
import math

import pytest
from sqlalchemy import insert, select
from sqlalchemy.exc import IntegrityError

from carbon.errors import CarbonError, InputError
from carbon.ledger import service as importer
from carbon.metrics.store import metric_values
from carbon.report import jsonout
from carbon.store.schema import ledger_monthly

RULES = 'unallocated = "Platform"\n'
# CUR 2.0 column names; line 2: 10 h of m5.xlarge in Paris
CUR2 = (
    "line_item_usage_start_date,line_item_usage_end_date,line_item_product_code,line_item_usage_type,"
    "line_item_usage_amount,pricing_unit,product_region_code,line_item_unblended_cost,"
    "line_item_usage_account_id,line_item_line_item_type,product_instance_type,product_vcpu\n"
    "2025-09-01T00:00:00Z,2025-09-01T10:00:00Z,AmazonEC2,EUW3-BoxUsage:m5.xlarge,{amount},Hrs,eu-west-3,1.92,"
    "111122223333,Usage,m5.xlarge,4\n"
)
LEGACY = (
    "lineItem/UsageStartDate,lineItem/UsageEndDate,lineItem/ProductCode,lineItem/UsageType,"
    "lineItem/UsageAmount,pricing/unit,product/region,lineItem/UnblendedCost,lineItem/UsageAccountId,"
    "lineItem/LineItemType\n"
    "{start},{end},AmazonS3,EUW3-TimedStorage-ByteHrs,100,GB-Mo,eu-west-3,2.3,111122223333,Usage\n"
)
GCP = (
    "usage_start_time,usage_end_time,service.description,sku.description,usage.amount,usage.unit,"
    "location.region,project.id,cost\n"
    "{start},{end},Compute Engine,N1 Predefined Instance Core running in EMEA,36000,seconds,"
    "europe-west1,p1,1{extra}\n"
)
AZURE = (
    "Date,MeterCategory,MeterSubCategory,MeterName,Quantity,UnitOfMeasure,ResourceLocation,"
    "SubscriptionName,CostInBillingCurrency\n"
    "{date},Storage,,LRS Data Stored,100,1 GB/Month,westeurope,sub1,2{extra}\n"
)
CCF = (
    "timestamp,cloudProvider,accountId,accountName,serviceName,region,kilowattHours,co2e\n"
    "{date},AWS,111122223333,prod,AmazonS3,eu-west-3,10,0.000511\n"
)


@pytest.fixture
def company(store):
    from carbon.metrics import service as metric_imports

    for t in ("Platform", "Video"):
        importer.add_team(store, t)
    metric_imports.define(store, "active_users", "mean")
    return store


def refused(store, db_dump, call, *expected: str) -> InputError:
    """`call` is refused, each `expected` text among its problems, and the database is unchanged."""
    before = db_dump()
    with pytest.raises(InputError) as exc:
        call()
    shown = "\n".join(str(p) for p in exc.value.problems) or str(exc.value)
    for text in expected:
        assert text in shown, shown
    assert db_dump() == before
    return exc.value


def bill(store, write, provider, text, name="bill.csv"):
    from carbon.cloud.importer import import_cloud_billing

    return lambda: import_cloud_billing(
        store, write(name, text), provider, write("rules.toml", RULES)
    )


def test_a_cr_only_metrics_file_is_read_and_its_bad_line_named(company, write, db_dump, run):
    from carbon.metrics.service import import_metrics

    # Old Mac line ends (CR alone): the bad value is on line 3.
    bad = write(
        "m.csv", b"month,metric,value\r2025-09,active_users,1000\r2025-10,active_users,lots\r"
    )
    refused(
        company,
        db_dump,
        lambda: import_metrics(company, bad),
        "m.csv, line 3, column 'value': expected a number",
    )
    # The same file, right: two values, 1,000 and 1,200 users (the September/October mean is 1,100).
    good = write(
        "m2.csv", b"month,metric,value\r2025-09,active_users,1000\r2025-10,active_users,1200\r"
    )
    outcome, _ = import_metrics(company, good)
    assert outcome.batch.row_count == 2
    with company.engine.connect() as conn:
        assert sorted(conn.execute(select(metric_values.c.month, metric_values.c.value)).all()) == [
            ("2025-09", 1000.0),
            ("2025-10", 1200.0),
        ]
    # Through the CLI: exit 1 and the line, never "internal error" (exit 3).
    r = run("import", "metrics", write("m3.csv", b"month,metric,value\r2025-11,active_users,x\r"))
    assert r.exit_code == 1 and "line 2, column 'value'" in r.output, r.output


def test_a_cur_with_an_infinite_usage_amount_is_refused_with_line_and_column(
    company, write, db_dump, run
):
    # 1e309 overflows a float: read as infinity it made "inf t CO2e" and a JSON "total": Infinity.
    for amount in ("1e309", "123456789012345678901234567890", "-1e309", "nan"):
        refused(
            company,
            db_dump,
            bill(company, write, "aws", CUR2.format(amount=amount)),
            "bill.csv, line 2, column 'line_item_usage_amount'",
        )
    r = run(
        "import",
        "cloud-billing",
        write("cur.csv", CUR2.format(amount="1e309")),
        "--provider",
        "aws",
        "--rules",
        write("r.toml", RULES),
    )
    assert r.exit_code == 1 and "line 2, column 'line_item_usage_amount'" in r.output, r.output
    assert "Infinity" not in r.output and "inf t" not in r.output


def test_an_azure_date_out_of_range_is_refused(company, write, db_dump):
    for date in ("9999-12-31", "1677-09-21", "2500-01-01", "1989-12-31", "12/31/9999"):
        err = refused(
            company,
            db_dump,
            bill(company, write, "azure", AZURE.format(date=date, extra="")),
            "bill.csv, line 2, column 'Date': expected a date and time such as 2026-03-01T00:00:00Z, "
            "between 1990-01-01 and ",
        )
        assert [p.value for p in err.problems] == [date]


@pytest.mark.parametrize("word", ["now", "today", "NaT", "garbage"])
def test_a_word_in_any_provider_date_column_is_refused(company, write, db_dump, word):
    from carbon.cloud.ccf_estimates import import_ccf_estimates

    ok = "2025-09-01T00:00:00Z"
    refused(
        company,
        db_dump,
        bill(company, write, "aws", LEGACY.format(start=word, end=ok)),
        "line 2, column 'lineItem/UsageStartDate'",
    )
    refused(
        company,
        db_dump,
        bill(company, write, "aws", LEGACY.format(start=ok, end=word)),
        "line 2, column 'lineItem/UsageEndDate'",
    )
    refused(
        company,
        db_dump,
        bill(company, write, "gcp", GCP.format(start=word, end=ok, extra="")),
        "line 2, column 'usage_start_time'",
    )
    refused(
        company,
        db_dump,
        bill(company, write, "gcp", GCP.format(start=ok, end=word, extra="")),
        "line 2, column 'usage_end_time'",
    )
    refused(
        company,
        db_dump,
        bill(company, write, "azure", AZURE.format(date=word, extra="")),
        "line 2, column 'Date'",
    )
    refused(
        company,
        db_dump,
        lambda: import_ccf_estimates(
            company, write("ccf.csv", CCF.format(date=word)), write("r.toml", RULES)
        ),
        "ccf.csv, line 2, column 'timestamp'",
    )


def test_the_documented_date_formats_of_each_provider_are_read(company, write):
    from carbon.ledger import views as ledger

    # GCP's BigQuery format, Azure's US date, AWS's ISO 8601 with Z: all in September 2025.
    bill(
        company,
        write,
        "gcp",
        GCP.format(start="2025-09-01 00:00:00 UTC", end="2025-09-01 10:00:00 UTC", extra=""),
        "g.csv",
    )()
    bill(company, write, "azure", AZURE.format(date="09/15/2025", extra=""), "a.csv")()
    bill(
        company,
        write,
        "aws",
        LEGACY.format(start="2025-09-01T00:00:00Z", end="2025-10-01T00:00:00Z"),
        "l.csv",
    )()
    assert ledger.monthly_report(company, "2025-09").total > 0


@pytest.mark.parametrize(
    "provider,text,column",
    [
        (
            "gcp",
            GCP.format(
                start="2025-09-01 00:00:00 UTC", end="2025-09-01 10:00:00 UTC", extra=",oops"
            ),
            "cost",
        ),
        ("azure", AZURE.format(date="2025-09-01", extra=",oops"), "CostInBillingCurrency"),
        (
            "aws",
            LEGACY.format(start="2025-09-01T00:00:00Z", end="2025-10-01T00:00:00Z").rstrip("\n")
            + ",oops\n",
            "lineItem/LineItemType",
        ),
    ],
)
def test_a_row_with_more_fields_than_the_header_is_refused_by_every_bill(
    company, write, db_dump, provider, text, column
):
    # GCP and Azure used to drop the extra field silently.
    refused(
        company,
        db_dump,
        bill(company, write, provider, text),
        f"bill.csv, line 2, column '{column}': expected 9 fields"
        if provider != "aws"
        else f"bill.csv, line 2, column '{column}': expected 10 fields",
    )


def test_a_quoted_bill_with_an_extra_field_is_refused_too(company, write, db_dump):
    # A quote sends the bill through the other reader (a field may span lines): the same rule holds.
    text = GCP.format(start="2025-09-01 00:00:00 UTC", end="2025-09-01 10:00:00 UTC", extra="")
    text = text.replace(",p1,", ',"p1",') + text.splitlines()[1] + ",oops\n"
    refused(company, db_dump, bill(company, write, "gcp", text), "bill.csv, line 3, column 'cost'")


def test_a_nul_byte_in_a_bill_is_refused_with_its_line(company, write, db_dump):
    # PostgreSQL cannot store a NUL: it reached the factor's source text and ended in an internal error.
    text = AZURE.format(date="2025-09-01", extra="").replace("LRS Data", "LRS\x00Data")
    refused(
        company, db_dump, bill(company, write, "azure", text.encode()), "bill.csv, line 2: NUL byte"
    )


def test_a_duplicated_bill_column_is_refused(company, write, db_dump):
    text = AZURE.format(date="2025-09-01", extra=",3").replace(
        "CostInBillingCurrency", "Quantity,CostInBillingCurrency", 1
    )
    text = text.replace("\n", ",x\n", 1).replace(",x\n", "\n", 1)  # header only changed
    refused(
        company,
        db_dump,
        bill(company, write, "azure", text),
        "column 'Quantity': duplicated column",
    )


def test_implausible_factors_and_metric_values_are_refused(company, write, db_dump):
    from carbon.metrics.service import import_metrics
    from carbon.scope2.service import import_energy_attributes

    head = "month,team,country,mwh,instrument,factor_kg_per_kwh\n"
    refused(
        company,
        db_dump,
        lambda: import_energy_attributes(
            company, write("e.csv", head + "2025-09,Platform,FR,10,ppa,1e30\n")
        ),
        "e.csv, line 2, column 'factor_kg_per_kwh'",
    )
    # 11 kg/kWh: above the 10 kg CO2e/kWh bound (coal is about 1)
    refused(
        company,
        db_dump,
        lambda: import_energy_attributes(
            company, write("e.csv", head + "2025-09,Platform,FR,10,ppa,11\n")
        ),
        "e.csv, line 2, column 'factor_kg_per_kwh'",
    )
    refused(
        company,
        db_dump,
        lambda: import_energy_attributes(
            company, write("e.csv", head + "1989-12,Platform,FR,10,ppa,0.1\n")
        ),
        "e.csv, line 2, column 'month'",
    )
    refused(
        company,
        db_dump,
        lambda: import_metrics(
            company, write("m.csv", "month,metric,value\n2025-09,active_users,1e308\n")
        ),
        "m.csv, line 2, column 'value'",
    )
    refused(
        company,
        db_dump,
        lambda: import_metrics(
            company, write("m.csv", "month,metric,value\n9999-12,active_users,1\n")
        ),
        "m.csv, line 2, column 'month'",
    )


def test_ccf_estimates_refuse_infinity_and_words(company, write, db_dump):
    from carbon.cloud.ccf_estimates import import_ccf_estimates

    text = (
        '[{"timestamp": "2025-09-01T00:00:00.000Z", "serviceEstimates": [{"cloudProvider": "AWS", '
        '"serviceName": "AmazonS3", "region": "eu-west-3", "kilowattHours": Infinity, "co2e": 0.1}]}]'
    )
    refused(
        company,
        db_dump,
        lambda: import_ccf_estimates(company, write("c.json", text), write("r.toml", RULES)),
        "Infinity is not a number",
    )
    text = text.replace("Infinity", "1e309")
    refused(
        company,
        db_dump,
        lambda: import_ccf_estimates(company, write("c.json", text), write("r.toml", RULES)),
        "column 'kilowattHours'",
    )


def test_a_bill_for_next_month_warns_as_activity_files_do(company, write):
    from datetime import date

    from carbon.cloud.importer import import_cloud_billing

    today = date.today()
    nxt = date(today.year + (today.month == 12), today.month % 12 + 1, 1)
    text = AZURE.format(date=nxt.isoformat(), extra="")
    result = import_cloud_billing(company, write("a.csv", text), "azure", write("r.toml", RULES))
    assert any(
        f"after the current month {today:%Y-%m} ({nxt:%Y-%m}; first at line 2)" in w
        for w in result.outcome.warnings
    ), result.outcome.warnings


def test_json_never_carries_infinity():
    assert json.loads(jsonout.dumps({"total": 1.5})) == {"total": 1.5}
    for bad in (math.inf, -math.inf, math.nan):
        with pytest.raises(
            CarbonError, match=r"teams\[1\].total is (inf|-inf|nan), not a finite number"
        ):
            jsonout.dumps({"teams": [{"total": 1.0}, {"total": bad}]})


def _grid_factor():
    """A plain factor for rows written straight into the store (FR grid, 2025)."""
    from carbon.model import Factor

    return Factor(
        activity="electricity.grid",
        region="FR",
        year=2025,
        value=0.05,
        unit="kg CO2e / kWh",
        category="infrastructure",
        scope=2,
        source="test",
    )


def test_the_database_refuses_a_non_finite_figure_or_a_bad_month(company):
    with company.engine.connect() as conn:
        batch = company.insert_batch(conn, "test", "src", "hash")
        fid = company.snapshot_ids(conn, [_grid_factor()])[0]
        conn.commit()
    row = {
        "batch_id": batch,
        "team_id": 1,
        "month": "2025-09",
        "category": "infrastructure",
        "scope": 2,
        "activity": "electricity.grid",
        "factor_id": fid,
        "unit": "kWh",
        "quantity": 20.0,
        "co2e_kg": 1.0,
        "entries": 1,
    }
    for bad in (
        {"co2e_kg": math.inf},
        {"co2e_kg": -math.inf},
        {"quantity": math.inf},  # migration 0020
        {"quantity": -math.inf},
        {"month": "2025-13"},
        {"month": "now"},
    ):
        with company.engine.connect() as conn, pytest.raises(IntegrityError):
            conn.execute(insert(ledger_monthly).values({**row, **bad}))
    with company.engine.begin() as conn:
        conn.execute(insert(ledger_monthly).values(row))  # the right row is stored
        assert conn.execute(select(ledger_monthly.c.co2e_kg)).scalars().all() == [1.0]


def test_a_bad_month_in_ledger_rows_refuses_their_whole_write(company, db_dump):
    """The ledger's rows and their rollup are written together (Store.insert_ledger, then
    insert_rollup from the same rows): a month no report can carry is refused by the database on
    both backends (checked on the rollup, not on each ledger row: migration 0023) and nothing
    stays."""
    import pandas as pd

    factor = _grid_factor()
    before = db_dump(caches=False)
    for month in ("2025-13", "25-09", "2025-9x"):
        rows = pd.DataFrame(
            {
                "line": [2, 3],
                "team_id": [1, 1],
                "month": ["2025-09", month],
                "activity": ["electricity.grid"] * 2,
                "category": ["infrastructure"] * 2,
                "scope": [2, 2],
                "quantity": [20.0, 10.0],
                "unit": ["kWh"] * 2,
                "co2e_kg": [1.0, 0.5],
                "scope3_category": [0, 0],
                "row_key": [11, 12],
            }
        )
        with pytest.raises(IntegrityError), company.transaction() as conn:
            batch = company.insert_batch(conn, "test", "src", "hash")
            rows["factor_id"] = company.snapshot_ids(conn, [factor])[0]
            company.insert_ledger(conn, batch, rows)
            company.insert_rollup(conn, batch, [company.rollup_part(rows)])
        assert db_dump(caches=False) == before, month
