"""A closed year: the signed-off figure is the headline everywhere (table, JSON, journal CSV, the
pack's summary); the figure computed now is labelled "recomputed"; the history table fits 80 columns."""

import csv
import io
import json
from datetime import UTC, date, datetime

import pytest

from carbon.commands.common import out
from carbon.donation import rules as donation
from carbon.donation.rules import ClosedDonation, DonationView, YearData
from carbon.prices.rules import Choice, manual_price
from carbon.report import donation as view

HEADER = "date,end,team,activity,quantity,unit,region\n"
AS_OF = ("--as-of", "2025-03-01")
LATE_ROW = HEADER + "2024-06-10,,Video,streaming.video.hour,1000,hour,EU\n"


@pytest.fixture
def closed_2024(run, write):
    """2024 closed at 80 EUR/t, then a late 2024 row imported.

    At the sign-off: Platform 100,000 kWh FR × 0.0519 kg/kWh = 5.19 t -> 415.20 EUR;
    Video 100,000 h × 0.055 kg/h = 5.5 t -> 440.00 EUR; company 10.69 t -> 855.20 EUR.
    The late row: Video +1,000 h × 0.055 = +0.055 t -> 5.555 t × 80 = 444.40 EUR;
    recomputed company 10.745 t × 80 = 859.60 EUR, +4.40 against the sign-off.
    """
    run("teams", "add", "Platform", "Video")
    run(
        "import",
        "activities",
        write(
            "a.csv",
            HEADER + "2024-01-01,2024-12-31,Platform,electricity.grid,100000,kWh,FR\n"
            "2024-01-01,2024-12-31,Video,streaming.video.hour,100000,hour,EU\n",
        ),
    )
    r = run(
        "donation", "close", "--year", "2024", "--price", "80", "--note", "board 2025-01", *AS_OF
    )
    assert r.exit_code == 0 and "closed 2024: 855.20 EUR" in r.stdout, r.output
    return run


def restate(run, write):
    # 2024 is locked by its sign-off: a late row goes in only as a recorded restatement.
    r = run(
        "import",
        "activities",
        write("late.csv", LATE_ROW),
        "--restate",
        "--reason",
        "late streaming log",
    )
    assert r.exit_code == 0, r.output


def journal(run, *args):
    r = run("donation", "--year", "2024", *args, *AS_OF, "--format", "csv")
    assert r.exit_code == 0, r.output
    return list(csv.DictReader(io.StringIO(r.stdout_bytes.decode("utf-8-sig"))))


def test_json_headline_is_the_signed_off_figure(closed_2024, write):
    restate(closed_2024, write)
    data = json.loads(closed_2024("donation", "--year", "2024", *AS_OF, "--format", "json").stdout)
    assert (data["headline"], data["amount"], data["amount_cents"], data["emissions_t"]) == (
        "closed",
        855.20,
        85520,
        10.69,
    )
    assert (
        data["closed_amount"] == 855.20
        and data["recomputed_amount"] == 859.60
        and data["restated"] is True
    )
    assert data["price"]["value"] == 80.0
    teams = {t["team"]: (t["amount"], t["recomputed_amount"]) for t in data["teams"]}
    assert teams == {"Platform": (415.20, 415.20), "Video": (440.00, 444.40)}
    assert sum(t["amount_cents"] for t in data["teams"]) == data["amount_cents"]
    rec = data["recomputed"]
    assert (rec["amount"], rec["emissions_t"], rec["difference"], rec["same_method_as_closed"]) == (
        859.60,
        10.745,
        4.40,
        True,
    )
    assert data["restatement"]["difference"] == 4.40


def test_json_of_a_closed_unchanged_year(closed_2024):
    data = json.loads(closed_2024("donation", "--year", "2024", *AS_OF, "--format", "json").stdout)
    assert (data["headline"], data["amount"], data["recomputed_amount"], data["restated"]) == (
        "closed",
        855.20,
        855.20,
        False,
    )


def test_what_if_price_never_replaces_the_signed_off_figure(closed_2024):
    # At 90 EUR/t: 10.69 t × 90 = 962.10 EUR, a what-if; the amount stays the signed-off 855.20.
    data = json.loads(
        closed_2024(
            "donation", "--year", "2024", "--price", "90", *AS_OF, "--format", "json"
        ).stdout
    )
    assert (data["amount"], data["price"]["value"], data["recomputed_amount"]) == (
        855.20,
        80.0,
        962.10,
    )
    assert data["recomputed"]["same_method_as_closed"] is False and data["restated"] is False
    table = closed_2024("donation", "--year", "2024", "--price", "90", *AS_OF).stdout
    assert "Donation 2024: 855.20 EUR" in table and "a what-if, not the signed-off method" in table


