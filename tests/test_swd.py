"""Sustainable Web Design v4: the same results as CO2.js for the same bytes and options.

Expected values are CO2.js's published test values: src/sustainable-web-design-v4.test.js
and src/constants/test-constants.js (SWDV4) of github.com/thegreenwebfoundation/co2.js
v0.19.0, asserted there with toBeCloseTo(x, 3) (|difference| < 0.0005), as here.
"""

import json

import pytest

from carbon import swd
from carbon.factors import load_coefficients

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
    assert swd.per_byte(GIGABYTE, COEF, green_hosting_factor=0.5) == close(134.615)  # ..._GREEN_PARTIAL
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
    r = run("import", "activities", write("a.csv", """\
        date,team,activity,quantity,unit,region
        2025-03,Marketing,web.transfer,2,TB,
        2025-03,Marketing,web.transfer,500000000000,byte,
        2025-03,Marketing,web.transfer.green_hosting,1000,GB,
        2025-03,Marketing,web.transfer,1000,GB,FR
        """))
    assert r.exit_code == 0, r.output
    data = json.loads(run("report", "monthly", "--month", "2025-03", "--format", "json").stdout)
    # any region: 2,000 GB + 500 GB at 148.2 g/GB = 370.5 kg; green hosting 1,000 GB x 121.03 g = 121.03 kg
    # FR 2025 (ADEME 0.0461 kg/kWh = 46.1 g/kWh): 1,000 GB x (0.194 kWh x 46.1 + 0.106 kWh x 494)
    #   = 1,000 x (8.9434 + 52.364) g = 61.3074 kg
    assert data["teams"][0]["by_category"] == {"web": pytest.approx(370.5 + 121.03 + 61.3074)}
