"""The Python front door: `from carbon import Carbon`, and every command goes through it."""

from __future__ import annotations

import inspect
import re
from pathlib import Path

import click

from carbon import cli
from carbon.api import Carbon
from carbon.commands.helpdoc import _walk

ROOT = Path(__file__).resolve().parent.parent

# Each command and the facade method that runs its task (the command only renders the result).
COMMAND_METHOD = {
    "budget check": "budget_check",
    "budget load": "load_budget",
    "budget propose": "propose_budget",
    "import spend": "import_spend",
    "report disclosure": "disclosure",
    "verify": "verify_pack",
    "budget show": "budget_plan",
    "budget status": "budget_status",
    "close": "close_month",
    "demo": "load_demo",
    "donation": "donation",
    "donation close": "close_donation",
    "donation history": "donation_history",
    "factors import": "import_factors",
    "factors list": "factor_table",
    "factors show": "factor_table",
    "feeds add": "add_feed",
    "feeds list": "feeds",
    "feeds remove": "remove_feed",
    "feeds status": "feeds_status",
    "import activities": "import_activities",
    "import ccf-estimates": "import_ccf_estimates",
    "import cloud-billing": "import_cloud_billing",
    "import commuting-survey": "import_survey",
    "import energy-attributes": "import_energy_attributes",
    "import flights": "import_flights",
    "import metrics": "import_metrics",
    "import video": "import_video",
    "imports list": "imports",
    "imports remove": "remove_import",
    "metrics define": "define_metric",
    "metrics intensity": "intensity",
    "metrics list": "metrics",
    "prices import": "import_prices",
    "prices list": "prices",
    "report monthly": "monthly_report",
    "report pack": "build_pack",
    "report sources": "month_sources",
    "report year": "year_report",
    "scenario run": "run_scenario",
    "schedule run-once": "run_schedule_once",
    "schedule start": "start_schedule",
    "schedule status": "schedule_status",
    "serve": "web_app",
    "teams add": "add_teams",
    "teams list": "teams",
    "teams rename": "rename_team",
    "teams retire": "retire_team",
    "tokens add": "add_token",
    "tokens list": "tokens",
    "tokens revoke": "revoke_token",
}


def commands() -> dict[str, click.Command]:
    found = {}
    for path, cmd in _walk(cli.main):
        if isinstance(cmd, click.Group) and not cmd.invoke_without_command:
            continue
        found[" ".join(path)] = cmd
    return found


def test_every_command_calls_its_facade_method():
    found = commands()
    assert sorted(found) == sorted(COMMAND_METHOD)  # a new command needs its facade method here
    for name, cmd in found.items():
        source = inspect.getsource(inspect.unwrap(cmd.callback))
        module = inspect.getsource(inspect.getmodule(inspect.unwrap(cmd.callback)))
        method = COMMAND_METHOD[name]
        assert hasattr(Carbon, method), name
        # the callback calls it, or (close) a helper of its module does
        assert f"ctx.carbon.{method}(" in source or (
            name == "close" and f"ctx.carbon.{method}(" in module
        ), name
        # the task runs in the library: the callback calls no store or rule function on ctx.store
        assert not re.search(r"\w+\.\w+\(ctx\.store\b", source), name


def test_the_package_exports_the_facade_records_and_errors():
    import carbon

    assert carbon.Carbon is Carbon
    for name in ("CarbonError", "InputError", "NotFound", "MonthlyReport", "ImportOutcome"):
        assert name in carbon.__all__
        assert getattr(carbon, name) is not None


def readme_python_example() -> str:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    section = text.split("## Python API", 1)[1].split("\n## ", 1)[0]
    return re.search(r"```python\n(.*?)```", section, re.S).group(1)


