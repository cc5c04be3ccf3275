"""The pack's optional "levers" section: scenario files named in the config ([pack] scenarios)."""

from __future__ import annotations

import json
from datetime import UTC
from decimal import ROUND_HALF_UP, Decimal

import pytest

HEADER = "date,team,activity,quantity,unit,region\n"
LEVERS = """\
    year = 2025
    name = "Sales by bike"
    [[lever]]
    kind = "shift"
    from = "commute.car.*"
    to = "commute.bike"
    share = 0.5
    start = "2025-09"
    teams = ["Sales"]
    """


@pytest.fixture
def company(run, write, tmp_path):
    """Data from July 2025: Sales (flat budget 1,500 kg) from July, Ops (no budget) from September."""
    (tmp_path / "conf").mkdir()  # the config's folder
    run("teams", "add", "Sales", "Ops")
    rows = "".join(f"2025-{m:02d}-15,Sales,commute.car.petrol,1000,km,FR\n" for m in (7, 8, 9, 10))
    rows += "".join(f"2025-{m:02d}-15,Ops,streaming.video.hour,100,hour,EU\n" for m in (9, 10))
    assert run("import", "activities", write("a.csv", HEADER + rows)).exit_code == 0
    r = run(
        "budget",
        "load",
        write("b.toml", 'year = 2025\nunit = "kg CO2e"\n[teams.Sales]\nbudget = 1500\n'),
    )
    assert r.exit_code == 0, r.output
    return run


def _config(write, scenarios: str) -> str:
    """A config in a folder of its own: scenario paths are relative to it."""
    return str(
        write("conf/carbon.toml", f'[output]\ndir = "reports"\n\n[pack]\nscenarios = {scenarios}\n')
    )


def _cents(t: float, price: float) -> Decimal:
    return (Decimal(str(t)) * Decimal(str(price))).quantize(Decimal("0.01"), ROUND_HALF_UP)


def test_pack_with_the_levers_section(company, write, tmp_path):
    write("conf/levers.toml", LEVERS)
    cfg = _config(write, '["levers.toml"]')
    r = company(
        "report", "pack", "--month", "2025-10", "--config", cfg, "--out", tmp_path / "packs"
    )
    assert r.exit_code == 0, r.output
    folder = tmp_path / "packs" / "2025-10"
    rep = json.loads((folder / "report.json").read_text(encoding="utf-8"))
    (lv,) = rep["levers"]
    assert lv["problem"] is None and lv["name"] == "Sales by bike"
    sc = lv["scenario"]
    assert sc["unit"] == "kg CO2e" and sc["recorded_through"] == "2025-10"
    teams = {t["team"]: t for t in sc["teams"]}
    # Sales: Jul..Oct 4 x 169.71 kg (1,000 km petrol car, ADEME FR 0.16971 kg/km), counted from July,
    # flat: 678.84 x 6/4 = 1,018.26 kg, the forecast of `budget status` at 2025-10. With half the km by
    # bike (0.00017 kg/km) from September: Jul, Aug 169.71; Sep..Dec 84.855 + 0.085 = 84.94:
    # 339.42 + 4 x 84.94 = 679.18 kg. Budget covered Jul..Dec 1,500 x 6/12 = 750: at risk -> on track.
    assert teams["Sales"]["baseline"] == pytest.approx(1018.26, abs=1e-6)
    assert teams["Sales"]["scenario"] == pytest.approx(679.18, abs=1e-6)
    assert (teams["Sales"]["baseline_status"], teams["Sales"]["status"]) == ("at_risk", "on_track")
    # Ops (no budget), Sep, Oct 5.5 kg each (100 h x 55 g/h), flat from September: 11 x 4/2 = 22 kg.
    assert teams["Ops"]["baseline"] == pytest.approx(22.0, abs=1e-6) and teams["Ops"]["delta"] == 0
    price = sc["price"]["value"]
    # Donation change at the year's price, per t: round(0.67918 t x price) - round(1.01826 t x price).
    assert Decimal(str(teams["Sales"]["donation_delta"])) == _cents(0.67918, price) - _cents(
        1.01826, price
    )
    assert Decimal(str(sc["company"]["donation_delta"])) == _cents(0.70118, price) - _cents(
        1.04026, price
    )
    html = (folder / "report.html").read_text(encoding="utf-8")
    assert "Levers: what if?" in html and "Sales by bike" in html
    assert (
        '<span class="badge at_risk">at risk</span> → <span class="badge on_track">on track</span>'
        in html
    )
    assert "1,018.26" not in html and "1,018.3" in html  # the pack's 1-decimal figures
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    assert [(m["name"], m["included"]) for m in manifest["levers"]] == [("Sales by bike", True)]


