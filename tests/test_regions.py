"""Region fallback follows geography: cloud region -> country -> EU -> world (docs/regions.md)."""

import pytest

from carbon.errors import FactorNotFound, InputError
from carbon.factors import tables as F
from carbon.factors.regions import RegionTree, load_regions, read_regions
from carbon.ledger import service as importer
from carbon.ledger import views as ledger
from carbon.model import Factor, RegionFallback

# The 27 member states since 2020-02-01 (european-union.europa.eu, "EU countries").
EU_MEMBERS = frozenset(
    "AT BE BG HR CY CZ DK EE FI FR DE GR HU IE IT LV LT LU MT NL PL PT RO SK SI ES SE".split()
)
HEADER = "date,team,activity,quantity,unit,region,end\n"

# A small company's own March 2025 file: offices in Spain, Italy, Poland and Switzerland,
# resellers in Japan and Kenya, AWS in Frankfurt, and course videos watched in Spain.
COMPANY = (
    HEADER
    + """\
2025-03,Ops,electricity.grid,1000,kWh,ES,
2025-03,Ops,electricity.grid,1000,kWh,IT,
2025-03,Ops,electricity.grid,1000,kWh,PL,
2025-03,Ops,electricity.grid,1000,kWh,CH,
2025-03,Ops,electricity.grid,1000,kWh,JP,
2025-03,Ops,electricity.grid,1000,kWh,KE,
2025-03,Cloud,cloud.aws.vcpu_hour,10000,vCPU_hour,aws:eu-south-2,
2025-03-03,Video,streaming.video.hour,60,hour,ES,
2025-03-17,Video,streaming.video.hour,40,hour,ES,
"""
)
# Hand computation from the shipped tables (g CO2e/kWh, Ember 2023 via CodeCarbon b05965e
# global_energy_mix.json, the latest vintage not after 2025):
#   ES 174.05, IT 330.718, PL 661.926, CH 34.843 (each 1,000 kWh -> kg = the g figure)
#   JP (listed in regions.csv, no grid row, not in the EU) and KE (not listed at all) -> world,
#   IEA 2019 475 g/kWh -> 475 kg each
OPS_KG = 174.05 + 330.718 + 661.926 + 34.843 + 475.0 + 475.0  # = 2,151.537 kg
# aws:eu-south-2 (Spain) has no grid row, CCF's table has none -> its country ES (Ember 2023,
# 174.05 g/kWh). (aws:eu-central-1 has CCF's own row since the cloud-billing tables.) CCF method:
# 0.74 + 50 % x (3.5 - 0.74) = 2.12 W per vCPU x PUE 1.135 = 2.4062 Wh per vCPU-hour;
# 10,000 vCPU-hours x 2.4062 Wh = 24.062 kWh x 0.17405 kg/kWh = 4.18799 kg
CLOUD_KG = 10_000 * 2.12 * 1.135 / 1000 * 0.17405
# streaming.video.hour has no ES row -> EU: Carbon Trust 2021 (Europe, 2020) 55 g/h; 100 h -> 5.5 kg
VIDEO_KG = 100 * 0.055


@pytest.fixture
def company(store):
    for t in ("Ops", "Cloud", "Video"):
        importer.add_team(store, t)
    return store


def test_small_company_falls_back_by_geography(company, write):
    out = importer.import_activities(company, write("march.csv", COMPANY))
    rep = {t.team: t.total for t in ledger.monthly_report(company, "2025-03").teams}
    assert rep["Ops"] == pytest.approx(OPS_KG, rel=1e-9)  # the old rule gave 6 x 475 = 2,850 kg
    assert rep["Cloud"] == pytest.approx(CLOUD_KG, rel=1e-9)  # the old rule refused the file
    assert rep["Video"] == pytest.approx(VIDEO_KG, rel=1e-9)  # the old rule: IEA world 36 g/h
    # Each fallback is named with its key, the region written and the region used.
    assert set(out.fallbacks) == {
        RegionFallback("cloud.aws.vcpu_hour", "aws:eu-south-2", "ES", 1),
        RegionFallback("electricity.grid", "JP", "", 1),
        RegionFallback("electricity.grid", "KE", "", 1),
        RegionFallback("streaming.video.hour", "ES", "EU", 2),
    }
    assert out.region_fallbacks == 5  # ledger entries (each row is one month)


