"""`carbon verify`: a pack replayed against the database — reproduced, or each difference."""

from __future__ import annotations

import hashlib
import json

import pytest
from sqlalchemy import create_engine, text

FACTORS = """\
activity,region,year,value,unit,category,scope,source
test.power,,2026,0.5,kg CO2e / kWh,infrastructure,2,test table
"""
# September and October 2026: Platform 1,000 kWh x 0.5 = 500 kg a month.
ACTIVITIES = """\
date,team,activity,quantity,unit
2026-09,Platform,test.power,1000,kWh
2026-10,Platform,test.power,1000,kWh
"""


@pytest.fixture
def packs(run, write, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # no ./carbon.toml
    assert run("teams", "add", "Platform").exit_code == 0
    assert run("factors", "import", write("f.csv", FACTORS)).exit_code == 0
    assert run("import", "activities", write("a.csv", ACTIVITIES)).exit_code == 0
    out = tmp_path / "reports"
    assert (
        run(
            "schedule", "run-once", "--now", "2026-10-05T06:00", "--out", out, "--no-email"
        ).exit_code
        == 0
    )
    res = run("schedule", "run-once", "--now", "2026-11-05T06:00", "--out", out, "--no-email")
    assert res.exit_code == 0, res.output
    assert sorted(p.name for p in out.iterdir()) == ["2026-09", "2026-10"]
    return out


def _verify(run, folder):
    res = run("verify", folder, "--format", "json")
    return res.exit_code, json.loads(res.stdout)


def test_an_untouched_pack_is_reproduced_and_chains_to_the_previous_month(run, packs):
    october = json.loads((packs / "2026-10" / "manifest.json").read_text(encoding="utf-8"))
    september = (packs / "2026-09" / "manifest.json").read_bytes()
    assert october["previous_manifest"]["month"] == "2026-09"
    assert october["previous_manifest"]["sha256"] == hashlib.sha256(september).hexdigest()
    code, doc = _verify(run, packs / "2026-10")
    assert code == 0 and doc["reproduced"] is True, doc
    table = run("verify", packs / "2026-10")
    assert table.exit_code == 0 and "reproduced" in table.stdout


def test_a_changed_factor_row_is_reported(run, packs, db_url):
    engine = create_engine(db_url)
    with engine.begin() as conn:
        conn.execute(text("UPDATE factor_snapshots SET value = 0.6 WHERE activity = 'test.power'"))
    engine.dispose()
    code, doc = _verify(run, packs / "2026-10")
    assert code == 2
    factor = [d for d in doc["differences"] if d["kind"] == "factor"]
    assert factor and "value=0.5" in factor[0]["pack"] and "value=0.6" in factor[0]["now"]


def test_a_restated_month_shows_as_a_restatement(run, packs, write):
    assert run("close", "--month", "2026-10", "--by", "ops").exit_code == 0
    late = write(
        "late.csv", "date,team,activity,quantity,unit\n2026-10-20,Platform,test.power,200,kWh\n"
    )
    res = run("import", "activities", late, "--restate", "--reason", "late meter reading")
    assert res.exit_code == 0, res.output
    code, doc = _verify(run, packs / "2026-10")
    assert code == 2
    kinds = {d["kind"] for d in doc["differences"]}
    assert kinds == {"restated"}
    # October was 500 kg; the restatement adds 200 kWh x 0.5 = 100 kg.
    total = [d for d in doc["differences"] if d["what"] == "total"]
    assert total and total[0]["pack"] == "500" and total[0]["now"] == "600"
    assert any("late meter reading" in n for n in doc["notes"])


def test_a_rewritten_file_and_a_rewritten_history_are_detected(run, packs):
    csv = packs / "2026-10" / "report.csv"
    csv.write_bytes(csv.read_bytes().replace(b"500.0", b"400.0"))
    code, doc = _verify(run, packs / "2026-10")
    assert code == 2 and any(
        d["kind"] == "file" and d["what"] == "report.csv" for d in doc["differences"]
    )
    # September's manifest rewritten: October's chain and September's recorded hash both say so.
    manifest = packs / "2026-09" / "manifest.json"
    manifest.write_text(
        manifest.read_text(encoding="utf-8").replace('"month": "2026-09"', '"month":"2026-09"'),
        encoding="utf-8",
    )
    code, doc = _verify(run, packs / "2026-10")
    assert any(d["kind"] == "chain" for d in doc["differences"])
    code, doc = _verify(run, packs / "2026-09")
    assert code == 2 and any(d["what"] == "manifest.json" for d in doc["differences"])


def test_a_folder_without_a_manifest_is_an_error(run, tmp_path):
    res = run("verify", tmp_path)
    assert res.exit_code == 1 and "manifest.json" in res.output


def test_a_team_renamed_after_the_pack_is_the_same_team(run, packs):
    # Platform renamed Infrastructure: the pack's figures are unchanged, but verify listed every
    # figure as "Platform: 500 -> absent" and "Infrastructure: absent -> 500" (exit 2).
    assert run("teams", "rename", "Platform", "Infrastructure").exit_code == 0
    code, doc = _verify(run, packs / "2026-10")
    assert code == 0 and doc["reproduced"] is True, doc
    assert any("Platform → Infrastructure" in n for n in doc["notes"]), doc["notes"]
