"""Factor tables: validation, the resolution rule, derived factors, the shipped tables."""

import csv

import pytest

from carbon import factors as F
from carbon.derived import derive_all
from carbon.errors import FactorNotFound, InputError
from carbon.model import Factor
from carbon.resources import shipped_dir


def fac(activity="electricity.grid", region="", year=2020, value=1.0, unit="kg CO2e / kWh"):
    return Factor(activity, region, year, value, unit, "infrastructure", 2, "test source")


def table(*rows):
    return F.build_table(rows, coefficients={})


def test_region_match_wins_over_any_region():
    t = table(fac(region="", value=0.4), fac(region="FR", value=0.05))
    r = t.resolve("electricity.grid", "FR", 2020)
    assert r.factor.value == 0.05 and not r.region_fallback


def test_region_fallback_to_any_region_row():
    t = table(fac(region="", value=0.4), fac(region="FR", value=0.05))
    r = t.resolve("electricity.grid", "JP", 2020)
    assert r.factor.value == 0.4 and r.region_fallback


def test_no_region_row_and_no_any_region_row_is_an_error_not_zero():
    t = table(fac(region="FR"), fac(region="GB"))
    with pytest.raises(FactorNotFound, match="factors exist for: FR, GB"):
        t.resolve("electricity.grid", "DE", 2020)


def test_vintage_latest_not_after_activity_year():
    t = table(fac(year=2019, value=1), fac(year=2021, value=2), fac(year=2023, value=3))
    assert t.resolve("electricity.grid", "", 2022).factor.value == 2
    assert t.resolve("electricity.grid", "", 2021).factor.value == 2
    assert t.resolve("electricity.grid", "", 2030).factor.value == 3
    assert t.resolve("electricity.grid", "", 2022).vintage_warning is None


def test_vintage_all_later_uses_earliest_with_warning():
    t = table(fac(year=2023, value=3), fac(year=2024, value=4))
    r = t.resolve("electricity.grid", "", 2020)
    assert r.factor.value == 3
    assert "no factor vintage for 2020" in r.vintage_warning


def test_unknown_key_suggests():
    t = table(fac(activity="commute.car.petrol", unit="kg CO2e / km"))
    with pytest.raises(FactorNotFound, match="did you mean 'commute.car.petrol'"):
        t.resolve("commute.car.petrl", "", 2020)


def test_merge_user_overrides_same_key_region_year():
    shipped = [fac(value=1.0)]
    user = [fac(value=2.0)]
    assert F.build_table(F.merge(shipped, user), coefficients={}).resolve(
        "electricity.grid", "", 2020).factor.value == 2.0


def test_factor_file_problems_are_all_listed(write):
    path = write("f.csv", """
        activity,region,year,value,unit,category,scope,source
        commute.car.petrol,FR,2025,0.17,kg CO2e / km,commuting,3,ADEME
        Commute Car,FR,2025,0.17,kg CO2e / km,commuting,3,ADEME
        commute.bus,FR,25,-1,kg / km,commuting,4,
        commute.car.petrol,FR,2025,0.2,kg CO2e / km,commuting,3,ADEME
    """)
    with pytest.raises(InputError) as exc:
        F.read_factor_file(path, "f.csv")
    where = {(p.line, p.column) for p in exc.value.problems}
    assert (3, "activity") in where
    assert {(4, "year"), (4, "value"), (4, "unit"), (4, "scope"), (4, "source")} <= where
    assert (5, "activity") in where  # duplicate of line 2
    assert any("duplicate of line 2" in p.message for p in exc.value.problems)


def test_derived_cloud_factor_matches_hand_computation():
    # CCF method, AWS, eu-west-3 grid 0.0000511 t CO2e/kWh (CCF, EEA 2022):
    # average W/vCPU = 0.74 + 0.50 x (3.5 - 0.74) = 2.12 W; x PUE 1.135 = 2.4062 Wh per vCPU-hour
    # x 0.0511 kg CO2e/kWh = 0.00012295682 kg CO2e per vCPU-hour.
    t = F.build_table(F.load_shipped())
    f = t.resolve("cloud.aws.vcpu_hour", "aws:eu-west-3", 2024).factor
    assert f.value == pytest.approx(2.12 * 1.135 * 0.0511 / 1000, rel=1e-9)
    assert f.unit == "kg CO2e / vCPU_hour" and f.scope == 3
    assert "PUE 1.135" in f.source
    # Storage SSD: 1.2 Wh per TB-hour x 1.135 x 0.0511 kg/kWh, per GB-month = 730.5 h (pint: 1/12 of a 365.25-day year)
    s = t.resolve("cloud.aws.storage_ssd_gb_month", "aws:eu-west-3", 2024).factor
    assert s.value == pytest.approx(1.2 / 1000 * 730.5 * 1.135 * 0.0511 / 1000, rel=1e-9)


def test_derived_streaming_resolution_factor_matches_hand_computation():
    # HD: 3 GB/h (ADEME) x 0.008 kWh/GB (Mytton et al. 2019) x 0.0461 kg/kWh (ADEME FR 2025)
    # = 0.0011064 kg = 1.1064 g CO2e per hour.
    t = F.build_table(F.load_shipped())
    f = t.resolve("streaming.video.hd", "FR", 2025).factor
    assert f.value == pytest.approx(1.1064, rel=1e-9) and f.unit == "g CO2e / hour"
    uhd = t.resolve("streaming.video.uhd", "FR", 2025).factor
    assert uhd.value / f.value == pytest.approx(7 / 3, rel=1e-12)


