"""--allocation: a site's shared costs (its electricity meter, its guarantees of origin) split per
team by a key (a team metric such as headcount, per month) or fixed shares; hand-computed."""

import json

import pytest

HEADER = "date,team,activity,quantity,unit,region\n"
ATTR = "month,team,country,mwh,instrument,factor_kg_per_kwh\n"
# Headcount per team: January 10 / 6 / 4 (20 people: shares 0.5, 0.3, 0.2); February 10 / 10 / 0
# given for Platform and Video only (0.5, 0.5); March has no values.
METRICS = "month,metric,value,team\n" + (
    "2026-01,headcount,10,Platform\n2026-01,headcount,6,Video\n2026-01,headcount,4,Sales\n"
    "2026-02,headcount,10,Platform\n2026-02,headcount,10,Video\n"
    "2026-01,headcount,25,\n"  # a company-level value: not a team's, not in the key
)
BY_HEADCOUNT = '[pool.Office]\nkey = "headcount"\n'
# The site's meter: January 10,000 kWh and February 8,000 kWh in France (ademe_2025_grid_fr.csv: 0.0461 kg/kWh).
METER = (
    HEADER
    + "2026-01,Office,electricity.grid,10000,kWh,FR\n2026-02,Office,electricity.grid,8000,kWh,FR\n"
)


@pytest.fixture
def company(run, write):
    run("teams", "add", "Platform", "Video", "Sales")
    assert (
        run("metrics", "define", "headcount", "--year", "mean", "--label", "people").exit_code == 0
    )
    r = run("import", "metrics", write("m.csv", METRICS))
    assert r.exit_code == 0, r.output
    return run


def _month(run, month):
    r = run("report", "monthly", "--month", month, "--format", "json")
    assert r.exit_code == 0, r.output
    d = json.loads(r.stdout)
    d["by_team"] = {t["team"]: t["total"] for t in d["teams"]}
    return d


def test_site_electricity_and_its_guarantees_split_by_headcount(company, write):
    alloc = write("alloc.toml", BY_HEADCOUNT)
    r = company("import", "activities", write("meter.csv", METER), "--allocation", alloc)
    assert r.exit_code == 0, r.output
    jan = _month(company, "2026-01")
    # 10,000 kWh x 0.0461 = 461 kg: Platform 0.5 -> 5,000 kWh, 230.5 kg; Video 0.3 -> 3,000 kWh,
    # 138.3 kg; Sales 0.2 -> 2,000 kWh, 92.2 kg (the company-level 25 is not a team's headcount)
    assert jan["by_team"] == {
        "Platform": pytest.approx(230.5),
        "Sales": pytest.approx(92.2),
        "Video": pytest.approx(138.3),
    }
    # February: 8,000 kWh x 0.0461 = 368.8 kg, Platform and Video 0.5 each: 184.4 kg; Sales none
    assert _month(company, "2026-02")["by_team"] == {
        "Platform": pytest.approx(184.4),
        "Video": pytest.approx(184.4),
    }
    # The site's guarantees of origin (6 MWh) follow the same split: 3, 1.8 and 1.2 MWh.
    r = company(
        "import",
        "energy-attributes",
        write("go.csv", ATTR + "2026-01,Office,FR,6,guarantee_of_origin,0\n"),
        "--allocation",
        alloc,
    )
    assert r.exit_code == 0, r.output
    teams = {t["team"]: t for t in _month(company, "2026-01")["scope2"]["teams"]}
    # market = uncovered kWh x AIB 2025 FR residual mix 17.11 g/kWh (+ covered x 0):
    # Platform (5,000 - 3,000) x 0.01711 = 34.22; Video (3,000 - 1,800) x 0.01711 = 20.532;
    # Sales (2,000 - 1,200) x 0.01711 = 13.688
    assert teams["Platform"]["market_kg"] == pytest.approx(34.22)
    assert teams["Video"]["market_kg"] == pytest.approx(20.532)
    assert teams["Sales"]["market_kg"] == pytest.approx(13.688)
    assert teams["Platform"]["location_kg"] == pytest.approx(230.5)
    # Provenance: each split entry names the pool and the key.
    src = json.loads(company("report", "sources", "--month", "2026-01", "--format", "json").stdout)[
        "sources"
    ]
    video = next(s for s in src if s["team"] == "Video")
    assert video["quantity"] == pytest.approx(3000.0)
    assert video["allocations"] == [{"pool": "Office", "key": "headcount", "share": 0.3}]
    assert (
        "30.00% of pool Office by headcount"
        in company("report", "sources", "--month", "2026-01").output
    )


