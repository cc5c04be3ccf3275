"""Sustainable Web Design v4: the same results as CO2.js for the same bytes and options.

Expected values are CO2.js's published test values: src/sustainable-web-design-v4.test.js
and src/constants/test-constants.js (SWDV4) of github.com/thegreenwebfoundation/co2.js
v0.19.0, asserted there with toBeCloseTo(x, 3) (|difference| < 0.0005), as here.
"""

import json

import pytest

from carbon.factors import swd
from carbon.factors.tables import load_coefficients

GIGABYTE = 1_000_000_000
COEF = load_coefficients()


def close(x):
    return pytest.approx(x, abs=0.0005)  # jest's toBeCloseTo(x, 3)


def test_operational_emissions_1gb():
    # "returns the expected emissions for 1GB data transfer": 27.17, 29.146, 39.52
    op = swd.operational(GIGABYTE, COEF)
    assert (op.data_centre, op.network, op.device) == (close(27.17), close(29.146), close(39.52))


def test_operational_emissions_custom_grid_intensities():
    # "... with custom grid intensities" (100, 200, 300 g/kWh): 5.5, 11.8, 24
    op = swd.operational(GIGABYTE, COEF, {"data_centre": 100, "network": 200, "device": 300})
    assert (op.data_centre, op.network, op.device) == (close(5.5), close(11.8), close(24))


def test_embodied_emissions_1gb():
    # "embodied emissions ... 1GB": 5.928, 6.422, 40.014 (TOTAL_EMBODIED_EMISSIONS_GB 52.364)
    em = swd.embodied(GIGABYTE, COEF)
    assert (em.data_centre, em.network, em.device) == (close(5.928), close(6.422), close(40.014))
    assert em.total == close(52.364)


def test_per_byte():
    assert swd.per_byte(GIGABYTE, COEF) == close(148.2)  # PERBYTE_EMISSIONS_GB
    assert swd.per_byte(GIGABYTE, COEF, green_hosting_factor=1.0) == close(121.03)  # ..._GREEN
    assert swd.per_byte(GIGABYTE, COEF, green_hosting_factor=0.5) == close(
        134.615
    )  # ..._GREEN_PARTIAL
    assert swd.per_byte(0, COEF) == 0


def test_per_visit():
    opts = dict(first_visit_share=0.75, return_visit_share=0.25, data_reload_ratio=0.2)
    assert swd.per_visit(GIGABYTE, COEF, **opts) == close(118.56)  # PERVISIT_EMISSIONS_GB
    assert swd.per_visit(GIGABYTE, COEF, green_hosting_factor=1.0, **opts) == close(96.824)
    assert swd.per_visit(GIGABYTE, COEF, green_hosting_factor=0.5, **opts) == close(107.692)
    # options off (the defaults): a visit is the bytes transferred once
    assert swd.per_visit(GIGABYTE, COEF) == close(148.2)  # PERVISIT_EMISSIONS_GB_FIRSTVIEW


def test_web_transfer_in_the_ledger_any_unit(run, write):
    run("teams", "add", "Marketing")
    r = run(
        "import",
        "activities",
        write(
            "a.csv",
            """\
        date,team,activity,quantity,unit,region
        2025-03,Marketing,web.transfer,2,TB,
        2025-03,Marketing,web.transfer,500000000000,byte,
        2025-03,Marketing,web.transfer.green_hosting,1000,GB,
        2025-03,Marketing,web.transfer,1000,GB,FR
        """,
        ),
    )
    assert r.exit_code == 0, r.output
    data = json.loads(run("report", "monthly", "--month", "2025-03", "--format", "json").stdout)
    # any region: 2,000 GB + 500 GB at 148.2 g/GB = 370.5 kg; green hosting 1,000 GB x 121.03 g = 121.03 kg
    # FR 2025 (ADEME 0.0461 kg/kWh = 46.1 g/kWh): 1,000 GB x (0.194 kWh x 46.1 + 0.106 kWh x 494)
    #   = 1,000 x (8.9434 + 52.364) g = 61.3074 kg
    assert data["teams"][0]["by_category"] == {"web": pytest.approx(370.5 + 121.03 + 61.3074)}