def test_pack_without_scenarios_has_no_levers_section(company, write, tmp_path):
    cfg = str(write("conf/carbon.toml", '[output]\ndir = "reports"\n'))
    r = company(
        "report", "pack", "--month", "2025-10", "--config", cfg, "--out", tmp_path / "packs"
    )
    assert r.exit_code == 0, r.output
    folder = tmp_path / "packs" / "2025-10"
    assert "levers" not in json.loads((folder / "report.json").read_text(encoding="utf-8"))
    assert "levers" not in json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    assert "Levers: what if?" not in (folder / "report.html").read_text(encoding="utf-8")


def test_a_missing_scenario_file_refuses_the_config(company, write, tmp_path):
    write("levers.toml", LEVERS)  # beside the tests' folder, not beside the config
    cfg = _config(write, '["levers.toml"]')
    for args in (
        ("report", "pack", "--month", "2025-10", "--out", tmp_path / "packs"),
        (
            "schedule",
            "run-once",
            "--now",
            "2025-11-02T06:00",
            "--no-email",
            "--out",
            tmp_path / "packs",
        ),
    ):
        r = company(*args, "--config", cfg)
        assert r.exit_code == 1, r.output
        # The config file, the line of the entry (line 5), the key and the path tried.
        assert "carbon.toml, line 5, key 'pack.scenarios'" in r.stderr, r.stderr
        assert "no such scenario file" in r.stderr and "relative to the config file" in r.stderr
        assert "Traceback" not in r.output
        assert not (tmp_path / "packs").exists()


def test_an_invalid_scenario_file_refuses_the_config_with_its_line_and_column(
    company, write, tmp_path
):
    cfg = _config(write, '["levers.toml"]')
    write("conf/levers.toml", 'year = 2025\nname = "x\n')  # unterminated string
    r = company(
        "report", "pack", "--month", "2025-10", "--config", cfg, "--out", tmp_path / "packs"
    )
    assert r.exit_code == 1 and "levers.toml, line 2, column '10'" in r.stderr, r.stderr
    write("conf/levers.toml", LEVERS.replace("share = 0.5", "share = 2"))
    r = company(
        "report", "pack", "--month", "2025-10", "--config", cfg, "--out", tmp_path / "packs"
    )
    assert r.exit_code == 1 and "levers.toml, line 7, key 'lever.share'" in r.stderr, r.stderr
    assert not (tmp_path / "packs").exists()


def test_a_lever_naming_an_unknown_team_refuses_the_pack(company, write, tmp_path):
    write("conf/levers.toml", LEVERS.replace('["Sales"]', '["Slaes"]'))
    cfg = _config(write, '["levers.toml"]')
    r = company(
        "report", "pack", "--month", "2025-10", "--config", cfg, "--out", tmp_path / "packs"
    )
    assert r.exit_code == 1 and "unknown team 'Slaes' (did you mean 'Sales'?)" in r.stderr, r.stderr
    assert "levers.toml, line 9, key 'lever.teams'" in r.stderr
    r = company(
        "schedule",
        "run-once",
        "--now",
        "2025-11-02T06:00",
        "--no-email",
        "--config",
        cfg,
        "--out",
        tmp_path / "packs",
    )
    assert r.exit_code == 1 and "Slaes" in r.stderr
    assert not (tmp_path / "packs").exists()


