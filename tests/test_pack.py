"""The report pack: files, hostile team names, manifest, atomic writes, budget section."""

from __future__ import annotations

import csv
import hashlib
import io
import json

import pytest

from carbon.budgets import service as stored_budgets
from carbon.errors import NotFound
from carbon.ledger import service as importer
from carbon.pack import service as pack

HEADER = "date,team,activity,quantity,unit,region\n"
SCRIPT = "<script>alert(1)</script>"
FORMULA = '=HYPERLINK("http://x")'

# ADEME Base Empreinte FR 2024 electricity: 0.0519 kg CO2e / kWh (factors/ademe_2024_grid_fr.csv).
# Carbon Trust 2021 (EU 2020) streaming: 55 g CO2e / hour (tests/test_import.py uses the same).
ACTIVITIES = (
    HEADER
    + f"""\
2024-06-10,"{SCRIPT}",electricity.grid,1000,kWh,FR
2024-06-10,"{FORMULA.replace('"', '""')}",electricity.grid,2000,kWh,FR
2024-06-12,"{FORMULA.replace('"', '""')}",streaming.video.hour,100,hour,EU
2024-05-10,"{SCRIPT}",electricity.grid,500,kWh,FR
"""
)
# June: SCRIPT 1000 × 0.0519 = 51.9 kg; FORMULA 2000 × 0.0519 = 103.8 kg infrastructure
#       + 100 h × 0.055 = 5.5 kg streaming -> 109.3 kg; company 161.2 kg.
# May:  SCRIPT 500 × 0.0519 = 25.95 kg.


@pytest.fixture
def hostile(store, write):
    importer.add_team(store, SCRIPT)
    importer.add_team(store, FORMULA)
    path = write("acts.csv", ACTIVITIES)
    importer.import_activities(store, path, source="acts.csv")
    return store, path


def read_csv(path):
    raw = path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf"), "report.csv starts with a UTF-8 BOM for Excel"
    return list(csv.reader(io.StringIO(raw[3:].decode("utf-8"))))


def test_hostile_team_names_are_inert_in_html_and_csv(hostile, tmp_path):
    store, _ = hostile
    built = pack.build(store, "2024-06", tmp_path / "out")
    html = (built.path / "report.html").read_text(encoding="utf-8")
    assert "<script" not in html.lower()  # no script element at all, hostile or not
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "=HYPERLINK(&quot;http://x&quot;)" in html
    assert "Content-Security-Policy" in html and "default-src 'none'" in html

    rows = read_csv(built.path / "report.csv")
    assert rows[0] == ["month", "team", "category", "co2e_kg"]
    body = rows[1:]
    # Text cells a spreadsheet would run as a formula start with "'" instead.
    for row in body:
        for cell in row[:3]:
            assert not cell.startswith(("=", "+", "-", "@")), row
    assert ["2024-06", "'" + FORMULA, "infrastructure", "103.8"] in body
    assert ["2024-06", "'" + FORMULA, "streaming", "5.5"] in body
    assert ["2024-06", SCRIPT, "infrastructure", "51.9"] in body
    assert len(body) == 3  # one row per team × category


def test_report_json_is_the_monthly_contract_without_budgets(hostile, tmp_path):
    store, _ = hostile
    built = pack.build(store, "2024-06", tmp_path / "out")
    rep = json.loads((built.path / "report.json").read_text(encoding="utf-8"))
    assert rep["month"] == "2024-06" and rep["unit"] == "kg CO2e"
    assert rep["total"] == pytest.approx(161.2)
    teams = {t["team"]: t for t in rep["teams"]}
    assert teams[FORMULA]["by_category"] == {
        "infrastructure": pytest.approx(103.8),
        "streaming": pytest.approx(5.5),
    }
    assert rep["budget_status"] is None  # no budgets for 2024: said, not invented


