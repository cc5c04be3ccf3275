"""Start-up rule: a command imports only what it uses.

`carbon --help` imports neither pandas, pint, Alembic nor APScheduler; `report monthly` and
`budget status` on a database at the current schema import no Alembic (the revision is read with
one SQL query), no pandas, pint or numpy, and no APScheduler; nor does `factors list` once the
factor table is kept in the database. Checked in a fresh interpreter
through `sys.modules`, not by timing (bench/startup.py prints the figures).
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
HEAVY = ("pandas", "pint", "numpy", "alembic", "apscheduler", "starlette", "jinja2", "uvicorn")

PROBE = """
import json, sys
sys.path.insert(0, {root!r})
import cli
try:
    cli.main({argv!r}, prog_name="carbon")
except SystemExit as exc:
    code = exc.code
print(json.dumps({{"code": code, "loaded": [m for m in {heavy!r} if m in sys.modules],
                  "carbon": sorted(m for m in sys.modules if m.startswith("carbon."))}}))
"""


def probe(argv: list[str], cwd: Path, env: dict | None = None) -> dict:
    """Run `carbon argv` in a new interpreter: its exit code, the heavy modules and the carbon
    modules it imported."""
    code = PROBE.format(root=str(ROOT), argv=argv, heavy=HEAVY)
    res = subprocess.run(
        [sys.executable, "-c", code], cwd=cwd, capture_output=True, text=True, env=env, check=False
    )
    last = res.stdout.strip().splitlines()[-1]
    return json.loads(last)


def loaded_by(argv: list[str], cwd: Path, env: dict | None = None) -> tuple[int, list[str]]:
    """Run `carbon argv` in a new interpreter; its exit code and the heavy modules it imported."""
    verdict = probe(argv, cwd, env)
    return verdict["code"], verdict["loaded"]


def test_help_imports_no_heavy_library(tmp_path):
    code, loaded = loaded_by(["--help"], tmp_path)
    assert code == 0
    assert loaded == []


def test_every_group_help_imports_no_heavy_library(tmp_path):
    for group in (
        "import",
        "report",
        "budget",
        "donation",
        "schedule",
        "teams",
        "factors",
        "tokens",
        "serve",
    ):
        code, loaded = loaded_by([group, "--help"], tmp_path)
        assert (group, code, loaded) == (group, 0, [])


@pytest.fixture
def small_db(db_url, write):
    """A small company's database at the current schema: one team, one month of electricity.
    Built in this process (pandas and pint are fine here), then probed in a fresh one."""
    from carbon.ledger import service as importer
    from carbon.store import Store

    store = Store.open(db_url)
    importer.add_team(store, "Ops")
    importer.import_activities(
        store,
        write(
            "a.csv",
            "date,team,activity,quantity,unit,region\n2024-05,Ops,electricity.grid,1000,kWh,FR\n",
        ),
    )
    store.close()
    return db_url


def test_report_monthly_imports_no_alembic_pandas_or_pint(small_db, tmp_path):
    code, loaded = loaded_by(
        ["--db", small_db, "report", "monthly", "--month", "2024-05"], tmp_path
    )
    assert code == 0
    assert loaded == []


def test_budget_status_imports_no_alembic_pandas_or_pint(small_db, tmp_path):
    # No budget loaded: the command refuses (exit 1) after opening the database and reading it.
    code, loaded = loaded_by(["--db", small_db, "budget", "status", "--month", "2024-05"], tmp_path)
    assert code in (0, 1)
    assert loaded == []


def test_factors_list_reads_the_kept_table_without_pandas_or_pint(small_db, tmp_path):
    """The first command to need the factor table builds it (pandas reads the CSVs, pint checks
    the units) and keeps it in the database (carbon/factors/service.py); later ones read it."""
    code, _loaded = loaded_by(["--db", small_db, "factors", "list", "--format", "csv"], tmp_path)
    assert code == 0
    for fmt in ("csv", "json", "table"):
        code, loaded = loaded_by(["--db", small_db, "factors", "list", "--format", fmt], tmp_path)
        assert (fmt, code, loaded) == (fmt, 0, [])


def test_a_new_database_still_migrates(tmp_path):
    """Opening a database with no schema imports Alembic and creates it (the lazy path works)."""
    url = f"sqlite:///{tmp_path / 'new.db'}"
    code, loaded = loaded_by(["--db", url, "teams", "list"], tmp_path)
    assert code == 0
    assert "alembic" in loaded
    code, loaded = loaded_by(
        ["--db", url, "teams", "list"], tmp_path
    )  # now at the head: no Alembic
    assert (code, "alembic" in loaded) == (0, False)


# ---- lazy command groups: a command imports its own module, not the others' ---------------------

COMMON = "carbon.commands.common"  # what every command shares (consoles, errors, --db)


def command_modules(verdict: dict) -> set[str]:
    return {m for m in verdict["carbon"] if m.startswith("carbon.commands.")}


def test_help_imports_no_command_module(tmp_path):
    """`carbon --help` lists every command with its one-line help from the map in
    carbon/commands/__init__.py, importing none of the commands' modules."""
    verdict = probe(["--help"], tmp_path)
    assert (verdict["code"], command_modules(verdict)) == (0, {COMMON})


def test_a_group_help_imports_only_the_group_module(tmp_path):
    # `carbon import --help` lists cloud-billing, metrics and video without importing
    # carbon/commands/imports/cloud.py, metrics.py or video.py.
    for group, module in (
        ("import", "imports"),
        ("report", "report"),
        ("budget", "budget"),
        ("donation", "donation"),
    ):
        verdict = probe([group, "--help"], tmp_path)
        assert (group, verdict["code"], command_modules(verdict)) == (
            group,
            0,
            {COMMON, f"carbon.commands.{module}"},
        )


