"""Importing activity files: hand-computed results, batches, re-import, --replace, remove."""

import pytest

from carbon.errors import InputError
from carbon.ledger import service as importer
from carbon.ledger import views as ledger

HEADER = "date,team,activity,quantity,unit,region,end\n"


@pytest.fixture
def teams(store):
    for t in ("Platform", "Sales", "Video"):
        importer.add_team(store, t)
    return store


def month_kg(store, month, team=None):
    return ledger.monthly_report(store, month, team).total


def test_hand_computed_example_from_published_factors(teams, write):
    # ADEME Base Empreinte FR 2024 electricity 0.0519 kg CO2e/kWh: 1,000 kWh -> 51.9 kg
    # DESNZ 2024 petrol car 0.1645 kg CO2e/km: 100 mi = 160.9344 km -> 26.4737088 kg
    # Carbon Trust 2021 (EU 2020) 55 g CO2e/h: 90 min -> 82.5 g = 0.0825 kg
    path = write(
        "a.csv",
        HEADER
        + """\
2024-05-10,Platform,electricity.grid,1000,kWh,FR,
2024-05,Sales,commute.car.petrol,100,mi,GB,
2024-05-20,Video,streaming.video.hour,90,minute,EU,
""",
    )
    importer.import_activities(teams, path)
    rep = ledger.monthly_report(teams, "2024-05")
    by_team = {t.team: t for t in rep.teams}
    assert by_team["Platform"].total == pytest.approx(51.9, rel=1e-9)
    assert by_team["Sales"].total == pytest.approx(26.4737088, rel=1e-9)
    assert by_team["Video"].total == pytest.approx(0.0825, rel=1e-9)
    assert by_team["Platform"].by_scope == {"2": pytest.approx(51.9)}
    assert by_team["Sales"].by_category == {"commuting": pytest.approx(26.4737088)}
    assert rep.total == pytest.approx(51.9 + 26.4737088 + 0.0825, rel=1e-9)


def test_same_activity_in_other_units_gives_same_co2e(teams, write):
    base = write(
        "base.csv",
        HEADER
        + """\
2024-03,Sales,commute.car.diesel,160.9344,km,FR,
2024-03,Video,streaming.video.hour,2,hour,FR,
2024-03,Platform,electricity.grid,2500,kWh,DE,
2024-03,Platform,cloud.aws.network_gb,3000,GB,aws:eu-west-3,
""",
    )
    other = write(
        "other.csv",
        HEADER
        + """\
2024-04,Sales,commute.car.diesel,100,mi,FR,
2024-04,Video,streaming.video.hour,120,minute,FR,
2024-04,Platform,electricity.grid,2.5,MWh,DE,
2024-04,Platform,cloud.aws.network_gb,3,TB,aws:eu-west-3,
""",
    )
    importer.import_activities(teams, base)
    importer.import_activities(teams, other)
    a = ledger.monthly_report(teams, "2024-03")
    b = ledger.monthly_report(teams, "2024-04")
    for ta, tb in zip(a.teams, b.teams):
        assert ta.total == pytest.approx(tb.total, rel=1e-9), ta.team
        assert ta.total > 0


def test_pro_rata_spread_through_the_store(teams, write):
    # 3,100 kWh over 2024-01-22..2024-02-21 (31 days): 10 days in Jan, 21 in Feb.
    # FR 2024 factor 0.0519: Jan 1000 kWh -> 51.9 kg; Feb 2100 kWh -> 108.99 kg.
    path = write("a.csv", HEADER + "2024-01-22,Platform,electricity.grid,3100,kWh,FR,2024-02-21\n")
    out = importer.import_activities(teams, path)
    assert out.batch.entry_count == 2 and out.batch.row_count == 1
    assert month_kg(teams, "2024-01") == pytest.approx(51.9, rel=1e-9)
    assert month_kg(teams, "2024-02") == pytest.approx(108.99, rel=1e-9)


def test_spread_across_years_uses_each_months_vintage(teams, write):
    # 2023-12-17..2024-01-15 (30 days): 15 days in 2023 (FR 2023: 0.058), 15 in 2024 (0.0519).
    path = write("a.csv", HEADER + "2023-12-17,Platform,electricity.grid,3000,kWh,FR,2024-01-15\n")
    importer.import_activities(teams, path)
    assert month_kg(teams, "2023-12") == pytest.approx(1500 * 0.058, rel=1e-9)
    assert month_kg(teams, "2024-01") == pytest.approx(1500 * 0.0519, rel=1e-9)


