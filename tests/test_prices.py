"""Carbon price tables: the shipped table, validation, choice of a price, user imports."""

import csv
import io
import json
from decimal import Decimal

import pytest

from carbon.errors import InputError, NotFound, UnitError
from carbon.prices import rules as prices
from carbon.prices import service as stored


def shipped(key):
    return {p.year: p for p in prices.load_shipped() if p.key == key}


# ---- the shipped table ------------------------------------------------------------------


def test_shipped_eu_wide_auction_averages_are_marked_computed():
    eu = shipped("eu_ets.auction.eu")
    # Values of the reference table (EEX auctions, volume-weighted, computed).
    assert {y: p.value for y, p in eu.items()} == {
        2018: Decimal("15.32"),
        2019: Decimal("24.64"),
        2020: Decimal("24.52"),
        2021: Decimal("52.92"),
        2022: Decimal("79.75"),
    }
    for p in eu.values():
        assert p.currency == "EUR" and p.region == "EU"
        assert "COMPUTED from EEX auction results, not an official published average" in p.basis


def test_shipped_german_auction_averages_2018_to_2025():
    de = shipped("eu_ets.auction.de")
    assert sorted(de) == list(range(2018, 2026))
    assert de[2025].value == Decimal("73.86") and de[2024].value == Decimal("65")
    assert "DEHSt/UBA" in de[2025].basis
    # 2020 is the published DEHSt figure; 2018 was computed from EEX rows, and says so.
    assert "published" in de[2020].notes
    assert "COMPUTED" in de[2018].source


def test_shipped_removal_prices_state_their_nature():
    cdr = [p for p in prices.load_shipped() if p.key.startswith("cdr.")]
    assert len(cdr) == 9 and all(p.currency == "USD" for p in cdr)
    derived = {p.key: p for p in cdr if "DERIVED" in p.notes}
    # The two reference rows marked DERIVED (contract value ÷ tonnes) say so in the basis too.
    assert set(derived) == {"cdr.bio_oil.frontier_charm", "cdr.dac.frontier_offtake_2023"}
    for p in derived.values():
        assert "DERIVED" in p.basis and "not a market quote" in p.basis
    gigaton = [p for p in cdr if p.key == "cdr.daccs.gigaton_scale"][0]
    assert "cost projection, not a market price" in gigaton.basis


# ---- choosing a price -------------------------------------------------------------------


def test_default_basis_eu_wide_then_german():
    table = prices.load_shipped()
    c2022 = prices.choose(table, 2022)
    assert (c2022.price.key, c2022.price.value, c2022.notes) == (
        "eu_ets.auction.eu",
        Decimal("79.75"),
        (),
    )
    c2025 = prices.choose(table, 2025)
    assert (c2025.price.key, c2025.price.value) == ("eu_ets.auction.de", Decimal("73.86"))
    assert (
        "no eu_ets.auction.eu price for 2025 (it has 2018, 2019, 2020, 2021, 2022)"
        in c2025.notes[0]
    )


def test_missing_price_names_the_available_years():
    table = prices.load_shipped()
    with pytest.raises(NotFound) as exc:
        prices.choose(table, 2024, basis="eu_ets.auction.eu")
    assert "no carbon price for 2024 on basis 'eu_ets.auction.eu'" in str(exc.value)
    assert "it has prices for: 2018, 2019, 2020, 2021, 2022" in str(exc.value)
    with pytest.raises(NotFound) as exc:
        prices.choose(table, 2026)
    assert "eu_ets.auction.de: 2018, 2019, 2020, 2021, 2022, 2023, 2024, 2025" in str(exc.value)


def test_unknown_basis_lists_the_bases_and_price_year_is_explicit():
    table = prices.load_shipped()
    with pytest.raises(NotFound, match="known bases: .*eu_ets.auction.eu"):
        prices.choose(table, 2022, basis="eua")
    c = prices.choose(table, 2025, basis="eu_ets.auction.eu", price_year=2022)
    assert (
        c.price.value == Decimal("79.75")
        and "2022 value of eu_ets.auction.eu, applied to 2025" in c.notes[0]
    )


# ---- validating a table -------------------------------------------------------------------


