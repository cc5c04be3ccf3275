"""`carbon donation` end to end on a real database: contract, filters, prices, sign-off, restatement."""

import csv
import io
import json
from datetime import date

import pytest

HEADER = "date,end,team,activity,quantity,unit,region\n"
AS_OF = ("--as-of", "2025-03-01")


@pytest.fixture
def year_2024(run, write):
    """Two teams with a complete 2024 (each row spread over the 12 months).

    Platform: 100,000 kWh FR grid 2024 × 0.0519 kg/kWh = 5,190 kg (scope 2, infrastructure)
    Video:    100,000 h streaming × 0.055 kg/h (Carbon Trust, any region) = 5,500 kg (scope 3, streaming)
    Company:  10.69 t CO2e
    """
    run("teams", "add", "Platform", "Video")
    r = run(
        "import",
        "activities",
        write(
            "a.csv",
            HEADER + "2024-01-01,2024-12-31,Platform,electricity.grid,100000,kWh,FR\n"
            "2024-01-01,2024-12-31,Video,streaming.video.hour,100000,hour,EU\n",
        ),
    )
    assert r.exit_code == 0, r.output
    return run


def donation_json(run, *args):
    r = run("donation", *args, *AS_OF, "--format", "json")
    assert r.exit_code == 0, r.output
    return json.loads(r.stdout)


def amounts(data):
    return {t["team"]: t["amount"] for t in data["teams"]}


def test_json_contract_with_default_price(year_2024):
    # 2024 has no EU-wide average: the German auction average 65 EUR/t is used.
    # 10.69 t × 65 = 694.85 EUR; Platform 5.19 × 65 = 337.35, Video 5.5 × 65 = 357.50.
    data = donation_json(year_2024, "--year", "2024")
    assert data["year"] == 2024 and data["emissions_t"] == pytest.approx(10.69, abs=1e-6)
    assert data["price"]["value"] == 65.0 and data["price"]["unit"] == "EUR / t CO2e"
    assert data["price"]["key"] == "eu_ets.auction.de" and data["price"]["year"] == 2024
    assert "DEHSt" in data["price"]["basis"] and data["price"]["source"]
    assert data["amount"] == 694.85 and data["amount_cents"] == 69485 and data["currency"] == "EUR"
    assert amounts(data) == {"Platform": 337.35, "Video": 357.50}
    assert sum(t["amount_cents"] for t in data["teams"]) == data["amount_cents"]
    assert data["status"] == "complete" and data["forecast"] is False
    assert data["months"] == {
        "first": "2024-01",
        "last": "2024-12",
        "count": 12,
        "missing": [],
        "counted_through": "2024-12",
        "not_counted": [],
    }
    assert data["range"]["low"] < data["range"]["central"] == 694.85 < data["range"]["high"]
    assert any("no eu_ets.auction.eu price for 2024" in w for w in data["warnings"])
    assert data["closed"] is None and data["restatement"] is None
    # Not closed: the amount is the computed one.
    assert (
        data["headline"],
        data["closed_amount"],
        data["recomputed_amount"],
        data["restated"],
    ) == ("computed", None, None, False)


def test_price_override_and_non_eur_currency(year_2024):
    # 10.69 t × 80 EUR/t = 855.20 EUR: Platform 5.19 × 80 = 415.20, Video 440.00.
    data = donation_json(year_2024, "--year", "2024", "--price", "80")
    assert (data["amount"], data["currency"], amounts(data)) == (
        855.20,
        "EUR",
        {"Platform": 415.20, "Video": 440.0},
    )
    assert data["price"]["basis"] == "price given on the command line (--price)"
    # 10.69 t × 100 USD/t = 1,069.00 USD.
    data = donation_json(year_2024, "--year", "2024", "--price", "100", "--currency", "usd")
    assert (data["amount"], data["currency"], data["price"]["unit"]) == (
        1069.0,
        "USD",
        "USD / t CO2e",
    )


