"""The donation rules, pure: amounts to the cent, forecast, refusals, range, restatement."""

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from carbon.donation import rules as donation
from carbon.donation.rules import ClosedDonation, DonationError, YearData
from carbon.prices.rules import Choice, Price, manual_price

YEAR_2024 = tuple(f"2024-{m:02d}" for m in range(1, 13))
AFTER_2024 = date(2025, 3, 1)


def eur(value: str, year: int = 2024) -> Choice:
    return Choice(manual_price(value, "EUR", year))


def compute(team_kg, choice=None, months=YEAR_2024, year=2024, as_of=AFTER_2024, **kw):
    return donation.compute(
        YearData(year, months, team_kg, kw.pop("factor_rows", ())), choice or eur("80"), as_of, **kw
    )


def by_team(d):
    return {t.team: t.amount_cents for t in d.teams}


def test_amount_is_tonnes_times_price_to_the_cent():
    # Platform 600 kg + Video 400 kg = 1 t; × 80 EUR/t = 80.00 EUR;
    # shares 6/10 and 4/10: 48.00 and 32.00.
    d = compute({"Platform": 600.0, "Video": 400.0})
    assert d.emissions_g == 1_000_000
    assert d.amount_cents == 8000
    assert by_team(d) == {"Platform": 4800, "Video": 3200}
    assert d.price.currency == "EUR" and d.status == donation.COMPLETE


def test_company_2022_figure_in_context_price_override():
    # The company's 2022 donation: 85,000 EUR at the EU auction average 79.75 EUR/t
    # = 85,000 / 79.75 = 1,065.83 t. Back: 1,065.83 t × 79.75 = 84,999.9425 -> 84,999.94 EUR.
    d = compute(
        {"Company": 1_065_830.0},
        eur("79.75", 2022),
        months=tuple(f"2022-{m:02d}" for m in range(1, 13)),
        year=2022,
        as_of=date(2023, 1, 15),
    )
    assert d.amount_cents == 8_499_994


def test_non_eur_currency():
    # 2,500 kg = 2.5 t at 643.60 USD/t (the derived Frontier DAC offtake average)
    # = 1,609.00 USD; a team of 1,000 kg gets 2/5 = 643.60, the other 965.40.
    usd = Choice(
        Price("cdr.dac.frontier_offtake_2023", 2023, Decimal("643.6"), "USD", "DERIVED", "test")
    )
    d = compute({"A": 1000.0, "B": 1500.0}, usd)
    assert d.price.currency == "USD" and d.price.per_tonne_unit == "USD / t CO2e"
    assert d.amount_cents == 160_900
    assert by_team(d) == {"A": 64_360, "B": 96_540}


def test_half_up_boundary_on_the_amount():
    # 3 t × 0.835 EUR/t = 2.505 EUR exactly -> half-up 2.51 (float round(2.505, 2) = 2.5).
    d = compute({"A": 3000.0}, eur("0.835"))
    assert d.amount_cents == 251
    # 1 t × 0.005 EUR/t = 0.005 EUR = half a cent -> 1 cent, not 0.
    assert compute({"A": 1000.0}, eur("0.005")).amount_cents == 1


def test_emissions_are_rounded_half_up_to_the_gram():
    # 123.4565 kg = 123,456.5 g -> 123,457 g (half-up); 0.0004 kg = 0.4 g -> 0 g.
    d = compute({"A": 123.4565, "B": 0.0004})
    assert {t.team: t.emissions_g for t in d.teams} == {"A": 123_457, "B": 0}
    # 0.123457 t × 80 = 9.87656 -> 9.88 EUR; B (0 g) gets nothing.
    assert d.amount_cents == 988 and by_team(d) == {"A": 988, "B": 0}


def test_team_shares_are_largest_remainder():
    # Three teams of 1 t at 0.0333 EUR/t: 3 t × 0.0333 = 0.0999 EUR = 9.99 cents -> 10 cents.
    # Quotas 3.33 each: floors 3, 3, 3 and one cent left -> the first by name: 4, 3, 3
    # (rounding each team's own 3.33 cents would give 3 + 3 + 3 = 9, not the total).
    d = compute({"A": 1000.0, "B": 1000.0, "C": 1000.0}, eur("0.0333"))
    assert d.amount_cents == 10
    assert by_team(d) == {"A": 4, "B": 3, "C": 3}


def test_range_from_factor_uncertainty():
    # Factors: 600 kg at ±10 %, 400 kg at ±20 %: half-width sqrt(60² + 80²) = 100 kg.
    # Low 900 kg, high 1,100 kg; × 80 EUR/t: 72.00 / 80.00 / 88.00 EUR.
    d = compute(
        {"A": 600.0, "B": 400.0},
        factor_rows=((600.0, 10.0, "infrastructure"), (400.0, 20.0, "streaming")),
    )
    assert d.range_g == (900_000, 1_000_000, 1_100_000)
    assert d.range_cents == (7200, 8000, 8800)


