"""Factor tables: validation, the resolution rule, derived factors, the shipped tables."""

import csv
import re

import pytest

from carbon.core.resources import shipped_dir
from carbon.errors import FactorNotFound, InputError
from carbon.factors import tables as F
from carbon.factors.derived import derive_all
from carbon.model import Factor


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
    assert (
        F.build_table(F.merge(shipped, user), coefficients={})
        .resolve("electricity.grid", "", 2020)
        .factor.value
        == 2.0
    )


def test_factor_file_problems_are_all_listed(write):
    path = write(
        "f.csv",
        """
        activity,region,year,value,unit,category,scope,source
        commute.car.petrol,FR,2025,0.17,kg CO2e / km,commuting,3,ADEME
        Commute Car,FR,2025,0.17,kg CO2e / km,commuting,3,ADEME
        commute.bus,FR,25,-1,kg / km,commuting,4,
        commute.car.petrol,FR,2025,0.2,kg CO2e / km,commuting,3,ADEME
    """,
    )
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
    # ADEME impactCO2, default HD hour in France (usagenumerique.ts, slug streamingvideo), kg CO2e:
    # device manufacture 0.0327361035, device use 0.002903607, data-centre construction 0.000236636
    # (per hour), transmission 0.02780804 and data-centre use 0.00033236641 (for 3 GB, per GB).
    # Per hour 35.8763465 g; per GB (27.80804 + 0.33236641) / 3 = 9.38013547 g.
    # SD 0.7 GB: 35.8763465 + 0.7 x 9.38013547 = 42.442441 g; HD 3 GB: 64.0167529 g (the sum of the
    # published components: ADEME's per-hour total, rounded to 64); UHD 7 GB: 101.537295 g.
    t = F.build_table(F.load_shipped())
    sd, hd, uhd = (
        t.resolve(f"streaming.video.{r}", "FR", 2025).factor for r in ("sd", "hd", "uhd")
    )
    assert sd.value == pytest.approx(42.442441329, rel=1e-9) and sd.unit == "g CO2e / hour"
    assert hd.value == pytest.approx(64.01675291, rel=1e-9)
    assert uhd.value == pytest.approx(101.53729479, rel=1e-9)
    per_hour = t.resolve("streaming.video.hour", "FR", 2025).factor
    assert hd.value == pytest.approx(per_hour.value, rel=5e-4)  # same boundary, same figure
    assert (
        "lifecycle" in hd.boundary and "lifecycle" in per_hour.boundary and "device" in hd.boundary
    )
    gb = t.resolve("streaming.data_transfer", "FR", 2025).factor
    assert (gb.value, gb.unit) == (pytest.approx(9.38013547, rel=1e-9), "g CO2e / GB")
    # Resolution is a real lever: SD -> HD adds 2.3 GB x 9.38 g = 21.57 g per hour.
    assert hd.value - sd.value == pytest.approx(2.3 * gb.value, rel=1e-9)


def test_streaming_transmission_matches_the_published_network_factor():
    # publicodes-acv-numerique src/transmission.publicodes: 'facteur reseau fixe FR' 9.26934695867389 g/GB;
    # impactCO2's HD hour (3 GB) shows 27.80804 g of transmission: 3 x 9.26934696 = 27.80804.
    coef = F.load_coefficients()
    assert coef["streaming.fr.transmission"].value * 1000 / 3 == pytest.approx(
        9.26934695867389, rel=1e-6
    )


def test_no_network_only_resolution_factor_is_shipped():
    # A per-resolution factor on the core-network boundary weighed 58x less than the per-hour one
    # it was summed with. FR has the full model; every other region with a per-hour factor gets
    # that factor scaled by resolution (HD = the hour), on the hour's own boundary.
    t = F.build_table(F.load_shipped())
    assert {f.region for f in t.by_key["streaming.video.hd"]} == {"FR", "EU", ""}
    eu = t.resolve("streaming.video.hd", "EU", 2025).factor
    hour = t.resolve("streaming.video.hour", "EU", 2025).factor
    assert (eu.value, eu.unit) == (hour.value, hour.unit) and eu.boundary.endswith(hour.boundary)
    for f in t.by_key["streaming.video.sd"]:
        assert "network transmission only" not in f.boundary
    for f in t.all():
        if f.category == "streaming":
            assert f.boundary, f"{f.activity} {f.region}: state the boundary"
    # Outside the full model, data transfer is the network path, and says so.
    de = t.resolve("streaming.data_transfer", "DE", 2025).factor
    assert de.unit == "kg CO2e / GB" and de.boundary.startswith("network transmission only")


def test_a_grid_row_never_adds_a_network_only_factor_where_the_full_model_applies():
    # A user's FR 2026 grid row would give a 2026 network-only FR row, which the resolution rule
    # would prefer (latest vintage) over the 2024 full-boundary one: it must not be derived.
    user = [
        Factor("electricity.grid", "FR", 2026, 0.3, "kg CO2e / kWh", "infrastructure", 2, "me"),
        Factor("electricity.grid", "DE", 2026, 0.3, "kg CO2e / kWh", "infrastructure", 2, "me"),
    ]
    derived = derive_all(user, F.load_coefficients())
    by_region = {f.region: f for f in derived if f.activity == "streaming.data_transfer"}
    assert (by_region["FR"].year, by_region["FR"].unit) == (2024, "g CO2e / GB")
    # DE: 0.008 kWh/GB (Mytton et al.) x 0.3 kg/kWh = 0.0024 kg per GB.
    assert by_region["DE"].value == pytest.approx(0.0024, rel=1e-9)