def test_vintage_warning_reported(teams, write):
    path = write("a.csv", HEADER + "2019-05,Sales,commute.car.petrol,100,km,GB,\n")
    out = importer.import_activities(teams, path)
    assert any("no factor vintage for 2019" in w for w in out.warnings)
    assert month_kg(teams, "2019-05") == pytest.approx(
        100 * 0.16391, rel=1e-9
    )  # DESNZ 2023, earliest


def test_region_fallback_counted(teams, write):
    path = write("a.csv", HEADER + "2024-05,Platform,electricity.grid,1000,kWh,JP,\n")
    out = importer.import_activities(teams, path)
    assert out.region_fallbacks == 1
    assert month_kg(teams, "2024-05") == pytest.approx(475.0, rel=1e-9)  # IEA world 475 g/kWh


def test_ledger_entry_keeps_its_factor(teams, write):
    from sqlalchemy import select

    from carbon.store.schema import factor_snapshots
    from carbon.store.schema import ledger as ledger_t

    path = write("a.csv", HEADER + "2024-05,Platform,electricity.grid,1000,kWh,FR,\n")
    importer.import_activities(teams, path)
    with teams.engine.connect() as conn:
        row = (
            conn.execute(
                select(factor_snapshots).join(
                    ledger_t, ledger_t.c.factor_id == factor_snapshots.c.id
                )
            )
            .mappings()
            .one()
        )
    assert (row["activity"], row["region"], row["year"], row["value"], row["unit"]) == (
        "electricity.grid",
        "FR",
        2024,
        0.0519,
        "kg CO2e / kWh",
    )
    assert "ADEME" in row["source"]


def test_reimport_identical_content_is_a_noop(teams, write, db_dump):
    path = write("a.csv", HEADER + "2024-05,Platform,electricity.grid,1000,kWh,FR,\n")
    first = importer.import_activities(teams, path)
    before = db_dump()
    again = importer.import_activities(teams, path)
    assert again.already_imported and again.batch.id == first.batch.id
    assert db_dump() == before


def test_changed_file_of_same_source_needs_replace(teams, write):
    path = write("a.csv", HEADER + "2024-05,Platform,electricity.grid,1000,kWh,FR,\n")
    first = importer.import_activities(teams, path)
    path.write_text(HEADER + "2024-05,Platform,electricity.grid,2000,kWh,FR,\n", encoding="utf-8")
    with pytest.raises(InputError, match="--replace"):
        importer.import_activities(teams, path)
    assert month_kg(teams, "2024-05") == pytest.approx(51.9)
    swapped = importer.import_activities(teams, path, replace=True)
    assert swapped.replaced == (first.batch.id,)
    assert month_kg(teams, "2024-05") == pytest.approx(103.8, rel=1e-9)  # 2000 x 0.0519, not 3000
    assert [b.id for b in teams.list_batches()] == [swapped.batch.id]


def test_remove_batch(teams, write):
    path = write("a.csv", HEADER + "2024-05,Platform,electricity.grid,1000,kWh,FR,\n")
    out = importer.import_activities(teams, path)
    importer.remove(teams, out.batch.id)
    assert teams.list_batches() == []
    with pytest.raises(Exception, match="no emissions recorded"):
        ledger.monthly_report(teams, "2024-05")


def test_create_teams(store, write):
    path = write("a.csv", HEADER + "2024-05,Research,electricity.grid,1000,kWh,FR,\n")
    with pytest.raises(InputError):
        importer.import_activities(store, path)
    out = importer.import_activities(store, path, create_teams=True)
    assert out.created_teams == ("Research",)
    assert [t.name for t in store.list_teams()] == ["Research"]


def test_user_factor_overrides_for_new_imports_only(teams, write):
    path = write("a.csv", HEADER + "2024-05,Platform,electricity.grid,1000,kWh,FR,\n")
    importer.import_activities(teams, path)
    user = write(
        "mine.csv",
        """
        activity,region,year,value,unit,category,scope,source
        electricity.grid,FR,2024,0.1,kg CO2e / kWh,infrastructure,2,our supplier's certificate
    """,
    )
    importer.import_factors(teams, user)
    # The past entry keeps its factor (no silent restatement) ...
    assert month_kg(teams, "2024-05") == pytest.approx(51.9, rel=1e-9)
    # ... a new import uses the override.
    importer.import_activities(
        teams, write("b.csv", HEADER + "2024-06,Platform,electricity.grid,1000,kWh,FR,\n")
    )
    assert month_kg(teams, "2024-06") == pytest.approx(100.0, rel=1e-9)


