"""Fuzzing every importer: a generated file ends in success or a clear refusal, never in an
internal error.

For every importer (cloud bills of AWS in both column styles, GCP and Azure; CCF estimates as CSV
and JSON; video with its mapping; flights by airport code; purchases by spend; an activity file
split by a shared-cost allocation file; metrics; energy attributes; scenario; config; budget;
tests/test_fuzz.py: activity, survey, factor, budget and price files), each generated file must:

- end in success or a `CarbonError` (what the CLI turns into exit 1); any other exception is what
  the CLI reports as "internal error" (exit 3) and fails the test;
- when refused, leave the whole database exactly as before (every table compared);
- when accepted, leave only finite, in-range figures in the ledger, the monthly rollup, the
  metrics, the energy attributes, the budgets, the flights and the pool shares (`_stored_ok`).

Profiles (docs/integrity.md): the default ("ci") runs a few hundred cases in all; set
CARBON_FUZZ_PROFILE=nightly for more than 10,000 (tests/fuzzing.py). The counts per
importer and outcome are printed in pytest's summary (conftest.py).
"""

from __future__ import annotations

import math
import re
from datetime import date

import pytest
from fuzzing import CASES, CLOUD_SCALE, fuzz_settings  # tests/fuzzing.py: the profiles
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import select

from carbon.errors import CarbonError
from carbon.ledger import service as importer
from carbon.store import schema

RAN: dict[str, int] = {
    "ok": 0,
    "refused": 0,
}  # cases per importer, and outcomes (conftest.py prints them)

# ---- valid files of a small company: each importer's starting point ---------------------------

