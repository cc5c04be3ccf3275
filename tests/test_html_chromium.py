"""report.html in a real browser: headless Chromium renders it, with the expected text and no errors.

Needs Debian's `chromium` package (CI installs it: apt-get install -y chromium).
"""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

from carbon.budgets import service as stored_budgets
from carbon.ledger import service as importer
from carbon.pack import service as pack

CHROMIUM = shutil.which("chromium") or (
    "/usr/bin/chromium" if Path("/usr/bin/chromium").exists() else None
)
pytestmark = pytest.mark.skipif(
    CHROMIUM is None,
    reason="headless Chromium not installed (/usr/bin/chromium absent): apt-get install -y chromium",
)

HEADER = "date,team,activity,quantity,unit,region\n"
SCRIPT = "<script>alert(1)</script>"
FORMULA = '=HYPERLINK("http://x")'


def chromium(tmp_path: Path, *args: str) -> subprocess.CompletedProcess:
    profile = tmp_path / "chromium-profile"
    profile.mkdir(exist_ok=True)
    cmd = [
        CHROMIUM,
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        f"--user-data-dir={profile}",
        "--enable-logging=stderr",
        "--v=0",
        *args,
    ]
    # The timeout only guards against a hung browser; nothing here measures time.
    return subprocess.run(cmd, capture_output=True, text=True, timeout=180)


@pytest.fixture
def page(store, write, tmp_path):
    for t in (SCRIPT, FORMULA, "Vidéo"):
        importer.add_team(store, t)
    # ADEME FR 2024 grid 0.0519 kg CO2e / kWh: 1000 kWh = 51.9 kg, 2000 kWh = 103.8 kg.
    rows = (
        HEADER
        + f"""\
2024-06-10,"{SCRIPT}",electricity.grid,1000,kWh,FR
2024-06-10,"{FORMULA.replace('"', '""')}",electricity.grid,2000,kWh,FR
2024-06-10,Vidéo,streaming.video.hour,100,hour,EU
2024-05-10,Vidéo,streaming.video.hour,100,hour,EU
"""
    )
    importer.import_activities(store, write("a.csv", rows))
    stored_budgets.load_file(
        store,
        write(
            "b.toml",
            """\
        year = 2024
        unit = "kg CO2e"
        [teams."Vidéo"]
        budget = 8.0
        profile = "flat"
        """,
        ),
    )
    built = pack.build(store, "2024-06", tmp_path / "out")
    return built.path / "report.html"


def test_report_renders_in_headless_chromium_without_console_errors(page, tmp_path):
    res = chromium(tmp_path, "--dump-dom", page.as_uri())
    assert res.returncode == 0, res.stderr[-2000:]
    dom = res.stdout
    assert "Carbon report · June 2024" in dom
    assert "Budgets 2024: actual vs budget to date" in dom
    assert "Methodology and sources" in dom
    # Vidéo: 100 h × 0.055 kg/h (Carbon Trust, EU 2020) in May and June = 11 kg > budget 8 kg: over.
    assert "Vidéo" in dom and "over budget" in dom
    # The hostile name is text in the rendered DOM, not an element:
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in dom
    assert not re.search(r"<script\b", dom, re.I)
    assert '=HYPERLINK("http://x")' in dom or "=HYPERLINK(&quot;http://x&quot;)" in dom
    assert dom.count("<svg") >= 4  # trend, categories, per-team charts
    console = [
        line
        for line in res.stderr.splitlines()
        if "CONSOLE" in line or "Refused to" in line or "Uncaught" in line
    ]
    assert console == [], console


def test_screenshot_has_content(page, tmp_path):
    shot = tmp_path / "shot.png"
    res = chromium(
        tmp_path,
        "--hide-scrollbars",
        "--window-size=420,1600",
        f"--screenshot={shot}",
        page.as_uri(),
    )
    assert res.returncode == 0, res.stderr[-2000:]
    data = shot.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 10_000  # a phone-width page, not blank