def test_import_summary_names_each_fallback(run, write):
    for t in ("Ops", "Cloud", "Video"):
        run("teams", "add", t)
    res = run("import", "activities", write("march.csv", COMPANY))
    assert res.exit_code == 0, res.output
    lines = [line.strip() for line in res.stdout.splitlines()]
    assert (
        "streaming.video.hour: region ES (Spain) has no factor of its own; "
        "used EU (European Union, EU-27) for 2 rows"
    ) in lines
    assert (
        "cloud.aws.vcpu_hour: region aws:eu-south-2 (AWS Europe (Spain)) has no factor of "
        "its own; used ES (Spain) for 1 row"
    ) in lines
    assert (
        "electricity.grid: region JP (Japan) has no factor of its own; "
        "used the any-region row (world) for 1 row"
    ) in lines
    assert (
        "electricity.grid: region KE has no factor of its own; "
        "used the any-region row (world) for 1 row"
    ) in lines
    assert not any("electricity.grid: region ES" in line or "region CH" in line for line in lines)


def fac(region, value, year=2020, activity="electricity.grid"):
    return Factor(
        activity, region, year, value, "kg CO2e / kWh", "infrastructure", 2, "test source"
    )


TREE = RegionTree(
    parents={"EU": "", "ES": "EU", "FR": "EU", "CH": "", "aws:eu-south-2": "ES"},
    names={"ES": "Spain", "EU": "European Union"},
)


def test_resolver_walks_region_then_ancestors_then_world():
    t = F.FactorTable(
        F.build_table([fac("", 0.475), fac("EU", 0.281), fac("ES", 0.174)], coefficients={}).by_key,
        TREE,
    )
    own = t.resolve("electricity.grid", "ES", 2024)
    assert (own.factor.value, own.region_fallback, own.region_used) == (0.174, False, "ES")
    cloud = t.resolve("electricity.grid", "aws:eu-south-2", 2024)  # cloud region -> its country
    assert (cloud.factor.value, cloud.region_fallback, cloud.region_used) == (0.174, True, "ES")
    member = t.resolve("electricity.grid", "FR", 2024)  # member without a row -> EU
    assert (member.factor.value, member.region_fallback, member.region_used) == (0.281, True, "EU")
    outside = t.resolve("electricity.grid", "CH", 2024)  # not a member -> world
    assert (outside.factor.value, outside.region_fallback, outside.region_used) == (0.475, True, "")
    unlisted = t.resolve("electricity.grid", "JP", 2024)
    assert (unlisted.factor.value, unlisted.region_used) == (0.475, "")


def test_nearest_level_with_rows_wins_whatever_the_vintage():
    # ES has only a 2023 row: a 2021 activity uses it (earliest, with a warning), not EU's 2018.
    t = F.FactorTable(
        F.build_table([fac("EU", 0.281, 2018), fac("ES", 0.174, 2023)], coefficients={}).by_key,
        TREE,
    )
    r = t.resolve("electricity.grid", "ES", 2021)
    assert r.factor.value == 0.174 and "no factor vintage for 2021" in r.vintage_warning


def test_no_row_on_the_whole_chain_is_an_error_naming_it():
    t = F.FactorTable(F.build_table([fac("CH", 0.03)], coefficients={}).by_key, TREE)
    with pytest.raises(
        FactorNotFound,
        match=r"region 'aws:eu-south-2' \(nor in ES, EU\); "
        r"factors exist for: CH",
    ):
        t.resolve("electricity.grid", "aws:eu-south-2", 2024)


def test_shipped_countries_have_their_own_grid_row():
    t = F.build_table(F.load_shipped())
    for region in sorted(EU_MEMBERS | {"GB", "US", "CH", "NO", "IN", "BR", "CA"}):
        r = t.resolve("electricity.grid", region, 2025)
        assert not r.region_fallback and r.region_used == region, region
    # Spot checks against CodeCarbon's global_energy_mix.json (Ember 2023, g CO2e/kWh).
    assert t.resolve("electricity.grid", "ES", 2025).factor.value == 174.05
    assert t.resolve("electricity.grid", "NO", 2025).factor.value == 30.08
    assert t.resolve("electricity.grid", "IN", 2025).factor.value == 713.441