RULES = 'unallocated = "Platform"\n\n[[rule]]\ntag = {team = "video"}\nteam = "Video"\n'
AWS = (
    "lineItem/UsageStartDate,lineItem/UsageEndDate,lineItem/ProductCode,lineItem/UsageType,"
    "lineItem/UsageAmount,pricing/unit,product/region,lineItem/UnblendedCost,lineItem/UsageAccountId,"
    "lineItem/LineItemType,product/instanceType,product/vcpu,resourceTags/user:team\n"
    "2026-03-01T00:00:00Z,2026-03-05T04:00:00Z,AmazonEC2,EUW3-BoxUsage:m5.xlarge,100,Hrs,eu-west-3,19.2,"
    "111122223333,Usage,m5.xlarge,4,video\n"
    "2026-03-01T00:00:00Z,2026-04-01T00:00:00Z,AmazonS3,EUW3-TimedStorage-ByteHrs,1000,GB-Mo,eu-west-3,23,"
    "111122223333,Usage,,,\n"
    "2026-03-01T00:00:00Z,2026-04-01T00:00:00Z,AmazonEC2,,,,,16.4,111122223333,Tax,,,\n"
)
AWS_CUR2 = (
    AWS.replace("lineItem/UsageStartDate", "line_item_usage_start_date")
    .replace("lineItem/UsageEndDate", "line_item_usage_end_date")
    .replace("lineItem/ProductCode", "line_item_product_code")
    .replace("lineItem/UsageType", "line_item_usage_type")
    .replace("lineItem/UsageAmount", "line_item_usage_amount")
    .replace("pricing/unit", "pricing_unit")
    .replace("product/region", "product_region_code")
    .replace("lineItem/UnblendedCost", "line_item_unblended_cost")
    .replace("lineItem/UsageAccountId", "line_item_usage_account_id")
    .replace("lineItem/LineItemType", "line_item_line_item_type")
    .replace("product/instanceType", "product_instance_type")
    .replace("product/vcpu", "product_vcpu")
    .replace("resourceTags/user:team", "resource_tags_user_team")
)
GCP = (
    "usage_start_time,usage_end_time,service.description,sku.description,usage.amount,usage.unit,"
    "location.region,project.id,cost,labels\n"
    "2026-03-01 00:00:00 UTC,2026-03-02 00:00:00 UTC,Compute Engine,N1 Predefined Instance Core running in "
    'EMEA,360000,seconds,europe-west1,video-prod,10,"[{""key"":""team"",""value"":""video""}]"\n'
    "2026-03-01 00:00:00 UTC,2026-03-02 00:00:00 UTC,Compute Engine,N1 Predefined Instance Core running in "
    "EMEA,360000,seconds,europe-west1,platform-ci,10,[]\n"
)
AZURE = (
    "Date,MeterCategory,MeterSubCategory,MeterName,Quantity,UnitOfMeasure,ResourceLocation,"
    "SubscriptionName,Tags,CostInBillingCurrency\n"
    '03/01/2026,Virtual Machines,,D2 v3,24,1 Hour,westeurope,sub1,"""team"": ""video""",4.2\n'
    "2026-03-02,Storage,,LRS Data Stored,100,1 GB/Month,westeurope,sub1,,2\n"
)
CCF_CSV = (
    "timestamp,cloudProvider,accountId,accountName,serviceName,region,kilowattHours,co2e\n"
    "2026-03-01,AWS,111122223333,prod,AmazonS3,eu-west-3,10,0.000511\n"
    "2026-03-02T00:00:00.000Z,GCP,p1,prod,Compute Engine,europe-west1,2,0.0002\n"
)
CCF_JSON = (
    '[{"timestamp": "2026-03-01T00:00:00.000Z", "serviceEstimates": [\n'
    ' {"cloudProvider": "AWS", "accountId": "111122223333", "accountName": "prod", "serviceName": "AmazonEC2",\n'
    '  "region": "eu-west-3", "kilowattHours": 120.5, "co2e": 0.0061575, "cost": 300,\n'
    '  "tags": {"team": "video"}}]},\n'
    ' {"timestamp": "2026-03-02T00:00:00.000Z", "serviceEstimates": [\n'
    ' {"cloudProvider": "AWS", "accountId": "9", "accountName": "lab", "serviceName": "AmazonS3",\n'
    '  "region": "us-east-1", "kilowattHours": 2, "co2e": 0.000758138, "cost": 5, "tags": {}}]}]\n'
)
VIDEO = (
    "view_id,view_start,video_title,custom_team,country_code,viewer_device_category,avg_bitrate_kbps,"
    "watch_time_seconds\n"
    "v1,2026-03-03T14:22:10Z,Intro to Python,Video,FR,desktop,4500,3600\n"
    "v2,2026-03-03T18:05:00Z,Intro to Python,Video,GB,phone,1200,1800\n"
)
MAPPING = (
    '[columns]\ndate = "view_start"\nseconds = "watch_time_seconds"\nbitrate = "avg_bitrate_kbps"\n'
    'country = "country_code"\ndevice = "viewer_device_category"\nteam = "custom_team"\n\n'
    '[date]\nformat = "%Y-%m-%dT%H:%M:%SZ"\n\n[bitrate]\nhd_from = 2500\nuhd_from = 8000\n'
)
METRICS = "month,metric,value,team\n2026-03,active_users,1000,\n2026-04,active_users,1200,Video\n"
ENERGY = (
    "month,team,country,mwh,instrument,factor_kg_per_kwh,note\n"
    "2026-03,Platform,FR,12.5,guarantee_of_origin,0,hydro\n"
    "2026-04,Video,DE,3,ppa,0.02,wind farm\n"
)
SCENARIO = (
    'year = 2026\n[[lever]]\nkind = "shift"\nfrom = "commute.car.*"\nto = "commute.bike"\nshare = 0.5\n'
    'start = "2026-04"\nteams = ["Platform"]\n'
)
CONFIG = (
    '[schedule]\ncron = "0 6 1 * *"\ntimezone = "Europe/Paris"\ngrace_days = 10\n[output]\ndir = "out"\n'
    '[recipients]\nfinance = ["finance@example.org"]\n[recipients.managers]\nPlatform = "a@example.org"\n'
)
FLIGHTS = (
    "date,team,origin,destination,class,return,passengers,rf\n"
    "2026-03-14,Platform,CDG,NCE,economy,yes,1,yes\n"
    "2026-03-20,Video,LHR,JFK,business,no,2,no\n"
)
SPEND = (
    "month,team,category,amount,currency,supplier,description\n"
    "2026-03,Platform,software,1000,USD,,IDE licences\n"
    "2026-03-17,Video,advertising,500,GBP,,UK campaign\n"
)
ACTIVITIES = (
    "date,team,activity,quantity,unit,region\n"
    "2026-03,Office,electricity.grid,1000,kWh,FR\n"
    "2026-03,Platform,electricity.grid,200,kWh,FR\n"
)
ALLOCATION = "[pool.Office]\nshares = { Platform = 0.75, Video = 0.25 }\n"
BUDGET = (
    'year = 2026\nunit = "t CO2e"\n[teams.Platform]\nbudget = 120.0\nprofile = "flat"\n'
    "[teams.Video]\nbudget = 300\nprofile = [1, 1, 1, 1, 1, 1, 0.5, 0.5, 1, 1, 1, 1]\n"
)