def test_a_scenario_of_another_year_is_named_not_dropped(company, write, tmp_path):
    write("conf/levers.toml", LEVERS.replace("2025", "2026"))
    cfg = _config(write, '["levers.toml"]')
    r = company(
        "schedule",
        "run-once",
        "--now",
        "2025-11-02T06:00",
        "--no-email",
        "--config",
        cfg,
        "--out",
        tmp_path / "packs",
    )
    assert r.exit_code == 0, r.output
    rep = json.loads((tmp_path / "packs" / "2025-10" / "report.json").read_text(encoding="utf-8"))
    assert rep["levers"][0]["scenario"] is None
    assert "a scenario of 2026, not of this pack's year 2025" in rep["levers"][0]["problem"]
    html = (tmp_path / "packs" / "2025-10" / "report.html").read_text(encoding="utf-8")
    assert "Not shown: a scenario of 2026" in html


def test_the_manifest_names_each_scenario_file_by_its_content(company, write, tmp_path):
    import hashlib

    path = write("conf/levers.toml", LEVERS)
    cfg = _config(write, '["levers.toml"]')

    def manifest_levers(out):
        r = company(
            "report", "pack", "--month", "2025-10", "--config", cfg, "--out", tmp_path / out
        )
        assert r.exit_code == 0, r.output
        return json.loads(
            (tmp_path / out / "2025-10" / "manifest.json").read_text(encoding="utf-8")
        )["levers"]

    (lv,) = manifest_levers("packs")
    assert lv["file"].endswith("levers.toml")
    assert lv["content_sha256"] == hashlib.sha256(path.read_bytes()).hexdigest()
    # the same path with other levers: the manifest shows the change
    path.write_text(LEVERS.replace("share = 0.5", "share = 0.25"), encoding="utf-8")
    (again,) = manifest_levers("packs2")
    assert again["file"] == lv["file"]
    assert (
        again["content_sha256"]
        == hashlib.sha256(path.read_bytes()).hexdigest()
        != lv["content_sha256"]
    )


def test_a_config_toml_syntax_error_names_file_line_and_column(company, write, tmp_path):
    # line 2, "dir = reports": a bare word is no TOML value; tomllib stops at column 7 (the "r")
    cfg = str(write("conf/carbon.toml", "[output]\ndir = reports\n"))
    r = company(
        "report", "pack", "--month", "2025-10", "--config", cfg, "--out", tmp_path / "packs"
    )
    assert r.exit_code == 1 and "Traceback" not in r.output
    text = " ".join(r.output.split())
    assert "carbon.toml, line 2, column '7': TOML syntax error: Invalid value" in text, text
    assert "column 'column" not in text and "(at line" not in text


def test_a_lever_naming_a_renamed_teams_former_name_is_refused_by_both_checks(
    company, write, tmp_path
):
    from datetime import datetime

    write("conf/levers.toml", LEVERS)  # teams = ["Sales"] (line 9)
    cfg = _config(write, '["levers.toml"]')
    assert company("teams", "rename", "Sales", "Field").exit_code == 0
    day = datetime.now(UTC).strftime("%Y-%m-%d")  # the rename just made
    expected = f"team 'Sales' was renamed 'Field' on {day}; use 'Field'"
    for args in (
        ("schedule", "run-once", "--now", "2025-11-02T06:00", "--no-email"),
        ("report", "pack", "--month", "2025-10"),
    ):
        r = company(*args, "--config", cfg, "--out", tmp_path / "packs")
        assert r.exit_code == 1, r.output
        text = " ".join(r.stderr.split())
        assert "levers.toml, line 9, key 'lever.teams'" in text and expected in text, text
        assert "Traceback" not in r.output
    assert not (tmp_path / "packs").exists()
    # the file updated to the new name: the pack is made
    write("conf/levers.toml", LEVERS.replace('["Sales"]', '["Field"]'))
    r = company(
        "report", "pack", "--month", "2025-10", "--config", cfg, "--out", tmp_path / "packs"
    )
    assert r.exit_code == 0, r.output