def test_user_grid_factor_feeds_derived_cloud_factors():
    base = F.load_shipped()
    user = [Factor("electricity.grid", "aws:eu-central-1", 2024, 0.3, "kg CO2e / kWh", "infrastructure", 2, "me")]
    derived = {f.activity: f for f in derive_all(user, F.load_coefficients())}
    assert derived["cloud.aws.network_gb"].value == pytest.approx(0.001 * 1.135 * 0.3, rel=1e-9)
    t = F.build_table(F.merge(base, user))
    assert t.resolve("cloud.aws.network_gb", "aws:eu-central-1", 2024).factor.region == "aws:eu-central-1"


def test_shipped_tables_load_and_every_row_is_sourced():
    shipped = F.load_shipped()  # raises on a conflict between two tables
    assert len(shipped) > 50
    for f in shipped:
        assert f.source and f.source_ref, f.origin
        assert f.scope in (1, 2, 3)
        assert f.boundary, f"{f.origin}: state the boundary"


def test_shipped_coverage():
    t = F.build_table(F.load_shipped())
    for region in ("FR", "GB", "DE", "IE", "US", "EU"):
        assert not t.resolve("electricity.grid", region, 2024).region_fallback, region
    for year in (2023, 2024):
        assert t.resolve("commute.car.petrol", "GB", year).factor.year == year
    assert t.resolve("commute.metro", "FR", 2025).factor.unit == "kg CO2e / passenger_km"
    assert t.resolve("streaming.video.hour", "EU", 2021).factor.value == 55     # Carbon Trust 2021
    assert t.resolve("streaming.video.hour", "", 2021).factor.value == 36       # IEA
    for key in ("cloud.aws.vcpu_hour", "cloud.aws.memory_gb_hour", "cloud.aws.storage_ssd_gb_month",
                "cloud.aws.storage_hdd_gb_month", "cloud.aws.network_gb"):
        assert t.resolve(key, "aws:eu-west-3", 2025).factor.value > 0


def test_hand_checked_published_values():
    """A few shipped values against their publications (see source_ref in each table)."""
    t = F.build_table(F.load_shipped())
    assert t.resolve("commute.car.petrol", "GB", 2024).factor.value == 0.1645    # DESNZ 2024
    assert t.resolve("commute.car.petrol", "FR", 2025).factor.value == 0.16971   # ADEME 2025
    assert t.resolve("electricity.grid", "FR", 2024).factor.value == 0.0519      # ADEME 2024
    us = t.resolve("electricity.grid", "US", 2022).factor                          # eGRID2022
    assert (us.value, us.unit) == (827.5, "lb CO2e / MWh")


def test_no_flagged_reference_rows_shipped_as_plain_factors():
    # Values the reference marks DERIVED/OUTDATED/DISCREDITED/UPPER BOUND must not be default factors.
    flagged = {("commute.carpool.2", "0.07113"), ("streaming.video.hour.shift_2019", "3200"),
               ("streaming.video.hour.netflix", "100"), ("electricity.grid", "105")}
    for path in sorted(shipped_dir("factors").glob("*.csv")):
        if path.name.endswith(("_coefficients.csv", "uncertainty.csv", "prices.csv", "regions.csv")):
            continue
        with open(path, encoding="utf-8") as fh:
            for row in csv.DictReader(fh):
                assert (row["activity"], row["value"]) not in flagged, path.name


# ---- carbon factors list / show ------------------------------------------------------------

def test_factors_list_filters_and_shows_provenance(run):
    import csv as csv_mod
    import io
    import json

    r = run("factors", "list", "--search", "electricity.grid", "--region", "FR", "--format", "csv")
    assert r.exit_code == 0, r.output
    rows = {int(x["year"]): x for x in csv_mod.DictReader(io.StringIO(r.stdout))}
    # ADEME Base Empreinte, French consumption mix 2024: 0.0519 kg CO2e / kWh (ademe_2024_grid_fr.csv)
    assert rows[2024]["value"] == "0.0519" and rows[2024]["unit"] == "kg CO2e / kWh"
    assert rows[2024]["source"].startswith("ADEME") and "consumption mix" in rows[2024]["boundary"]
    assert all(x["region"] == "FR" and x["activity"] == "electricity.grid" for x in rows.values())
    r = run("factors", "list", "--category", "commuting", "--format", "json")
    assert r.exit_code == 0 and {f["category"] for f in json.loads(r.stdout)} == {"commuting"}
    r = run("factors", "list", "--search", "electricity.grid", "--region", "FR")
    assert "0.0519" in r.stdout and "lifecycle" in r.stdout  # the boundary is in the table too
    assert "electricity…" not in r.stdout  # a key is folded in a narrow terminal, never cut


def test_factors_show_a_key_and_a_typo(run):
    r = run("factors", "show", "electricity.grid")
    assert r.exit_code == 0 and "region FR" in r.stdout and "boundary" in r.stdout and "source" in r.stdout
    r = run("factors", "show", "electricity.grdi")
    assert r.exit_code == 1 and "did you mean 'electricity.grid'" in r.stderr
