"""What is kept beside the factor table (carbon/factors/conversions.py, carbon.factors.service.BESIDE):
pint's answers and the parsed shipped prices are exactly what computing them again gives."""

from __future__ import annotations

import pytest

from carbon.core import units
from carbon.errors import UnitError
from carbon.factors.conversions import Conversions
from carbon.prices import rules as price_tables


def test_a_kept_answer_is_pint_answer_bit_for_bit():
    asked = Conversions()
    pairs = [("kWh", "g CO2e / kWh"), ("MWh", "kg CO2e / kWh"), ("mi", "kg CO2e / km")]
    got = [asked.co2e_kg_per(u, f) for u, f in pairs]
    assert asked.added
    assert got == [units.co2e_kg_per(u, f) for u, f in pairs]
    assert got[1] == 1000.0 and got[2] == pytest.approx(1.609344)
    again = Conversions.from_json(asked.to_json())
    assert [again.co2e_kg_per(u, f) for u, f in pairs] == got
    assert not again.added  # nothing asked of pint


def test_a_kept_refusal_is_raised_again_with_pint_message():
    asked = Conversions()
    with pytest.raises(UnitError) as first:
        asked.co2e_kg_per("hour", "kg CO2e / km")
    again = Conversions.from_json(asked.to_json())
    with pytest.raises(UnitError) as second:
        again.co2e_kg_per("hour", "kg CO2e / km")
    assert str(second.value) == str(first.value) and "hour" in str(first.value)
    assert not again.added


def test_dimensions_are_pint_own():
    asked = Conversions()
    assert asked.activity_dimensions("kg CO2e / passenger_km") == str(
        units.activity_unit("kg CO2e / passenger_km").dimensionality
    )
    assert asked.dimensions("view") == str(units.parse("view").dimensionality)
    assert asked.activity_dimensions("g CO2e / kWh") != asked.activity_dimensions("kg CO2e / km")


@pytest.mark.parametrize("text", ["[]", '{"x": [1]}', '{"x": {"other": "y"}}', "not json"])
def test_answers_in_another_layout_are_refused(text):
    with pytest.raises(ValueError):
        Conversions.from_json(text)


def test_the_shipped_prices_kept_are_the_parsed_ones():
    shipped = price_tables.load_shipped()
    assert len(shipped) > 10
    assert price_tables.prices_from_json(price_tables.prices_json(shipped)) == shipped


@pytest.mark.parametrize("text", ["{}", "[1]", '[{"key": "x"}]', "nope"])
def test_prices_in_another_layout_are_refused(text):
    with pytest.raises(ValueError):
        price_tables.prices_from_json(text)
