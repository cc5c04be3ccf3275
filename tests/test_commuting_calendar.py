"""The commuting calendar: working days from public holidays (the `holidays` package) and the
company's closure days, an absence rate, telework, joiners; homeworking where a factor exists."""

import json
from datetime import date, timedelta

import pytest

from carbon.ledger import workdays

SURVEY = (
    "employee,team,mode,one_way_km,days_on_site_per_week,region,occupants,telework_days,start,end\n"
)
CONFIG = '[commuting]\nclosures = ["2026-08-10..2026-08-14"]\nabsence_rate = 0.1\n'


def test_france_may_2026_and_august_with_a_closure_week():
    may = workdays.month_days("2026-05", "FR")
    # May 2026: Friday 1st .. Sunday 31st: 21 weekdays; public holidays on a weekday: 1 May (Fri),
    # 8 May (Fri), 14 May (Ascension, Thu), 25 May (Whit Monday): 21 - 4 = 17 working days.
    assert (may.weekdays, [d for d, _ in may.holidays], may.working) == (
        21,
        [date(2026, 5, 1), date(2026, 5, 8), date(2026, 5, 14), date(2026, 5, 25)],
        17,
    )
    closed = [date(2026, 8, 10) + timedelta(days=i) for i in range(5)]
    aug = workdays.month_days("2026-08", "FR", closed)
    # August 2026: 21 weekdays; 15 August is a Saturday (no weekday holiday); closure Monday 10 to
    # Friday 14: 21 - 5 = 16 working days.
    assert (aug.weekdays, aug.holidays, len(aug.closures), aug.working) == (21, (), 5, 16)


@pytest.fixture
def company(run, write):
    run("teams", "add", "Platform")
    return run


def _sources(run, month):
    r = run("report", "sources", "--month", month, "--format", "json")
    assert r.exit_code == 0, r.output
    return json.loads(r.stdout)["sources"]


def test_commuting_follows_holidays_closures_absence_and_joiners(company, write):
    cfg = write("carbon.toml", CONFIG)
    r = company(
        "import",
        "commuting-survey",
        write(
            "s.csv",
            SURVEY
            + "E1,Platform,commute.metro,10,5,FR,,,,\n"
            + "E4,Platform,commute.metro,10,5,FR,,,2026-05-18,\n",
        ),
        "--from",
        "2026-05",
        "--to",
        "2026-08",
        "--config",
        cfg,
    )
    assert r.exit_code == 0, r.output
    may = _sources(company, "2026-05")
    metro = next(s for s in may if s["activity"] == "commute.metro")
    # E1: 17 working days x (1 - 0.1) = 15.3 days: 2 x 10 km x 15.3 = 306 passenger-km.
    # E4 joins on Monday 18 May: 18-22 (5) and 26-29 (4; 25th is Whit Monday) = 9 days x 0.9 = 8.1:
    # 2 x 10 x 8.1 = 162 passenger-km. Together 468 pkm x 0.00444 (ADEME metro) = 2.07792 kg.
    assert metro["quantity"] == pytest.approx(306 + 162)
    assert metro["co2e_kg"] == pytest.approx(468 * 0.00444)
    assert metro["working_days"] == [
        {
            "country": "FR",
            "weekdays": 21,
            "public_holidays": [
                "2026-05-01 Labor Day",
                "2026-05-08 Victory Day",
                "2026-05-14 Ascension Day",
                "2026-05-25 Pentecost Monday",
            ],
            "closure_days": 0,
            "working_days": 17,
            "absence_rate": 0.1,
            "days_worked": pytest.approx(15.3),
        }
    ]
    aug = next(s for s in _sources(company, "2026-08") if s["activity"] == "commute.metro")
    # August: 16 working days x 0.9 = 14.4 days, for both: 2 x 2 x 10 x 14.4 = 576 passenger-km.
    assert aug["quantity"] == pytest.approx(576)
    assert (
        aug["working_days"][0]["closure_days"] == 5 and aug["working_days"][0]["working_days"] == 16
    )
    text = " ".join(company("report", "sources", "--month", "2026-08").output.split())
    assert "21 weekdays - 0 public holiday(s) - 5 closure day(s) = 16 working days" in text


def test_telework_reduces_commuting_and_adds_homeworking_where_a_factor_exists(company, write):
    cfg = write("carbon.toml", CONFIG)
    r = company(
        "import",
        "commuting-survey",
        write(
            "s.csv",
            SURVEY
            + "E2,Platform,commute.metro,10,,FR,,2,,\n"  # Paris: 2 days at home, on site 5 - 2 = 3
            + "E3,Platform,commute.train.national,20,,GB,,2,,\n",
        ),  # London: the same
        "--from",
        "2026-05",
        "--to",
        "2026-05",
        "--config",
        cfg,
    )
    assert r.exit_code == 0, r.output
    # France has no sourced homeworking factor: not counted, and the import says so.
    assert "homeworking not counted for 1 employee-month(s) in FR" in " ".join(r.output.split())
    got = {s["activity"]: s for s in _sources(company, "2026-05")}
    # E2: 15.3 days worked x 3/5 on site: 2 x 10 x 9.18 = 183.6 pkm x 0.00444.
    assert got["commute.metro"]["quantity"] == pytest.approx(183.6)
    # E3, England: 21 weekdays - 2 bank holidays (4 and 25 May) = 19 x 0.9 = 17.1 days worked;
    # on site 3/5: 2 x 20 km x 10.26 = 410.4 pkm x 0.03546 (DESNZ 2024 national rail) = 14.552784 kg;
    # at home 2/5: 6.84 days x 8 hours = 54.72 hours x 0.33378 (DESNZ 2024 homeworking) = 18.2644416 kg.
    assert got["commute.train.national"]["quantity"] == pytest.approx(410.4)
    assert got["commute.train.national"]["co2e_kg"] == pytest.approx(14.552784)
    assert got["homeworking.hour"]["quantity"] == pytest.approx(54.72)
    assert got["homeworking.hour"]["co2e_kg"] == pytest.approx(18.2644416)
    assert {c["country"]: c["working_days"] for c in got["homeworking.hour"]["working_days"]} == {
        "FR": 17,
        "GB": 19,
    }


def test_calendar_settings_and_survey_columns_are_checked(company, write):
    bad = write(
        "carbon.toml", '[commuting]\nclosures = ["2026-08-14..2026-08-10"]\nabsence_rate = 1.5\n'
    )
    r = company(
        "import",
        "commuting-survey",
        write("s.csv", SURVEY + "E1,Platform,commute.metro,10,5,FR,,,,\n"),
        "--from",
        "2026-05",
        "--to",
        "2026-05",
        "--config",
        bad,
    )
    assert r.exit_code == 1
    text = " ".join(r.output.split())
    assert "commuting.closures" in text and "commuting.absence_rate" in text
    r = company(
        "import",
        "commuting-survey",
        write(
            "s.csv",
            SURVEY
            + "E1,Platform,commute.metro,10,4,FR,,2,,\n"
            + "E2,Platform,commute.metro,10,5,FR,,,2026-13-01,\n",
        ),
        "--from",
        "2026-05",
        "--to",
        "2026-05",
    )
    assert r.exit_code == 1
    text = " ".join(r.output.split())
    assert "line 2" in text and "days on site + telework days exceed 5 per week" in text
    assert "line 3" in text and "expected a day as YYYY-MM-DD" in text