@pytest.mark.parametrize("name", ["", " Platform", "a\x00b", "x" * 101, "tab\there"])
def test_bad_team_names_refused(store, name):
    with pytest.raises(InputError, match="printable"):
        importer.add_team(store, name)
    assert store.list_teams() == []


def test_implausibly_large_quantity_refused(teams, write):
    path = write("a.csv", HEADER + "2024-05,Platform,electricity.grid,1e300,kWh,FR,\n")
    with pytest.raises(InputError) as exc:
        importer.import_activities(teams, path)
    assert (
        exc.value.problems[0].column == "quantity"
        and "implausibly large" in exc.value.problems[0].message
    )


def test_monthly_rollup_equals_the_ledger(run, store):
    """Reports read the rollup; it must hold exactly the ledger's sums."""
    from sqlalchemy import func, select

    from carbon.store.schema import ledger as ledger_t
    from carbon.store.schema import ledger_monthly
    from carbon.store.schema import teams as teams_t

    run("demo")
    with store.engine.connect() as conn:
        raw = conn.execute(
            select(
                teams_t.c.name,
                ledger_t.c.month,
                ledger_t.c.activity,
                func.sum(ledger_t.c.co2e_kg),
                func.count(),
            )
            .join(teams_t, teams_t.c.id == ledger_t.c.team_id)
            .group_by(teams_t.c.name, ledger_t.c.month, ledger_t.c.activity)
        ).all()
        rolled = {
            (t, m, a): (kg, n)
            for t, m, a, kg, n in conn.execute(
                select(
                    teams_t.c.name,
                    ledger_monthly.c.month,
                    ledger_monthly.c.activity,
                    func.sum(ledger_monthly.c.co2e_kg),
                    func.sum(ledger_monthly.c.entries),
                )
                .join(teams_t, teams_t.c.id == ledger_monthly.c.team_id)
                .group_by(teams_t.c.name, ledger_monthly.c.month, ledger_monthly.c.activity)
            )
        }
    assert len(raw) == len(rolled) > 100
    for t, m, a, kg, n in raw:
        assert rolled[(t, m, a)][0] == pytest.approx(kg, rel=1e-12) and rolled[(t, m, a)][1] == n


def test_no_orphan_ledger_rows_after_replace_and_remove(teams, write):
    from sqlalchemy import func, select

    from carbon.store.schema import batches, factor_snapshots
    from carbon.store.schema import ledger as ledger_t
    from carbon.store.schema import teams as teams_t

    path = write("a.csv", HEADER + "2024-05,Platform,electricity.grid,1000,kWh,FR,\n")
    importer.import_activities(teams, path)
    path.write_text(HEADER + "2024-05,Sales,electricity.grid,5,kWh,FR,\n", encoding="utf-8")
    out = importer.import_activities(teams, path, replace=True)
    other = importer.import_activities(
        teams, write("b.csv", HEADER + "2024-06,Video,electricity.grid,5,kWh,FR,\n")
    )
    importer.remove(teams, other.batch.id)
    with teams.engine.connect() as conn:

        def orphans(col, table):
            return conn.execute(
                select(func.count()).select_from(ledger_t).where(~col.in_(select(table.c.id)))
            ).scalar_one()

        assert orphans(ledger_t.c.batch_id, batches) == 0
        assert orphans(ledger_t.c.team_id, teams_t) == 0
        assert orphans(ledger_t.c.factor_id, factor_snapshots) == 0
        assert conn.execute(select(func.count()).select_from(ledger_t)).scalar_one() == 1
        assert conn.execute(select(ledger_t.c.batch_id)).scalar_one() == out.batch.id


def test_did_you_mean_skips_huge_values():
    from carbon.core.suggest import did_you_mean

    assert did_you_mean("Platfrom", ["Platform", "Video"]) == "Platform"
    assert (
        did_you_mean("P" * 1_000_000, ["Platform"]) is None
    )  # difflib is quadratic: never on huge cells