def test_removal_price_in_usd_from_the_table(year_2024):
    # The DERIVED Frontier DAC average is a 2023 price: for 2024 it must be asked for.
    r = year_2024("donation", "--year", "2024", "--basis", "cdr.dac.frontier_offtake_2023", *AS_OF)
    assert r.exit_code == 1 and "it has prices for: 2023" in r.stderr
    # 10.69 t × 643.6 USD/t = 6,880.084 -> 6,880.08 USD.
    data = donation_json(
        year_2024,
        "--year",
        "2024",
        "--basis",
        "cdr.dac.frontier_offtake_2023",
        "--price-year",
        "2023",
    )
    assert (data["amount"], data["currency"]) == (6880.08, "USD")
    assert "DERIVED" in data["price"]["basis"]
    # Asking for EUR with a USD price is refused: no silent conversion.
    r = year_2024(
        "donation",
        "--year",
        "2024",
        "--basis",
        "cdr.dac.frontier_offtake_2023",
        "--price-year",
        "2023",
        "--currency",
        "EUR",
        *AS_OF,
    )
    assert r.exit_code == 1 and "does not convert currencies" in r.stderr


def test_scope_and_category_filters(year_2024):
    # Scope 2 only: Platform's 5.19 t × 80 = 415.20 EUR; Video has no scope-2 emissions.
    data = donation_json(year_2024, "--year", "2024", "--price", "80", "--scope", "2")
    assert (data["amount"], amounts(data), data["scopes"]) == (415.20, {"Platform": 415.20}, [2])
    assert data["teams_without_data"] == ["Video"]
    # Category streaming: Video's 5.5 t × 80 = 440.00 EUR.
    data = donation_json(year_2024, "--year", "2024", "--price", "80", "--category", "streaming")
    assert (data["amount"], amounts(data)) == (440.0, {"Video": 440.0})
    assert data["method"][0].startswith("Emissions: all GHG scopes and categories streaming")
    # Scopes 2 and 3 together: everything, 855.20.
    assert (
        donation_json(year_2024, "--year", "2024", "--price", "80", "--scope", "2", "--scope", "3")[
            "amount"
        ]
        == 855.20
    )
    r = year_2024("donation", "--year", "2024", "--price", "80", "--scope", "1", *AS_OF)
    assert r.exit_code == 1 and "no emissions for 2024 under GHG scope 1" in r.stderr
    r = year_2024("donation", "--year", "2024", "--price", "80", "--category", "comuting", *AS_OF)
    assert r.exit_code == 1 and "no category 'comuting'" in r.stderr


def test_missing_price_names_the_available_years(year_2024):
    r = year_2024("donation", "--year", "2024", "--basis", "eu_ets.auction.eu", *AS_OF)
    assert r.exit_code == 1
    assert "no carbon price for 2024" in r.stderr and "2018, 2019, 2020, 2021, 2022" in r.stderr


def test_year_without_data_is_an_error(year_2024):
    r = year_2024("donation", "--year", "2023", "--price", "80", *AS_OF)
    assert (
        r.exit_code == 1
        and "no emissions recorded for 2023 (data exists for 2024-01 to 2024-12)" in r.stderr
    )


def test_current_year_forecast_or_refusal(run, write):
    run("teams", "add", "Platform")
    # 2026-01-01..2026-10-31 (304 days), 3,040 kWh FR: the grid factor's latest vintage
    # not after 2026 applies; the counted total is the actual × 12 / 10.
    run(
        "import",
        "activities",
        write("a.csv", HEADER + "2026-01-01,2026-10-31,Platform,electricity.grid,3040,kWh,FR\n"),
    )
    r = run(
        "donation", "--year", "2026", "--price", "100", "--as-of", "2026-11-29", "--format", "json"
    )
    data = json.loads(r.stdout)
    assert data["forecast"] is True and data["status"] == "actual_to_date_plus_forecast"
    assert data["emissions_t"] == pytest.approx(data["actual_t"] * 12 / 10, abs=1e-6)
    assert any(m.startswith("FORECAST") for m in data["method"])
    table = run("donation", "--year", "2026", "--price", "100", "--as-of", "2026-11-29")
    assert "FORECAST" in table.stdout
    r = run(
        "donation", "--year", "2026", "--price", "100", "--as-of", "2026-11-29", "--actual-only"
    )
    assert r.exit_code == 1 and "not over" in r.stderr