def test_units_are_converted_to_per_tonne(write):
    # 0.08 EUR / kg CO2e = 80 EUR / t CO2e; 75 GBP / t CO2e stays.
    rows, _ = prices.read_file(
        write(
            "p.csv",
            """\
        key,year,price,unit,basis,source
        internal,2024,0.08,EUR / kg CO2e,internal price,board minutes
        uk,2024,75,GBP / tCO2e,UK price,test
    """,
        )
    )
    assert [(p.key, p.value, p.currency, p.per_tonne_unit) for p in rows] == [
        ("internal", Decimal("80"), "EUR", "EUR / t CO2e"),
        ("uk", Decimal("75"), "GBP", "GBP / t CO2e"),
    ]


def test_design_format_without_key_uses_the_basis_text(write):
    rows, _ = prices.read_file(
        write("p.csv", "year,price,unit,basis,source\n2024,90,EUR / t CO2e,Board price,minutes\n")
    )
    assert rows[0].key == "Board price"
    assert prices.choose(rows, 2024, basis="board price").price.value == Decimal("90")


def test_bad_rows_are_all_listed_with_line_and_column(write):
    with pytest.raises(InputError) as exc:
        prices.read_file(
            write(
                "bad.csv",
                """\
            year,price,unit,basis,source
            2024,80,EUR / t,EU ETS,src
            24,-3,EUR / t CO2e,EU ETS,src
            2024,80,EUR / t CO2e,,
            2023,80,EUR / t CO2e,EU ETS,src
            2023,81,EUR / t CO2e,EU ETS,src
        """,
            ),
            "bad.csv",
        )
    got = {(p.line, p.column) for p in exc.value.problems}
    assert got == {(2, "unit"), (3, "year"), (3, "price"), (4, "basis"), (4, "source"), (6, "year")}
    assert "not a currency per CO2e mass" in str(exc.value.problems[0])
    assert "duplicate of line 5" in str(exc.value.problems[-1])


def test_currency_of():
    assert prices.currency_of("USD / kg CO2e") == ("USD", Decimal("1000.0"))
    with pytest.raises(UnitError):
        prices.currency_of("EUR / t")  # per tonne of anything: refused


def test_manual_price_checks():
    assert prices.manual_price("79.750", "eur", 2022).value == Decimal("79.75")
    # a bad value is an input refused (the API answers 400), not a thing not found (404)
    for value, currency in (
        ("0", "EUR"),
        ("abc", "EUR"),
        ("-5", "EUR"),
        ("nan", "EUR"),
        ("80", "JPY"),
    ):
        with pytest.raises(InputError):
            prices.manual_price(value, currency, 2022)


# ---- user imports (database) -----------------------------------------------------------------

USER = """\
    key,year,price,unit,basis,source,notes
    eu_ets.auction.eu,2022,80.5,EUR / t CO2e,our own reading of the EU auctions,finance memo,override
    board.internal,2025,95,EUR / t CO2e,internal carbon price set by the board,board minutes 2025-01,
"""


def test_import_overrides_shipped_row_and_is_idempotent(store, write):
    path = write("user.csv", USER)
    done = stored.import_file(store, path)
    assert (done.rows, done.already_imported) == (2, False)
    table = stored.all_prices(store)
    assert prices.choose(table, 2022).price.value == Decimal("80.5")
    assert prices.choose(table, 2025, basis="board.internal").price.origin == "user.csv:3"
    again = stored.import_file(store, path)
    assert again.already_imported and again.id == done.id


def test_bad_import_writes_nothing(store, write, db_dump):
    before = db_dump()
    with pytest.raises(InputError):
        stored.import_file(
            store, write("bad.csv", "year,price,unit,basis,source\n2024,x,EUR / t CO2e,b,s\n")
        )
    assert db_dump() == before


def test_cli_prices_import_and_list(run, write):
    r = run("prices", "import", write("user.csv", USER))
    assert r.exit_code == 0 and "2 prices imported" in r.stdout
    r = run("prices", "list", "--basis", "board.internal", "--format", "json")
    assert [(p["year"], p["value"], p["unit"]) for p in json.loads(r.stdout)] == [
        (2025, 95.0, "EUR / t CO2e")
    ]
    r = run("prices", "list", "--format", "csv")
    rows = list(csv.DictReader(io.StringIO(r.stdout)))
    assert len(rows) == 23  # 22 shipped, one overridden, one added
    r = run("prices", "list")
    assert r.exit_code == 0 and "eu_ets.auction.de" in r.stdout