def test_manifest_lists_inputs_factors_and_file_hashes(hostile, tmp_path):
    store, path = hostile
    built = pack.build(store, "2024-06", tmp_path / "out")
    m = json.loads((built.path / "manifest.json").read_text(encoding="utf-8"))
    assert m["month"] == "2024-06" and m["revision"] is None
    assert m["tool"]["name"] == "carbon" and m["tool"]["version"]
    assert m["generated_at"].endswith("Z")
    [batch] = m["inputs"]
    assert batch["source"] == "acts.csv" and batch["kind"] == "activities"
    assert batch["content_sha256"] == hashlib.sha256(path.read_bytes()).hexdigest()
    assert batch["co2e_kg_in_month"] == pytest.approx(161.2)
    assert batch["co2e_kg_in_window"] == pytest.approx(
        161.2 + 25.95
    )  # May is in the 12-month window
    by_key = {(f["activity"], f["region"]): f for f in m["factors"]}
    assert set(by_key) == {("electricity.grid", "FR"), ("streaming.video.hour", "EU")}
    grid = by_key[("electricity.grid", "FR")]
    assert grid["vintage"] == 2024 and grid["value"] == pytest.approx(0.0519)
    assert grid["unit"] == "kg CO2e / kWh" and "ADEME" in grid["source"]
    assert grid["co2e_kg_in_month"] == pytest.approx(51.9 + 103.8)
    assert {s["source"] for s in m["factor_sources"]} == {f["source"] for f in m["factors"]}
    for name in ("report.html", "report.json", "report.csv"):
        data = (built.path / name).read_bytes()
        assert m["files"][name] == {"sha256": hashlib.sha256(data).hexdigest(), "bytes": len(data)}
    assert (
        built.manifest_sha256
        == hashlib.sha256((built.path / "manifest.json").read_bytes()).hexdigest()
    )


def test_budget_status_is_included_when_the_year_has_budgets(hostile, tmp_path, write):
    store, _ = hostile
    toml = write(
        "b.toml",
        f"""\
        year = 2024
        unit = "kg CO2e"

        [teams.'{SCRIPT}']
        budget = 1200.0
        profile = "flat"
        """,
    )
    stored_budgets.load_file(store, toml)
    built = pack.build(store, "2024-06", tmp_path / "out")
    rep = json.loads((built.path / "report.json").read_text(encoding="utf-8"))
    [team] = rep["budget_status"]["teams"]
    assert team["team"] == SCRIPT
    assert team["budget"] == pytest.approx(1200.0)
    # The team's data starts in May: January..April are unknown, not zero (changed on purpose,
    # before, it was allocated 1200 × 6/12 = 600 against two months of data).
    # Allocated to date 1200 × 2/12 = 200 (May, June); budget covered 1200 × 8/12 = 800.
    assert team["allocated_to_date"] == pytest.approx(200.0)
    assert team["budget_covered"] == pytest.approx(800.0) and team["counted_from"] == "2024-05"
    assert team["actual_to_date"] == pytest.approx(25.95 + 51.9)  # May + June
    # Forecast (25.95 + 51.9) × 8 / 2 = 311.4 kg: on track.
    assert team["forecast"] == pytest.approx(311.4) and team["status"] == "on_track"
    html = (built.path / "report.html").read_text(encoding="utf-8")
    assert "Budgets 2024: actual vs budget to date" in html
    assert "<script" not in html.lower()
    m = json.loads((built.path / "manifest.json").read_text(encoding="utf-8"))
    assert m["budgets"]["year"] == 2024 and len(m["budgets"]["content_hash"]) == 64


def test_a_pack_is_never_overwritten_and_leaves_no_temporary_files(hostile, tmp_path):
    store, _ = hostile
    out = tmp_path / "out"
    first = pack.build(store, "2024-06", out)
    before = {p.name: p.read_bytes() for p in first.path.iterdir()}
    with pytest.raises(pack.PackExists):
        pack.build(store, "2024-06", out)
    assert {p.name: p.read_bytes() for p in first.path.iterdir()} == before
    assert sorted(p.name for p in out.iterdir()) == ["2024-06"]
    assert sorted(before) == sorted(pack.FILES)


def test_a_failing_render_writes_nothing(hostile, tmp_path, monkeypatch):
    store, _ = hostile
    from carbon.report import html as html_view

    def boom(_data):
        raise RuntimeError("render failed")

    monkeypatch.setattr(html_view, "render", boom)
    with pytest.raises(RuntimeError):
        pack.build(store, "2024-06", tmp_path / "out")
    assert list((tmp_path / "out").iterdir()) == []


def test_a_month_without_data_is_refused_not_zero(hostile, tmp_path, run):
    store, _ = hostile
    with pytest.raises(NotFound, match="no emissions recorded for 2024-07"):
        pack.build(store, "2024-07", tmp_path / "out")
    res = run("report", "pack", "--month", "2024-07", "--out", tmp_path / "cli")
    assert res.exit_code == 1 and "no emissions recorded for 2024-07" in res.stderr
    assert not (tmp_path / "cli" / "2024-07").exists()


