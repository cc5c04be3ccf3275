"""Business travel (GHG Protocol scope 3 category 6) is its own category, not commuting (category 7)."""

import json

import pytest

from carbon.factors import tables as F

HEADER = "date,team,activity,quantity,unit,region\n"
SURVEY = "employee,team,mode,one_way_km,days_on_site_per_week,region,occupants\n"


@pytest.fixture
def sales(run, write):
    run("teams", "add", "Sales")
    # A small company's own September: one Paris-Edinburgh return (2 x 1,060 km) in economy,
    # two nights in an Edinburgh hotel, one London-Manchester return by train (2 x 262 km),
    # and 40 km by taxi. DESNZ 2024 (factors/desnz_2024_travel_gb.csv):
    #   flight, short-haul to/from UK, economy, with RF:    2,120 pkm x 0.18287 = 387.6844 kg
    #   hotel, UK, per room per night:                           2 x 10.4    =  20.8 kg
    #   national rail:                                       524 pkm x 0.03546 =  18.58104 kg
    #   taxi:                                                 40 pkm x 0.14861 =   5.9444 kg
    #   total                                                                   = 433.00984 kg
    #   (JSON rounds to the gram: 433.010)
    r = run(
        "import",
        "activities",
        write(
            "travel.csv",
            HEADER + "2026-09-08,Sales,travel.flight.short_haul.economy.rf,2120,passenger_km,FR\n"
            "2026-09-08,Sales,travel.hotel.night,2,room_night,GB\n"
            "2026-09-15,Sales,travel.rail.national,524,pkm,GB\n"
            "2026-09-15,Sales,travel.taxi,40,passenger_km,GB\n",
        ),
    )
    assert r.exit_code == 0, r.output
    return run


def test_business_travel_is_its_own_category_in_scope_3(sales):
    data = json.loads(sales("report", "monthly", "--month", "2026-09", "--format", "json").stdout)
    (team,) = data["teams"]
    assert team["by_category"] == {"travel": pytest.approx(433.00984, abs=0.0005)}
    assert team["by_scope"] == {"3": pytest.approx(433.00984, abs=0.0005)}
    assert "commuting" not in team["by_category"]


def test_radiative_forcing_is_a_choice_of_key_not_a_hidden_multiplier():
    t = F.build_table(F.load_shipped())
    # DESNZ 2024, short-haul to/from UK, economy: 0.10794 without RF, 0.18287 with RF (IDs
    # 21_316_3165_11_1 and 21_316_3164_11_1); long-haul first class: 0.47246 and 0.80040.
    plain = t.resolve("travel.flight.short_haul.economy", "", 2026).factor
    rf = t.resolve("travel.flight.short_haul.economy.rf", "", 2026).factor
    assert (plain.value, rf.value) == (0.10794, 0.18287)
    assert "WITHOUT radiative forcing" in plain.boundary and "WITH radiative forcing" in rf.boundary
    assert t.resolve("travel.flight.long_haul.first", "", 2026).factor.value == 0.47246
    assert t.resolve("travel.flight.long_haul.first.rf", "", 2026).factor.value == 0.8004
    # DESNZ publishes no first class on short-haul flights: no row, so an error, never a guess.
    assert "travel.flight.short_haul.first" not in t.by_key
    for f in t.all():
        if f.activity.startswith("travel."):
            assert f.category == "travel" and f.scope == 3 and f.boundary and f.source_ref, f.origin


def test_hotel_nights_by_country_and_an_unlisted_country_is_an_error(run, write):
    t = F.build_table(F.load_shipped())
    # DESNZ 2024 'Hotel stay', kg CO2e per room per night: France 6.7, Germany 13.2, US 16.1.
    assert [t.resolve("travel.hotel.night", c, 2026).factor.value for c in ("FR", "DE", "US")] == [
        6.7,
        13.2,
        16.1,
    ]
    run("teams", "add", "Sales")
    r = run(
        "import",
        "activities",
        write("h.csv", HEADER + "2026-09,Sales,travel.hotel.night,3,room_night,NZ\n"),
    )
    assert r.exit_code == 1 and "travel.hotel.night" in r.stderr and "'NZ'" in r.stderr
    r = run(
        "import",
        "activities",
        write("h.csv", HEADER + "2026-09,Sales,travel.hotel.night,3,km,FR\n"),
    )
    assert r.exit_code == 1 and "line 2" in r.stderr  # a distance is not a room-night


def test_a_commuting_survey_refuses_a_travel_key(run, write):
    run("teams", "add", "Sales")
    r = run(
        "import",
        "commuting-survey",
        write("s.csv", SURVEY + "E1,Sales,travel.car.petrol,15,4,GB,\n"),
        "--from",
        "2026-09",
        "--to",
        "2026-09",
    )
    assert r.exit_code == 1 and "travel" in r.stderr and "commuting mode" in r.stderr
