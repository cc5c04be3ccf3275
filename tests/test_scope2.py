"""Scope 2 both ways: energy-attribute imports, market-based figures checked by hand, the reports
and the donation on the market basis (docs/scope2.md)."""

import csv
import io
import json

import pytest

from carbon.scope2 import rules as scope2
from carbon.scope2.residual_mix import shipped
from carbon.scope2.store import energy_attributes
from carbon.store import Store

HEADER = "date,team,activity,quantity,unit,region\n"
ATTR = "month,team,country,mwh,instrument,factor_kg_per_kwh\n"

# Published figures used below:
#   location: factors/ember_2023_grid.csv DE 2023 380.95 g/kWh (used for 2024 and 2025);
#             factors/ademe_2024_grid_fr.csv FR 2024 0.0519, ademe_2025_grid_fr.csv FR 2025 0.0461 kg/kWh;
#             factors/desnz_2024_grid_gb.csv GB 2024 0.20705 kg/kWh
#   market:   factors/residual_mix/aib_2023_eu.csv (AIB 2023 Table 2, used for 2023) DE 719.90,
#             FR 40.74 g/kWh; aib_2024_eu.csv (AIB 2024, used for 2024) DE 724.56, FR 23.52 g/kWh,
#             NL none; aib_2025_eu.csv (AIB 2025 Table 2, used from 2025) DE 701.47, FR 17.11 g/kWh,
#             NL none; GB: none (not in the AIB EU tables); AT: none (AIB prints N/A)


@pytest.fixture
def company(run, write):
    run("teams", "add", "Platform", "Video")
    r = run(
        "import",
        "activities",
        write(
            "a.csv",
            HEADER + "2024-03,Platform,electricity.grid,20,MWh,DE\n"
            "2024-03,Video,electricity.grid,1000,kWh,FR\n"
            "2024-04,Video,electricity.grid,5000,kWh,GB\n",
        ),
    )
    assert r.exit_code == 0, r.output
    return run


def month(run, m):
    r = run("report", "monthly", "--month", m, "--format", "json")
    assert r.exit_code == 0, r.output
    return json.loads(r.stdout)


def test_no_instruments_everything_at_the_residual_mix(company):
    s = month(company, "2024-03")["scope2"]
    teams = {t["team"]: t for t in s["teams"]}
    # Platform: 20 MWh DE; location 20,000 kWh x 0.38095 = 7,619.0 kg; market 20,000 x 0.72456 = 14,491.2 kg
    assert teams["Platform"]["location_kg"] == pytest.approx(7619.0)
    assert teams["Platform"]["market_kg"] == pytest.approx(14491.2)
    # Video: 1,000 kWh FR; location 1,000 x 0.0519 = 51.9 kg; market 1,000 x 0.02352 = 23.52 kg
    assert teams["Video"]["location_kg"] == pytest.approx(51.9)
    assert teams["Video"]["market_kg"] == pytest.approx(23.52)
    # company: never location + market; each basis summed on its own
    assert s["location_kg"] == pytest.approx(7619.0 + 51.9)
    assert s["market_kg"] == pytest.approx(14491.2 + 23.52)
    assert {(m["country"], m["year"]) for m in s["residual_mixes"]} == {("DE", 2024), ("FR", 2024)}
    # the ledger total stays location-based
    assert month(company, "2024-03")["total"] == pytest.approx(7619.0 + 51.9)


def test_partial_coverage(company, write):
    r = company(
        "import",
        "energy-attributes",
        write("e.csv", ATTR + "2024-03,Platform,DE,15,guarantee_of_origin,0\n"),
    )
    assert r.exit_code == 0, r.output
    t = {x["team"]: x for x in month(company, "2024-03")["scope2"]["teams"]}["Platform"]
    # 15 MWh x 0 + (20 - 15) MWh x 1,000 x 0.72456 = 3,622.8 kg; location unchanged 7,619.0
    assert t["market_kg"] == pytest.approx(3622.8)
    assert t["location_kg"] == pytest.approx(7619.0)


