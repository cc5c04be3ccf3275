"""carbon import flights: a booking tool's export (airport codes) -> business-travel passenger-km,
checked against hand computations of the great-circle distance, the 8 % uplift and DESNZ's bands."""

import json
import math

import pytest

HEADER = "date,team,origin,destination,class,return,passengers,rf\n"
# A small company's March 2026 bookings.
FLIGHTS = (
    HEADER
    + (
        "2026-03-10,Sales,TLS,ORY,economy,,,no\n"  # line 2: within France
        "2026-03-12,Sales,LHR,BCN,business,yes,,no\n"  # line 3: a European route, return
        "2026-03-20,Platform,CDG,JFK,economy,,2,\n"  # line 4: transatlantic, 2 passengers, rf default (yes)
        "2026-03-25,Platform,lhr,edi,business,,,no\n"  # line 5: UK domestic, business
    )
)


def great_circle(lat1, lon1, lat2, lon2, r=6371.0):
    """Haversine, written out again here (not carbon's code)."""
    p1, p2, dp, dl = map(math.radians, (lat1, lat2, lat2 - lat1, lon2 - lon1))
    return (
        2
        * r
        * math.asin(
            math.sqrt(math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2)
        )
    )


# Coordinates of factors/airports/airports.csv: TLS 43.6291 1.36382, ORY 48.7253 2.35944,
# LHR 51.4706 -0.46194, BCN 41.2971 2.07846, CDG 49.0128 2.55, JFK 40.639928 -73.778692, EDI 55.95 -3.3725.
TLS_ORY = great_circle(43.6291, 1.36382, 48.7253, 2.35944)  # 571.8 km
LHR_BCN = great_circle(51.4706, -0.46194, 41.2971, 2.07846)  # 1,147.7 km
CDG_JFK = great_circle(49.0128, 2.55, 40.639928, -73.778692)  # 5,833.6 km
LHR_EDI = great_circle(51.4706, -0.46194, 55.95, -3.3725)  # 533.5 km
# passenger-km = km x 1.08 x passengers x (2 if return); DESNZ 2024 factors (factors/desnz_2024_travel_gb.csv):
PKM = {
    2: TLS_ORY
    * 1.08,  # 617.6 pkm; neither airport in the UK: international, economy, no RF: 0.07948
    3: LHR_BCN
    * 1.08
    * 2,  # 2,479.1 pkm; to/from the UK, 1,148 km < 3,700: short-haul business: 0.16191
    4: CDG_JFK * 1.08 * 2,  # 12,600.6 pkm; international economy with RF: 0.13465
    5: LHR_EDI * 1.08,  # 576.2 pkm; UK domestic: DESNZ publishes average only: 0.16098
}
KEY = {
    2: "travel.flight.international.economy",
    3: "travel.flight.short_haul.business",
    4: "travel.flight.international.economy.rf",
    5: "travel.flight.domestic.average",
}
FACTOR = {2: 0.07948, 3: 0.16191, 4: 0.13465, 5: 0.16098}
KG = {line: PKM[line] * FACTOR[line] for line in PKM}  # 49.08, 401.39, 1,696.67, 92.76 kg


@pytest.fixture
def booked(run, write):
    run("teams", "add", "Sales", "Platform")
    r = run("import", "flights", write("bookings.csv", FLIGHTS))
    assert r.exit_code == 0, r.output
    return run, r


def test_distances_bands_and_kg_against_hand_computations(booked):
    run, r = booked
    assert TLS_ORY == pytest.approx(571.8, abs=0.1) and CDG_JFK == pytest.approx(5833.6, abs=0.1)
    # The domestic business flight falls back to DESNZ's only domestic class, and the import says so.
    assert (
        "domestic flights: DESNZ publishes no 'business' factor for this band; 1 row(s) used 'average'"
        in " ".join(r.output.split())
    )
    r = run("report", "sources", "--month", "2026-03", "--format", "json")
    assert r.exit_code == 0, r.output
    rows = json.loads(r.stdout)["sources"]
    flights = {f["line"]: (s, f) for s in rows for f in s.get("flights", ())}
    assert sorted(flights) == [2, 3, 4, 5]
    for line, (src, f) in flights.items():
        assert src["activity"] == KEY[line]
        assert f["passenger_km"] == pytest.approx(PKM[line], abs=1e-5)
        assert f["co2e_kg"] == pytest.approx(KG[line], abs=1e-5)
        assert f["uplift_pct"] == 8
    tls = flights[2][1]
    assert (
        tls["route"],
        tls["band"],
        tls["class"],
        tls["return"],
        tls["passengers"],
        tls["rf"],
    ) == ("TLS-ORY", "international", "economy", False, 1, False)
    assert flights[2][1]["distance_km"] == pytest.approx(TLS_ORY, abs=0.001)
    assert (flights[3][1]["band"], flights[3][1]["return"]) == ("short_haul", True)
    assert (flights[4][1]["band"], flights[4][1]["passengers"], flights[4][1]["rf"]) == (
        "international",
        2,
        True,
    )
    assert (flights[5][1]["route"], flights[5][1]["class"], flights[5][1]["class_used"]) == (
        "LHR-EDI",
        "business",
        "average",
    )
    d = json.loads(run("report", "monthly", "--month", "2026-03", "--format", "json").stdout)
    assert d["total"] == pytest.approx(sum(KG.values()))  # 2,239.9 kg
    table = run("report", "sources", "--month", "2026-03").output
    assert "Flights (by airport code)" in table and "CDG-JFK" in table and "uplift 8 %" in table


