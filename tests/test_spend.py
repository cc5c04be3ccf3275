"""`carbon import spend`: purchases by spend, converted and deflated, checked by hand.

Figures from the shipped tables (factors/spend/):
  ECB, March 2026 (mean of 22 daily rates): 1.15583 USD per EUR, 0.866311 GBP per EUR
  BLS CPI-U: 2021 annual average 270.97; March 2026 330.213
  EPA v1.2 (kg CO2e per 2021 USD, with margins): 511210 software 0.097, 541810 advertising
  0.129, 334111 computers 0.112
"""

from __future__ import annotations

import json

import pytest

USD_PER_EUR, GBP_PER_EUR = 1.15583, 0.866311
DEFLATE = 270.97 / 330.213  # March 2026 dollars to 2021 dollars

SPEND = """\
month,team,category,amount,currency,supplier,description
2026-03,Platform,software,1000,USD,,IDE licences
2026-03,Sales,advertising,1000,EUR,,campaign
2026-03-17,Sales,advertising,500,GBP,,UK campaign
2026-03,Platform,computers,2000,EUR,,laptops
"""


@pytest.fixture
def company(run):
    for team in ("Platform", "Sales"):
        assert run("teams", "add", team).exit_code == 0
    return run


def test_spend_in_usd_eur_and_gbp_by_hand(company, write):
    res = company("import", "spend", write("s.csv", SPEND))
    assert res.exit_code == 0, res.output
    software = 1000 * DEFLATE * 0.097  # 79.597 kg
    advertising = 1000 * USD_PER_EUR * DEFLATE * 0.129  # 122.346 kg
    advertising_gbp = 500 * USD_PER_EUR / GBP_PER_EUR * DEFLATE * 0.129  # 70.616 kg
    computers = 2000 * USD_PER_EUR * DEFLATE * 0.112  # 212.452 kg
    rep = json.loads(company("report", "monthly", "--month", "2026-03", "--format", "json").stdout)
    teams = {t["team"]: t for t in rep["teams"]}
    assert teams["Platform"]["total"] == pytest.approx(software + computers, abs=1e-3)
    assert teams["Sales"]["total"] == pytest.approx(advertising + advertising_gbp, abs=1e-3)
    year = json.loads(company("report", "year", "--year", "2026", "--format", "json").stdout)
    assert year["by_scope3_category"]["3.1"] == pytest.approx(
        software + advertising + advertising_gbp, abs=1e-3
    )
    assert year["by_scope3_category"]["3.2"] == pytest.approx(computers, abs=1e-3)
    # Each entry traces to its NAICS factor and the dollar year.
    sources = json.loads(
        company(
            "report", "sources", "--month", "2026-03", "--team", "Platform", "--format", "json"
        ).stdout
    )
    text = json.dumps(sources)
    assert "NAICS 511210" in text and "2021 USD" in text


def test_a_supplier_factor_overrides_the_average(company, write):
    sup = write(
        "sup.csv",
        "supplier,value,unit,year,source\n"
        "Acme Cloud,0.05,kg CO2e / EUR,2026,Acme 2026 sustainability report p. 12\n",
    )
    spend = write(
        "s.csv",
        "month,team,category,amount,currency,supplier\n"
        "2026-03,Platform,hosting,1000,USD,Acme Cloud\n",
    )
    res = company("import", "spend", spend, "--supplier-factors", sup)
    assert res.exit_code == 0, res.output
    # 1,000 USD = 1000 / 1.15583 EUR at March's rates, x 0.05 kg per EUR; no deflation.
    rep = json.loads(company("report", "monthly", "--month", "2026-03", "--format", "json").stdout)
    assert rep["total"] == pytest.approx(1000 / USD_PER_EUR * 0.05, abs=1e-3)


