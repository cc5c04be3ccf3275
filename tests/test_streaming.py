"""Streaming by resolution sits on the per-hour factor's boundary, so totals can be summed."""

import json

import pytest

HEADER = "date,team,activity,quantity,unit,region\n"


def test_hd_hours_weigh_what_hours_at_the_per_hour_factor_weigh(run, write):
    run("teams", "add", "Video", "Mentoring")
    # A small company's own May in France (ADEME impactCO2 model, see factors/*streaming*):
    #   Video, 1,000 h at the per-hour factor (64 g, ADEME 2024):        64.0 kg
    #   Mentoring, 1,000 h in HD: 35.8763465 + 3 x 9.38013547 g/h      = 64.0168 kg
    #             + 1,000 h in SD: 35.8763465 + 0.7 x 9.38013547 g/h   = 42.4424 kg
    #   (before: HD was 3 GB x 0.008 kWh x 46 g/kWh = 1.1 g/h, 58 x less than an hour at 64 g)
    r = run(
        "import",
        "activities",
        write(
            "s.csv",
            HEADER + "2025-05,Video,streaming.video.hour,1000,hour,FR\n"
            "2025-05,Mentoring,streaming.video.hd,1000,hour,FR\n"
            "2025-05,Mentoring,streaming.video.sd,60000,minute,FR\n",
        ),
    )
    assert r.exit_code == 0, r.output
    data = json.loads(run("report", "monthly", "--month", "2025-05", "--format", "json").stdout)
    by_team = {t["team"]: t["by_category"]["streaming"] for t in data["teams"]}
    assert by_team["Video"] == pytest.approx(64.0, abs=0.0005)
    assert by_team["Mentoring"] == pytest.approx(64.01675291 + 42.442441329, abs=0.0005)


def test_resolution_outside_the_modelled_region_scales_that_regions_hour(run, write):
    # Changed on purpose (a video export's viewers are not all in France): outside the modelled
    # region, the region's own per-hour factor is scaled by ADEME's resolution shares, so an HD
    # hour weighs a plain hour there too (never the 58x lighter network-only figure).
    #   EU (Carbon Trust 2021, 55 g/h): HD 1,000 h = 55.0 kg;
    #   SD 1,000 h = 55 x 42.442441329 / 64.01675291 = 36.4646 kg
    #   any region (IEA 2020, 36 g/h), e.g. US (no row of its own): UHD 1,000 h
    #   = 36 x (35.8763465 + 7 x 9.38013547) / 64.01675291 = 57.1045 kg
    run("teams", "add", "Video")
    r = run(
        "import",
        "activities",
        write(
            "s.csv",
            HEADER + "2025-05,Video,streaming.video.hd,1000,hour,EU\n"
            "2025-05,Video,streaming.video.sd,1000,hour,DE\n"
            "2025-05,Video,streaming.video.uhd,1000,hour,US\n",
        ),
    )
    assert r.exit_code == 0, r.output
    data = json.loads(run("report", "monthly", "--month", "2025-05", "--format", "json").stdout)
    uhd = 36 * (35.8763465 + 7 * 9.38013547) / 64.01675291
    assert data["total"] == pytest.approx(55.0 + 55 * 42.442441329 / 64.01675291 + uhd, abs=0.002)


def test_the_demo_sums_no_network_only_streaming_factor_and_its_sales_visits_are_travel():
    # The demo's data files, resolved against the shipped tables without a database.
    import csv

    from carbon.core.resources import demo_dir
    from carbon.factors import tables as F

    t = F.build_table(F.load_shipped())
    for name in ("activities-2025.csv", "activities-2026.csv"):
        with open(demo_dir() / name, encoding="utf-8") as fh:
            for row in csv.DictReader(fh):
                f = t.resolve(row["activity"], row["region"], int(row["date"][:4])).factor
                if f.category == "streaming":
                    assert "network transmission only" not in f.boundary, row
                if row["team"] == "Sales" and "client visits" in row["note"]:
                    assert f.category == "travel", row