def test_journal_csv_is_excel_safe_and_sums(run, write):
    run("teams", "add", "=SUM(A1)", "Video")
    run(
        "import",
        "activities",
        write(
            "a.csv",
            HEADER + "2024-01-01,2024-12-31,=SUM(A1),electricity.grid,100000,kWh,FR\n"
            "2024-01-01,2024-12-31,Video,streaming.video.hour,100000,hour,EU\n",
        ),
    )
    r = run("donation", "--year", "2024", "--price", "80", *AS_OF, "--format", "csv")
    rows = list(csv.DictReader(io.StringIO(r.stdout)))
    assert rows[0]["team"] == "'=SUM(A1)"  # shown as text by a spreadsheet, never run
    assert [(x["team"], x["emissions_t"], x["amount"], x["currency"]) for x in rows] == [
        ("'=SUM(A1)", "5.190000", "415.20", "EUR"),
        ("Video", "5.500000", "440.00", "EUR"),
        ("TOTAL", "10.690000", "855.20", "EUR"),
    ]
    assert rows[0]["price"] == "80" and rows[0]["price_unit"] == "EUR / t CO2e"


def test_table_shows_amount_method_and_teams(year_2024):
    r = year_2024("donation", "--year", "2024", "--price", "80", *AS_OF)
    assert r.exit_code == 0
    assert "Donation 2024: 855.20 EUR" in r.stdout
    assert "Platform" in r.stdout and "415.20" in r.stdout and "Method" in r.stdout


def test_close_then_changed_data_is_restated_per_team(year_2024, write, db_dump):
    r = year_2024(
        "donation", "close", "--year", "2024", "--price", "80", "--note", "board 2025-01", *AS_OF
    )
    assert r.exit_code == 0, r.output
    assert "closed 2024: 855.20 EUR" in r.stdout
    # Closing again is refused and writes nothing.
    before = db_dump()
    r = year_2024("donation", "close", "--year", "2024", "--price", "90", *AS_OF)
    assert r.exit_code == 1 and "closed figure stands" in r.stderr
    assert db_dump() == before
    # Unchanged ledger: priced at the closed price by default, nothing restated.
    data = donation_json(year_2024, "--year", "2024")
    assert data["price"]["value"] == 80.0 and data["amount"] == 855.20
    assert (
        data["restatement"]["ledger_changed"] is False and data["restatement"]["difference"] == 0.0
    )
    # Video streams 1,000 more hours in June 2024: + 55 kg = +0.055 t; × 80 = +4.40 EUR.
    # 2024 is locked by its sign-off: the import is refused, then accepted as a recorded restatement.
    late = write("b.csv", HEADER + "2024-06-10,,Video,streaming.video.hour,1000,hour,EU\n")
    before = db_dump()
    r = year_2024("import", "activities", late)
    assert r.exit_code == 1 and "would change 2024-06, closed: 2024 (donation close" in r.stderr
    assert db_dump() == before
    r = year_2024(
        "import", "activities", late, "--restate", "--reason", "late streaming log", "--by", "cfo"
    )
    assert r.exit_code == 0 and "Video: +55.000 kg CO2e" in r.stdout, r.output
    data = donation_json(year_2024, "--year", "2024")
    assert data["closed"]["amount"] == 855.20  # the closed figure never changes
    assert data["amount"] == data["closed_amount"] == 855.20  # ... and stays the headline
    assert data["recomputed_amount"] == 859.60  # 10.745 t × 80
    restated = {
        t["team"]: (t["difference_t"], t["difference"]) for t in data["restatement"]["teams"]
    }
    assert data["restatement"]["ledger_changed"] is True
    assert restated == {"Platform": (0.0, 0.0), "Video": (0.055, 4.40)}
    assert data["restatement"]["difference"] == 4.40
    r = year_2024("donation", "--year", "2024", *AS_OF)
    assert "RESTATED" in r.stdout and "+4.40" in r.stdout
    hist = json.loads(year_2024("donation", "history", "--format", "json", *AS_OF).stdout)
    [entry] = hist["closes"]
    assert (
        entry["note"] == "board 2025-01"
        and entry["amount"] == 855.20
        and len(entry["ledger_hash"]) == 64
    )
    assert entry["restatement"]["difference"] == 4.40 and entry["superseded"] is False
    assert "changed: +4.40" in year_2024("donation", "history", *AS_OF).stdout


def test_supersede_keeps_the_history(year_2024):
    year_2024("donation", "close", "--year", "2024", "--price", "80", *AS_OF)
    r = year_2024(
        "donation", "close", "--year", "2024", "--basis", "eu_ets.auction.de", "--supersede", *AS_OF
    )
    assert r.exit_code == 0 and "694.85 EUR" in r.stdout
    hist = json.loads(year_2024("donation", "history", "--format", "json", *AS_OF).stdout)["closes"]
    assert [(c["amount"], c["superseded"]) for c in hist] == [(855.20, True), (694.85, False)]
    assert donation_json(year_2024, "--year", "2024")["price"]["value"] == 65.0