def test_bad_rows_are_refused_with_their_line_and_nothing_is_written(company, write, db_dump):
    before = db_dump()
    bad = write(
        "bad.csv",
        """\
month,team,category,amount,currency
2026-03,Platform,software,1000,XYZ
2026-03,Platform,gardening,10,EUR
2027-01,Platform,software,10,EUR
2025-10,Platform,software,10,USD
2026-03,Platform,software,-5,EUR
2026-03,Platform,software,"1,000",EUR
2026-03,Platform,software,5e12,EUR
""",
    )
    res = company("import", "spend", bad)
    assert res.exit_code == 1
    out = res.output
    assert "line 2" in out and "no exchange rate for XYZ in 2026-03" in out
    assert "line 3, column 'category'" in out
    # EUR needs no rate: the month's USD rate is the one missing (the message named EUR)
    text = " ".join(out.split())
    assert "line 4" in out and "no exchange rate for USD in 2027-01, needed for EUR to USD" in text
    # above 10^12: refused as every importer's amounts are (5e12 EUR was booked, 462 kt)
    assert "line 8, column 'amount': expected an amount at most 1e+12" in text
    assert (
        "line 5" in out and "no US price index (CPI-U) for 2025-10" in out
    )  # BLS did not publish it
    assert "line 6" in out and "credit note" in out
    assert "line 7" in out
    assert db_dump() == before


def test_newer_rates_and_prices_can_be_given(company, write):
    rates = write("r.csv", "month,currency,per_eur\n2027-01,USD,1.2\n")
    cpi = write("c.csv", "period,index\n2027-01,340\n")
    spend = write(
        "s.csv", "month,team,category,amount,currency\n2027-01,Platform,software,1000,EUR\n"
    )
    res = company("import", "spend", spend, "--rates", rates, "--price-index", cpi)
    assert res.exit_code == 0, res.output
    rep = json.loads(company("report", "monthly", "--month", "2027-01", "--format", "json").stdout)
    assert rep["total"] == pytest.approx(1000 * 1.2 * 270.97 / 340 * 0.097, abs=1e-3)


def test_rates_replacing_a_shipped_month_are_named_in_a_warning(company, write):
    # --rates is for months after the shipped ECB table; a different figure for a shipped month
    # changed the conversion silently (found by a new company's test). It is used, and said.
    rates = write("r.csv", "month,currency,per_eur\n2026-03,USD,2.0\n2027-01,USD,1.2\n")
    spend = write(
        "s.csv", "month,team,category,amount,currency\n2026-03,Platform,software,100,EUR\n"
    )
    res = company("import", "spend", spend, "--rates", rates)
    assert res.exit_code == 0, res.output
    text = " ".join(res.stderr.split())
    assert "r.csv replaces 1 shipped ECB exchange rate with other figures" in text
    assert "2026-03 USD: 1.15" in text and "-> 2" in text
    assert "2027-01" not in text  # a month after the table is the documented use: no warning
    again = company(
        "import",
        "spend",
        write("s2.csv", "month,team,category,amount,currency\n2026-03,Sales,software,100,EUR\n"),
    )
    assert again.exit_code == 0 and "replaces" not in again.stderr  # no --rates, no warning


def test_the_same_file_twice_changes_nothing(company, write):
    path = write("s.csv", SPEND)
    assert company("import", "spend", path).exit_code == 0
    again = company("import", "spend", path)
    assert again.exit_code == 0 and "already imported" in again.output


def test_a_table_giving_a_figure_twice_is_refused(company, write, db_dump):
    # The last of two rows won silently: 11 USD per EUR beside 1.1 made a figure 10x too small.
    spend = write(
        "s.csv",
        "month,team,category,amount,currency,supplier\n2027-01,Platform,software,1000,USD,OVH\n",
    )
    before = db_dump()
    cases = [
        ("--rates", "month,currency,per_eur\n2027-01,USD,1.1\n2027-01,USD,11\n", "2027-01 USD"),
        ("--rates", "month,currency,per_eur\n2027-01,EUR,2\n", "another currency than EUR"),
        ("--price-index", "period,index\n2027-01,338\n2027-01,3380\n", "2027-01"),
        (
            "--supplier-factors",
            "supplier,value,unit,year,source\n"
            "OVH,0.02,kg CO2e / EUR,2026,report\novh,2,kg CO2e / EUR,2026,report\n",
            "ovh",
        ),
        (
            "--mapping",
            "category,naics,scope3_category\nsoftware,511210,3.1\nsoftware,541810,3.2\n",
            "software",
        ),
    ]
    for option, text, what in cases:
        table = write("t.csv", text)
        res = company("import", "spend", spend, option, table)
        assert res.exit_code == 1, (option, res.output)
        if "EUR" not in what:
            assert (
                "t.csv, line 3" in res.stderr and f"{what} is already given on line 2" in res.stderr
            )
        else:
            assert "t.csv, line 2" in res.stderr and what in res.stderr
    assert db_dump() == before