def test_full_coverage_needs_no_residual_mix(company, write):
    # GB has no residual mix, but 5 MWh supplier-specific at 0.1 kg/kWh cover all of it:
    # 5 x 1,000 x 0.1 = 500 kg
    r = company(
        "import",
        "energy-attributes",
        write(
            "e.csv",
            ATTR + "2024-04,Video,GB,5,supplier_specific,0.1\n"
            "2024-03,Platform,DE,12,ppa,0.02\n2024-03,Platform,DE,8,rec,0\n",
        ),
    )
    assert r.exit_code == 0, r.output
    assert month(company, "2024-04")["scope2"]["market_kg"] == pytest.approx(500.0)
    # Platform: 12 MWh x 1,000 x 0.02 = 240 kg + 8 MWh x 0 = 240 kg, nothing left for the residual mix
    t = {x["team"]: x for x in month(company, "2024-03")["scope2"]["teams"]}["Platform"]
    assert t["market_kg"] == pytest.approx(240.0)


def test_a_country_without_residual_mix_has_no_market_figure(company):
    s = month(company, "2024-04")["scope2"]
    # location 5,000 kWh x 0.20705 = 1,035.25 kg; market: none, never 1,035.25 and never 0
    assert s["location_kg"] == pytest.approx(1035.25)
    assert s["market_kg"] is None
    assert "no residual mix for GB" in s["market_notes"][0]
    r = company("report", "monthly", "--month", "2024-04")
    assert "market-based none" in " ".join(r.stdout.split())
    assert shipped().find("AT", 2025) is None  # AIB prints N/A for Austria: none, not a 0


def test_over_claiming_is_refused_and_nothing_is_written(company, write, db_dump):
    before = db_dump()
    r = company(
        "import",
        "energy-attributes",
        write(
            "e.csv",
            ATTR + "2024-03,Platform,DE,15,guarantee_of_origin,0\n2024-03,Platform,DE,6,rec,0\n",
        ),
    )
    assert r.exit_code == 1
    text = " ".join(r.output.split())
    assert "line 3" in text and "'mwh'" in text and "double claiming" in text and "21 MWh" in text
    assert db_dump() == before
    # a second file may not claim what an earlier import already claimed
    assert (
        company(
            "import", "energy-attributes", write("e1.csv", ATTR + "2024-03,Platform,DE,15,rec,0\n")
        ).exit_code
        == 0
    )
    r = company(
        "import", "energy-attributes", write("e2.csv", ATTR + "2024-03,Platform,DE,6,rec,0\n")
    )
    assert r.exit_code == 1 and "double claiming" in r.output
    # instruments for a country where the team metered nothing
    r = company(
        "import", "energy-attributes", write("e3.csv", ATTR + "2024-03,Platform,FR,1,rec,0\n")
    )
    assert r.exit_code == 1 and "only 0 MWh was metered" in " ".join(r.output.split())


def test_bad_rows_name_file_line_and_column(company, write, db_dump):
    before = db_dump()
    r = company(
        "import",
        "energy-attributes",
        write(
            "bad.csv",
            ATTR
            + "2024-13,Platform,DE,1,rec,0\n2024-03,Nobody,DE,1,rec,0\n2024-03,Platform,Germany,1,rec,0\n"
            "2024-03,Platform,DE,-1,rec,0\n2024-03,Platform,DE,1,green,0\n2024-03,Platform,DE,1,rec,nan\n",
        ),
    )
    assert r.exit_code == 1
    text = " ".join(r.output.split())
    for line, col in (
        (2, "month"),
        (3, "team"),
        (4, "country"),
        (5, "mwh"),
        (6, "instrument"),
        (7, "factor_kg_per_kwh"),
    ):
        assert f"line {line}, column '{col}'" in text, (line, col, text)
    assert db_dump() == before


def test_import_is_idempotent_and_replaceable(company, write, store: Store):
    f = write("e.csv", ATTR + "2024-03,Platform,DE,10,rec,0\n")
    assert company("import", "energy-attributes", f).exit_code == 0
    r = company("import", "energy-attributes", f)
    assert r.exit_code == 0 and "already imported" in r.output
    f.write_text(ATTR + "2024-03,Platform,DE,20,rec,0\n")
    assert (
        company("import", "energy-attributes", f).exit_code == 1
    )  # same source, changed: --replace
    r = company("import", "energy-attributes", f, "--replace")
    assert r.exit_code == 0, r.output
    with store.engine.connect() as conn:
        assert [
            m
            for (m,) in conn.execute(
                energy_attributes.select().with_only_columns(energy_attributes.c.mwh)
            )
        ] == [20]
    # 20 MWh all covered at 0: market 0 kg, a real figure (covered), not a missing one
    t = {x["team"]: x for x in month(company, "2024-03")["scope2"]["teams"]}["Platform"]
    assert t["market_kg"] == 0.0
    # removing the import removes its instruments: back to the residual mix (20,000 x 0.72456)
    batch = [b.id for b in store.list_batches() if b.kind == "energy-attributes"]
    assert len(batch) == 1 and company("imports", "remove", batch[0]).exit_code == 0
    t = {x["team"]: x for x in month(company, "2024-03")["scope2"]["teams"]}["Platform"]
    assert t["market_kg"] == pytest.approx(14491.2)