def test_the_readme_python_example_runs(tmp_path, db_url, monkeypatch):
    """The README's example, as written, on a temporary database: one team, 1,000 kWh in
    France in May 2024 at ADEME's 2024 mix, 0.0519 kg CO2e/kWh -> 51.9 kg."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("CARBON_DB", db_url)
    (tmp_path / "activities.csv").write_text(
        "date,team,activity,quantity,unit,region\n2024-05,Platform,electricity.grid,1000,kWh,FR\n",
        encoding="utf-8",
    )
    scope: dict = {}
    exec(compile(readme_python_example(), "README.md", "exec"), scope)
    report = scope["report"]
    assert report.month == "2024-05"
    assert round(report.total, 3) == 51.9  # 1000 kWh x 0.0519 kg CO2e/kWh


# Each facade method that passes its options on, and the function it calls: the facade's
# optional parameters must have the same names and defaults (the callee is the one truth).
FORWARDS = {
    "import_activities": ("carbon.ledger.service", "import_activities"),
    "import_survey": ("carbon.ledger.service", "import_survey"),
    "import_flights": ("carbon.ledger.service", "import_flights"),
    "import_factors": ("carbon.ledger.service", "import_factors"),
    "import_cloud_billing": ("carbon.cloud.importer", "import_cloud_billing"),
    "import_ccf_estimates": ("carbon.cloud.ccf_estimates", "import_ccf_estimates"),
    "import_metrics": ("carbon.metrics.service", "import_metrics"),
    "import_energy_attributes": ("carbon.scope2.service", "import_energy_attributes"),
    "import_spend": ("carbon.spend.service", "import_spend"),
    "import_video": ("carbon.video.service", "import_video"),
    "remove_import": ("carbon.ledger.service", "remove"),
    "build_pack": ("carbon.pack.service", "build"),
    "donation": ("carbon.donation.service", "donation_view"),
    "close_donation": ("carbon.donation.service", "close_year"),
    "close_month": ("carbon.closing.service", "close_month"),
    "run_scenario": ("carbon.scenarios.service", "run"),
    "run_schedule_once": ("carbon.pack.schedule", "run_once"),
    "start_schedule": ("carbon.pack.schedule", "start"),
}


def test_every_facade_method_names_its_parameters_and_its_return_type():
    for name, method in inspect.getmembers(Carbon, inspect.isfunction):
        if name.startswith("__"):
            continue
        sig = inspect.signature(method)
        kinds = {p.kind for p in sig.parameters.values()}
        assert inspect.Parameter.VAR_KEYWORD not in kinds, name
        assert inspect.Parameter.VAR_POSITIONAL not in kinds, name
        assert sig.return_annotation is not inspect.Signature.empty, name
        for p in sig.parameters.values():
            assert p.name == "self" or p.annotation is not inspect.Parameter.empty, (name, p.name)


def test_the_facade_keeps_the_defaults_of_the_functions_it_calls():
    import importlib

    checked = 0
    for name, (module, function) in FORWARDS.items():
        callee = inspect.signature(getattr(importlib.import_module(module), function)).parameters
        for p in inspect.signature(getattr(Carbon, name)).parameters.values():
            if p.default is inspect.Parameter.empty or p.name in ("feed", "checks"):
                continue  # feed: the facade's own; checks=None stands for the importer's default
            if name == "close_donation" and p.name in (
                "allow_incomplete",
                "incomplete_reason",
                "by",
            ):
                continue  # the facade's own completeness guard
            if name == "close_month" and p.name == "allow_incomplete":
                continue  # the same guard for a month
            assert p.name in callee, (name, p.name)
            assert p.default == callee[p.name].default, (name, p.name)
            checked += 1
    assert checked > 60  # the comparison ran (every forwarded option)


def test_the_package_ships_its_type_marker():
    import tomllib

    assert (ROOT / "carbon" / "py.typed").is_file()
    conf = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    assert "carbon" in conf["tool"]["hatch"]["build"]["targets"]["wheel"]["only-include"]
    assert conf["tool"]["mypy"]["follow_imports"] == "silent"


def test_a_url_given_to_the_constructor_says_to_use_open(tmp_path):
    # Carbon(url) used to be accepted and fail later with an AttributeError deep in an import.
    import pytest

    for wrong in (f"sqlite:///{tmp_path / 'c.db'}", tmp_path / "c.db"):
        with pytest.raises(TypeError, match=r"Carbon\.open\(url\)"):
            Carbon(wrong)