# ---- damage -------------------------------------------------------------------------------------

CELLS = [
    "",
    " ",
    "nan",
    "NaN",
    "inf",
    "-inf",
    "Infinity",
    "1e309",
    "1e308",
    "1e-400",
    "-1",
    "0",
    "1,5",
    "1 000",
    "123456789012345678901234567890",
    "１２",
    "=1+1",
    '"',
    "x" * 100_000,
    "\x00",
    "2026-13",
    "2026-02-30",
    "9999-12-31",
    "1677-09-21",
    "2500-01-01",
    "0001-01-01",
    "1899-12-31T00:00:00Z",
    "now",
    "today",
    "NaT",
    "garbage",
    "03/01/2026",
    "2026-03-01T00:00:00Z",
    "2026-03",
    '{"team": "video"}',
    "[]",
    "[{}]",
    "kg",
    "Hrs",
    "eu-west-3",
    "FR",
    "Platform ",
    "é",
    "\ufeff",
    "\t",
    "\r",
    "\n",
    "\x1b[2J",
]
TOML_VALUES = [
    "-1",
    "nan",
    "inf",
    "1e400",
    '"t"',
    '"bananas"',
    "[1, 2]",
    '""',
    "2026",
    "99999",
    "true",
    '"' + "x" * 100_000 + '"',
    "{}",
    '"now"',
    '"9999-12"',
    '"2026-13"',
    "0",
    "1e308",
]