def test_close_refuses_an_open_year_or_no_price(run, write, db_dump):
    run("teams", "add", "Platform")
    run(
        "import",
        "activities",
        write("a.csv", HEADER + "2026-01-01,2026-10-31,Platform,electricity.grid,3040,kWh,FR\n"),
    )
    before = db_dump()
    r = run("donation", "close", "--year", "2026", "--price", "80", "--as-of", "2026-11-29")
    assert r.exit_code == 1 and "not over" in r.stderr
    r = run("donation", "close", "--year", "2026", "--as-of", "2027-01-02")
    assert r.exit_code == 1 and "decided price" in r.stderr
    assert db_dump() == before


def test_usage_errors(year_2024):
    assert year_2024("donation").exit_code == 2
    r = year_2024("donation", "--year", "2024", "history")
    assert r.exit_code == 2 and "after the subcommand" in r.stderr
    r = year_2024(
        "donation", "--year", "2024", "--price", "80", "--basis", "eu_ets.auction.de", *AS_OF
    )
    assert r.exit_code == 1 and "not both" in r.stderr
    assert year_2024("donation", "history").stdout.startswith("no donation has been closed")


@pytest.mark.slow
def test_demo_donation_as_a_new_user(run):
    assert run("demo").exit_code == 0
    r = run("donation", "--year", "2025")
    assert r.exit_code == 0, r.output
    assert "Donation 2025:" in r.stdout and "Method" in r.stdout and "Video" in r.stdout
    data = json.loads(run("donation", "--year", "2025", "--format", "json").stdout)
    # About 940 t at 73.86 EUR/t: an amount of the order of the company's 85,000 EUR.
    assert 900 < data["emissions_t"] < 1000 and 60_000 < data["amount"] < 80_000
    assert (
        len(data["teams"]) == 8
        and sum(t["amount_cents"] for t in data["teams"]) == data["amount_cents"]
    )


def test_one_page_summary_escapes_team_names(run, write, store):
    from datetime import date

    from carbon.donation import service as stored
    from carbon.report import donation as view

    run("teams", "add", "<b>Ops</b>")
    run(
        "import",
        "activities",
        write(
            "a.csv", HEADER + "2024-01-01,2024-12-31,<b>Ops</b>,electricity.grid,100000,kWh,FR\n"
        ),
    )
    page = view.to_summary_html(
        stored.donation_view(store, 2024, as_of=date(2025, 3, 1), price="80")
    )
    # 5.19 t × 80 = 415.20 EUR
    assert (
        "Offset donation 2024: 415.20 EUR" in page
        and "&lt;b&gt;Ops&lt;/b&gt;" in page
        and "<b>Ops" not in page
    )


@pytest.fixture
def yearly_2026(run, write):
    """One yearly row for 2026, spread pro rata over its 365 days: data in every month, December too.

    36,500 kWh FR = 100 kWh a day; the FR grid factor in force for 2026 (vintage 2025) is
    0.0461 kg/kWh: 1,682.65 kg for the year.
    """
    run("teams", "add", "Platform")
    r = run(
        "import",
        "activities",
        write("a.csv", HEADER + "2026-01-01,2026-12-31,Platform,electricity.grid,36500,kWh,FR\n"),
    )
    assert r.exit_code == 0 and "1.683 t CO2e" in r.stdout, r.output
    return run