def test_cli_price_csv_is_excel_safe_and_reimportable(run, write, tmp_path):
    run(
        "prices",
        "import",
        write(
            "evil.csv",
            "key,year,price,unit,basis,source\n"
            'x,2024,10,EUR / t CO2e,=HYPERLINK("http://x"),@src\n',
        ),
    )
    r = run("prices", "list", "--basis", "x", "--format", "csv")
    row = next(csv.DictReader(io.StringIO(r.stdout)))
    assert row["basis"].startswith("'=") and row["source"] == "'@src"
    (tmp_path / "again.csv").write_text(r.stdout, encoding="utf-8")
    assert run("prices", "import", tmp_path / "again.csv").exit_code == 0


def test_cli_bad_price_file_message(run, write):
    r = run("prices", "import", write("bad.csv", "year,price,unit,basis,source\n2024,80,EUR,b,s\n"))
    assert r.exit_code == 1
    assert "bad.csv, line 2, column 'unit'" in r.stderr


# ---- a user's price is used by default only under a default basis key ---------------------------


def test_missing_default_price_tells_the_truth_about_imported_prices(write):
    # A price file without a `key` column (the README allows it): the basis text becomes the key,
    # which is not a default basis, so importing such a file never makes `carbon donation --year 2026` work alone.
    rows, _ = prices.read_file(
        write("p.csv", "year,price,unit,basis,source\n2026,90,EUR / t CO2e,Board price,minutes\n")
    )
    with pytest.raises(NotFound) as exc:
        prices.choose(prices.merge(prices.load_shipped(), rows), 2026)
    msg = str(exc.value)
    assert "Other bases have a 2026 price, used only when named: --basis 'Board price'." in msg
    assert (
        "used without --basis only if its `key` column is eu_ets.auction.eu or eu_ets.auction.de"
        in msg
    )
    assert "or import one with 'carbon prices import FILE'" not in msg
    # Named, it is used.
    assert (
        prices.choose(
            prices.merge(prices.load_shipped(), rows), 2026, basis="Board price"
        ).price.value
        == 90
    )


def test_cli_import_without_key_says_how_to_use_it(run, write):
    run("teams", "add", "Platform")
    run(
        "import",
        "activities",
        write(
            "a.csv",
            "date,end,team,activity,quantity,unit,region\n"
            "2025-01-01,2025-12-31,Platform,electricity.grid,100000,kWh,FR\n",
        ),
    )
    r = run(
        "prices",
        "import",
        write("p.csv", "year,price,unit,basis,source\n2025,90,EUR / t CO2e,Board price,minutes\n"),
    )
    assert (
        r.exit_code == 0
        and "not a default basis, so used only with --basis KEY: 'Board price'" in r.stdout
    )
    # 100,000 kWh FR 2025 × 0.0461 kg/kWh = 4.61 t; × 90 EUR/t = 414.90 EUR.
    r = run(
        "donation",
        "--year",
        "2025",
        "--basis",
        "Board price",
        "--as-of",
        "2026-02-01",
        "--format",
        "json",
    )
    assert json.loads(r.stdout)["amount"] == 414.90


def test_cli_price_csv_has_a_bom_for_excel(run):
    r = run("prices", "list", "--basis", "eu_ets.auction.de", "--format", "csv")
    assert r.stdout_bytes.startswith(b"\xef\xbb\xbfkey,year,price,")
    rows = list(csv.DictReader(io.StringIO(r.stdout_bytes.decode("utf-8-sig"))))
    assert rows[0]["key"] == "eu_ets.auction.de" and len(rows) == 8


def test_cli_price_list_keeps_keys_whole_at_80_columns(run):
    from carbon.commands.common import out

    saved = out._width
    out.width = 80  # as when the output is not a terminal
    try:
        text = run("prices", "list").stdout
    finally:
        out._width = saved
    assert max(len(line) for line in text.splitlines()) <= 80
    keys = {
        line.split("│")[1].strip()
        for line in text.splitlines()
        if line.startswith("│ ") and "│" in line[2:]
    }
    # Every key as `--basis` takes it, e.g. the longest, cdr.frontier.prepurchase_2022.high.
    assert {p.key for p in prices.load_shipped()} <= keys