def test_year_report_shows_both_never_summed(company, write, tmp_path):
    company(
        "import",
        "energy-attributes",
        write("e.csv", ATTR + "2024-03,Platform,DE,15,guarantee_of_origin,0\n"),
    )
    d = json.loads(company("report", "year", "--year", 2024, "--format", "json").stdout)
    s = d["scope2"]
    # March location 7,619.0 + 51.9; April 1,035.25 (GB). Market: March 3,622.8 + 23.52; April none
    assert s["by_month"]["2024-03"] == {
        "location_kg": pytest.approx(7670.9),
        "market_kg": pytest.approx(3646.32),
    }
    assert s["by_month"]["2024-04"] == {"location_kg": pytest.approx(1035.25), "market_kg": None}
    assert s["location_kg"] == pytest.approx(7670.9 + 1035.25) and s["market_kg"] is None
    assert s["by_team"]["Platform"] == {
        "location_kg": pytest.approx(7619.0),
        "market_kg": pytest.approx(3622.8),
    }
    assert d["total"] == pytest.approx(7670.9 + 1035.25)  # the inventory total is location-based
    openpyxl = pytest.importorskip("openpyxl")
    path = tmp_path / "y.xlsx"
    assert (
        company("report", "year", "--year", 2024, "--format", "xlsx", "--out", path).exit_code == 0
    )
    rows = list(openpyxl.load_workbook(path)["scope 2"].iter_rows(values_only=True))
    by = {(r[0], r[1]): r for r in rows[1:]}
    assert rows[0][2:6] == (
        "location-based (kg CO2e)",
        "location-based boundary",
        "market-based (kg CO2e)",
        "market-based boundary",
    )
    assert by[("2024-03", "Platform")][4] == pytest.approx(3622.8)
    assert by[("2024-04", "Video")][4] == "no figure"
    # each figure's boundary beside it: Ember DE is lifecycle; AIB DE is direct CO2; 15 MWh by a GoO
    assert by[("2024-03", "Platform")][3] == "lifecycle CO2e incl. upstream"
    assert (
        by[("2024-03", "Platform")][5] == "direct CO2 of generation only; instruments as contracted"
    )


