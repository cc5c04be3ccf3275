"""Double counting across imports: repeated activity rows, --replace by source, survey employees.

A small company's own files, starting in September 2025. Factors (factors/*.csv):
electricity.grid FR 2025 = 0.0461 kg CO2e/kWh (ADEME); commute.metro FR 2025 =
0.00444 kg CO2e/passenger-km (ADEME via impactCO2).
"""

import json

import pytest
from sqlalchemy import delete

from carbon.errors import InputError
from carbon.ledger import service as importer
from carbon.ledger import views as ledger
from carbon.store.duplicates import survey_employees

HEADER = "date,team,activity,quantity,unit,region\n"
SURVEY = "employee,team,mode,one_way_km,days_on_site_per_week,region\n"
SEPT = (
    HEADER + "2025-09-05,Platform,electricity.grid,1000,kWh,FR\n"
    "2025-09-12,Platform,electricity.grid,500,kWh,FR\n"
    "2025-09-19,Video,electricity.grid,200,kWh,FR\n"
)


@pytest.fixture
def company(store):
    for t in ("Platform", "Video"):
        importer.add_team(store, t)
    return store


def kg(store, month):
    return ledger.monthly_report(store, month).total


def test_rows_already_in_another_import_are_flagged_with_count_and_first_lines(company, write):
    importer.import_activities(company, write("sept.csv", SEPT), source="finance-export")
    # The same September meter readings, sent again inside the ops team's file, plus one new row.
    # "1000.0" is the same quantity as "1000"; 2025-09-13 is another day (not a repeat).
    ops = write(
        "ops.csv",
        HEADER + "2025-09-05,Platform,electricity.grid,1000.0,kWh,FR\n"
        "2025-09-13,Platform,electricity.grid,500,kWh,FR\n"
        "2025-09-19,Video,electricity.grid,200,kWh,FR\n"
        "2025-10-03,Video,electricity.grid,300,kWh,FR\n",
    )
    out = importer.import_activities(company, ops)
    rep = out.repeated
    assert (rep.count, rep.total) == (2, 4)
    assert [r.line for r in rep.first] == [2, 4]
    assert rep.imports == ((1, "finance-export"),)
    assert rep.first[0].describe() == (
        "2025-09 Platform electricity.grid 1000 kWh, as in import 1 (finance-export)"
    )
    # Imported all the same (a warning): September counts 1000 kWh twice.
    # (1000 + 500 + 200) + (1000 + 500 + 200) kWh x 0.0461 = 156.74 kg.
    assert kg(company, "2025-09") == pytest.approx(3400 * 0.0461)


def test_strict_refuses_repeated_rows_and_writes_nothing(company, write, db_dump):
    importer.import_activities(company, write("sept.csv", SEPT))
    before = db_dump()
    again = write("again.csv", SEPT.replace("2025-09-19,Video", "2025-09-20,Video"))
    with pytest.raises(InputError) as exc:
        importer.import_activities(company, again, checks=importer.Checks(strict=True))
    assert "2 of 3 rows repeat rows already in the ledger" in str(exc.value)
    assert "--strict refuses it; nothing was written" in str(exc.value)
    assert [p.line for p in exc.value.problems] == [2, 3] and exc.value.total == 2
    assert db_dump() == before


def test_a_yearly_row_repeated_is_one_repeated_line_not_twelve(company, write):
    year = (
        HEADER.replace("region", "region,end")
        + "2025-01-01,Platform,electricity.grid,12000,kWh,FR,2025-12-31\n"
    )
    importer.import_activities(company, write("a.csv", year), source="a")
    out = importer.import_activities(
        company, write("b.csv", year + "2025-03-01,Video,electricity.grid,1,kWh,FR,\n"), source="b"
    )
    assert out.repeated.count == 1 and out.repeated.first[0].quantity == pytest.approx(12000)
    assert (
        out.repeated.first[0].first_month == "2025-01"
        and out.repeated.first[0].last_month == "2025-12"
    )


