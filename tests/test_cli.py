"""The command line explains itself; the demo works; no traceback reaches a user."""

import click
import pytest

import cli


def _commands(group: click.Group, prefix=()):
    for name, cmd in group.commands.items():
        yield prefix + (name,), cmd
        if isinstance(cmd, click.Group):
            yield from _commands(cmd, prefix + (name,))


@pytest.mark.parametrize("path", [p for p, _ in _commands(cli.main)], ids=lambda p: " ".join(p))
def test_every_command_has_help(run, path):
    r = run(*path, "--help")
    assert r.exit_code == 0
    cmd = cli.main
    for name in path:
        cmd = cmd.commands[name]
    assert cmd.help and len(cmd.help.strip()) > 20, (
        f"carbon {' '.join(path)} needs a real help text"
    )


def test_top_level_help(run):
    r = run("--help")
    assert r.exit_code == 0 and "Exit codes" in r.stdout


def test_demo_is_idempotent_and_prints_latest_month(run):
    first = run("demo")
    assert first.exit_code == 0, first.output
    assert "Emissions 2026-10" in first.stdout
    second = run("demo")
    assert second.exit_code == 0 and "already loaded" in second.stdout


def test_demo_yearly_total_is_about_1000_t(run, store):
    run("demo")
    with store.engine.connect() as conn:
        ((kg, _),) = store.aggregate(conn, [], "2025-01", "2025-12")
    assert 900_000 < kg < 1_100_000


def test_demo_refuses_a_database_with_other_data(run, write):
    run("teams", "add", "Platform")
    run(
        "import",
        "activities",
        write(
            "a.csv",
            "date,team,activity,quantity,unit,region\n2024-05,Platform,electricity.grid,1,kWh,FR\n",
        ),
    )
    r = run("demo")
    assert r.exit_code == 1 and "other imports" in r.stderr


def test_unwritable_database_is_a_clear_error(tmp_path):
    from click.testing import CliRunner

    r = CliRunner().invoke(
        cli.main, ["--db", f"sqlite:///{tmp_path}/missing-dir/x.db", "teams", "list"]
    )
    assert r.exit_code == 1 and "cannot open the database" in r.stderr


def test_db_option_after_the_command_wins(tmp_path, monkeypatch):
    from click.testing import CliRunner

    monkeypatch.delenv("CARBON_DB", raising=False)
    monkeypatch.chdir(tmp_path)
    runner = CliRunner()
    r = runner.invoke(
        cli.main, ["teams", "add", "Platform", "--db", f"sqlite:///{tmp_path / 'a.db'}"]
    )
    assert r.exit_code == 0, r.output
    assert (tmp_path / "a.db").exists() and not (tmp_path / "carbon.db").exists()
    # `carbon --db B teams list --db A`: the command's own option is the one used.
    r = runner.invoke(
        cli.main,
        [
            "--db",
            f"sqlite:///{tmp_path / 'b.db'}",
            "teams",
            "list",
            "--db",
            f"sqlite:///{tmp_path / 'a.db'}",
        ],
    )
    assert r.exit_code == 0 and "Platform" in r.stdout
    assert not (tmp_path / "b.db").exists()


def test_reimport_with_another_region_is_refused_then_swapped(run, write, db_dump):
    run("teams", "add", "Platform")
    path = write(
        "a.csv", "date,team,activity,quantity,unit\n2024-05,Platform,electricity.grid,1000,kWh\n"
    )
    assert run("import", "activities", path, "--region", "GB").exit_code == 0
    before = db_dump()
    r = run("import", "activities", path, "--region", "FR")
    assert r.exit_code == 1
    assert (
        "already imported with other options (import 1: --region GB; now: --region FR)" in r.stderr
    )
    assert "Use --replace to swap it" in r.stderr
    assert db_dump() == before
    r = run("import", "activities", path, "--region", "FR", "--replace")
    assert r.exit_code == 0, r.output
    assert "replaced import 1" in r.stdout and "(import 2)" in r.stdout


def test_survey_replace_that_would_lose_months_is_refused(run, write, db_dump):
    run("teams", "add", "Pedagogy")
    path = write(
        "s.csv",
        "employee,team,mode,one_way_km,days_on_site_per_week,region\n"
        "E1,Pedagogy,commute.metro,10,5,FR\n",
    )
    assert (
        run("import", "commuting-survey", path, "--from", "2026-01", "--to", "2026-12").exit_code
        == 0
    )
    before = db_dump()
    r = run("import", "commuting-survey", path, "--from", "2026-06", "--to", "2026-12", "--replace")
    assert r.exit_code == 1
    assert "import 1 covers 2026-01..2026-12, so 2026-01..2026-05 would lose" in r.stderr
    assert "'carbon imports remove 1'" in r.stderr and "replaced" not in r.stdout
    assert db_dump() == before
