"""The unit registry: CO2e masses as one unit, data units with a dimension, per-pair conversion."""

import re

import pytest

from carbon.core import units
from carbon.errors import UnitError


def test_co2e_mass_is_one_unit_and_price_per_tonne_reads_right():
    # 80 EUR per tonne of CO2e, for 2 t CO2e = 160 EUR (plain pint would read (EUR/t)*CO2e).
    price = units.Q_(80, units.parse("EUR / t CO2e"))
    amount = (price * units.Q_(2, units.parse("t CO2e"))).to(units.parse("EUR"))
    assert amount.magnitude == pytest.approx(160.0, rel=1e-12)
    assert units.multiplier("t CO2e", "kg CO2e") == 1000.0
    assert units.is_co2e_mass("t CO2e") and not units.is_co2e_mass("t")


def test_bare_co2e_is_refused():
    with pytest.raises(UnitError, match="must follow a mass"):
        units.parse("CO2e / km")


@pytest.mark.parametrize(
    "activity_unit, factor_unit, expected",
    [
        ("mi", "kg CO2e / km", 1.609344),  # 1 mile = 1.609344 km exactly
        ("MWh", "kg CO2e / kWh", 1000.0),
        ("minute", "g CO2e / hour", 1 / 60 / 1000),  # g -> kg
        ("TB", "g CO2e / GB", 1.0),  # 1000 GB x 1 g = 1 kg
        ("GiB", "g CO2e / GB", 2**30 / 1e9 / 1000),  # GiB is binary, GB decimal
        ("TB_month", "kg CO2e / GB_month", 1000.0),
        ("passenger_km", "kg CO2e / passenger_km", 1.0),
    ],
)
def test_conversion_multipliers(activity_unit, factor_unit, expected):
    assert units.co2e_kg_per(activity_unit, factor_unit) == pytest.approx(expected, rel=1e-12)


@pytest.mark.parametrize(
    "activity_unit, factor_unit, message",
    [
        ("kg", "kg CO2e / km", "kg cannot be converted to km"),
        ("", "g CO2e / GB", "a bare number (no unit) cannot be converted to GB"),
        ("hour", "kg CO2e / vCPU_hour", "cannot be converted"),
        ("km", "kg CO2e / passenger_km", "write the unit as passenger_km"),
    ],
)
def test_incompatible_units_are_refused(activity_unit, factor_unit, message):
    with pytest.raises(UnitError, match=re.escape(message)):
        units.co2e_kg_per(activity_unit, factor_unit)


def test_information_units_have_their_own_dimension():
    # pint's default makes GB dimensionless; ours must not.
    assert units.parse("GB").dimensionality != units.parse("").dimensionality
    with pytest.raises(UnitError):
        units.multiplier("GB", "")


def test_unknown_unit():
    with pytest.raises(UnitError, match="unknown unit"):
        units.parse("bananas / km")


def test_huge_unit_is_refused_before_parsing():
    with pytest.raises(UnitError, match="1,000,000 characters"):
        units.parse("x" * 1_000_000)


def test_a_kept_conversion_is_pints_own_answer():
    from carbon.core import units

    for value, src, dst in (
        (0.06, "kWh / GB", "kWh / GB"),
        (494.0, "g CO2e / kWh", "g_CO2e / kWh"),
        (0.0461, "kg CO2e / kWh", "g_CO2e / kWh"),
    ):
        expected = float(units.Q_(value, units.parse(src)).to(dst).magnitude)
        assert units.converted(value, src, dst) == expected
        assert units.converted(value, src, dst) == expected  # kept: the same float again