def test_replace_by_source_even_when_the_content_equals_another_import(company, write):
    # Source "october" was imported with the wrong file; the right one happens to be byte-identical
    # to the file imported as "september-resend". Before: "already imported", October kept wrong.
    importer.import_activities(company, write("sept.csv", SEPT), source="september-resend")
    wrong = importer.import_activities(
        company,
        write("oct.csv", HEADER + "2025-10-01,Video,electricity.grid,9999,kWh,FR\n"),
        source="october",
    )
    out = importer.import_activities(
        company, write("fixed.csv", SEPT), source="october", replace=True
    )
    assert not out.already_imported and out.replaced == (wrong.batch.id,)
    assert "2025-10" not in importer.months(company)  # the wrong October is gone
    # Now September is in twice, and the user is told so: 3 of 3 rows repeat import 1.
    assert out.repeated.count == 3 and out.repeated.imports == ((1, "september-resend"),)
    assert kg(company, "2025-09") == pytest.approx(2 * 1700 * 0.0461)
    # The same command again changes nothing.
    assert importer.import_activities(
        company, write("fixed.csv", SEPT), source="october", replace=True
    ).already_imported
    # Without --replace, identical content is still imported once.
    assert importer.import_activities(
        company, write("x.csv", SEPT), source="another"
    ).already_imported


def test_replacing_its_own_import_is_not_a_repeat(company, write):
    importer.import_activities(company, write("sept.csv", SEPT))
    out = importer.import_activities(
        company,
        write("sept.csv", SEPT + "2025-09-26,Video,electricity.grid,100,kWh,FR\n"),
        replace=True,
    )
    assert out.repeated is None and out.replaced == (1,)


def test_survey_employee_already_commuting_in_another_survey_is_refused(company, write, db_dump):
    # Survey of the Lyon office (Sep..Dec 2025), then an HR survey of everyone (Nov 2025..Feb 2026)
    # under another source name: E2 would commute twice in November and December.
    lyon = write(
        "lyon.csv", SURVEY + "E1,Platform,commute.metro,10,5,FR\nE2,Video,commute.metro,8,3,FR\n"
    )
    importer.import_survey(company, lyon, "2025-09", "2025-12")
    before = db_dump()
    hr = write(
        "hr.csv", SURVEY + "E3,Platform,commute.metro,5,5,FR\nE2,Video,commute.metro,8,3,FR\n"
    )
    with pytest.raises(InputError) as exc:
        importer.import_survey(company, hr, "2025-11", "2026-02")
    msg = str(exc.value)
    assert (
        "1 employee(s) already commute in import 1 (lyon.csv)" in msg
        and "a person commutes once" in msg
    )
    [p] = exc.value.problems
    assert (p.line, p.column, p.value) == (3, "employee", "E2")
    assert "for 2025-11..2025-12" in p.message
    assert db_dump() == before
    # Months that do not overlap are fine: the same people commute in other months.
    importer.import_survey(company, hr, "2026-01", "2026-02")
    # Ids of another numbering, on purpose.
    other = write("site2.csv", SURVEY + "E1,Video,commute.metro,2,5,FR\n")
    out = importer.import_survey(
        company, other, "2025-09", "2025-09", allow_repeated_employees=True
    )
    # Sept 2025 has 22 weekdays: 2 x 2 km x 22 x 5/5 = 88 passenger-km x 0.00444 = 0.39072 kg.
    assert out.batch.co2e_kg == pytest.approx(88 * 0.00444)


def test_survey_replace_of_its_own_source_is_not_a_clash(company, write):
    path = write("s.csv", SURVEY + "E1,Platform,commute.metro,10,5,FR\n")
    importer.import_survey(company, path, "2025-09", "2025-12")
    fixed = write("s.csv", SURVEY + "E1,Platform,commute.metro,12,5,FR\n")
    out = importer.import_survey(company, fixed, "2025-09", "2025-12", replace=True)
    assert out.replaced == (1,)


def test_the_same_employee_on_two_lines_is_refused(company, write):
    path = write(
        "s.csv",
        SURVEY + "E1,Platform,commute.metro,10,5,FR\nE2,Video,commute.metro,3,5,FR\n"
        "E1,Video,commute.metro,10,5,FR\n",
    )
    with pytest.raises(InputError) as exc:
        importer.import_survey(company, path, "2025-09", "2025-09")
    assert [(p.line, p.value) for p in exc.value.problems] == [(2, "E1"), (4, "E1")]
    assert "is on lines 2, 4" in exc.value.problems[0].message


