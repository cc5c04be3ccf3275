"""The shipped factor rows say what they are (values unchanged)."""

from carbon.factors import tables as F


def _rows():
    return F.load_shipped()


def _row(activity, region, year):
    return next(f for f in _rows() if f.ident == (activity, region, year))


def test_eea_and_iea_grid_rows_say_co2_only():
    for ident in [
        ("electricity.grid", "IE", 2022),
        ("electricity.grid", "EU", 2018),
        ("electricity.grid", "", 2019),
        ("electricity.grid", "aws:eu-west-1", 2022),
        ("electricity.grid", "aws:eu-west-3", 2022),
    ]:
        assert _row(*ident).boundary.startswith("CO2 only"), ident
    # the year is CCF's update year, said where the row is cited
    assert "NOT the EEA data year" in _row("electricity.grid", "IE", 2022).source_ref


def test_motorbike_revision_applies_from_2026_only():
    table = F.build_table(_rows())
    # impactCO2 deplacement.ts (2d15480): 0.0747 + 0.14 = 0.2147 kg/km; 2025 keeps 0.0292 + 0.1875 = 0.2167
    assert table.resolve("commute.motorbike", "FR", 2026).factor.value == 0.2147
    assert table.resolve("commute.motorbike", "FR", 2025).factor.value == 0.2167


def test_electric_cars_and_the_french_average_car_are_labelled_for_what_they_are():
    assert _row("travel.car.phev", "GB", 2024).boundary.startswith("NOT tank-to-wheel")
    assert _row("commute.car.electric", "GB", 2023).boundary.startswith("NOT tank-to-wheel")
    assert _row("commute.car.petrol", "GB", 2023).boundary.startswith("tank-to-wheel")  # unchanged
    assert _row("commute.car.average", "FR", 2025).boundary.startswith(
        "a COMPACT DIESEL car, not a fleet"
    )
    assert "SRVC" in _row("electricity.grid", "aws:us-east-1", 2020).source_ref