def test_the_same_purchases_again_with_a_supplier_table_are_refused_naming_it(company, write):
    # Counted once: under another name with --supplier-factors the file is refused, and the
    # message names the option that differs (it said "no --region; now: no --region").
    rows = "month,team,category,amount,currency,supplier\n2026-03,Platform,hosting,1000,USD,Acme\n"
    assert company("import", "spend", write("s.csv", rows)).exit_code == 0
    sup = write("sup.csv", "supplier,value,unit,year,source\nAcme,0.05,kg CO2e / EUR,2026,r\n")
    res = company("import", "spend", write("s2.csv", rows), "--supplier-factors", sup)
    assert res.exit_code != 0
    text = " ".join(res.output.split())
    assert "already imported as source 's.csv'" in text
    assert "now: --supplier-factors <table " in text and "import 1: no options;" in text


def test_a_misplaced_decimal_point_in_a_price_index_or_rate_is_refused(company, write, db_dump):
    # "2026-09,33.6" beside the shipped 334.98 of 2026-08 deflated every purchase 10× too much
    # (a 10× larger figure, no warning). Refused with its line; a plausible next value passes.
    spend = write(
        "s.csv", "month,team,category,amount,currency\n2026-09,Platform,software,1000,USD\n"
    )
    before = db_dump()
    cpi = write("c.csv", "period,index\n2026-09,33.6\n")
    res = company("import", "spend", spend, "--price-index", cpi)
    assert res.exit_code != 0
    text = " ".join(res.output.split())
    assert "line 2" in text and "'index'" in text and "2026-08 (334.98)" in text
    rates = write("r.csv", "month,currency,per_eur\n2026-11,USD,11.2\n")
    res = company("import", "spend", spend, "--rates", rates)
    assert res.exit_code != 0
    text = " ".join(res.output.split())
    assert "line 2" in text and "'per_eur'" in text and "2026-10 USD (1.12016)" in text
    assert db_dump() == before
    # 336 after 334.98, 1.13 after 1.12016: accepted.
    res = company(
        "import", "spend", spend,
        "--price-index", write("c2.csv", "period,index\n2026-09,336\n"),
        "--rates", write("r2.csv", "month,currency,per_eur\n2026-11,USD,1.13\n"),
    )  # fmt: skip
    assert res.exit_code == 0, res.output


def test_the_jump_check_compares_within_a_series():
    from carbon.errors import InputError
    from carbon.spend.rules import INDEX_JUMP, _refuse_jumps

    merged = {"2025": 320.0, "2026-01": 330.0, "2026-02": 331.0, "2026-03": 33.1}
    with pytest.raises(InputError) as exc:
        _refuse_jumps(
            merged, {"2026-03": 5}, "c.csv", "index", lambda k: (len(k), k), INDEX_JUMP, "x"
        )
    assert [p.line for p in exc.value.problems] == [5]
    # an annual value is compared with the year before, not with a month
    _refuse_jumps(merged, {"2025": 2}, "c.csv", "index", lambda k: (len(k), k), INDEX_JUMP, "x")


def test_sources_say_a_purchase_is_shown_as_converted(company, write):
    # The table's caption read "Quantity as imported" over 1,875.6 USD for a file saying 2000 EUR.
    res = company("import", "spend", write("s.csv", SPEND))
    assert res.exit_code == 0, res.output
    table = company("report", "sources", "--month", "2026-03", "--team", "Sales")
    assert table.exit_code == 0, table.output
    assert "a purchase (spend.*) as converted at its import" in " ".join(table.stdout.split())