def test_donation_on_the_market_basis(run, write):
    run("teams", "add", "Platform")
    # every month of 2025: 1,000 kWh FR (ADEME 2025 0.0461 kg/kWh): 46.1 kg location-based each
    rows = "".join(f"2025-{m:02d},Platform,electricity.grid,1000,kWh,FR\n" for m in range(1, 13))
    assert run("import", "activities", write("a.csv", HEADER + rows)).exit_code == 0
    # January fully covered by a guarantee of origin: 0 kg; other months at AIB 2025 FR 17.11 g/kWh
    assert (
        run(
            "import",
            "energy-attributes",
            write("e.csv", ATTR + "2025-01,Platform,FR,1,guarantee_of_origin,0\n"),
        ).exit_code
        == 0
    )
    args = (
        "donation",
        "--year",
        2025,
        "--price",
        "100",
        "--as-of",
        "2026-02-01",
        "--format",
        "json",
    )
    loc = json.loads(run(*args).stdout)
    market = json.loads(run(*args, "--scope2", "market").stdout)
    # location: 12 x 46.1 = 553.2 kg = 0.5532 t x 100 EUR = 55.32 EUR
    assert loc["amount_cents"] == 5532 and loc["scope2"] == "location"
    # market: 11 x 1,000 x 0.01711 = 188.21 kg = 0.18821 t x 100 EUR = 18.821 -> 18.82 EUR (half-up)
    assert market["amount_cents"] == 1882 and market["scope2"] == "market"
    assert any("market-based" in line for line in market["method"])
    # the sign-off records its basis, and the closed year is recomputed at it
    r = run(
        "donation",
        "close",
        "--year",
        2025,
        "--price",
        "100",
        "--as-of",
        "2026-02-01",
        "--scope2",
        "market",
    )
    assert r.exit_code == 0, r.output
    assert "scope 2 market-based" in r.output
    hist = json.loads(
        run("donation", "history", "--format", "json", "--as-of", "2026-02-01").stdout
    )
    assert [c["scope2"] for c in hist["closes"]] == ["market"]
    # the closed year is locked: instruments may no longer change its market-based figures
    r = run(
        "import", "energy-attributes", write("late.csv", ATTR + "2025-02,Platform,FR,1,rec,0\n")
    )
    assert r.exit_code == 1 and "2025-02 is closed" in " ".join(r.output.split())
    again = json.loads(
        run("donation", "--year", 2025, "--as-of", "2026-02-01", "--format", "json").stdout
    )
    assert again["scope2"] == "market"
    journal = run("donation", "--year", 2025, "--as-of", "2026-02-01", "--format", "csv").stdout
    rows = list(csv.DictReader(io.StringIO(journal.removeprefix("\ufeff"))))
    assert {r["scope2_basis"] for r in rows} == {"market"} and rows[-1]["amount"] == "18.82"


def test_donation_refuses_a_market_basis_it_cannot_compute(company):
    r = company(
        "donation",
        "--year",
        2024,
        "--price",
        "100",
        "--as-of",
        "2025-02-01",
        "--allow-missing-months",
        "--scope2",
        "market",
    )
    assert r.exit_code == 1
    assert "no residual mix for GB" in " ".join(r.output.split())


def test_the_latest_vintage_not_after_the_year(run, write):
    run("teams", "add", "Ops")
    assert (
        run(
            "import",
            "activities",
            write(
                "a.csv",
                HEADER + "2025-06,Ops,electricity.grid,10,MWh,DE\n"
                "2025-07,Ops,electricity.grid,1000,kWh,NL\n",
            ),
        ).exit_code
        == 0
    )
    # June 2025: 10,000 kWh x AIB 2025 DE 0.70147 = 7,014.7 kg (not AIB 2023's 0.7199)
    assert month(run, "2025-06")["scope2"]["market_kg"] == pytest.approx(7014.7)
    # July 2025: NL has no residual mix in AIB 2025 (full disclosure): no figure
    s = month(run, "2025-07")["scope2"]
    assert s["market_kg"] is None and "no residual mix for NL" in s["market_notes"][0]


def test_factor_units_convert_like_pint():
    from carbon.core import units

    for unit in (
        "kg CO2e / kWh",
        "g CO2e / kWh",
        "t CO2e / kWh",
        "lb CO2e / MWh",
        "kg CO2e / MWh",
        "g CO2e / Wh",
        "t CO2e / GWh",
    ):
        assert scope2.kg_per_kwh(2.0, unit) == pytest.approx(
            2.0 * units.multiplier(unit, "kg CO2e / kWh"), rel=1e-12
        ), unit


def test_cloud_electricity_is_not_scope_2():
    # only scope-2 ledger rows reach the computation; a scope-2 activity other than grid electricity
    # has no market-based method: no figure, with the reason
    found = scope2.compute(
        [("T", "2025-01", "heat.district", "infrastructure", "DE", 0.2, "kg CO2e / kWh", 20.0)],
        [],
        shipped(),
    )
    s = found[("T", "2025-01")]
    assert s.location_kg == 20.0 and s.market_kg is None and "heat.district" in s.notes[0]