def test_recomputed_by_default_at_the_sign_offs_filters(run, write):
    # Closed on scope 2 only: Platform's 5.19 t × 80 = 415.20 EUR. The recomputed figure is at the
    # same filters by default (not all scopes: 10.69 t × 80 = 855.20, no comparison at all).
    run("teams", "add", "Platform", "Video")
    run(
        "import",
        "activities",
        write(
            "a.csv",
            HEADER + "2024-01-01,2024-12-31,Platform,electricity.grid,100000,kWh,FR\n"
            "2024-01-01,2024-12-31,Video,streaming.video.hour,100000,hour,EU\n",
        ),
    )
    assert (
        run(
            "donation", "close", "--year", "2024", "--price", "80", "--scope", "2", *AS_OF
        ).exit_code
        == 0
    )
    data = json.loads(run("donation", "--year", "2024", *AS_OF, "--format", "json").stdout)
    assert (data["amount"], data["recomputed_amount"], data["scopes"]) == (415.20, 415.20, [2])
    assert data["recomputed"]["same_method_as_closed"] is True
    assert any("scopes and categories of the sign-off" in w for w in data["warnings"])
    # Asked for explicitly, other filters are a what-if: scopes 2 and 3 = 855.20.
    data = json.loads(
        run(
            "donation", "--year", "2024", "--scope", "2", "--scope", "3", *AS_OF, "--format", "json"
        ).stdout
    )
    assert (data["amount"], data["recomputed_amount"]) == (415.20, 855.20)


def test_table_leads_with_the_signed_off_figure(closed_2024, write):
    table = closed_2024("donation", "--year", "2024", *AS_OF).stdout
    assert (
        "Donation 2024: 855.20 EUR  (SIGNED OFF" in table
        and "unchanged since the sign-off" in table
    )
    restate(closed_2024, write)
    table = closed_2024("donation", "--year", "2024", *AS_OF).stdout
    assert (
        "Donation 2024: 855.20 EUR  (SIGNED OFF" in table and "Donation 2024: 859.60" not in table
    )
    assert "RESTATED" in table and "859.60 EUR" in table and "+4.40" in table
    assert "Method of the recomputed figure" in table


def test_journal_csv_exports_the_closed_amounts_with_their_status(closed_2024, write):
    rows = journal(closed_2024)
    assert [
        (r["team"], r["amount"], r["status"], r["recomputed_amount"], r["recomputed_minus_closed"])
        for r in rows
    ] == [
        ("Platform", "415.20", "closed", "415.20", "0.00"),
        ("Video", "440.00", "closed", "440.00", "0.00"),
        ("TOTAL", "855.20", "closed", "855.20", "0.00"),
    ]
    assert rows[0]["closed_at"].startswith("20") and rows[0]["price"] == "80"
    restate(closed_2024, write)
    rows = journal(closed_2024)
    assert [
        (
            r["team"],
            r["emissions_t"],
            r["amount"],
            r["status"],
            r["recomputed_emissions_t"],
            r["recomputed_amount"],
            r["recomputed_minus_closed"],
        )
        for r in rows
    ] == [
        ("Platform", "5.190000", "415.20", "restated", "5.190000", "415.20", "0.00"),
        ("Video", "5.500000", "440.00", "restated", "5.555000", "444.40", "4.40"),
        ("TOTAL", "10.690000", "855.20", "restated", "10.745000", "859.60", "4.40"),
    ]


def test_journal_csv_of_a_year_not_closed_leaves_the_recomputed_columns_empty(run, write):
    run("teams", "add", "Platform")
    run(
        "import",
        "activities",
        write("a.csv", HEADER + "2024-01-01,2024-12-31,Platform,electricity.grid,100000,kWh,FR\n"),
    )
    # 5.19 t × 80 = 415.20 EUR
    [team, total] = journal(run, "--price", "80")
    assert (total["team"], total["amount"], total["status"]) == ("TOTAL", "415.20", "complete")
    assert all(
        total[c] == ""
        for c in (
            "closed_at",
            "recomputed_emissions_t",
            "recomputed_price",
            "recomputed_amount",
            "recomputed_currency",
            "recomputed_minus_closed",
        )
    )


def test_summary_line_leads_with_the_signed_off_figure():
    # Closed: A 600 kg (48.00), B 400 kg (32.00) at 80 EUR/t. Now B is 500 kg:
    # 1.1 t × 80 = 88.00 EUR, +8.00 against the sign-off.
    closed = ClosedDonation(
        1,
        2024,
        datetime(2025, 1, 10, tzinfo=UTC),
        manual_price("80", "EUR", 2024),
        1_000_000,
        8000,
        (("A", 600_000, 4800), ("B", 400_000, 3200)),
        "hash-at-close",
    )
    year = tuple(f"2024-{m:02d}" for m in range(1, 13))
    now = donation.compute(
        YearData(2024, year, {"A": 600.0, "B": 500.0}), Choice(closed.price), date(2025, 3, 1)
    )
    line = view.summary_line(DonationView(now, closed, donation.restate(closed, now, "hash-now")))
    assert line == (
        "2024: 80.00 EUR for 1.000 t CO2e at 80 EUR / t CO2e (manual 2024), signed off 2025-01-10; "
        "RESTATED: the year's data changed since, recomputed at the closed price 88.00 EUR "
        "(+8.00 EUR), not signed off"
    )
    same = donation.compute(
        YearData(2024, year, {"A": 600.0, "B": 400.0}), Choice(closed.price), date(2025, 3, 1)
    )
    assert view.summary_line(
        DonationView(same, closed, donation.restate(closed, same, "hash-at-close"))
    ) == (
        "2024: 80.00 EUR for 1.000 t CO2e at 80 EUR / t CO2e (manual 2024), signed off 2025-01-10"
    )