def test_long_haul_from_the_uk_is_split_at_3700_km(run, write):
    from carbon.ingest.flights import band_of

    assert (
        band_of("GB", "US", 3699.9) == "short_haul" and band_of("US", "GB", 3700.0) == "long_haul"
    )
    assert band_of("GB", "GB", 500) == "domestic" and band_of("FR", "US", 9000) == "international"
    run("teams", "add", "Sales")
    r = run(
        "import",
        "flights",
        write(
            "f.csv",
            "date,team,origin,destination,class\n2026-04-02,Sales,LHR,JFK,premium_economy\n",
        ),
    )
    assert r.exit_code == 0, r.output
    s = json.loads(run("report", "sources", "--month", "2026-04", "--format", "json").stdout)[
        "sources"
    ]
    # LHR 51.4706 -0.46194 -> JFK 40.639928 -73.778692: long-haul, premium economy published, RF by default
    km = great_circle(51.4706, -0.46194, 40.639928, -73.778692)  # 5,539.7 km
    assert km > 3700
    assert s[0]["activity"] == "travel.flight.long_haul.premium_economy.rf"
    assert s[0]["co2e_kg"] == pytest.approx(km * 1.08 * 0.32015, rel=1e-9)


def test_unknown_and_city_codes_are_refused_naming_the_airports(run, write):
    run("teams", "add", "Sales")
    r = run(
        "import",
        "flights",
        write(
            "bad.csv",
            "date,team,origin,destination,class,return\n"
            "2026-03-10,Sales,PAR,JFK,economy,\n"
            "2026-03-11,Sales,CDG,JKF,economy,\n"
            "2026-03-12,Sales,CDG,CDG,economy,\n"
            "2026-03-13,Sales,CDG,NCE,bussiness,\n"
            "2026-03-14,Sales,CDG,NCE,economy,maybe\n"
            "2026-03-15,Slaes,CDG,NCX,economy,\n",
        ),
    )
    assert r.exit_code == 1
    text = " ".join(r.output.split())
    assert "bad.csv" in text and "line 2" in text and "origin" in text
    assert (
        "PAR is the city code of Paris, not an airport; expected one of its airports: CDG" in text
        and "ORY" in text
    )
    assert (
        "line 3" in text
        and "unknown IATA airport code 'JKF' (did you mean JFK (John F Kennedy" in text
    )
    assert "line 4" in text and "expected another airport than the origin" in text
    assert "line 5" in text and "did you mean 'business'" in text
    assert "line 6" in text and "expected yes or no (empty: no)" in text
    # A row with a bad code is still checked for its team: one listing names every problem.
    assert (
        "line 7" in text
        and "unknown IATA airport code 'NCX'" in text
        and "unknown team 'Slaes'" in text
    )
    assert "nothing was written" in text
    assert "no imports yet" in run("imports", "list").output


def test_repeated_import_follows_the_rules_of_every_import(booked, write):
    run, _ = booked
    r = run("import", "flights", write("bookings.csv", FLIGHTS))
    assert r.exit_code == 0 and "already imported" in r.output
    r = run("import", "flights", write("bookings.csv", FLIGHTS.replace(",2,\n", ",1,\n")))
    assert r.exit_code == 1 and "--replace" in r.output
    r = run(
        "import", "flights", write("bookings.csv", FLIGHTS.replace(",2,\n", ",1,\n")), "--replace"
    )
    assert r.exit_code == 0, r.output
    s = json.loads(run("report", "sources", "--month", "2026-03", "--format", "json").stdout)[
        "sources"
    ]
    one = [f for x in s for f in x.get("flights", ()) if f["route"] == "CDG-JFK"]
    assert [f["passengers"] for f in one] == [1]  # the replaced import's flights are gone
    assert one[0]["passenger_km"] == pytest.approx(CDG_JFK * 1.08)  # one passenger, one way