def mutate_csv(text: str, data) -> bytes:
    kind = data.draw(
        st.sampled_from(
            [
                "truncate",
                "delimiter",
                "bom",
                "latin1",
                "cell",
                "cell",
                "cell",
                "cell",
                "dup_header",
                "rename_header",
                "drop_column",
                "drop_line",
                "extra_field",
                "blank_lines",
                "crlf",
                "cr",
                "cr_cell",
                "nul",
                "long_line",
            ]
        )
    )
    lines = text.splitlines(keepends=True)
    if kind == "truncate":
        return text.encode()[: data.draw(st.integers(0, len(text.encode())))]
    if kind == "delimiter":
        return text.replace(",", data.draw(st.sampled_from([";", "\t", "|"]))).encode()
    if kind == "bom":
        return b"\xef\xbb\xbf" + text.encode()
    if kind == "latin1":
        return (text + "é\n").encode("latin-1")
    if kind == "nul":
        at = data.draw(st.integers(0, len(text)))
        return (text[:at] + "\x00" + text[at:]).encode()
    if kind == "long_line":
        return (text + "x" * data.draw(st.sampled_from([10_000, 2_000_000])) + "\n").encode()
    if kind in ("dup_header", "rename_header", "drop_column"):
        header = lines[0].rstrip("\n").split(",")
        j = data.draw(st.integers(0, len(header) - 1))
        if kind == "dup_header":
            header.append(header[j])
        elif kind == "rename_header":
            header[j] = data.draw(
                st.sampled_from([header[j].upper(), header[j] + " ", "x", header[j][:-1] or "y"])
            )
        else:
            del header[j]
        return (",".join(header) + "\n" + "".join(lines[1:])).encode()
    if kind == "drop_line":
        i = data.draw(st.integers(0, len(lines) - 1))
        return "".join(lines[:i] + lines[i + 1 :]).encode()
    if kind == "extra_field":
        i = data.draw(st.integers(1, len(lines) - 1))
        lines[i] = lines[i].rstrip("\n") + ",extra\n"
        return "".join(lines).encode()
    if kind == "blank_lines":
        return text.replace("\n", "\n\n").encode()
    if kind == "crlf":
        return text.replace("\n", "\r\n").encode()
    if kind == "cr":
        return text.replace("\n", "\r").encode()
    # Replace one cell of one data line (unquoted lines only: a quoted cell holds commas).
    i = data.draw(st.integers(1, len(lines) - 1))
    cells = lines[i].rstrip("\n").split(",")
    j = data.draw(st.integers(0, len(cells) - 1))
    value = data.draw(st.sampled_from(CELLS))
    cells[j] = '"' + value.replace('"', '""') + '"' if any(c in value for c in ',"\n\r') else value
    out = "".join(lines[:i]) + ",".join(cells) + "\n" + "".join(lines[i + 1 :])
    return (out.replace("\n", "\r") if kind == "cr_cell" else out).encode()


def mutate_text(text: str, data) -> bytes:
    """JSON or TOML: damage a value (a number, a string, a key) or the structure."""
    kind = data.draw(
        st.sampled_from(["truncate", "value", "value", "value", "bom", "cr", "nul", "line"])
    )
    if kind == "truncate":
        return text.encode()[: data.draw(st.integers(0, len(text.encode())))]
    if kind == "bom":
        return b"\xef\xbb\xbf" + text.encode()
    if kind == "cr":
        return text.replace("\n", "\r").encode()
    if kind == "nul":
        at = data.draw(st.integers(0, len(text)))
        return (text[:at] + "\x00" + text[at:]).encode()
    if kind == "line":
        lines = text.splitlines(keepends=True)
        i = data.draw(st.integers(0, len(lines) - 1))
        return "".join(lines[:i] + lines[i + 1 :]).encode()
    tokens = list(re.finditer(r'"(?:[^"\\]|\\.)*"|-?\d[\d.eE+-]*|true|false|\[|\]|\{|\}', text))
    t = data.draw(st.sampled_from(tokens))
    new = data.draw(
        st.sampled_from(
            TOML_VALUES
            + [
                "null",
                "NaN",
                "Infinity",
                "-Infinity",
                "1e309",
                '"now"',
                '"9999-12-31T00:00:00Z"',
                '"garbage"',
                '"NaT"',
                "[]",
                "{}",
            ]
        )
    )
    return (text[: t.start()] + new + text[t.end() :]).encode()


# ---- checks ---------------------------------------------------------------------------------------


def _dump(store):
    """Every table's rows (the database as comparable data)."""
    out = []
    with store.engine.connect() as conn:
        for table in schema.metadata.sorted_tables:
            out.append((table.name, sorted(map(repr, conn.execute(select(table)).all()))))
    return out


MONTH = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")