# ---- web.page_view: page views with a page weight ------------------------------------

PAGE_HEADER = "date,team,activity,quantity,unit,region,page_weight\n"


def imported(run, write, name, *rows):
    """Import page-view rows (after PAGE_HEADER); the output, which must be a success."""
    r = run("import", "activities", write(name, PAGE_HEADER + "".join(f"{row}\n" for row in rows)))
    assert r.exit_code == 0, r.output
    return r.output


def month_kg(run, month="2025-03"):
    data = json.loads(run("report", "monthly", "--month", month, "--format", "json").stdout)
    return data["teams"][0]["by_category"]["web"]


def test_page_view_of_1gb_equals_co2js_per_visit(run, write):
    run("teams", "add", "Marketing")
    imported(run, write, "a.csv", "2025-03,Marketing,web.page_view,1000,view,,1 GB")
    # CO2.js perVisit, first visits only (PERVISIT_EMISSIONS_GB_FIRSTVIEW): 148.2 g per 1 GB view;
    # 1,000 views = 148.2 kg
    assert month_kg(run) == pytest.approx(148.2, abs=0.0005)
    imported(
        run, write, "b.csv", "2025-04,Marketing,web.page_view.green_hosting,1000,views,,1000 MB"
    )
    # green hosting, first visits only: perVisit = perByte green (PERBYTE_EMISSIONS_GB_GREEN) 121.03 g
    assert month_kg(run, "2025-04") == pytest.approx(121.03, abs=0.0005)


def test_page_view_hand_computed_and_per_visit(run, write):
    run("teams", "add", "Marketing")
    imported(
        run,
        write,
        "a.csv",
        "2025-03,Marketing,web.page_view,250000,view,,2.3 MB",
        "2025-03,Marketing,web.page_view,10000,view,FR,1.5 MiB",
    )
    # any region: 2.3 MB = 0.0023 GB x 148.2 g/GB = 0.34086 g per view; 250,000 views = 85.215 kg
    # FR 2025 (46.1 g/kWh, as above): 1.5 MiB = 1,572,864 bytes = 0.001572864 GB
    #   x 61.3074 g/GB = 0.0964276 g per view; 10,000 views = 0.964276 kg
    assert month_kg(run) == pytest.approx(
        85.215 + 0.964276, abs=0.0005
    )  # the report rounds to grams
    # the same per-view figure as swd.per_visit for those bytes (first visits only)
    assert 250_000 * swd.per_visit(2_300_000, COEF) / 1000 == pytest.approx(85.215, rel=1e-9)
    # each entry points to its derived per-view factor, which names the weight and the per-GB factor
    sources = json.loads(run("report", "sources", "--month", "2025-03", "--format", "json").stdout)[
        "sources"
    ]
    any_region = next(x for x in sources if x["region"] == "")
    assert (any_region["activity"], any_region["unit"]) == ("web.page_view", "g CO2e / view")
    assert any_region["value"] == pytest.approx(0.34086, rel=1e-9)
    assert any_region["source"].startswith(
        "derived: page weight 2,300,000 bytes per view x web.transfer 148.2 "
    )


def test_page_view_entry_points_to_its_derived_factor():
    from carbon.model import Factor

    transfer = Factor("web.transfer", "", 2024, 148.2, "g CO2e / GB", "web", 3, "SWD v4")
    f = swd.per_view(transfer, "web.page_view", 2_300_000)
    # 0.0023 GB x 148.2 g/GB = 0.34086 g per view; per_visit of 2.3 MB with the defaults
    assert (f.activity, f.unit, f.origin) == ("web.page_view", "g CO2e / view", "derived")
    assert f.value == pytest.approx(0.34086, rel=1e-12)
    assert f.value == pytest.approx(swd.per_visit(2_300_000, COEF), rel=1e-9)
    assert "2,300,000 bytes" in f.source and "web.transfer" in f.source


