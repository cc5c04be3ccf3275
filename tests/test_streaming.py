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
    r = run("import", "activities", write("s.csv", HEADER +
            "2025-05,Video,streaming.video.hour,1000,hour,FR\n"
            "2025-05,Mentoring,streaming.video.hd,1000,hour,FR\n"
            "2025-05,Mentoring,streaming.video.sd,60000,minute,FR\n"))
    assert r.exit_code == 0, r.output
    data = json.loads(run("report", "monthly", "--month", "2025-05", "--format", "json").stdout)
    by_team = {t["team"]: t["by_category"]["streaming"] for t in data["teams"]}
    assert by_team["Video"] == pytest.approx(64.0, abs=0.0005)
    assert by_team["Mentoring"] == pytest.approx(64.01675291 + 42.442441329, abs=0.0005)


def test_resolution_outside_the_modelled_region_is_refused_not_underestimated(run, write):
    run("teams", "add", "Video")
    r = run("import", "activities", write("s.csv", HEADER + "2025-05,Video,streaming.video.hd,1000,hour,EU\n"))
    assert r.exit_code == 1 and "streaming.video.hd" in r.stderr and "FR" in r.stderr


def test_the_demo_sums_no_network_only_streaming_factor_and_its_sales_visits_are_travel():
    # The demo's data files, resolved against the shipped tables without a database.
    import csv

    from carbon import factors as F
    from carbon.resources import demo_dir

    t = F.build_table(F.load_shipped())
    for name in ("activities-2025.csv", "activities-2026.csv"):
        with open(demo_dir() / name, encoding="utf-8") as fh:
            for row in csv.DictReader(fh):
                f = t.resolve(row["activity"], row["region"], int(row["date"][:4])).factor
                if f.category == "streaming":
                    assert "network transmission only" not in f.boundary, row
                if row["team"] == "Sales" and "client visits" in row["note"]:
                    assert f.category == "travel", row