def test_current_year_is_actual_plus_forecast_flagged():
    # As of 2026-11-29, data Jan..Oct 2026: forecast = actual ÷ 10 × 12.
    # A: 1,000 kg -> 1,200 kg; B: 500 kg -> 600 kg; 1.8 t × 100 EUR/t = 180.00 EUR.
    months = tuple(f"2026-{m:02d}" for m in range(1, 11))
    d = compute(
        {"A": 1000.0, "B": 500.0},
        eur("100", 2026),
        months=months,
        year=2026,
        as_of=date(2026, 11, 29),
    )
    assert d.status == donation.FORECAST and d.is_forecast
    assert d.actual_g == 1_500_000 and d.emissions_g == 1_800_000
    assert d.amount_cents == 18_000 and by_team(d) == {"A": 12_000, "B": 6_000}
    assert any(line.startswith("FORECAST") for line in d.method)


def test_actual_only_refuses_the_current_year():
    months = tuple(f"2026-{m:02d}" for m in range(1, 11))
    with pytest.raises(DonationError, match="not over.*--actual-only"):
        compute(
            {"A": 1.0},
            eur("100", 2026),
            months=months,
            year=2026,
            as_of=date(2026, 11, 29),
            actual_only=True,
        )


def test_a_year_without_data_is_an_error_not_zero():
    with pytest.raises(DonationError, match="no emissions recorded for 2023"):
        compute({}, months=(), year=2023)


def test_future_year_refused():
    with pytest.raises(DonationError, match="after the as-of date"):
        compute({"A": 1.0}, year=2030, months=("2030-01",))


def test_past_year_with_a_missing_month_refused_unless_allowed():
    months = YEAR_2024[:-1]  # no December
    with pytest.raises(DonationError, match="no emissions recorded for 2024-12"):
        compute({"A": 1000.0}, months=months)
    d = compute({"A": 1000.0}, months=months, allow_missing_months=True)
    assert d.status == donation.PARTIAL and d.missing_months == ("2024-12",)
    assert any("PARTIAL YEAR" in w for w in d.warnings)
    assert d.amount_cents == 8000  # the months present, not extrapolated


def test_nothing_under_the_filters_is_an_error():
    with pytest.raises(DonationError, match="GHG scope 1"):
        compute({}, scopes=(1,))


def test_method_states_emissions_price_and_amount():
    price = Price(
        "eu_ets.auction.eu",
        2022,
        Decimal("79.75"),
        "EUR",
        "EU-wide auction average (COMPUTED)",
        "EEX auction results",
        source_ref="EEX file 2022",
    )
    d = compute({"A": 1000.0}, Choice(price), scopes=(2,), categories=("infrastructure",))
    text = "\n".join(d.method)
    assert "GHG scope 2 and categories infrastructure" in text
    assert "79.75 EUR / t CO2e, 2022; basis: EU-wide auction average (COMPUTED)" in text
    assert "source: EEX auction results (EEX file 2022)" in text
    # 1 t × 79.75 = 79.75 EUR
    assert "Amount = 1.000000 t × 79.75 EUR/t = 79.75000000 EUR" in text and d.amount_cents == 7975


def test_restatement_per_team():
    # Closed: A 600 kg (48.00), B 400 kg (32.00) at 80 EUR/t. Now B is 500 kg:
    # 1.1 t × 80 = 88.00 EUR; A 6/11 = 48.00, B 5/11 = 40.00 -> B +8.00, A 0.
    closed = ClosedDonation(
        1,
        2024,
        datetime(2025, 1, 10, tzinfo=UTC),
        manual_price("80", "EUR", 2024),
        1_000_000,
        8000,
        (("A", 600_000, 4800), ("B", 400_000, 3200)),
        "hash-at-close",
    )
    now = compute({"A": 600.0, "B": 500.0})
    r = donation.restate(closed, now, "hash-now")
    assert r.ledger_changed
    assert [(t.team, t.difference_g, t.difference_cents) for t in r.teams] == [
        ("A", 0, 0),
        ("B", 100_000, 800),
    ]
    assert r.difference_cents == 800
    same = donation.restate(closed, compute({"A": 600.0, "B": 400.0}), "hash-at-close")
    assert not same.ledger_changed and same.difference_cents == 0


def test_restatement_lists_a_team_that_appeared_or_vanished():
    closed = ClosedDonation(
        1,
        2024,
        datetime(2025, 1, 10, tzinfo=UTC),
        manual_price("80", "EUR", 2024),
        1_000_000,
        8000,
        (("A", 1_000_000, 8000),),
        "h",
    )
    r = donation.restate(closed, compute({"C": 1000.0}), "h2")
    assert [(t.team, t.closed_cents, t.current_cents) for t in r.teams] == [
        ("A", 8000, 0),
        ("C", 0, 8000),
    ]