def test_page_weight_refusals_write_nothing(run, write):
    run("teams", "add", "Marketing")
    r = run(
        "import",
        "activities",
        write(
            "bad.csv",
            """\
        date,team,activity,quantity,unit,region,page_weight
        2025-03,Marketing,web.page_view,1,view,,
        2025-03,Marketing,web.page_view,1,view,,-2 MB
        2025-03,Marketing,web.page_view,1,view,,2 km
        2025-03,Marketing,web.page_view,1,view,,2
        2025-03,Marketing,web.transfer,1,GB,,2 MB
        2025-03,Marketing,web.page_view,1,GB,,2 MB
        2025-03,Marketing,web.page_view,1,view,,0 kB
        """,
        ),
    )
    assert r.exit_code == 1
    out = r.output
    assert "line 2, column 'page_weight': a web.page_view row needs the page weight" in out
    assert "line 3, column 'page_weight': expected a page weight of at least 1 byte" in out
    assert "line 4, column 'page_weight': expected a data size with its unit" in out
    assert "line 5, column 'page_weight': expected a data size with its unit" in out
    assert "line 6, column 'page_weight': page_weight is only for web.page_view rows" in out
    assert "line 7, column 'unit'" in out
    assert "line 8, column 'page_weight': expected a page weight of at least 1 byte" in out
    assert "Traceback" not in out
    assert run("imports", "list").stdout.count("bad.csv") == 0


def test_page_weight_is_part_of_the_row_identity(run, write):
    run("teams", "add", "Marketing")
    imported(run, write, "a.csv", "2025-03,Marketing,web.page_view,1000,view,,2 MB")
    out = imported(run, write, "b.csv", "2025-03,Marketing,web.page_view,1000,view,,3 MB")
    assert "repeat" not in out.lower()
    out = imported(
        run,
        write,
        "c.csv",  # the same weight (in bytes) again: flagged, counted with a warning
        "2025-03,Marketing,web.page_view,1000,view,,3000 kB",
    )
    assert "repeat" in out.lower()
    run("imports", "remove", "3")
    # 1,000 x (0.002 + 0.003) GB x 148.2 g/GB = 0.741 kg
    assert month_kg(run) == pytest.approx(0.741, abs=0.0005)


def test_scenario_scales_page_views_and_refuses_a_shift_into_them(run, write):
    run("teams", "add", "Marketing")
    imported(
        run,
        write,
        "a.csv",
        *(f"2025-{m:02d},Marketing,web.page_view,100000,view,,2 MB" for m in range(1, 7)),
    )
    r = run(
        "scenario",
        "run",
        write(
            "s.toml",
            """\
        year = 2025
        [[lever]]
        kind = "scale"
        activity = "web.page_view"
        by = 0.5
        start = "2025-04"
        """,
        ),
        "--format",
        "json",
        "--price",
        "80",
    )
    assert r.exit_code == 0, r.output
    data = json.loads(r.stdout)
    assert data["unit"] == "t CO2e"  # no budget file: tonnes
    team = data["teams"][0]
    # a month: 100,000 views x 0.002 GB x 148.2 g/GB = 29.64 kg; Jan..Mar 3 x 29.64 = 88.92,
    # Apr..Jun at half: 3 x 14.82 = 44.46 -> 133.38 kg recorded
    assert team["baseline_actual_to_date"] == pytest.approx(6 * 29.64 / 1000)
    assert team["scenario_actual_to_date"] == pytest.approx(133.38 / 1000)
    refusals = (
        (
            "web.transfer",
            "web.page_view",
            "line 5, key 'lever.to': cannot shift to web.page_view: its factor "
            "depends on each row's page weight",
        ),
        (
            "web.page_view",
            "web.transfer",
            "cannot shift web.page_view (per view) to web.transfer (per GB): "
            "the units do not convert",
        ),
    )
    for source, target, message in refusals:
        lever = (
            f'year = 2025\n[[lever]]\nkind = "shift"\nfrom = "{source}"\nto = "{target}"\n'
            'share = 0.5\nstart = "2025-01"\n'
        )
        r = run("scenario", "run", write("t.toml", lever), "--price", "80")
        assert r.exit_code == 1 and message in r.stderr, r.output