def test_same_file_with_another_region_is_another_import(teams, write, db_dump):
    # 1,000 kWh in May 2024, no region in the file: --region fills it.
    # DESNZ GB 2024 0.20705 kg/kWh -> 207.05 kg; ADEME FR 2024 0.0519 kg/kWh -> 51.9 kg.
    path = write(
        "a.csv", "date,team,activity,quantity,unit\n2024-05,Platform,electricity.grid,1000,kWh\n"
    )
    gb = importer.import_activities(teams, path, default_region="GB")
    assert month_kg(teams, "2024-05") == pytest.approx(207.05, rel=1e-9)
    before = db_dump()
    # The same file again with the same option: nothing to do.
    assert importer.import_activities(teams, path, default_region="GB").already_imported
    # Another --region is another result: refused without --replace (it would count twice) ...
    with pytest.raises(InputError) as exc:
        importer.import_activities(teams, path, default_region="FR")
    msg = str(exc.value)
    assert (
        "already imported with other options" in msg and f"import {gb.batch.id}: --region GB" in msg
    )
    assert "now: --region FR" in msg and "--replace" in msg
    assert db_dump() == before
    # ... and with --replace the wrong region is corrected.
    fr = importer.import_activities(teams, path, default_region="FR", replace=True)
    assert not fr.already_imported and fr.replaced == (gb.batch.id,)
    assert month_kg(teams, "2024-05") == pytest.approx(51.9, rel=1e-9)
    assert [b.id for b in teams.list_batches()] == [fr.batch.id]


def test_same_file_under_another_name_with_another_region_is_refused(teams, write, db_dump):
    # A copy of a.csv renamed office-fr.csv and imported with --region FR: its rows are keyed
    # apart from a.csv's (another region), so only the file's content shows it is a second count.
    # DESNZ GB 2024 0.20705 kg/kWh -> 207.05 kg for the one import that counts.
    text = "date,team,activity,quantity,unit\n2024-05,Platform,electricity.grid,1000,kWh\n"
    gb = importer.import_activities(teams, write("a.csv", text), default_region="GB")
    before = db_dump()
    copy = write("office-fr.csv", text)
    with pytest.raises(InputError) as exc:
        importer.import_activities(teams, copy, default_region="FR")
    msg = str(exc.value)
    assert msg.startswith(
        "office-fr.csv: this file's content was already imported as source 'a.csv'"
    )
    assert f"(import {gb.batch.id}: --region GB; now: --region FR)" in msg
    assert "--source 'a.csv' --replace" in msg
    assert db_dump() == before
    assert month_kg(teams, "2024-05") == pytest.approx(207.05, rel=1e-9)
    # --replace of a source with nothing of its own to swap is still a second count: refused.
    with pytest.raises(InputError):
        importer.import_activities(teams, copy, default_region="FR", replace=True)
    assert db_dump() == before
    # As the message says: the earlier source swapped for the new options (ADEME FR 2024 0.0519).
    fr = importer.import_activities(teams, copy, source="a.csv", default_region="FR", replace=True)
    assert fr.replaced == (gb.batch.id,)
    assert month_kg(teams, "2024-05") == pytest.approx(51.9, rel=1e-9)


def test_an_import_id_is_never_given_twice(teams, write):
    # SQLite gave the next import the id of the latest one once it was removed.
    row = (
        "date,team,activity,quantity,unit,region\n2024-0{},Platform,electricity.grid,1000,kWh,FR\n"
    )
    first = importer.import_activities(teams, write("a.csv", row.format(5))).batch.id
    second = importer.import_activities(teams, write("b.csv", row.format(6))).batch.id
    importer.remove(teams, second)
    third = importer.import_activities(teams, write("c.csv", row.format(7))).batch.id
    assert (first, second, third) == (1, 2, 3)


def test_an_import_without_options_is_known_by_the_files_own_hash(teams, write):
    # Imports made before options counted were stored under the file's SHA-256: still recognised.
    import hashlib

    path = write("a.csv", HEADER + "2024-05,Platform,electricity.grid,1000,kWh,FR,\n")
    out = importer.import_activities(teams, path)
    assert out.batch.content_hash == hashlib.sha256(path.read_bytes()).hexdigest()
    assert importer.identity(out.batch.content_hash, "") == out.batch.content_hash