def test_residual_mix_table_is_sourced():
    from carbon.core.resources import shipped_dir

    for name, year, n in (
        ("aib_2023_eu.csv", 2023, 27),
        ("aib_2024_eu.csv", 2024, 27),
        ("aib_2025_eu.csv", 2025, 27),
    ):
        with open(shipped_dir("factors") / "residual_mix" / name, encoding="utf-8") as fh:
            rows = list(csv.DictReader(fh))
        assert len(rows) == n and {r["year"] for r in rows} == {str(year)}
        assert all(
            r["source"].startswith(f"AIB European Residual Mixes {year}")
            and ("Table 2" in r["source_ref"] or "'Residual Mixes'" in r["source_ref"])
            and "transcription read from github.com/themisiqco/themisiq" in r["source_ref"]
            for r in rows
        )
        assert all("CO2 only" in r["boundary"] for r in rows if r["value"])
        assert {r["country"] for r in rows if not r["value"]} == (
            {"AT"} if year == 2023 else {"AT", "NL"}
        )
    # AIB 2023 Table 2: Germany 719,90; Sweden 68,23 g CO2/kWh; AIB 2024 workbook: Germany 724.56;
    # AIB 2025 Table 2: Germany 701.47
    assert shipped().find("DE", 2023).kg_per_kwh == pytest.approx(0.7199)
    assert shipped().find("DE", 2024).kg_per_kwh == pytest.approx(0.72456)  # the 2024 edition
    assert shipped().find("SE", 2023).kg_per_kwh == pytest.approx(0.06823)
    assert shipped().find("DE", 2026).kg_per_kwh == pytest.approx(0.70147)
    assert shipped().find("FR", 2022) is None  # no vintage before 2023: no figure, not the 2023 one
    # the Netherlands: 379.89 in AIB 2023, none in AIB 2024 and 2025 (full disclosure, "NA"):
    # never the 2023 figure for a 2024 or 2025 month
    assert shipped().find("NL", 2023).kg_per_kwh == pytest.approx(0.37989)
    assert shipped().find("NL", 2024) is None
    assert shipped().find("NL", 2025) is None


def test_pack_methodology_states_both_and_instruments_change_the_fingerprint(
    company, write, tmp_path
):
    r = company("report", "pack", "--month", "2024-04", "--out", tmp_path / "p")
    assert r.exit_code == 0, r.output
    html = next((tmp_path / "p").rglob("report.html")).read_text(encoding="utf-8")
    assert "Scope 2: location-based and market-based" in html and "never added together" in html
    # April: GB only, location 1,035.25 kg; market: no figure (no residual mix for GB)
    assert "market-based no figure" in html and "no residual mix for GB" in html
    from carbon.pack import store as packs
    from carbon.store import Store

    store = Store.open(company.url)
    with store.engine.connect() as conn:
        before = packs.data_fingerprints(conn, ["2024-04"])
    company(
        "import",
        "energy-attributes",
        write("e.csv", ATTR + "2024-04,Video,GB,5,supplier_specific,0.1\n"),
    )
    with store.engine.connect() as conn:
        assert packs.data_fingerprints(conn, ["2024-04"]) != before
    store.close()


def test_a_residual_mix_table_is_checked():
    from carbon.errors import InputError
    from carbon.scope2.residual_mix import parse

    row = {
        "country": "DE",
        "year": "2023",
        "value": "719.90",
        "unit": "g CO2e / kWh",
        "source": "s",
        "source_ref": "r",
        "boundary": "b",
    }
    assert parse("t.csv", [row])[("DE", 2023)].kg_per_kwh == pytest.approx(0.7199)
    assert parse("t.csv", [{**row, "value": ""}]) == {("DE", 2023): None}  # none in that edition
    for bad in (
        {"value": "-1"},
        {"value": "nan"},
        {"value": "x"},
        {"unit": "kg CO2e / kWh"},
        {"year": ""},
    ):
        with pytest.raises(InputError, match="t.csv: line 2"):
            parse("t.csv", [{**row, **bad}])
    with pytest.raises(InputError, match="line 3: DE 2023 is given twice"):
        parse("t.csv", [row, row])