def _stored_ok(store) -> None:
    """Every stored figure finite and in range; every month YYYY-MM between 1990 and next year."""
    from carbon.budgets import store as b_tables
    from carbon.metrics import store as m_tables
    from carbon.scope2 import store as e_tables
    from carbon.store import flights as stored_flights
    from carbon.store import pools as stored_pools

    last_year = date.today().year + 1
    checks = [
        (schema.ledger, ("co2e_kg", "quantity"), "month"),
        (schema.ledger_monthly, ("co2e_kg", "quantity"), "month"),
        (m_tables.metric_values, ("value",), "month"),
        (e_tables.energy_attributes, ("mwh", "factor_kg_per_kwh"), "month"),
        (b_tables.budget_teams, ("budget_kg",), None),
        (stored_flights.flight_legs, ("distance_km", "uplift", "passenger_km"), None),
        (stored_pools.pool_shares, ("share",), "month"),
    ]
    with store.engine.connect() as conn:
        for table, figures, month in checks:
            cols = [table.c[f] for f in figures] + ([table.c[month]] if month else [])
            for row in conn.execute(select(*cols)):
                for f, v in zip(figures, row):
                    assert v is not None and math.isfinite(v) and abs(v) <= 1e15, (table.name, f, v)
                if month:
                    m = MONTH.match(row[-1])
                    assert m and 1990 <= int(m.group(1)) <= last_year, (table.name, row[-1])


def _check(store, call) -> None:
    before = _dump(store)
    try:
        call()
    except CarbonError:
        RAN["refused"] += 1
        assert _dump(store) == before, "a refused file changed the database"
        return
    RAN["ok"] += 1
    _stored_ok(store)


@pytest.fixture
def company(store, write):
    from carbon.metrics import service as metric_imports

    for t in ("Platform", "Video"):
        importer.add_team(store, t)
    metric_imports.define(store, "active_users", "mean")
    return store


def _case(name: str, tmp_path_factory, content: bytes, suffix: str = ".csv"):
    RAN[name] = RAN.get(name, 0) + 1
    path = tmp_path_factory.mktemp("fuzz") / f"f{suffix}"
    path.write_bytes(content)
    return path, f"fuzz-{name}-{RAN[name]}"


def _rules(tmp_path_factory):
    p = tmp_path_factory.mktemp("rules") / "rules.toml"
    p.write_text(RULES)
    return p


@pytest.mark.parametrize(
    "provider,valid",
    [("aws", AWS), ("aws", AWS_CUR2), ("gcp", GCP), ("azure", AZURE)],
    ids=["aws-legacy", "aws-cur2", "gcp", "azure"],
)
@fuzz_settings(CLOUD_SCALE)
@given(data=st.data())
def test_fuzz_cloud_bills(company, tmp_path_factory, provider, valid, data):
    from carbon.cloud.importer import import_cloud_billing

    path, source = _case(provider, tmp_path_factory, mutate_csv(valid, data))
    rules = _rules(tmp_path_factory)
    _check(company, lambda: import_cloud_billing(company, path, provider, rules, source=source))


@pytest.mark.parametrize("fmt", ["csv", "json"])
@fuzz_settings()
@given(data=st.data())
def test_fuzz_ccf_estimates(company, tmp_path_factory, fmt, data):
    from carbon.cloud.ccf_estimates import import_ccf_estimates

    content = mutate_csv(CCF_CSV, data) if fmt == "csv" else mutate_text(CCF_JSON, data)
    path, source = _case("ccf-" + fmt, tmp_path_factory, content, "." + fmt)
    rules = _rules(tmp_path_factory)
    _check(company, lambda: import_ccf_estimates(company, path, rules, source=source))


@fuzz_settings()
@given(data=st.data())
def test_fuzz_video(company, tmp_path_factory, data):
    from carbon.video.service import import_video

    damage_mapping = data.draw(st.booleans())
    csv_bytes = VIDEO.encode() if damage_mapping else mutate_csv(VIDEO, data)
    path, source = _case("video", tmp_path_factory, csv_bytes)
    mapping = tmp_path_factory.mktemp("map") / "m.toml"
    mapping.write_bytes(mutate_text(MAPPING, data) if damage_mapping else MAPPING.encode())
    _check(company, lambda: import_video(company, path, mapping, source=source))


