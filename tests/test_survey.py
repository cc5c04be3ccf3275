"""Commuting survey: the weekday rule, passenger-km vs vehicle-km, car-sharing, bad rows."""

import pytest

from carbon.errors import InputError
from carbon.ledger import service as importer
from carbon.ledger import views as ledger

SURVEY = "employee,team,mode,one_way_km,days_on_site_per_week,region,occupants\n"


@pytest.fixture
def teams(store):
    importer.add_team(store, "Pedagogy")
    return store


@pytest.mark.parametrize(
    "month, weekdays",
    [
        # working days in France: weekdays less the public holidays falling on one
        ("2026-02", 20),
        ("2024-02", 21),
        ("2024-04", 22 - 1),  # Easter Monday, 1 April 2024
        ("2024-01", 23 - 1),  # New Year's Day, Monday 1 January 2024
    ],
)
def test_survey_rule_on_months_of_20_to_22_working_days(teams, write, month, weekdays):
    # Metro FR: ADEME 2025 is the only FR vintage (earlier months use it, with a warning).
    # km = 2 x 10 km x working days x 3 days / 5; CO2e = km x 0.00444 kg/passenger-km.
    path = write("s.csv", SURVEY + "E1,Pedagogy,commute.metro,10,3,FR,\n")
    importer.import_survey(teams, path, month, month)
    expected = 2 * 10 * weekdays * 3 / 5 * 0.00444
    assert ledger.monthly_report(teams, month).total == pytest.approx(expected, rel=1e-9)


def test_car_sharing_divides_a_vehicle_km_factor(teams, write):
    # Feb 2026 (20 weekdays), 4 days a week, 15 km one way: 2 x 15 x 20 x 4/5 = 480 passenger-km.
    # Petrol car FR 2025 0.16971 kg per vehicle-km; 2 occupants -> 240 vehicle-km -> 40.7304 kg.
    # Solo driver: 480 vehicle-km -> 81.4608 kg. Bus (per passenger-km, 0.12242): occupants ignored.
    path = write(
        "s.csv",
        SURVEY + "E1,Pedagogy,commute.car.petrol,15,4,FR,2\n"
        "E2,Pedagogy,commute.car.petrol,15,4,FR,\n"
        "E3,Pedagogy,commute.bus.diesel,15,4,FR,\n",
    )
    importer.import_survey(teams, path, "2026-02", "2026-02")
    total = ledger.monthly_report(teams, "2026-02").total
    assert total == pytest.approx(240 * 0.16971 + 480 * 0.16971 + 480 * 0.12242, rel=1e-9)


def test_survey_over_a_range_and_reimport(teams, write, db_dump):
    path = write("s.csv", SURVEY + "E1,Pedagogy,commute.metro,10,5,FR,\n")
    out = importer.import_survey(teams, path, "2024-01", "2024-04")
    assert out.batch.entry_count == 4  # one per month
    before = db_dump()
    assert importer.import_survey(teams, path, "2024-01", "2024-04").already_imported
    assert db_dump() == before
    # An overlapping range of the same survey would count the commute twice: refused.
    with pytest.raises(InputError, match="count its emissions twice"):
        importer.import_survey(teams, path, "2024-04", "2024-06")
    # A following range is fine.
    importer.import_survey(teams, path, "2024-05", "2024-06")


@pytest.mark.parametrize(
    "row, column, message",
    [
        ("E1,Pedagogy,commute.metro,10,6,FR,", "days_on_site_per_week", "from 0 to 5"),
        ("E1,Pedagogy,commute.metro,-2,3,FR,", "one_way_km", "expected a one-way distance"),
        ("E1,Pedagogy,commute.metro,5000,3,FR,", "one_way_km", "from 0 to 1000"),
        ("E1,Pedagogy,commute.car.petrol,10,3,FR,0", "occupants", ">= 1"),
        ("E1,Pedagogy,commute.metor,10,3,FR,", "mode", "did you mean 'commute.metro'"),
        ("E1,Pedagogy,electricity.grid,10,3,FR,", "mode", "expected a commuting mode"),
        ("E1,Pedagoggy,commute.metro,10,3,FR,", "team", "did you mean 'Pedagogy'"),
        ("E1,Pedagogy,commute.metro,10,3,XX,", "region", "factors exist for"),
    ],
)
def test_bad_survey_rows(teams, write, db_dump, row, column, message):
    path = write("s.csv", SURVEY + "E0,Pedagogy,commute.metro,10,3,FR,\n" + row + "\n")
    before = db_dump()
    with pytest.raises(InputError) as exc:
        importer.import_survey(teams, path, "2024-01", "2024-02")
    problems = exc.value.problems
    assert any(p.line == 3 and p.column == column and message in p.message for p in problems), (
        problems
    )
    assert db_dump() == before