# ---- whether the year is over: the date decides, never the data ---------------------------------

YEAR_2026 = tuple(f"2026-{m:02d}" for m in range(1, 13))


def test_year_over_only_after_31_december():
    assert not donation.year_over(2026, date(2026, 12, 31))
    assert donation.year_over(2026, date(2027, 1, 1))
    # Actual counts the months completed before the as-of date.
    assert donation.counted_through(2026, date(2026, 11, 29)) == 10
    assert donation.counted_through(2026, date(2026, 12, 31)) == 11
    assert donation.counted_through(2026, date(2026, 1, 15)) == 0
    assert donation.counted_through(2025, date(2026, 11, 29)) == 12
    with pytest.raises(DonationError, match="future year"):
        donation.counted_through(2027, date(2026, 11, 29))


def test_december_data_does_not_make_a_year_over():
    # A yearly row spread pro rata puts data in every month of 2026, December included,
    # long before December is over: as of 2026-11-29 the year is not over.
    with pytest.raises(DonationError, match="not over.*--actual-only"):
        compute(
            {"A": 1000.0},
            eur("80", 2026),
            months=YEAR_2026,
            year=2026,
            as_of=date(2026, 11, 29),
            actual_only=True,
        )
    with pytest.raises(DonationError, match="not over.*--actual-only"):
        compute(
            {"A": 1000.0},
            eur("80", 2026),
            months=YEAR_2026,
            year=2026,
            as_of=date(2026, 12, 31),
            actual_only=True,
        )


def test_months_not_over_are_not_counted_as_actual():
    # As of 2026-11-29 the figures are aggregated for Jan..Oct only (the store does it: through=10);
    # the data of Nov and Dec exists but is not actual yet.
    # A: 1,000 kg Jan..Oct -> forecast 1,000 ÷ 10 × 12 = 1,200 kg; × 80 EUR/t = 96.00 EUR.
    data = YearData(2026, YEAR_2026, {"A": 1000.0}, through=10)
    d = donation.compute(data, eur("80", 2026), date(2026, 11, 29))
    assert d.status == donation.FORECAST and d.counted_through == 10
    assert d.months == YEAR_2026[:10] and d.not_counted == ("2026-11", "2026-12")
    assert (d.actual_g, d.emissions_g, d.amount_cents) == (1_000_000, 1_200_000, 9600)
    forecast = [line for line in d.method if line.startswith("FORECAST")][0]
    assert "the months up to 2026-10, the last month completed" in forecast
    assert (
        "data dated 2026-11 to 2026-12 (months not over yet" in forecast
        and "not counted as actual" in forecast
    )


def test_figures_aggregated_past_the_counted_months_are_a_bug_not_a_figure():
    # kg of Jan..Dec with data in Nov and Dec, as of 2026-11-29: counting them would be wrong.
    with pytest.raises(ValueError, match="counts months 1..10"):
        donation.compute(
            YearData(2026, YEAR_2026, {"A": 1000.0}), eur("80", 2026), date(2026, 11, 29)
        )


def test_january_of_the_year_has_nothing_to_count_yet():
    with pytest.raises(DonationError, match="just begun"):
        donation.compute(
            YearData(2026, ("2026-01",), {"A": 1.0}, through=0), eur("80", 2026), date(2026, 1, 20)
        )


def test_only_future_months_with_data_is_no_data():
    # Data only from November, as of 2026-11-29: nothing up to October to count.
    with pytest.raises(
        DonationError,
        match=r"no emissions recorded for 2026 up to 2026-10 \(data exists only "
        r"for 2026-11 to 2026-12, months not over yet\)",
    ):
        donation.compute(
            YearData(2026, ("2026-11", "2026-12"), {}, through=10),
            eur("80", 2026),
            date(2026, 11, 29),
        )


def test_entries_after_a_teams_retirement_are_counted_not_a_crash():
    # B retired from 2026-01 but holds 500 kg in October (booked to it by a cloud bill's rules
    # before carbon refused that): the running year's donation failed with an internal error.
    # A: 1,000 kg Jan..Oct -> 1,200 kg; B's 500 kg counted as they are: 1,700 kg x 80 = 136 EUR.
    data = YearData(
        2026,
        YEAR_2026,
        {"A": 1000.0, "B": 500.0},
        through=10,
        team_months={"A": tuple(range(1, 11)), "B": (10,)},
        retired={"B": "2026-01"},
    )
    d = donation.compute(data, eur("80", 2026), date(2026, 11, 29))
    assert {t.team: t.emissions_g for t in d.teams} == {"A": 1_200_000, "B": 500_000}
    assert d.amount_cents == 13600
