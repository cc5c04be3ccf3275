"""The command line: thin click commands over the library (see carbon/cli.py).

Every command lives in its own module, imported only when the command runs or shows its own
help: `carbon report monthly` imports carbon/commands/report/__init__.py and none of the other commands
(tests/test_startup.py). `COMMANDS` is the static map behind it: each command's path, where it
lives, and the one-line help `carbon --help` lists without importing it (a test checks the line
against the command's own docstring).
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterator, MutableMapping

import click

# command path: ("module:attribute", one-line help, as the command's docstring starts).
# A command defined on its group (`@report.command("monthly")`) is not listed: it loads with the group.
COMMANDS: dict[str, tuple[str, str]] = {
    "budget": (
        "carbon.commands.budget:budget",
        "Team carbon budgets: load a year's budgets, follow actual vs budget, alert.",
    ),
    "close": (
        "carbon.commands.close:close",
        "Close a month: later imports, replacements or removals touching it are refused.",
    ),
    "demo": ("carbon.commands.demo:demo", "Load a sample organisation and print its latest month."),
    "donation": (
        "carbon.commands.donation:donation",
        "Annual offset donation: the year's emissions × a carbon price, per team.",
    ),
    "feeds": (
        "carbon.commands.feeds:feeds_group",
        "Data feeds a complete month needs: declare, list, remove, and each month's status.",
    ),
    "factors": (
        "carbon.commands.factors:factors",
        "Emission factors: the shipped, sourced tables plus your own.",
    ),
    "import": (
        "carbon.commands.imports:import_group",
        "Import activity data or a commuting survey.",
    ),
    "import ccf-estimates": (
        "carbon.commands.imports.cloud:ccf_estimates",
        "Import Cloud Carbon Footprint's own estimates (its API JSON, or CSV).",
    ),
    "import cloud-billing": (
        "carbon.commands.imports.cloud:cloud_billing",
        "Import a cloud billing export: AWS Cost and Usage Report (CSV, CSV.gz or "
        "Parquet, legacy or CUR 2.0), GCP standard billing export (CSV or newline "
        "JSON) or Azure cost details (CSV).",
    ),
    "import energy-attributes": (
        "carbon.commands.imports.energy:import_energy_attributes_cmd",
        "Import contractual instruments for market-based scope 2 (docs/scope2.md).",
    ),
    "import metrics": (
        "carbon.commands.imports.metrics:import_metrics_cmd",
        "Import business metrics (month, metric, value[, team]): the denominators of intensities.",
    ),
    "import spend": (
        "carbon.commands.imports.spend:import_spend_cmd",
        "Import purchases by spend (month, team, category, amount, currency[, supplier, "
        "description]).",
    ),
    "import video": (
        "carbon.commands.imports.video:import_video_cmd",
        "Import a video platform's viewing export as streaming.video.<resolution> entries.",
    ),
    "imports": (
        "carbon.commands.imports:imports_group",
        "List or remove imports (each file imported is one import).",
    ),
    "metrics": (
        "carbon.commands.imports.metrics:metrics_group",
        "Declare and list business metrics (active users, paid students, hours streamed).",
    ),
    "prices": (
        "carbon.commands.donation:prices",
        "Carbon price tables: the shipped EU ETS and carbon-removal prices, plus your own.",
    ),
    "report": ("carbon.commands.report:report", "Reports from the ledger."),
    "report disclosure": (
        "carbon.commands.report.disclosure:disclosure_cmd",
        "A year's disclosure (ESRS E1, GHG Protocol or BEGES), reconciled with the ledger.",
    ),
    "report pack": (
        "carbon.commands.report.pack:pack_cmd",
        "Build a month's report pack now: report.html (charts), report.json, report.csv, "
        "manifest.json (and donation.html for December).",
    ),
    "report year": (
        "carbon.commands.report.year:year_cmd",
        "The annual inventory of a year: per team, category, GHG scope and month (kg CO2e).",
    ),
    "scenario": (
        "carbon.commands.scenario:scenario_group",
        "What-if scenarios: levers applied to the ledger and the forecast, nothing written.",
    ),
    "schedule": (
        "carbon.commands.schedule:schedule_group",
        "The monthly report pack, produced once per month (catching up missed months).",
    ),
    "serve": (
        "carbon.commands.serve:serve_cmd",
        "The managers' read-only web pages and JSON API (needs the serve extra).",
    ),
    "teams": ("carbon.commands.teams:teams", "Declare teams."),
    "tokens": (
        "carbon.commands.tokens:tokens",
        "Access tokens of 'carbon serve': one per person or service, for every team or one.",
    ),
    "verify": (
        "carbon.commands.verify:verify_cmd",
        'Replay a report pack against the database: "reproduced", or each difference.',
    ),
}


def load(target: str) -> click.Command:
    """The command object at "module:attribute", importing its module."""
    module, attr = target.split(":")
    cmd = getattr(importlib.import_module(module), attr)
    if not isinstance(cmd, click.Command):
        raise TypeError(f"{target} is not a click command")
    return cmd


class LazyCommands(MutableMapping):
    """A group's commands by name: every name is known, a command's module is imported when the
    command is first read. Code reading `group.commands` (click itself, the docs generator,
    tests) sees every command; looking one up imports only that one."""

    def __init__(self, targets: dict[str, str], on_load: Callable[[click.Command], None]):
        self._targets = dict(targets)
        self._loaded: dict[str, click.Command] = {}
        self._on_load = on_load

    def loaded(self, name: str) -> bool:
        return name in self._loaded

    def loaded_commands(self) -> list[click.Command]:
        """The commands imported so far (reading them imports nothing)."""
        return list(self._loaded.values())

    def __getitem__(self, name: str) -> click.Command:
        if name not in self._loaded:
            target = self._targets[name]  # KeyError: no such command (Mapping.get gives None)
            try:
                cmd = load(target)
            except KeyError as exc:  # a bug in the module, not an unknown command
                raise RuntimeError(
                    f"importing the command {name!r} ({target}) failed: {exc!r}"
                ) from exc
            self[name] = cmd
        return self._loaded[name]

    def __setitem__(self, name: str, cmd: click.Command) -> None:
        self._loaded[name] = cmd
        self._on_load(cmd)

    def __delitem__(self, name: str) -> None:
        if name not in self:
            raise KeyError(name)
        self._targets.pop(name, None)
        self._loaded.pop(name, None)

    def __iter__(self) -> Iterator[str]:
        return iter(sorted(self._targets.keys() | self._loaded.keys()))

    def __len__(self) -> int:
        return len(self._targets.keys() | self._loaded.keys())

    def __contains__(self, name: object) -> bool:
        return name in self._targets or name in self._loaded


class LazyGroup(click.Group):
    """click's lazy group: its subcommands listed in `COMMANDS` (under the group's path) are
    imported on demand, and its help lists them with their one-line help from the map.

    `path` is the group's command path without `carbon` ("" for the top level); by default its name.
    Functions in `on_load` run on each subcommand once it is loaded or added (`--db` for every command).
    """

    def __init__(self, *args, path: str | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.path = self.name if path is None else path
        self.on_load: list[Callable[[click.Command], None]] = []
        prefix = f"{self.path} " if self.path else ""
        targets = {
            key[len(prefix) :]: target
            for key, (target, _help) in COMMANDS.items()
            if key.startswith(prefix) and " " not in key[len(prefix) :]
        }
        self.commands = LazyCommands(targets, self._loaded)
        self._short_help = {name: COMMANDS[prefix + name][1] for name in targets}

    def _loaded(self, cmd: click.Command) -> None:
        for hook in self.on_load:
            hook(cmd)

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        """click's listing, with the map's help for a command not imported yet (none is imported)."""
        commands = []
        for name in self.list_commands(ctx):
            if self.commands.loaded(name) or name not in self._short_help:
                cmd = self.get_command(ctx, name)
            else:  # the same text through click's own shortening
                cmd = click.Command(name, help=self._short_help[name])
            if cmd is not None and not cmd.hidden:
                commands.append((name, cmd))
        if commands:
            limit = formatter.width - 6 - max(len(name) for name, _ in commands)
            with formatter.section("Commands"):
                formatter.write_dl(
                    [(name, cmd.get_short_help_str(limit)) for name, cmd in commands]
                )
