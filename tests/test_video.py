"""carbon import video: the two shipped mapping layouts, and refusals naming line and column."""

from pathlib import Path

import pytest
from sqlalchemy import select

from carbon.core import units
from carbon.store.schema import factor_snapshots, ledger, teams

EXAMPLES = Path(__file__).resolve().parent.parent / "examples" / "video-mappings"


@pytest.fixture
def company(run):
    run("teams", "add", "Video", "Mentoring")
    return run


def _entries(store):
    """(team, activity, region of the factor, hours) per entry, checking each entry's CO2e is
    its quantity x its factor (whatever the per-resolution factors' values are)."""
    q = select(
        teams.c.name,
        ledger.c.activity,
        ledger.c.quantity,
        ledger.c.unit,
        ledger.c.co2e_kg,
        factor_snapshots.c.value,
        factor_snapshots.c.unit,
        factor_snapshots.c.region,
    ).select_from(
        ledger.join(teams, ledger.c.team_id == teams.c.id).join(
            factor_snapshots, ledger.c.factor_id == factor_snapshots.c.id
        )
    )
    out = []
    with store.engine.connect() as conn:
        for team, activity, qty, unit, kg, fval, funit, region in conn.execute(q):
            assert kg == pytest.approx(qty * fval * units.co2e_kg_per(unit, funit))
            out.append((team, activity, region, round(qty * units.multiplier(unit, "hour"), 6)))
    return sorted(out)


def test_vimeo_like_layout(company, store):
    r = company(
        "import", "video", EXAMPLES / "vimeo-sample.csv", "--mapping", EXAMPLES / "vimeo.toml"
    )
    assert r.exit_code == 0, r.output
    # Minutes -> hours; Quality 1080p/720p -> hd, 480p -> sd, 2160p -> uhd; Country names -> codes;
    # Folder "Mentoring sessions" -> Mentoring (rule), the others -> Video (default)
    assert _entries(store) == [
        ("Mentoring", "streaming.video.hd", "FR", 5.0),  # 300 minutes
        ("Video", "streaming.video.hd", "FR", 20.0),  # 1,200 minutes
        (
            "Video",
            "streaming.video.sd",
            "EU",
            10.0,
        ),  # 600 minutes, DE -> EU (Carbon Trust hour, scaled)
        (
            "Video",
            "streaming.video.uhd",
            "",
            2.0,
        ),  # 120 minutes, US -> any region (IEA hour, scaled)
    ]


def test_mux_like_layout(company, store):
    r = company("import", "video", EXAMPLES / "mux-sample.csv", "--mapping", EXAMPLES / "mux.toml")
    assert r.exit_code == 0, r.output
    # Seconds -> hours; bitrate 4,500 kbps -> hd (from 2,500), 1,200 -> sd, 9,000 -> uhd (from 8,000);
    # teams from the custom_team column; ISO timestamps -> days of October 2026
    assert _entries(store) == [
        ("Mentoring", "streaming.video.uhd", "FR", 2.0),  # 7,200 s
        ("Video", "streaming.video.hd", "FR", 1.0),  # 3,600 s
        ("Video", "streaming.video.sd", "", 0.5),  # 1,800 s, GB -> any region (IEA hour, scaled)
    ]
    assert company("report", "monthly", "--month", "2026-10").exit_code == 0


def test_bad_rows_are_named_by_the_exports_columns(company, write, db_dump):
    before = db_dump()
    r = company(
        "import",
        "video",
        write(
            "v.csv",
            """\
        Date,Video,Folder,Country,Device,Quality,Minutes Watched
        2026-10-01,A,Courses,France,Desktop,8K,10
        2026-10-01,A,Courses,France,Desktop,720p,ten
        2026-13-01,A,Courses,Narnia,Desktop,720p,10
        """,
        ),
        "--mapping",
        EXAMPLES / "vimeo.toml",
    )
    assert r.exit_code == 1
    assert (
        "v.csv, line 2, column 'Quality': unknown resolution: map it to sd, hd or uhd" in r.stderr
    )
    assert "v.csv, line 3, column 'Minutes Watched': expected a number" in r.stderr
    assert "v.csv, line 4, column 'Date': impossible date" in r.stderr
    # Changed on purpose: the cause is the mapping's [countries], which lists France and Germany only.
    assert (
        "v.csv, line 4, column 'Country': not in [countries] of "
        f"{EXAMPLES / 'vimeo.toml'} (France, Germany"
    ) in r.stderr
    assert "expected an ISO 3166 code" not in r.stderr
    assert db_dump() == before


@pytest.mark.parametrize("word", ["now", "today", "NaT", "yesterday"])
def test_a_word_is_never_a_date_under_the_mappings_format(company, write, db_dump, word):
    # pandas reads "now" and "today" as the clock's time even with a format: that booked a view
    # in the current month, silently (found by a new company's test; fails on the old parser).
    before = db_dump()
    r = company(
        "import",
        "video",
        write(
            "v.csv",
            "view_id,view_start,video_title,custom_team,country_code,viewer_device_category,"
            "avg_bitrate_kbps,watch_time_seconds\n"
            f"v1,{word},Intro,Video,FR,desktop,4500,3600\n"
            "v2,2026-10-03T18:05:00Z,Intro,Video,FR,phone,1200,1800\n",
        ),
        "--mapping",
        EXAMPLES / "mux.toml",
    )
    assert r.exit_code == 1, r.output
    assert "v.csv, line 2, column 'view_start': expected a date as '%Y-%m-%dT%H:%M:%SZ'" in r.stderr
    assert "line 3" not in r.stderr
    assert db_dump() == before


def test_export_without_a_mapped_column_is_refused(company, write):
    r = company(
        "import",
        "video",
        write("v.csv", "Date,Minutes Watched\n2026-10-01,10\n"),
        "--mapping",
        EXAMPLES / "vimeo.toml",
    )
    assert r.exit_code == 1 and "line 1, column 'Quality': column missing" in r.stderr


def test_bad_mapping_is_refused_with_its_keys(company, write):
    r = company(
        "import",
        "video",
        EXAMPLES / "vimeo-sample.csv",
        "--mapping",
        write("m.toml", '[columns]\ndate = "Date"\nresolution = "Quality"\n'),
    )
    assert r.exit_code == 1
    assert (
        "key 'columns.hours': expected exactly one of hours, minutes, seconds, milliseconds"
        in r.stderr
    )
    assert "key 'teams.default'" in r.stderr


def test_a_semicolon_separated_export_is_named_as_such(company, write, db_dump):
    before = db_dump()
    r = company(
        "import",
        "video",
        write("v.csv", "view_id;view_start;custom_team\nv1;2026-10-03T14:22:10Z;Video\n"),
        "--mapping",
        EXAMPLES / "mux.toml",
    )
    assert r.exit_code == 1
    text = " ".join(r.stderr.split())
    assert "v.csv: line 1: the columns are separated by ';'; expected ','" in text
    assert "column missing" not in text
    assert db_dump() == before