def test_flights_outside_the_uk_banded_by_distance_when_the_config_says_so(run, write):
    config = write("carbon.toml", '[flights]\nnon_uk_bands = "distance"\n')
    run("teams", "add", "Sales", "Platform")
    r = run("import", "flights", write("bookings.csv", FLIGHTS), "--config", config)
    assert r.exit_code == 0, r.output
    assert (
        "2 flight(s) neither starting nor ending in the UK banded by distance (short-haul under "
        '3,700 km, long-haul beyond: [flights] non_uk_bands = "distance")'
        in " ".join(r.output.split())
    )
    rows = json.loads(run("report", "sources", "--month", "2026-03", "--format", "json").stdout)
    flights = {f["line"]: (s, f) for s in rows["sources"] for f in s.get("flights", ())}
    # DESNZ 2024 (factors/desnz_2024_travel_gb.csv); the UK flights (lines 3 and 5) are unchanged.
    # TLS-ORY 571.8 km < 3,700: short-haul economy, no RF 0.10794: 617.6 pkm x 0.10794 = 66.66 kg
    # CDG-JFK 5,833.6 km >= 3,700: long-haul economy with RF 0.20011: 12,600.6 pkm x 0.20011 = 2,521.5 kg
    distance = {
        2: ("travel.flight.short_haul.economy", PKM[2] * 0.10794),
        3: (KEY[3], KG[3]),
        4: ("travel.flight.long_haul.economy.rf", PKM[4] * 0.20011),
        5: (KEY[5], KG[5]),
    }
    for line, (key, kg) in distance.items():
        src, f = flights[line]
        assert src["activity"] == key
        assert f["co2e_kg"] == pytest.approx(kg, abs=1e-5)
        assert f["passenger_km"] == pytest.approx(PKM[line], abs=1e-5)
    assert (flights[2][1]["band"], flights[4][1]["band"]) == ("short_haul", "long_haul")
    assert PKM[2] * 0.10794 == pytest.approx(66.66, abs=0.01)
    assert PKM[4] * 0.20011 == pytest.approx(2521.5, abs=0.1)


def test_an_unknown_non_uk_bands_setting_is_refused(run, write):
    config = write("carbon.toml", '[flights]\nnon_uk_bands = "km"\n')
    run("teams", "add", "Sales", "Platform")
    r = run("import", "flights", write("bookings.csv", FLIGHTS), "--config", config)
    assert r.exit_code != 0
    assert "flights.non_uk_bands" in r.output and '"distance"' in r.output
    r = run("imports", "list")
    assert r.exit_code == 0 and "no imports yet" in r.output.lower()  # nothing was written


def test_a_month_s_flights_are_read_by_import_never_by_scanning_the_ledger(
    booked, run, store, write
):
    # `report sources` reads each leg's entries within its import's id bounds (no batch index
    # since migration 0024): on either backend the plan reads the ledger through its primary
    # key, so its cost follows the flights, not the history (a large import is in the ledger).
    import json as _json

    from sqlalchemy.dialects import postgresql, sqlite

    from carbon.store import flights as stored_flights

    header = "date,team,activity,quantity,unit,region\n"
    big = "".join(
        f"2026-03-{d:02d},Platform,electricity.grid,{i}.5,kWh,FR\n"
        for i in range(200)
        for d in range(1, 29)
    )
    r = run("import", "activities", write("big.csv", header + big))
    assert r.exit_code == 0, r.output
    seen: list = []
    with store.engine.connect() as conn:
        legs = stored_flights.month_legs(conn, "2026-03")
        assert legs  # the check itself still finds the legs
        original = conn.execute

        def keep(q, *a, **k):
            seen.append(q)
            return original(q, *a, **k)

        conn.execute = keep  # type: ignore[method-assign]
        stored_flights.month_legs(conn, "2026-03")
        conn.execute = original  # type: ignore[method-assign]
        dialect = postgresql.dialect() if conn.dialect.name == "postgresql" else sqlite.dialect()
        sql = str(seen[-1].compile(dialect=dialect, compile_kwargs={"literal_binds": True}))
        if conn.dialect.name == "postgresql":
            conn.exec_driver_sql("SET enable_seqscan = off")  # a small table: force the choice
            plan = _json.dumps(conn.exec_driver_sql("EXPLAIN (FORMAT JSON) " + sql).scalar_one())
            assert '"Relation Name": "ledger"' in plan and "ledger_pkey" in plan, plan
        else:
            plan = " | ".join(r[3] for r in conn.exec_driver_sql("EXPLAIN QUERY PLAN " + sql))
            assert "SCAN lg" not in plan and "SCAN ledger" not in plan, plan
            assert "INTEGER PRIMARY KEY (rowid>? AND rowid<?)" in plan, plan


def test_passengers_are_a_count_in_digits(run, write, db_url):
    # "1e2" read as 100 passengers (a spreadsheet's notation): refused, as "2.0" and "-1" are.
    run("teams", "add", "Sales")
    rows = "".join(
        f"2026-03-1{i},Sales,CDG,NCE,economy,,{p},\n"
        for i, p in enumerate(["1e2", "2.0", "-1", " 3 "])
    )
    r = run("import", "flights", write("p.csv", HEADER + rows))
    assert r.exit_code == 1
    text = " ".join(r.output.split())
    for line in (2, 3, 4):  # 1e2, 2.0, -1
        assert f"line {line}, column 'passengers': expected a whole number" in text, line
    assert "line 5" not in text  # " 3 " is three passengers