def test_a_batch_read_in_many_chunks_has_one_rollup_row_per_key(store, write, monkeypatch):
    from sqlalchemy import select

    from carbon.ingest import csvfile
    from carbon.store.schema import ledger_monthly

    monkeypatch.setattr(csvfile, "CHUNK_ROWS", 7)  # 50 rows: 8 chunks
    importer.add_team(store, "Platform")
    rows = "".join(
        f"2024-05-{1 + i % 28:02d},Platform,electricity.grid,{i + 1},kWh,FR\n" for i in range(50)
    )
    out = importer.import_activities(
        store, write("many.csv", "date,team,activity,quantity,unit,region\n" + rows)
    )
    with store.engine.connect() as conn:
        got = conn.execute(
            select(
                ledger_monthly.c.month, ledger_monthly.c.entries, ledger_monthly.c.co2e_kg
            ).where(ledger_monthly.c.batch_id == out.batch.id)
        ).all()
    # ADEME FR 2024 grid, 0.0519 kg CO2e / kWh, over 1 + 2 + … + 50 = 1,275 kWh
    assert [(m, n) for m, n, _ in got] == [("2024-05", 50)]
    assert got[0][2] == pytest.approx(1275 * 0.0519, rel=1e-12)


def test_entries_after_the_current_month_are_named_in_a_warning(run, write):
    # A row dated next month lands there, and this month's figures miss it. The import goes through
    # (a plan or an advance bill may be dated ahead), but the summary says where and from which line.
    from datetime import date

    today = date.today()
    nxt = date(today.year + (today.month == 12), today.month % 12 + 1, 10)
    run("teams", "add", "Platform")
    r = run(
        "import",
        "activities",
        write(
            "typo.csv",
            "date,team,activity,quantity,unit,region\n"
            "2025-03-10,Platform,electricity.grid,100,kWh,FR\n"
            f"{nxt},Platform,electricity.grid,100,kWh,FR\n",
        ),
    )
    assert r.exit_code == 0, r.output
    text = " ".join(r.stderr.split())
    assert (
        "entries fall after the current month" in text and f"({nxt:%Y-%m}; first at line 3)" in text
    )
    # 2062 for 2026, more than a year ahead: refused with its line and column (docs/integrity.md)
    r = run(
        "import",
        "activities",
        write(
            "typo2.csv",
            "date,team,activity,quantity,unit,region\n"
            "2062-03-10,Platform,electricity.grid,100,kWh,FR\n",
        ),
    )
    assert (
        r.exit_code == 1
        and "line 2, column 'date'" in r.output
        and "between 1990-01-01 and" in r.output
    )
    r = run(
        "import",
        "activities",
        write(
            "past.csv",
            "date,team,activity,quantity,unit,region\n"
            "2025-04-10,Platform,electricity.grid,100,kWh,FR\n",
        ),
    )
    assert r.exit_code == 0 and "after the current month" not in r.stderr


def test_metrics_and_energy_attributes_print_the_later_months_warning(run, write):
    # Both importers computed the warning and their commands never printed it (found by a new
    # company's test): a metric or an instrument dated next month must say so, as bills do.
    from datetime import date

    today = date.today()
    nxt = date(today.year + (today.month == 12), today.month % 12 + 1, 1)
    run("teams", "add", "Platform")
    r = run(
        "import",
        "metrics",
        write("m.csv", f"month,metric,value,team\n{nxt:%Y-%m},headcount,3,Platform\n"),
        "--year",
        "mean",
    )
    assert r.exit_code == 0, r.output
    text = " ".join(r.stderr.split())
    assert f"after the current month {today:%Y-%m} ({nxt:%Y-%m}; first at line 2)" in text
    r = run(
        "import",
        "activities",
        write(
            "a.csv",
            f"date,team,activity,quantity,unit,region\n{nxt},Platform,electricity.grid,5,MWh,DE\n",
        ),
    )
    assert r.exit_code == 0, r.output
    r = run(
        "import",
        "energy-attributes",
        write(
            "e.csv",
            "month,team,country,mwh,instrument,factor_kg_per_kwh\n"
            f"{nxt:%Y-%m},Platform,DE,1,rec,0\n",
        ),
    )
    assert r.exit_code == 0, r.output
    text = " ".join(r.stderr.split())
    assert f"after the current month {today:%Y-%m} ({nxt:%Y-%m}; first at line 2)" in text
