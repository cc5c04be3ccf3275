"""Start-up rule (issue 11): a command imports only what it uses.

`carbon --help` imports neither pandas, pint, Alembic nor APScheduler; `report monthly` and
`budget status` on a database at the current schema import no Alembic (the revision is read with
one SQL query), no pandas, pint or numpy, and no APScheduler. Checked in a fresh interpreter
through `sys.modules`, not by timing (bench/startup.py prints the figures).
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
HEAVY = ("pandas", "pint", "numpy", "alembic", "apscheduler")

PROBE = """
import json, sys
sys.path.insert(0, {root!r})
import cli
try:
    cli.main({argv!r}, prog_name="carbon")
except SystemExit as exc:
    code = exc.code
print(json.dumps({{"code": code, "loaded": [m for m in {heavy!r} if m in sys.modules]}}))
"""


def loaded_by(argv: list[str], cwd: Path, env: dict | None = None) -> tuple[int, list[str]]:
    """Run `carbon argv` in a new interpreter; its exit code and the heavy modules it imported."""
    code = PROBE.format(root=str(ROOT), argv=argv, heavy=HEAVY)
    res = subprocess.run([sys.executable, "-c", code], cwd=cwd, capture_output=True, text=True, env=env,
                         check=False)
    last = res.stdout.strip().splitlines()[-1]
    verdict = json.loads(last)
    return verdict["code"], verdict["loaded"]


def test_help_imports_no_heavy_library(tmp_path):
    code, loaded = loaded_by(["--help"], tmp_path)
    assert code == 0
    assert loaded == []


def test_every_group_help_imports_no_heavy_library(tmp_path):
    for group in ("import", "report", "budget", "donation", "schedule", "teams", "factors"):
        code, loaded = loaded_by([group, "--help"], tmp_path)
        assert (group, code, loaded) == (group, 0, [])


@pytest.fixture
def small_db(db_url, write):
    """A small company's database at the current schema: one team, one month of electricity.
    Built in this process (pandas and pint are fine here), then probed in a fresh one."""
    from carbon import importer
    from carbon.store import Store

    store = Store.open(db_url)
    importer.add_team(store, "Ops")
    importer.import_activities(store, write("a.csv", "date,team,activity,quantity,unit,region\n"
                                                     "2024-05,Ops,electricity.grid,1000,kWh,FR\n"))
    store.close()
    return db_url


def test_report_monthly_imports_no_alembic_pandas_or_pint(small_db, tmp_path):
    code, loaded = loaded_by(["--db", small_db, "report", "monthly", "--month", "2024-05"], tmp_path)
    assert code == 0
    assert loaded == []


def test_budget_status_imports_no_alembic_pandas_or_pint(small_db, tmp_path):
    # No budget loaded: the command refuses (exit 1) after opening the database and reading it.
    code, loaded = loaded_by(["--db", small_db, "budget", "status", "--month", "2024-05"], tmp_path)
    assert code in (0, 1)
    assert loaded == []


def test_a_new_database_still_migrates(tmp_path):
    """Opening a database with no schema imports Alembic and creates it (the lazy path works)."""
    url = f"sqlite:///{tmp_path / 'new.db'}"
    code, loaded = loaded_by(["--db", url, "teams", "list"], tmp_path)
    assert code == 0
    assert "alembic" in loaded
    code, loaded = loaded_by(["--db", url, "teams", "list"], tmp_path)  # now at the head: no Alembic
    assert (code, "alembic" in loaded) == (0, False)