def test_user_grid_factor_feeds_derived_cloud_factors():
    base = F.load_shipped()
    user = [
        Factor(
            "electricity.grid",
            "aws:eu-central-1",
            2024,
            0.3,
            "kg CO2e / kWh",
            "infrastructure",
            2,
            "me",
        )
    ]
    derived = {f.activity: f for f in derive_all(user, F.load_coefficients())}
    assert derived["cloud.aws.network_gb"].value == pytest.approx(0.001 * 1.135 * 0.3, rel=1e-9)
    t = F.build_table(F.merge(base, user))
    assert (
        t.resolve("cloud.aws.network_gb", "aws:eu-central-1", 2024).factor.region
        == "aws:eu-central-1"
    )


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
    assert t.resolve("streaming.video.hour", "EU", 2021).factor.value == 55  # Carbon Trust 2021
    assert t.resolve("streaming.video.hour", "", 2021).factor.value == 36  # IEA
    for key in (
        "cloud.aws.vcpu_hour",
        "cloud.aws.memory_gb_hour",
        "cloud.aws.storage_ssd_gb_month",
        "cloud.aws.storage_hdd_gb_month",
        "cloud.aws.network_gb",
    ):
        assert t.resolve(key, "aws:eu-west-3", 2025).factor.value > 0


def test_hand_checked_published_values():
    """A few shipped values against their publications (see source_ref in each table)."""
    t = F.build_table(F.load_shipped())
    assert t.resolve("commute.car.petrol", "GB", 2024).factor.value == 0.1645  # DESNZ 2024
    assert t.resolve("commute.car.petrol", "FR", 2025).factor.value == 0.16971  # ADEME 2025
    assert t.resolve("electricity.grid", "FR", 2024).factor.value == 0.0519  # ADEME 2024
    us = t.resolve("electricity.grid", "US", 2022).factor  # eGRID2022
    assert (us.value, us.unit) == (827.5, "lb CO2e / MWh")


def test_no_flagged_reference_rows_shipped_as_plain_factors():
    # Values the reference marks DERIVED/OUTDATED/DISCREDITED/UPPER BOUND must not be default factors.
    flagged = {
        ("commute.carpool.2", "0.07113"),
        ("streaming.video.hour.shift_2019", "3200"),
        ("streaming.video.hour.netflix", "100"),
        ("electricity.grid", "105"),
    }
    for path in sorted(shipped_dir("factors").glob("*.csv")):
        if path.name.endswith(
            ("_coefficients.csv", "uncertainty.csv", "prices.csv", "regions.csv")
        ):
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
    assert (
        r.exit_code == 0
        and "region FR" in r.stdout
        and "boundary" in r.stdout
        and "source" in r.stdout
    )
    r = run("factors", "show", "electricity.grdi")
    assert r.exit_code == 1 and "did you mean 'electricity.grid'" in r.stderr


def test_factors_list_table_shows_the_first_rows_and_says_how_many_more(run):
    import csv as csv_mod
    import io

    from carbon.commands.factors import TABLE_ROWS, list_

    # travel: 87 rows with the shipped tables (more than one table's worth, few to lay out)
    r = run("factors", "list", "--category", "travel", "--format", "csv")
    keys = [x["activity"] for x in csv_mod.DictReader(io.StringIO(r.stdout))]
    assert len(keys) > TABLE_ROWS
    r = run("factors", "list", "--category", "travel")
    assert r.exit_code == 0
    text = " ".join(r.stdout.split())
    assert f"{len(keys)} factors" in text
    assert f"{len(keys) - TABLE_ROWS:,} more factors not shown" in text and "--all" in text

    def years(table: str) -> int:  # the table's rows: one vintage cell each (never folded)
        return len(re.findall(r"│ (?:19|20)\d\d │", table))

    assert years(r.stdout) == TABLE_ROWS
    assert f"first {TABLE_ROWS} rows" in " ".join(list_.help.split())  # the help says the same
    r = run("factors", "list", "--category", "travel", "--all")
    assert r.exit_code == 0 and "not shown" not in r.stdout
    assert years(r.stdout) == len(keys)
    # a filter within the limit shows every row it matches, with no such line
    r = run("factors", "list", "--search", "electricity.grid", "--region", "FR")
    assert "not shown" not in r.stdout and "0.0519" in r.stdout


def test_a_factor_value_beyond_ten_to_the_twelve_is_refused(run, write, db_dump):
    # "1e308" passed (finite): its table's conversions (per MWh: x 1,000) overflowed to infinity
    # and the factor table's cache could not be written (an internal error, found by the fuzzer).
    assert run("teams", "add", "Ops").exit_code == 0
    before = db_dump()
    head = "activity,region,year,value,unit,category,scope,source\n"
    r = run(
        "factors", "import", write("f.csv", head + "test.huge,,2026,1e308,kg CO2e / kWh,x,2,t\n")
    )
    assert r.exit_code == 1
    assert "line 2, column 'value': expected a number >= 0 and at most 1e+12" in " ".join(
        r.stderr.split()
    )
    assert db_dump() == before
    ok = run(
        "factors", "import", write("g.csv", head + "test.big,,2026,1e12,kg CO2e / kWh,x,2,t\n")
    )
    assert ok.exit_code == 0, ok.output