def test_a_month_without_key_values_is_refused_naming_it(company, write):
    r = company(
        "import",
        "activities",
        write("meter.csv", METER + "2026-03,Office,electricity.grid,9000,kWh,FR\n"),
        "--allocation",
        write("alloc.toml", BY_HEADCOUNT),
    )
    assert r.exit_code == 1
    text = " ".join(r.output.split())
    assert "no team values of 'headcount' for 2026-03" in text and "nothing" in text
    assert "no imports yet" not in company("imports", "list").output  # the metrics import only
    assert "meter.csv" not in company("imports", "list").output


def test_fixed_shares_must_add_up_to_one(company, write):
    bad = write(
        "alloc.toml", "[pool.Office]\nshares = { Platform = 0.5, Video = 0.3, Sales = 0.1 }\n"
    )
    r = company("import", "activities", write("meter.csv", METER), "--allocation", bad)
    assert r.exit_code == 1
    assert "line 1" in r.output and "the shares add up to 0.9; expected 1" in " ".join(
        r.output.split()
    )
    good = write(
        "alloc.toml", "[pool.Office]\nshares = { Platform = 0.5, Video = 0.25, Sales = 0.25 }\n"
    )
    r = company("import", "activities", write("meter.csv", METER), "--allocation", good)
    assert r.exit_code == 0, r.output
    # March-free file, fixed shares apply to every month: January 461 kg x 0.25 = 115.25 kg for Sales
    assert _month(company, "2026-01")["by_team"]["Sales"] == pytest.approx(115.25)
    assert _month(company, "2026-02")["by_team"]["Sales"] == pytest.approx(368.8 * 0.25)


def test_shares_within_the_tolerance_split_the_whole(company, write):
    # Thirds written 0.3333333 add up to 0.9999999 (accepted, within 10^-6) and once split
    # 1,000,000 kWh into 999,999.9 (found by a new company's test): they are scaled by their sum.
    alloc = write(
        "alloc.toml",
        "[pool.Office]\nshares = { Platform = 0.3333333, Video = 0.3333333, Sales = 0.3333333 }\n",
    )
    meter = write("meter.csv", HEADER + "2026-01,Office,electricity.grid,1000000,kWh,FR\n")
    r = company("import", "activities", meter, "--allocation", alloc)
    assert r.exit_code == 0, r.output
    src = json.loads(company("report", "sources", "--month", "2026-01", "--format", "json").stdout)[
        "sources"
    ]
    assert sum(s["quantity"] for s in src) == pytest.approx(1_000_000, abs=1e-6)
    # 1,000,000 kWh x 0.0461 kg/kWh (ademe_2025_grid_fr.csv) = 46,100 kg, a third each
    month = _month(company, "2026-01")
    assert month["total"] == pytest.approx(46_100, abs=1e-6)
    # each team's figure is printed to the gram: 15,366.667 kg
    assert month["by_team"] == {
        t: pytest.approx(46_100 / 3, abs=5e-4) for t in ("Platform", "Video", "Sales")
    }


def test_a_pool_named_like_a_team_or_an_unknown_team_is_refused(company, write):
    r = company(
        "import",
        "activities",
        write("meter.csv", METER),
        "--allocation",
        write(
            "alloc.toml",
            '[pool.Video]\nkey = "headcount"\n[pool.Office]\nshares = { Platfrom = 1 }\n',
        ),
    )
    assert r.exit_code == 1
    text = " ".join(r.output.split())
    assert (
        "'Video' is a declared team" in text and "unknown team (did you mean 'Platform'?)" in text
    )


def test_a_cloud_bill_line_of_a_pool_is_split_too(store, write):
    from test_cloud_billing import BILL, EBS, EMBODIED, RULES, S3, VIDEO_COMPUTE

    from carbon.cloud import importer
    from carbon.ledger import service as core
    from carbon.ledger import views as ledger

    for t in ("Platform", "Video"):
        core.add_team(store, t)
    # The untagged EBS volume (line 3) is the shared platform's: pool Office, 75 % Platform, 25 % Video.
    rules = write(
        "rules.toml", RULES.replace('unallocated = "Unallocated"', 'unallocated = "Office"')
    )
    alloc = write("alloc.toml", "[pool.Office]\nshares = { Platform = 0.75, Video = 0.25 }\n")
    importer.import_cloud_billing(
        store, write("cur.csv", BILL), "aws", rules, allocation_path=alloc
    )
    got = {t.team: t.total for t in ledger.monthly_report(store, "2026-03").teams}
    assert got["Platform"] == pytest.approx(0.6 * S3 + 0.75 * EBS, rel=1e-4)
    assert got["Video"] == pytest.approx(VIDEO_COMPUTE + EMBODIED + 0.4 * S3 + 0.25 * EBS, rel=1e-4)
    assert sorted(got) == ["Platform", "Video"]  # no "Office" team: the pool is split whole