def test_removing_instruments_of_a_closed_month_is_refused_unless_restated(company, write, db_dump):
    # import 1 is a.csv, import 2 the instruments
    r = company(
        "import",
        "energy-attributes",
        write("e.csv", ATTR + "2024-03,Platform,DE,15,guarantee_of_origin,0\n"),
    )
    assert r.exit_code == 0, r.output
    assert company("close", "--month", "2024-03", "--by", "ops", "--reason", "sent").exit_code == 0
    before = db_dump()
    r = company("imports", "remove", "2")
    text = " ".join(r.output.split())
    assert (
        r.exit_code == 1
        and "removing import 2 would change 2024-03" in text
        and "--restate --reason TEXT" in text
    )
    assert "Traceback" not in r.output
    assert db_dump() == before
    # 15 MWh x 0 + 5 MWh x 1,000 x 0.72456 = 3,622.8 kg still (the closed month unchanged)
    t = {x["team"]: x for x in month(company, "2024-03")["scope2"]["teams"]}["Platform"]
    assert t["market_kg"] == pytest.approx(3622.8)
    r = company(
        "imports", "remove", "2", "--restate", "--reason", "wrong certificates", "--by", "bob"
    )
    assert r.exit_code == 0, r.output
    assert "restatement" in r.output
    # back to the residual mix: 20,000 kWh x 0.72456 = 14,491.2 kg
    t = {x["team"]: x for x in month(company, "2024-03")["scope2"]["teams"]}["Platform"]
    assert t["market_kg"] == pytest.approx(14491.2)


def test_replacing_instruments_of_a_closed_month_is_refused(company, write, db_dump):
    # The new file only covers 2024-04, but replacing import 2 would take its 2024-03 instruments
    # out of a closed month (market-based 3,622.8 kg would become 14,491.2 kg).
    r = company(
        "import",
        "energy-attributes",
        write("e.csv", ATTR + "2024-03,Platform,DE,15,guarantee_of_origin,0\n"),
        "--source",
        "certs",
    )
    assert r.exit_code == 0, r.output
    assert company("close", "--month", "2024-03", "--by", "ops", "--reason", "sent").exit_code == 0
    before = db_dump()
    r = company(
        "import",
        "energy-attributes",
        write("e2.csv", ATTR + "2024-04,Video,GB,1,supplier_specific,0.1\n"),
        "--source",
        "certs",
        "--replace",
    )
    text = " ".join(r.output.split())
    assert r.exit_code == 1 and "replacing import 2" in text and "2024-03" in text, r.output
    assert "Traceback" not in r.output and db_dump() == before
    t = {x["team"]: x for x in month(company, "2024-03")["scope2"]["teams"]}["Platform"]
    assert t["market_kg"] == pytest.approx(3622.8)


def test_a_2024_month_uses_the_aib_2024_edition(run, write):
    run("teams", "add", "Ops")
    assert (
        run(
            "import",
            "activities",
            write(
                "a.csv",
                HEADER + "2024-06,Ops,electricity.grid,10,MWh,DE\n"
                "2024-07,Ops,electricity.grid,1000,kWh,NL\n",
            ),
        ).exit_code
        == 0
    )
    # June 2024: 10,000 kWh x AIB 2024 DE 0.72456 = 7,245.6 kg (AIB 2023 would give 7,199.0)
    june = month(run, "2024-06")["scope2"]
    assert june["market_kg"] == pytest.approx(7245.6)
    assert [(m["country"], m["year"]) for m in june["residual_mixes"]] == [("DE", 2024)]
    # July 2024: AIB 2024 prints "NA" for the Netherlands (full disclosure): no market figure,
    # never AIB 2023's 379.89 g/kWh and never 0
    july = month(run, "2024-07")["scope2"]
    assert july["market_kg"] is None and "no residual mix for NL" in july["market_notes"][0]


def test_the_same_certificate_again_under_another_file_is_warned_about(company, write):
    # 4 MWh of GoO in one file, the same row with another note in another: both counted
    # (market 20 - 8 = 12 MWh x 724.56 = 8,694.72 kg instead of 16 x 724.56 = 11,592.96 kg),
    # without a word. Two real certificates of one size stay possible: a warning names the line.
    row = "2024-03,Platform,DE,4,guarantee_of_origin,0"
    assert (
        company("import", "energy-attributes", write("goo.csv", ATTR + row + "\n")).exit_code == 0
    )
    again = write("goo2.csv", ATTR.rstrip("\n") + ",note\n" + row + ",wind \n")
    r = company("import", "energy-attributes", again)
    assert r.exit_code == 0, r.output
    text = " ".join(r.stderr.split())
    assert "goo2.csv: 1 instrument repeat one already imported" in text
    assert "line 2 (import 2)" in text and "carbon imports remove 2" in text
    other = write("goo3.csv", ATTR + "2024-03,Platform,DE,5,guarantee_of_origin,0\n")
    r = company("import", "energy-attributes", other)
    assert r.exit_code == 0 and "repeat" not in r.stderr