def test_report_monthly_imports_only_its_command_and_the_store_it_reads(small_db, tmp_path):
    verdict = probe(["--db", small_db, "report", "monthly", "--month", "2024-05"], tmp_path)
    assert verdict["code"] == 0
    # not carbon.commands.imports.cloud, donation, imports, budget ..., nor pack and year (other
    # commands of `carbon report`)
    assert command_modules(verdict) == {COMMON, "carbon.commands.report"}
    # opening the database and the report need no budget, price, pack, lock or duplicate tables,
    # nor the rules and parsers those modules import
    unused = {
        "carbon.budgets.store",
        "carbon.prices.store",
        "carbon.pack.store",
        "carbon.closing.store",
        "carbon.store.duplicates",
        "carbon.budgets.file",
        "carbon.donation.rules",
        "carbon.pack.service",
        "carbon.factors.service",  # the report reads the rollup, not the factor table
        "carbon.factors.tables",
        "carbon.report.svg",  # the terminal draws no sparkline
    }
    assert unused & set(verdict["carbon"]) == set()
    assert verdict["loaded"] == []


def test_budget_status_imports_only_its_command_and_the_store_it_reads(small_db, tmp_path):
    verdict = probe(["--db", small_db, "budget", "status", "--month", "2024-05"], tmp_path)
    assert verdict["code"] in (0, 1)  # no budget loaded: refused after reading the database
    assert command_modules(verdict) == {COMMON, "carbon.commands.budget"}
    unused = {
        "carbon.prices.store",
        "carbon.pack.store",
        "carbon.store.duplicates",
        "carbon.donation.rules",
        "carbon.budgets.file",  # the status reads the stored plan, not a budget file
        "carbon.factors.service",
    }
    assert unused & set(verdict["carbon"]) == set()


def test_a_lazily_imported_command_takes_db_after_its_name(small_db, tmp_path):
    """`--db` is added to each command when its module is imported (carbon report monthly is
    loaded with `report`, carbon import video from its own module)."""
    launcher = [sys.executable, str(ROOT / "cli.py")]
    res = subprocess.run(
        [
            *launcher,
            "report",
            "monthly",
            "--month",
            "2024-05",
            "--format",
            "json",
            "--db",
            small_db,
        ],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=False,
    )
    assert res.returncode == 0, res.stderr
    assert json.loads(res.stdout)["month"] == "2024-05"
    res = subprocess.run(
        [*launcher, "import", "video", "--help"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=False,
    )
    assert res.returncode == 0 and "--db URL" in res.stdout


def test_the_command_map_points_at_each_command_with_its_own_help():
    """The one-line help `carbon --help` shows from the map is what the command's docstring
    gives, at every width click may cut it to."""
    import click

    from carbon.commands import COMMANDS, load

    for path, (target, short) in COMMANDS.items():
        cmd = load(target)
        assert (path, cmd.name) == (path, path.split()[-1])
        listed = click.Command(cmd.name, help=short)
        for limit in range(10, 200):
            assert (path, limit, listed.get_short_help_str(limit)) == (
                path,
                limit,
                cmd.get_short_help_str(limit),
            )


def test_every_store_module_declaring_tables_is_a_feature():
    """Opening a database imports no feature module, so `declared_metadata()` (the schema the
    migrations must build) imports them from this list: a module missing here would be
    missing from tests/test_migrations.py's comparison."""
    from carbon.store import FEATURES, declared_metadata

    package = ROOT / "carbon"
    store_modules = [*(package / "store").glob("*.py"), *package.glob("*/store.py")]
    declaring = {
        ".".join(p.relative_to(ROOT).with_suffix("").parts)
        for p in store_modules
        if p.stem != "schema" and "Table(" in p.read_text(encoding="utf-8")
    }
    assert set(FEATURES) == declaring
    assert {"budget_plans", "packs", "period_locks", "metric_values"} <= set(
        declared_metadata().tables
    )


def test_the_head_revision_read_without_alembic_is_alembic_own():
    from alembic.script import ScriptDirectory

    from carbon.store import migrate

    assert (
        migrate.head.__wrapped__()
        == ScriptDirectory.from_config(migrate._config()).get_current_head()
    )


def test_scenario_run_reuses_pint_answers_and_the_parsed_prices(small_db, tmp_path):
    """`scenario run` computes on plain records (no pandas or numpy); the units a shift converts
    are pint's answers, asked once and kept beside the factor table, like the parsed shipped
    prices (carbon/factors/conversions.py): the second run imports none of the three."""
    levers = tmp_path / "levers.toml"
    levers.write_text(
        'year = 2024\n[[lever]]\nkind = "shift"\nfrom = "electricity.grid"\n'
        'to = "fuel.wood_pellets.kwh"\nshare = 0.5\nstart = "2024-01"\n'
    )
    argv = ["--db", small_db, "scenario", "run", str(levers), "--format", "json"]
    first = probe(argv, tmp_path)
    assert first["code"] == 0
    assert "pint" in first["loaded"]  # the conversion kg CO2e / kWh <- kWh asked of pint once
    code, loaded = loaded_by(argv, tmp_path)
    assert (code, loaded) == (0, [])


def test_report_sources_asks_pint_once_per_database(small_db, tmp_path):
    """`report sources` states each quantity in its factor's unit (MWh -> kWh here): pint's
    answer, asked by the first run and kept beside the factor table; later runs import no pint."""
    argv = ["--db", small_db, "report", "sources", "--month", "2024-05", "--format", "json"]
    first = probe(argv, tmp_path)
    assert first["code"] == 0 and "pint" in first["loaded"]
    code, loaded = loaded_by(argv, tmp_path)
    assert (code, loaded) == (0, [])