def test_a_survey_imported_before_employees_were_kept_is_named(company, write, store):
    importer.import_survey(
        company,
        write("old.csv", SURVEY + "E1,Platform,commute.metro,10,5,FR\n"),
        "2025-09",
        "2025-12",
    )
    with store.transaction() as conn:  # as a database upgraded from revision 0005 holds it
        conn.execute(delete(survey_employees))
    out = importer.import_survey(
        company,  # not the same file (that is refused by its content): E1 again, and E2
        write(
            "new.csv",
            SURVEY + "E1,Platform,commute.metro,10,5,FR\nE2,Platform,commute.metro,10,5,FR\n",
        ),
        "2025-12",
        "2026-01",
    )
    [w] = out.unchecked_surveys
    assert w.startswith(
        "import 1 (old.csv) also covers 2025-12 but was imported before carbon recorded"
    )


def test_cli_prints_the_warning_and_strict_exits_1(run, write, db_dump):
    run("teams", "add", "Platform", "Video")
    run("import", "activities", write("sept.csv", SEPT))
    again = write("again.csv", SEPT)
    r = run("import", "activities", again, "--source", "again", "--replace")
    assert r.exit_code == 0 and "identical content was already imported as import 1" in r.stdout
    changed = write("changed.csv", SEPT + "2025-09-30,Video,electricity.grid,1,kWh,FR\n")
    before = db_dump()
    r = run("import", "activities", changed, "--strict")
    assert r.exit_code == 1 and "3 of 4 rows repeat" in r.stderr and "line 2:" in r.stderr
    assert db_dump() == before
    r = run("import", "activities", changed)
    assert r.exit_code == 0
    assert "changed.csv: 3 of 4 rows repeat" in r.stderr and "warning:" in r.stderr
    assert (
        "line 2: 2025-09 Platform electricity.grid 1000 kWh, as in import 1 (sept.csv)" in r.stderr
    )


def test_a_message_naming_a_long_path_stays_on_one_line(run, write):
    # The terminal (80 columns under the test runner) must not cut a message: a path or a figure
    # broken by a newline defeats grep and copy-paste. Tables may still fit the width.
    run("teams", "add", "Platform", "Video")
    run("import", "activities", write("sept.csv", SEPT))
    again = write(
        "a-file-name-long-enough-to-pass-the-width-of-an-eighty-column-terminal.csv", SEPT
    )
    r = run("import", "activities", again)
    assert r.exit_code == 0
    [line] = [ln for ln in r.stdout.splitlines() if "identical content" in ln]
    assert line.startswith(str(again)) and line.endswith("nothing changed")


def test_two_people_with_the_same_commute_in_two_surveys_are_not_repeated_rows(company, write):
    # E1 (Lyon) and E7 (Paris) both ride the metro 10 km, 5 days a week, in team Platform: equal
    # activity rows, different people. Surveys are checked by employee, not by row.
    importer.import_survey(
        company,
        write("lyon.csv", SURVEY + "E1,Platform,commute.metro,10,5,FR\n"),
        "2025-09",
        "2025-12",
    )
    out = importer.import_survey(
        company,
        write("paris.csv", SURVEY + "E7,Platform,commute.metro,10,5,FR\n"),
        "2025-09",
        "2025-12",
    )
    assert out.repeated is None
    # Sept..Dec 2025: 22 + 23 + 20 + 23 = 88 weekdays, less France's public holidays on a weekday
    # (11 November, 25 December): 86 working days; 2 x 10 km x 86 = 1,720 passenger-km each.
    assert out.batch.co2e_kg == pytest.approx(1720 * 0.00444)


def test_a_row_spread_over_many_years_is_checked_for_repeats(company, write):
    # One row spread over 2022-01..2026-11 (59 months, each at its own year's vintage): the repeat
    # check reads the new import's months in SQL (a subquery), never as a parameter list. Dates
    # before 1990 or more than a year ahead are refused at import, which bounds a row's months.
    row = "2022-01-01,Platform,electricity.grid,1000,kWh,FR,2026-11-30\n"
    spread = write("long.csv", "date,team,activity,quantity,unit,region,end\n" + row)
    first = importer.import_activities(company, spread)
    again = importer.import_activities(
        company,
        write(
            "again.csv",
            "date,team,activity,quantity,unit,region,end\n"
            + row
            + "2025-02-01,Video,electricity.grid,1,kWh,FR,\n",
        ),
    )
    assert first.batch.co2e_kg > 0
    assert again.repeated is not None and again.repeated.count == 1