def test_countries_with_a_national_table_keep_their_series():
    # The Ember country table leaves out FR, GB, DE, US and IE: their figures are unchanged.
    t = F.build_table(F.load_shipped())
    assert t.resolve("electricity.grid", "FR", 2024).factor.value == 0.0519  # ADEME 2024
    assert t.resolve("electricity.grid", "GB", 2024).factor.value == 0.20705  # DESNZ 2024
    assert (
        t.resolve("electricity.grid", "DE", 2024).factor.value == 380.95
    )  # Ember 2023 (as before)
    assert t.resolve("electricity.grid", "US", 2022).factor.value == 827.5  # EPA eGRID2022
    assert (
        t.resolve("electricity.grid", "US", 2024).factor.value == 369.473
    )  # Ember 2023 (as before)
    assert t.resolve("electricity.grid", "IE", 2024).factor.value == 0.0002786  # EEA 2022
    assert t.resolve("electricity.grid", "EU", 2024).factor.value == 281  # EEA 2018


def test_cloud_regions_with_a_grid_row_keep_their_numbers():
    t = F.build_table(F.load_shipped())
    r = t.resolve("cloud.aws.vcpu_hour", "aws:eu-west-3", 2024)
    # CCF (EEA) 0.0511 kg/kWh for Paris, not the French ADEME row: 2.4062 Wh x 0.0511 kg/kWh
    assert r.region_used == "aws:eu-west-3" and not r.region_fallback
    assert r.factor.value == pytest.approx(2.12 * 1.135 * 0.0511 / 1000, rel=1e-9)


def test_cloud_region_in_a_country_without_a_row_is_refused_not_given_the_world_average():
    # gcp:me-west1 is in Israel: no IL grid row, and a world-average data centre is no estimate.
    t = F.build_table(F.load_shipped())
    with pytest.raises(FactorNotFound, match=r"'gcp:me-west1' \(nor in IL\)"):
        t.resolve("cloud.gcp.vcpu_hour", "gcp:me-west1", 2025)
    with pytest.raises(FactorNotFound, match=r"'aws:nowhere-1'; factors exist for"):
        t.resolve("cloud.aws.vcpu_hour", "aws:nowhere-1", 2025)


def test_shipped_hierarchy_places_every_member_and_cloud_region():
    tree = load_regions()
    assert len(EU_MEMBERS) == 27
    for c in EU_MEMBERS:
        assert tree.ancestors(c) == ("EU",), c
    for region, parent in tree.parents.items():
        if ":" in region:
            assert parent and ":" not in parent and parent != "EU", region
    assert tree.ancestors("aws:eu-south-2") == ("ES", "EU")
    assert tree.ancestors("azure:westeurope") == ("NL", "EU")
    assert tree.ancestors("gcp:europe-west6") == ("CH",)
    assert tree.ancestors("GB") == () and tree.ancestors("JP") == ()


def test_bad_hierarchy_file_is_refused_with_every_problem(write):
    path = write(
        "regions.csv",
        """
        region,parent,name,source
        ES,EU,Spain,x
        EU,ES,European Union,x
        aws:eu-south-2,XX,AWS Spain,x
        es,EU,Spain,x
        PT,aws:eu-south-2,Portugal,x
        ES,EU,Spain again,x
    """,
    )
    with pytest.raises(InputError) as exc:
        read_regions(path)
    found = {(p.line, p.column): p.message for p in exc.value.problems}
    assert "loops" in found[(2, "parent")]
    assert "not listed" in found[(4, "parent")]
    assert (5, "region") in found and (6, "parent") in found
    assert "duplicate of line 2" in found[(7, "region")]


def test_survey_fallback_counts_employees_not_months(company, write):
    # A user's own EU row for petrol cars (an illustrative 0.2 kg CO2e/km); the employee in Spain
    # has no ES row -> EU. March 2025 has 21 weekdays, April 22 less Good Friday (18 April, a
    # national holiday in Spain): 2 x 10 km x 42 days x 5/5 = 840 km x 0.2 = 168 kg, two ledger
    # entries (one per month) from one survey line.
    importer.import_factors(
        company,
        write(
            "eu.csv",
            """
        activity,region,year,value,unit,category,scope,source
        commute.car.petrol,EU,2025,0.2,kg CO2e / km,commuting,3,my own estimate
    """,
        ),
    )
    out = importer.import_survey(
        company,
        write(
            "survey.csv",
            """
        employee,team,mode,one_way_km,days_on_site_per_week,region
        E1,Ops,commute.car.petrol,10,5,ES
    """,
        ),
        "2025-03",
        "2025-04",
    )
    assert out.fallbacks == (RegionFallback("commute.car.petrol", "ES", "EU", 1),)
    assert out.region_fallbacks == 2
    kg = sum(ledger.monthly_report(company, m).total for m in ("2025-03", "2025-04"))
    assert kg == pytest.approx(2 * 10 * 42 * 0.2, rel=1e-9)