def test_report_pack_command(hostile, tmp_path, run):
    res = run("report", "pack", "--month", "2024-06", "--out", tmp_path / "cli")
    assert res.exit_code == 0, res.stderr
    assert sorted(p.name for p in (tmp_path / "cli" / "2024-06").iterdir()) == sorted(pack.FILES)
    assert f"({', '.join(sorted(pack.FILES))})" in " ".join(
        res.stdout.split()
    )  # says what it wrote


def test_trend_marks_months_without_data(hostile, tmp_path):
    store, _ = hostile
    data = pack.collect(store, "2024-06")
    trend = dict(data.trend)
    assert len(data.trend) == 13 and data.trend[0][0] == "2023-06"
    assert trend["2024-05"] == pytest.approx(25.95)
    assert trend["2024-04"] is None  # no data: None, never 0
    assert any("2024-04" in n for n in data.notes)


def test_december_pack_carries_the_donation_summary_or_says_why_not(store, write, tmp_path):
    importer.add_team(store, SCRIPT)
    # Only December 2024 has data: the year's donation is refused (months missing), and the
    # pack says so in its manifest and page instead of leaving the summary out silently.
    dec = HEADER + f'2024-12-10,"{SCRIPT}",electricity.grid,1000,kWh,FR\n'
    importer.import_activities(store, write("dec.csv", dec))
    built = pack.build(store, "2024-12", tmp_path / "a")
    m = json.loads((built.path / "manifest.json").read_text(encoding="utf-8"))
    assert m["donation"]["included"] is False and "2024" in m["donation"]["summary"]
    assert not (built.path / pack.DONATION_FILE).exists()
    assert "Offset donation 2024" in (built.path / "report.html").read_text(encoding="utf-8")
    # The whole year: 12 × 1000 kWh × 0.0519 = 622.8 kg = 0.623 t CO2e; donation.html is written.
    rows = "".join(
        f'2024-{mo:02d}-10,"{SCRIPT}",electricity.grid,1000,kWh,FR\n' for mo in range(1, 12)
    )
    importer.import_activities(store, write("rest.csv", HEADER + rows))
    built = pack.build(store, "2024-12", tmp_path / "b")
    m = json.loads((built.path / "manifest.json").read_text(encoding="utf-8"))
    assert m["donation"]["included"] is True and "0.623" in m["donation"]["summary"]
    page = (built.path / pack.DONATION_FILE).read_text(encoding="utf-8")
    assert "&lt;script&gt;" in page and "<script" not in page.lower()
    assert (
        m["files"][pack.DONATION_FILE]["sha256"] == hashlib.sha256(page.encode("utf-8")).hexdigest()
    )
    # Other months carry no donation section.
    other = pack.build(store, "2024-11", tmp_path / "c")
    assert (
        json.loads((other.path / "manifest.json").read_text(encoding="utf-8"))["donation"] is None
    )


def test_html_inputs_list_only_the_imports_of_the_month(store, write, tmp_path):
    importer.add_team(store, "Platform")
    # may.csv: 500 kWh FR in May only (25.95 kg); june.csv: 1,000 kWh FR in June (51.9 kg).
    importer.import_activities(
        store, write("may.csv", HEADER + "2024-05-10,Platform,electricity.grid,500,kWh,FR\n")
    )
    importer.import_activities(
        store, write("june.csv", HEADER + "2024-06-10,Platform,electricity.grid,1000,kWh,FR\n")
    )
    built = pack.build(store, "2024-06", tmp_path / "p")
    page = (built.path / "report.html").read_text(encoding="utf-8")
    inputs = page.split("<h3>Inputs of June 2024</h3>", 1)[1].split("</table>", 1)[0]
    assert "june.csv" in inputs and "may.csv" not in inputs  # May's import adds nothing to June
    assert "1 other import feeds only the trend" in page
    m = json.loads((built.path / "manifest.json").read_text(encoding="utf-8"))
    # The manifest still lists both: the 12-month trend is built from them.
    assert [(b["source"], b["co2e_kg_in_month"]) for b in m["inputs"]] == [
        ("may.csv", 0.0),
        ("june.csv", 51.9),
    ]