def test_the_check_reads_the_new_import_by_id_range_whatever_the_statistics(
    company, write, monkeypatch
):
    """SQLite's planner with the statistics of a long history (5 M ledger rows, imports of 500 k
    rows each) must still read the new import's keys through its primary-key range (the batch's
    id bounds), never walk the whole (row_key, month) index or the table: either grew with the
    history (2.6 s at 1 M rows)."""
    from carbon.store import duplicates

    if company.engine.dialect.name != "sqlite":
        pytest.skip("SQLite's planner and statistics")
    importer.import_activities(company, write("sept.csv", SEPT), source="finance-export")
    second = importer.import_activities(company, write("ops.csv", SEPT.replace("1000", "1000.0")))
    with company.engine.begin() as conn:
        conn.exec_driver_sql("ANALYZE")
        conn.exec_driver_sql("DELETE FROM sqlite_stat1 WHERE tbl = 'ledger'")
        conn.exec_driver_sql(
            "INSERT INTO sqlite_stat1 VALUES ('ledger', 'ix_ledger_row_key_month', '5000000 1 1'), "
            "('ledger', NULL, '5000000')"
        )
    company.engine.dispose()  # new connections read the statistics
    seen: list[str] = []
    read = duplicates._columns

    def keep(conn, query):  # the key reads run on the DBAPI cursor: their SQL, as sent
        seen.append(
            str(query.compile(dialect=conn.dialect, compile_kwargs={"literal_binds": True}))
        )
        return read(conn, query)

    monkeypatch.setattr(duplicates, "_columns", keep)
    with company.engine.connect() as conn:
        found = duplicates.repeated_rows(conn, second.batch.id)
        plans = [
            row[3] for sql in seen for row in conn.exec_driver_sql("EXPLAIN QUERY PLAN " + sql)
        ]
    assert found is not None and found.count == 3  # the check itself still works
    assert len(seen) == 2
    on_ledger = [p for p in plans if p.split()[1:2] == ["ledger"]]
    by_id = [p for p in on_ledger if "INTEGER PRIMARY KEY (rowid>? AND rowid<?)" in p]
    assert len(by_id) == 2, plans  # the new import's keys, then its lines
    walks = [p for p in on_ledger if p.startswith("SCAN") or "row_key>" in p or "row_key<" in p]
    assert walks == []


def test_a_batch_is_read_through_the_primary_key_not_the_whole_ledger(company, write):
    """The ledger has no batch index (migration 0024): a batch's rows are read within the id
    bounds it keeps. On either backend, after a large import, the plan for one small import's
    rows is a primary-key range, not a scan of the ledger (that grew with the history)."""
    from sqlalchemy import select

    from carbon.store.schema import ledger, ledger_rows_of

    header = "date,team,activity,quantity,unit,region\n"
    days = [f"2025-{m:02d}-{d:02d}" for m in range(1, 13) for d in range(1, 29)]
    big = "".join(
        f"{day},Platform,electricity.grid,{i}.5,kWh,FR\n" for i in range(60) for day in days
    )
    importer.import_activities(company, write("year.csv", header + big))  # 20,160 rows
    small = importer.import_activities(
        company, write("small.csv", header + "2025-03-04,Video,electricity.grid,7,kWh,FR\n")
    )
    query = select(ledger.c.row_key).where(ledger_rows_of(small.batch.id))
    with company.engine.connect() as conn:
        sql = str(query.compile(dialect=conn.dialect, compile_kwargs={"literal_binds": True}))
        assert len(conn.execute(query).all()) == 1
        if conn.dialect.name == "postgresql":
            plan = json.dumps(conn.exec_driver_sql("EXPLAIN (FORMAT JSON) " + sql).scalar_one())
            assert '"Index Name": "ledger_pkey"' in plan, plan
            assert "Seq Scan" not in plan, plan
        else:
            plan = " | ".join(r[3] for r in conn.exec_driver_sql("EXPLAIN QUERY PLAN " + sql))
            assert "SEARCH ledger USING INTEGER PRIMARY KEY (rowid>? AND rowid<?)" in plan, plan
            assert "SCAN ledger" not in plan, plan