def test_pack_summary_leads_with_the_signed_off_figure(closed_2024, write, store):
    from carbon.donation import service as stored

    restate(closed_2024, write)
    v = stored.donation_view(store, 2024, as_of=date(2025, 1, 1))
    line = view.summary_line(v)
    assert line.startswith(
        "2024: 855.20 EUR for 10.690 t CO2e at 80 EUR / t CO2e (manual 2024), signed off "
    )
    assert "RESTATED" in line and "859.60 EUR (+4.40 EUR), not signed off" in line
    page = view.to_summary_html(v)
    assert "<h1>Offset donation 2024: 855.20 EUR (signed off " in page and "RESTATED" in page


def test_pack_donation_page_has_the_pack_style_the_sign_off_note_and_no_cli_advice(
    closed_2024, write, store
):
    import re

    from carbon.donation import service as stored
    from carbon.report.style import CSS

    restate(closed_2024, write)
    page = view.to_summary_html(stored.donation_view(store, 2024, as_of=date(2025, 1, 1)))
    assert (
        CSS in page and "<main>" in page and "Content-Security-Policy" in page
    )  # the report.html look
    body = re.sub(r"<[^>]+>", " ", page.split("</style>", 1)[1])
    # The note given at the sign-off (--note "board 2025-01"), and when it was made.
    assert re.search(r"Signed off on \d{4}-\d{2}-\d{2} \(sign-off 1\): “board 2025-01”", body), body
    # Readers of a pack do not run carbon: no option or command (here the recomputation at the
    # sign-off's price used to add "; choose another with --price or --basis").
    assert "--" not in body and "carbon donation" not in body and "'carbon" not in body, body
    assert "price of the sign-off of" in body  # the note itself stays, only the advice goes


def test_an_open_year_page_says_it_is_not_signed_off(run, write, store):
    from carbon.donation import service as stored

    run("teams", "add", "Platform")
    # 12 months × 1,000 kWh FR × 0.0519 kg/kWh = 622.8 kg = 0.6228 t × 80 EUR/t = 49.82 EUR
    run(
        "import",
        "activities",
        write("a.csv", HEADER + "2024-01-01,2024-12-31,Platform,electricity.grid,12000,kWh,FR\n"),
    )
    page = view.to_summary_html(
        stored.donation_view(store, 2024, as_of=date(2025, 1, 1), price="80")
    )
    assert "Offset donation 2024: 49.82 EUR" in page
    assert "Not signed off: computed from the ledger as of 2025-01-01" in page


def test_for_readers_drops_only_the_advice():
    assert (
        view.for_readers(
            "price of the sign-off of 2025-01-10 (closed 2024); choose another with "
            "--price or --basis"
        )
        == "price of the sign-off of 2025-01-10 (closed 2024)"
    )
    assert (
        view.for_readers("FORECAST: 2026 is not over. Run again with --actual-only. Counted = 3 t.")
        == "FORECAST: 2026 is not over. Counted = 3 t."
    )
    assert view.for_readers("see 'carbon prices list'") == ""
    assert (
        view.for_readers(
            "Price: 80 EUR, 2024; basis: price given on the command line (--price); source: x."
        )
        == "Price: 80 EUR, 2024; basis: price given on the command line; source: x."
    )
    assert (
        view.for_readers("basis: carbon market price; source: board")
        == "basis: carbon market price; source: board"
    )


@pytest.fixture
def eighty_columns():
    """The console as when the output is not a terminal (a pipe, cron): 80 columns."""
    saved = out._width
    out.width = 80
    yield
    out._width = saved


def test_history_is_not_cut_at_80_columns(closed_2024, write, eighty_columns):
    restate(closed_2024, write)
    text = closed_2024("donation", "history", *AS_OF).stdout
    assert "…" not in text and max(len(line) for line in text.splitlines()) <= 80
    row = [line for line in text.splitlines() if line.startswith("│ 2024 ")][0]
    assert "10.690" in row and "80 EUR/t" in row and "855.20 EUR" in row
    assert "2024 (sign-off 1, " in text and "board 2025-01" in text  # the note, under the table
    assert "+4.40" in text
