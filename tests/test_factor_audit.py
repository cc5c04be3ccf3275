"""Fixes from an audit of the shipped tables: GCP multi- and dual-region grid rows are intensities,
labels say what each figure is, the EC2 embodied column is in tonnes, scopes and scope-3 categories
match between a manual entry and an import, and scope 2 shows the boundary of each figure."""

import csv
import json
from pathlib import Path

import pytest

from carbon.cloud import classify, tables
from carbon.factors import tables as factors

FACTORS = Path(__file__).resolve().parents[1] / "factors"
HEADER = "date,team,activity,quantity,unit,region\n"


def grid_g(table, region, year=2024):
    """The shipped grid factor of `region`, g CO2e per kWh (shipped cloud rows are t CO2e / kWh)."""
    f = table.resolve("electricity.grid", region, year).factor
    assert f.unit == "t CO2e / kWh" and f.region == region
    return f.value * 1e6


def rows(path):
    with open(path, encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


# ---- GCP multi- and dual-regions ------------------------------------------------------------

US = (
    "us-central1",
    "us-central2",
    "us-east1",
    "us-east4",
    "us-east5",
    "us-west1",
    "us-west2",
    "us-west3",
    "us-west4",
    "us-south1",
)


def test_gcp_us_is_an_intensity_within_its_member_regions():
    table = factors.build_table(factors.load_shipped())
    members = [grid_g(table, f"gcp:{m}") for m in US]
    us = grid_g(table, "gcp:us")
    # (456 + 456 + 434 + 309 + 309 + 60 + 190 + 448 + 365 + 296) / 10 = 3,323 / 10 = 332.3 g/kWh
    assert us == pytest.approx(332.3)
    assert min(members) <= us <= max(members)  # 60 (us-west1) <= 332.3 <= 456 (us-central1)
    # CCF's figure, a sum (2,805 g: above every member), is kept only as an opt-in alternative
    ccf = {
        r["region"]: float(r["value"])
        for r in rows(FACTORS / "alternatives" / "ccf_2024_grid_gcp_multiregion_sums.csv")
    }
    assert ccf["gcp:us"] * 1e6 == pytest.approx(2805) and ccf["gcp:us"] * 1e6 > max(members)


@pytest.mark.parametrize(
    "location, members, mean",
    [
        ("nam4", ("us-central1", "us-east1"), (456 + 434) / 2),  # 445 g (CCF: 828)
        (
            "eur4",
            ("europe-north1", "europe-west4"),
            (127 + 283) / 2,
        ),  # 205 g (CCF: 410 = 127 + 283)
        (
            "asia1",
            ("asia-northeast1", "asia-northeast2"),
            (464 + 384) / 2,
        ),  # 424 g (CCF: 848 = 464 + 384)
        # EU multi-region: the EU member states' regions (not London, Zurich); CCF's 1,843 is their sum
        (
            "europe",
            (
                "europe-central2",
                "europe-north1",
                "europe-southwest1",
                "europe-west1",
                "europe-west3",
                "europe-west4",
                "europe-west8",
                "europe-west9",
            ),
            (576 + 127 + 121 + 110 + 269 + 283 + 298 + 59) / 8,
        ),
        (
            "asia",
            (
                "asia-east1",
                "asia-east2",
                "asia-northeast1",
                "asia-northeast2",
                "asia-northeast3",
                "asia-south1",
                "asia-south2",
                "asia-southeast1",
                "asia-southeast2",
            ),
            (456 + 360 + 464 + 384 + 425 + 670 + 671 + 372 + 580) / 9,
        ),  # 4,382 / 9 = 486.89 g
    ],
)
def test_every_gcp_multi_region_is_the_mean_of_its_members(location, members, mean):
    table = factors.build_table(factors.load_shipped())
    values = [grid_g(table, f"gcp:{m}") for m in members]
    assert grid_g(table, f"gcp:{location}") == pytest.approx(mean)
    assert min(values) <= mean <= max(values)
    f = table.resolve("electricity.grid", f"gcp:{location}", 2024).factor
    assert all(
        f"gcp:{m} " in f.source_ref for m in members
    )  # traceable: every member named with its value
    assert "unweighted mean" in f.boundary


# ---- labels ---------------------------------------------------------------------------------


def test_the_ec2_embodied_column_is_read_back_in_tonnes():
    with open(tables.DATA / "ccf_aws_instance_types.csv", encoding="utf-8") as fh:
        assert next(csv.reader(fh))[-1] == "embodied_t"  # CCF's third column: t CO2e per server
    m5 = tables.aws_instance_families()["EC2_INSTANCE_TYPES"]["m5"]
    assert (
        m5["large"].embodied_t == 1.6103792 and list(m5)[-1] == "metal" and m5["metal"].vcpu == 96
    )
    # m5.large, per instance-hour: 1.6103792 t / (35,040 h x 96 vCPUs of m5.metal) = 4.7874e-7 t
    # = 0.47874 g CO2e; read as kg the server would weigh 1.6 kg CO2e, a thousand times too little
    per_hour, how = classify._embodied("m5.large")
    assert per_hour == pytest.approx(1.6103792 / (35040 * 96))
    assert per_hour * 1e6 == pytest.approx(0.47874, rel=1e-4)
    assert "1.61038 t CO2e per m5 server" in how


def test_d3_xlarge_is_read_despite_the_tab_in_ccfs_key():
    d3 = tables.aws_instance_families()["EC2_INSTANCE_TYPES"]["d3"]
    assert list(d3) == ["xlarge", "2xlarge", "4xlarge", "8xlarge"]
    assert (d3["xlarge"].vcpu, d3["xlarge"].memory_gb) == (4.0, 32.0)
    # 2.632856 t per d3 server / (35,040 h x 32 vCPUs of d3.8xlarge) per instance-hour
    assert classify._embodied("d3.xlarge")[0] == pytest.approx(2.632856 / (35040 * 32))


def test_the_extraction_keeps_a_key_with_a_tab():
    import importlib.util

    spec = importlib.util.spec_from_file_location(
        "extract", FACTORS.parent / "scripts" / "extract_ccf_tables.py"
    )
    extract = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(extract)
    body = "  d3: {\n    'xlarge\t': [4, 32, 2.632856],\n    '2xlarge': [8, 64, 2.632856],\n  },"
    assert [(f, s) for f, s, _v in extract.family_rows(body)] == [
        ("d3", "xlarge"),
        ("d3", "2xlarge"),
    ]


def test_cloud_region_labels_say_what_the_figure_is():
    all_rows = {r["region"]: r for r in rows(FACTORS / "ccf_2024_grid_cloud_regions_all.csv")}
    for region in (
        "aws:eu-central-1",
        "aws:eu-west-2",
        "aws:eu-south-1",
        "aws:eu-north-1",
        "azure:northeurope",
        "azure:westeurope",
        "azure:uk",
        "azure:uksouth",
        "azure:ukwest",
    ):
        assert all_rows[region]["boundary"].startswith("CO2 only"), region
        assert all_rows[region]["source"] == "CCF (EEA)", region
    # azure:northeurope is the figure the six-region table gives aws:eu-west-1 (Ireland), CO2 only there too
    six = {r["region"]: r for r in rows(FACTORS / "ccf_2024_grid_cloud_regions.csv")}
    assert all_rows["azure:northeurope"]["value"] == six["aws:eu-west-1"]["value"]
    assert six["aws:eu-west-1"]["boundary"].startswith("CO2 only")
    # one carbonfootprint.com table behind AWS and Azure rows (af-south-1 = southafrica): one label and vintage
    a, z = all_rows["aws:af-south-1"], all_rows["azure:southafrica"]
    assert (a["value"], a["source"], a["year"]) == (z["value"], z["source"], z["year"])
    assert {
        r["source"] for r in all_rows.values() if r["source"].startswith("CCF (carbonfootprint")
    } == {"CCF (carbonfootprint.com 2021 factors)"}
    # eGRID's NERC regions (SERC, RFC, WECC, MRO, TRE) are regions, not eGRID subregions
    nerc = [r for r in all_rows.values() if "US_NERC_REGIONS" in r["source_ref"]]
    assert nerc and {r["source"] for r in nerc} == {"CCF (EPA eGRID2020 NERC region)"}
    assert not any("subregion" in r["source"] for r in all_rows.values())


def test_coefficient_labels_match_their_source():
    coef = factors.load_coefficients()
    swd = coef["web.swd4.grid.global"]
    assert (
        swd.value == 494 and "Ember" not in swd.source_ref and "states no source" in swd.source_ref
    )
    net = coef["network.core_metro_edge.per_gb"]
    # the source's total is 0.008; its components as printed: 0.0009 + 0.0020 + 0.0052 = 0.0081
    assert net.value == 0.008 and "add up to 0.0081" in net.source_ref


# ---- the same scope and category wherever a figure is used ---------------------------------


def test_a_cloud_region_entry_is_scope_3_1_as_in_a_bill(run, write):
    run("teams", "add", "Platform")
    r = run(
        "import",
        "activities",
        write(
            "a.csv",
            HEADER + "2024-03,Platform,electricity.grid,1000,kWh,aws:eu-west-3\n"
            "2024-03,Platform,electricity.grid,1000,kWh,gcp:us\n",
        ),
    )
    assert r.exit_code == 0, r.output
    d = json.loads(run("report", "monthly", "--month", "2024-03", "--format", "json").stdout)
    # aws:eu-west-3 1,000 kWh x 51.1 g = 51.1 kg; gcp:us 1,000 kWh x 332.3 g = 332.3 kg; both 3.1, no scope 2
    assert d["teams"][0]["by_scope"] == {"3": pytest.approx(383.4)}
    assert d["by_scope3_category"] == {"3.1": pytest.approx(383.4)}
    assert "scope2" not in d


def test_web_entries_are_scope_3_11(run, write):
    run("teams", "add", "Marketing")
    r = run(
        "import", "activities", write("a.csv", HEADER + "2025-05,Marketing,web.transfer,10,GB,\n")
    )
    assert r.exit_code == 0, r.output
    d = json.loads(run("report", "monthly", "--month", "2025-05", "--format", "json").stdout)
    # 10 GB x 148.2 g/GB (SWD v4, global 494 g/kWh) = 1.482 kg, use of sold products, not unclassified
    assert d["by_scope3_category"] == {"3.11": pytest.approx(1.482)}


# ---- scope 2: the boundary of each figure beside it ----------------------------------------


def test_scope2_states_each_figures_boundary(run, write):
    run("teams", "add", "Ops", "Office")
    r = run(
        "import",
        "activities",
        write(
            "a.csv",
            HEADER + "2024-09,Ops,electricity.grid,10,MWh,DE\n"
            "2024-09,Office,electricity.grid,2000,kWh,GB\n",
        ),
    )
    assert r.exit_code == 0, r.output
    d = json.loads(run("report", "monthly", "--month", "2024-09", "--format", "json").stdout)
    teams = {t["team"]: t for t in d["scope2"]["teams"]}
    # Ops DE: Ember 2023 380.95 g lifecycle x 10,000 kWh = 3,809.5 kg; AIB 2024 DE 724.56 g CO2 only = 7,245.6 kg
    assert teams["Ops"]["location_kg"] == pytest.approx(3809.5)
    assert teams["Ops"]["location_boundary"] == ["lifecycle CO2e incl. upstream"]
    assert teams["Ops"]["market_kg"] == pytest.approx(7245.6)
    assert teams["Ops"]["market_boundary"] == ["direct CO2 of generation only"]
    # Office GB: DESNZ 2024 generation 0.20705 kg x 2,000 kWh = 414.1 kg; no residual mix for GB
    assert teams["Office"]["location_kg"] == pytest.approx(414.1)
    assert teams["Office"]["location_boundary"] == ["direct CO2e of generation"]
    assert teams["Office"]["market_kg"] is None and teams["Office"]["market_boundary"] == []
    assert d["scope2"]["location_boundary"] == [
        "direct CO2e of generation",
        "lifecycle CO2e incl. upstream",
    ]
    table = " ".join(run("report", "monthly", "--month", "2024-09").output.split())
    assert (
        "location-based 4,223.6 (boundary: direct CO2e of generation; lifecycle CO2e incl. upstream)"
        in table
    )


def test_every_shipped_scope2_grid_row_has_a_boundary_class():
    from carbon.scope2 import rules as scope2
    from carbon.scope2.residual_mix import shipped

    grid = [f for f in factors.load_shipped() if f.activity == "electricity.grid" and f.scope == 2]
    classes = {f.origin.split(":")[0]: scope2.boundary_label(f.boundary) for f in grid}
    assert scope2.UNSTATED not in classes.values()
    assert classes["ademe_2024_grid_fr.csv"] == classes["ember_2023_grid.csv"] == scope2.LIFECYCLE
    assert (
        classes["desnz_2024_grid_gb.csv"]
        == classes["epa_egrid2022_grid_us.csv"]
        == scope2.GENERATION
    )
    assert classes["eea_2018_grid_eu.csv"] == classes["iea_2019_grid_world.csv"] == scope2.CO2_ONLY
    # AIB's residual mixes: direct CO2 only; a factor stating its parts books generation at scope 2
    mixes = [m for m in shipped().rows.values() if m is not None]
    assert mixes and {scope2.boundary_label(m.boundary) for m in mixes} == {scope2.CO2_ONLY}
    assert scope2.boundary_label("lifecycle incl. upstream", split=True) == scope2.GENERATION