def test_changing_the_key_of_a_closed_month_is_a_restatement(company, write, db_dump):
    alloc = write("alloc.toml", BY_HEADCOUNT)
    meter = write("meter.csv", METER)
    assert company("import", "activities", meter, "--allocation", alloc).exit_code == 0
    assert company("close", "--month", "2026-01", "--reason", "sent to finance").exit_code == 0
    booked = {"Platform": pytest.approx(230.5), "Sales": pytest.approx(92.2)}
    booked["Video"] = pytest.approx(138.3)
    # January's headcount corrected: Video had 10 people, not 6 (24 in all).
    fixed = METRICS.replace("2026-01,headcount,6,Video", "2026-01,headcount,10,Video")
    r = company(
        "import", "metrics", write("m.csv", fixed), "--replace", "--restate", "--reason", "hc"
    )
    assert r.exit_code == 0, r.output
    # The split happened at import: a key changed later changes nothing already booked.
    assert _month(company, "2026-01")["by_team"] == booked
    # Re-splitting the closed month is a write into it: refused without --restate, nothing written.
    before = db_dump()
    r = company("import", "activities", meter, "--allocation", alloc, "--replace")
    assert r.exit_code == 1, r.output
    assert "closed" in r.stderr and "--restate --reason" in r.stderr
    assert db_dump() == before
    r = company(
        "import",
        "activities",
        meter,
        "--allocation",
        alloc,
        "--replace",
        "--restate",
        "--reason",
        "headcount corrected",
    )
    assert r.exit_code == 0, r.output
    assert "restatement" in r.stdout
    # 461 kg by the new key: Platform 10/24 -> 192.083, Video 10/24 -> 192.083, Sales 4/24 -> 76.833
    # (the monthly report gives kg to 3 decimals)
    assert _month(company, "2026-01")["by_team"] == {
        "Platform": pytest.approx(461 * 10 / 24, abs=5e-4),
        "Sales": pytest.approx(461 * 4 / 24, abs=5e-4),
        "Video": pytest.approx(461 * 10 / 24, abs=5e-4),
    }
    assert "headcount corrected" in company("close", "--list").output


def test_no_share_goes_to_a_team_retired_in_that_month(company, write, db_dump):
    # Sales retired from January (its January headcount still 4): the pool gave it 92.2 kg
    # (an entry the same row naming Sales would be refused for), then the donation crashed.
    assert company("teams", "retire", "Sales", "--from", "2026-01").exit_code == 0
    before = db_dump()
    r = company(
        "import", "activities", write("meter.csv", METER),
        "--allocation", write("alloc.toml", BY_HEADCOUNT),
    )  # fmt: skip
    assert r.exit_code == 1
    text = " ".join(r.output.split())
    assert "team 'Sales' is retired from 2026-01: pool Office's rows of 2026-01" in text
    assert "its headcount value for 2026-01" in text
    fixed = write("fixed.toml", "[pool.Office]\nshares = {Platform = 0.5, Sales = 0.5}\n")
    r = company("import", "activities", write("meter2.csv", METER), "--allocation", fixed)
    assert r.exit_code == 1 and "team 'Sales' is retired from 2026-01" in " ".join(r.output.split())
    assert db_dump() == before


def test_a_pool_may_not_take_a_former_team_name_or_a_case_variant(company, write):
    assert company("teams", "rename", "Video", "Media").exit_code == 0
    for pool in ("Video", "media"):  # rows naming "Video" reach Media; "media" is Media's case
        alloc = write(f"{pool}.toml", f"[pool.{pool}]\nshares = {{Platform = 0.5, Sales = 0.5}}\n")
        rows = HEADER + f"2026-01,{pool},electricity.grid,1000,kWh,FR\n"
        r = company("import", "activities", write(f"{pool}.csv", rows), "--allocation", alloc)
        assert r.exit_code == 1, pool
        assert "a pool needs a name of its own" in " ".join(r.output.split()), pool


def test_a_key_value_for_a_retired_team_is_refused_at_its_import(company, write):
    # Sales retired from February: its February headcount (above 0) is refused with its line;
    # a 0 (an HR export listing the team) is accepted.
    assert company("teams", "retire", "Sales", "--from", "2026-02").exit_code == 0
    late = write("late.csv", "month,metric,value,team\n2026-02,headcount,4,Sales\n")
    r = company("import", "metrics", late)
    assert r.exit_code == 1
    assert "line 2" in r.stderr and "team 'Sales' is retired from 2026-02" in " ".join(
        r.stderr.split()
    )
    zero = write("zero.csv", "month,metric,value,team\n2026-02,headcount,0,Sales\n")
    assert company("import", "metrics", zero).exit_code == 0