def test_bad_range(teams, write):
    path = write("s.csv", SURVEY + "E1,Pedagogy,commute.metro,10,5,FR,\n")
    with pytest.raises(InputError, match="before"):
        importer.import_survey(teams, path, "2024-05", "2024-01")


def test_replace_refuses_to_lose_months_of_the_earlier_import(teams, write, db_dump):
    # The survey was imported for the whole of 2026; re-importing it for June..December with
    # --replace would remove the January..May commuting too (an import is removed whole).
    path = write("s.csv", SURVEY + "E1,Pedagogy,commute.metro,10,5,FR,\n")
    year = importer.import_survey(teams, path, "2026-01", "2026-12")
    march = ledger.monthly_report(teams, "2026-03").total
    assert march > 0
    before = db_dump()
    path.write_text(SURVEY + "E1,Pedagogy,commute.metro,12,5,FR,\n", encoding="utf-8")
    with pytest.raises(InputError) as exc:
        importer.import_survey(teams, path, "2026-06", "2026-12", replace=True)
    msg = str(exc.value)
    assert f"import {year.batch.id} covers 2026-01..2026-12" in msg
    assert "2026-01..2026-05 would lose their commuting emissions" in msg
    assert "--from 2026-01 --to 2026-12" in msg and f"carbon imports remove {year.batch.id}" in msg
    assert "Nothing was written" in msg
    assert db_dump() == before
    assert ledger.monthly_report(teams, "2026-03").total == march
    # A period that covers the earlier one swaps it, as before.
    swapped = importer.import_survey(teams, path, "2026-01", "2026-12", replace=True)
    assert swapped.replaced == (year.batch.id,)
    # 2 × 12 km × 22 weekdays (March 2026) × 5/5 × 0.00444 kg/passenger-km
    assert ledger.monthly_report(teams, "2026-03").total == pytest.approx(
        2 * 12 * 22 * 0.00444, rel=1e-9
    )


def test_replace_names_both_ends_lost(teams, write):
    path = write("s.csv", SURVEY + "E1,Pedagogy,commute.metro,10,5,FR,\n")
    importer.import_survey(teams, path, "2026-01", "2026-12")
    with pytest.raises(InputError, match=r"2026-01\.\.2026-03 and 2026-11\.\.2026-12 would lose"):
        importer.import_survey(teams, path, "2026-04", "2026-10", replace=True)


def test_same_survey_with_other_months_or_region_is_another_import(teams, write, db_dump):
    path = write(
        "s.csv",
        "employee,team,mode,one_way_km,days_on_site_per_week\nE1,Pedagogy,commute.metro,10,5\n",
    )
    gb = importer.import_survey(teams, path, "2026-01", "2026-02", default_region="GB")
    before = db_dump()
    with pytest.raises(InputError) as exc:
        importer.import_survey(teams, path, "2026-01", "2026-02", default_region="FR")
    assert "already imported with other options" in str(exc.value)
    assert "--from 2026-01 --to 2026-02 --region GB" in str(exc.value)
    assert db_dump() == before
    fr = importer.import_survey(
        teams, path, "2026-01", "2026-02", default_region="FR", replace=True
    )
    assert fr.replaced == (gb.batch.id,)
    # February 2026: 2 × 10 km × 20 weekdays × 0.00444 kg/passenger-km (ADEME FR)
    assert ledger.monthly_report(teams, "2026-02").total == pytest.approx(
        2 * 10 * 20 * 0.00444, rel=1e-9
    )


def test_each_bad_cell_is_listed_and_counted_once(teams, write):
    # Three months: each survey row becomes three activity rows, but a bad cell is one problem.
    path = write(
        "s.csv",
        SURVEY + "E0,Pedagogy,commute.metro,10,3,FR,\n"
        "E1,Pedagoggy,commute.metro,10,3,FR,\n"
        "E2,Pedagogy,commute.metor,10,3,FR,\n"
        "E3,Pedagogy,commute.metro,10,3,XX,\n"
        "E4,Pedagogy,commute.metro,-1,3,FR,\n",
    )
    with pytest.raises(InputError) as exc:
        importer.import_survey(teams, path, "2024-01", "2024-03")
    places = [(p.line, p.column) for p in exc.value.problems]
    assert places == [(3, "team"), (4, "mode"), (5, "region"), (6, "one_way_km")]
    assert exc.value.total == 4 and "(4 problems)" in str(exc.value)