@fuzz_settings()
@given(data=st.data())
def test_fuzz_flights(company, tmp_path_factory, data):
    path, source = _case("flights", tmp_path_factory, mutate_csv(FLIGHTS, data))
    _check(company, lambda: importer.import_flights(company, path, source=source))


@fuzz_settings()
@given(data=st.data())
def test_fuzz_spend(company, tmp_path_factory, data):
    from carbon.spend.service import import_spend

    path, source = _case("spend", tmp_path_factory, mutate_csv(SPEND, data))
    _check(company, lambda: import_spend(company, path, source=source))


@fuzz_settings()
@given(data=st.data())
def test_fuzz_shared_cost_pools(company, tmp_path_factory, data):
    """An activity file with a pool row, split by an allocation file (`--allocation`): either
    file damaged."""
    damage_allocation = data.draw(st.booleans())
    csv_bytes = ACTIVITIES.encode() if damage_allocation else mutate_csv(ACTIVITIES, data)
    path, source = _case("allocation", tmp_path_factory, csv_bytes)
    alloc = tmp_path_factory.mktemp("alloc") / "alloc.toml"
    alloc.write_bytes(mutate_text(ALLOCATION, data) if damage_allocation else ALLOCATION.encode())
    _check(
        company,
        lambda: importer.import_activities(company, path, source=source, allocation=alloc),
    )


@fuzz_settings()
@given(data=st.data())
def test_fuzz_metrics(company, tmp_path_factory, data):
    from carbon.metrics.service import import_metrics

    path, source = _case("metrics", tmp_path_factory, mutate_csv(METRICS, data))
    _check(company, lambda: import_metrics(company, path, source=source))


@fuzz_settings()
@given(data=st.data())
def test_fuzz_energy_attributes(company, tmp_path_factory, data):
    from carbon.scope2.service import import_energy_attributes

    path, source = _case("energy-attributes", tmp_path_factory, mutate_csv(ENERGY, data))
    _check(company, lambda: import_energy_attributes(company, path, source=source))


@fuzz_settings()
@given(data=st.data())
def test_fuzz_scenario(company, tmp_path_factory, data):
    from carbon.api import Carbon

    path, _ = _case("scenario", tmp_path_factory, mutate_text(SCENARIO, data), ".toml")
    _check(company, lambda: Carbon(company).run_scenario(path, price="80"))


@fuzz_settings()
@given(data=st.data())
def test_fuzz_config(company, tmp_path_factory, data):
    from carbon import config

    path, _ = _case("config", tmp_path_factory, mutate_text(CONFIG, data), ".toml")
    _check(company, lambda: config.load(path))


@fuzz_settings()
@given(data=st.data())
def test_fuzz_budget(company, tmp_path_factory, data):
    from carbon.budgets import service as budget_service

    path, _ = _case("budget", tmp_path_factory, mutate_text(BUDGET, data), ".toml")
    _check(company, lambda: budget_service.load_file(company, path, replace=True))


def test_fuzz_ran_every_importer():
    """Runs after the fuzz tests above (file order): each importer ran its cases."""
    if RAN["ok"] + RAN["refused"] == 0:
        pytest.skip("run with the fuzz tests of this file (it counts their cases)")
    for name in (
        "ccf-csv",
        "ccf-json",
        "video",
        "flights",
        "spend",
        "allocation",
        "metrics",
        "energy-attributes",
        "scenario",
        "config",
        "budget",
    ):
        assert RAN.get(name, 0) >= CASES, name
    assert RAN.get("aws", 0) >= 2 * int(CASES * CLOUD_SCALE)  # legacy and CUR 2.0 columns
    assert RAN.get("gcp", 0) >= int(CASES * CLOUD_SCALE) and RAN.get("azure", 0) >= int(
        CASES * CLOUD_SCALE
    )
    assert RAN["ok"] > 0 and RAN["refused"] > 0