def test_december_data_does_not_close_an_unfinished_year(yearly_2026, db_dump, monkeypatch):
    run = yearly_2026
    r = run("donation", "--year", "2026", "--price", "80", "--actual-only", "--as-of", "2026-11-29")
    assert r.exit_code == 1 and "2026 is not over (as of 2026-11-29)" in r.stderr
    # Actual to date = Jan..Oct, the months completed: 304 days × 100 kWh × 0.0461 = 1,401.44 kg;
    # forecast 1,401.44 ÷ 10 × 12 = 1,681.728 kg; × 80 EUR/t = 134.53824 -> 134.54 EUR.
    # (Counting Nov and Dec, pro-rated into months not over yet, would give 1,682.65 kg -> 134.61.)
    r = run(
        "donation", "--year", "2026", "--price", "80", "--as-of", "2026-11-29", "--format", "json"
    )
    data = json.loads(r.stdout)
    assert data["status"] == "actual_to_date_plus_forecast" and data["forecast"] is True
    assert (
        data["actual_t"] == 1.40144 and data["emissions_t"] == 1.681728 and data["amount"] == 134.54
    )
    assert data["months"]["counted_through"] == "2026-10" and data["months"]["not_counted"] == [
        "2026-11",
        "2026-12",
    ]
    assert any("not counted as actual" in m for m in data["method"])
    # A sign-off of the unfinished year is refused, and nothing is written.
    before = db_dump()
    for as_of in ("2026-11-29", "2026-12-31"):
        r = run("donation", "close", "--year", "2026", "--price", "80", "--as-of", as_of)
        assert r.exit_code == 1 and f"2026 is not over (as of {as_of})" in r.stderr
        assert "close it from 2027-01-01" in r.stderr
    r = run("donation", "close", "--year", "2027", "--price", "80", "--as-of", "2026-11-29")
    assert r.exit_code == 1 and "2027 has not begun" in r.stderr
    assert db_dump() == before
    # --as-of after today is refused: a year is signed off once it is over, not ahead of it.
    from carbon.core import calendar

    monkeypatch.setattr(calendar, "today", lambda: date(2026, 12, 5))
    r = run("donation", "close", "--year", "2026", "--price", "80", "--as-of", "2027-01-01")
    assert r.exit_code == 1 and "--as-of 2027-01-01 is after today (2026-12-05)" in r.stderr
    assert db_dump() == before
    # Once the year is over: the whole year, 1.68265 t × 80 = 134.612 -> 134.61 EUR.
    monkeypatch.setattr(calendar, "today", lambda: date(2027, 1, 1))
    r = run("donation", "close", "--year", "2026", "--price", "80", "--as-of", "2027-01-01")
    assert r.exit_code == 0 and "closed 2026: 134.61 EUR" in r.stdout


def test_a_future_year_is_an_error(yearly_2026):
    r = yearly_2026("donation", "--year", "2026", "--price", "80", "--as-of", "2025-12-31")
    assert r.exit_code == 1 and "no donation for a future year" in r.stderr


def test_journal_csv_has_a_bom_for_excel(run, write):
    run("teams", "add", "Équipe Sécurité")
    run(
        "import",
        "activities",
        write(
            "a.csv",
            HEADER + "2024-01-01,2024-12-31,Équipe Sécurité,electricity.grid,100000,kWh,FR\n",
        ),
    )
    r = run("donation", "--year", "2024", "--price", "80", *AS_OF, "--format", "csv")
    assert r.stdout_bytes.startswith(
        b"\xef\xbb\xbfyear,team,"
    )  # UTF-8 BOM, as report.csv of the pack
    rows = list(csv.DictReader(io.StringIO(r.stdout_bytes.decode("utf-8-sig"))))
    # 5.19 t × 80 = 415.20 EUR
    assert (rows[0]["year"], rows[0]["team"], rows[0]["amount"]) == (
        "2024",
        "Équipe Sécurité",
        "415.20",
    )


def test_a_tiny_team_never_reads_as_zero_in_the_donation_table(run, write):
    run("teams", "add", "Platform", "Ops")
    # Platform 12 × 1,000 kWh FR × 0.0519 kg/kWh (ADEME 2024) = 622.8 kg; Ops 5 kWh × 0.0519 = 0.2595 kg
    # -> 260 g = 0.00026 t, 0.04 % of the company: not "0.000" t or "0.0%".
    rows = "".join(f"2024-{m:02d},,Platform,electricity.grid,1000,kWh,FR\n" for m in range(1, 13))
    assert (
        run(
            "import",
            "activities",
            write("a.csv", HEADER + rows + "2024-06,,Ops,electricity.grid,5,kWh,FR\n"),
        ).exit_code
        == 0
    )
    r = run("donation", "--year", "2024", "--price", "80", *AS_OF)
    # (the table's row: Ops's months after June without data are named in a note above it)
    ops = next(line for line in r.stdout.splitlines() if "Ops" in line and "%" in line)
    assert "<0.001" in ops and "<0.1%" in ops and "0.000 " not in ops and "0.0%" not in ops, ops
