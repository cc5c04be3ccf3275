"""The `carbon` command: a thin click layer over the `carbon` library (console script `carbon`,
and `python -m carbon`). Commands import their library modules lazily (carbon/lazy.py), so
`carbon --help` imports neither pandas, pint nor Alembic (tests/test_startup.py)."""

from __future__ import annotations

import click

from carbon import __version__
from carbon.commands.budget import budget
from carbon.commands.close import close
from carbon.commands.cloud import ccf_estimates, cloud_billing
from carbon.commands.common import Ctx, add_db_option
from carbon.commands.demo import demo
from carbon.commands.donation import donation, prices
from carbon.commands.energy import import_energy_attributes_cmd
from carbon.commands.factors import factors
from carbon.commands.imports import import_group, imports_group
from carbon.commands.metrics import import_metrics_cmd, metrics_group
from carbon.commands.report import report
from carbon.commands.scenario import scenario_group
from carbon.commands.schedule import schedule_group
from carbon.commands.video import import_video_cmd
from carbon.commands.teams import teams
from carbon.commands.year import year_cmd


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--db", envvar="CARBON_DB", metavar="URL",
              help="SQLAlchemy database URL (env CARBON_DB). Default: sqlite:///carbon.db, "
                   "a file in the current directory. PostgreSQL: postgresql+psycopg://user@host/db")
@click.version_option(__version__, prog_name="carbon")
@click.pass_context
def main(ctx: click.Context, db: str | None) -> None:
    """carbon: monthly CO2e per team from activity data and sourced emission factors.

    \b
    Start with:   carbon demo            (loads a sample company, prints a month)
    Then:         carbon teams add NAME
                  carbon import activities FILE
                  carbon report monthly --month YYYY-MM

    Exit codes: 0 done; 1 refused input or missing data (the message says
    what to fix; nothing was written); 2 wrong command usage; 3 internal error.
    `budget check` exits with a verdict instead: 0 on track, 1 at risk, 2 over,
    3 no verdict.
    """
    ctx.obj = Ctx(db)


main.add_command(teams)
main.add_command(factors)
main.add_command(import_group)
main.add_command(imports_group)
main.add_command(report)
report.add_command(year_cmd)  # carbon report year
main.add_command(demo)
main.add_command(schedule_group)
main.add_command(budget)
main.add_command(donation)
main.add_command(prices)
main.add_command(close)
import_group.add_command(import_metrics_cmd)
import_group.add_command(import_video_cmd)
import_group.add_command(cloud_billing)
import_group.add_command(ccf_estimates)
import_group.add_command(import_energy_attributes_cmd)
main.add_command(metrics_group)
main.add_command(scenario_group)
add_db_option(main)  # `carbon demo --db URL` as well as `carbon --db URL demo`

if __name__ == "__main__":
    main()
