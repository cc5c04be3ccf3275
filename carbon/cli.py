"""The `carbon` command: a thin click layer over the `carbon` library (console script `carbon`
and `python -m carbon`, both started by carbon/launch.py). A command's module is imported only
when the command runs (the map in carbon/commands/__init__.py), and commands import their library
modules lazily (carbon/core/lazy.py), so `carbon --help` imports neither pandas, pint nor Alembic
(tests/test_startup.py)."""

from __future__ import annotations

import click

from carbon import __version__
from carbon.commands import LazyGroup
from carbon.commands.common import Ctx, add_db_option


@click.group(cls=LazyGroup, path="", context_settings={"help_option_names": ["-h", "--help"]})
@click.option(
    "--db",
    envvar="CARBON_DB",
    metavar="URL",
    help="SQLAlchemy database URL (env CARBON_DB). Default: sqlite:///carbon.db, "
    "a file in the current directory. PostgreSQL: postgresql+psycopg://user@host/db",
)
@click.option(
    "--init",
    is_flag=True,
    help="Create carbon's tables even in a database that is not empty or is PostgreSQL's "
    "postgres/template database (refused otherwise: not a carbon database).",
)
@click.version_option(__version__, prog_name="carbon")
@click.pass_context
def main(ctx: click.Context, db: str | None, init: bool) -> None:
    """carbon: monthly CO2e per team from activity data and sourced emission factors.

    \b
    Start with:   carbon demo            (loads a sample company, prints a month)
    Then:         carbon teams add NAME
                  carbon import activities FILE
                  carbon report monthly --month YYYY-MM

    Exit codes: 0 done; 1 refused input, missing data or a fault of the
    environment: database lost, disk full (the message says what to fix;
    nothing was written); 2 wrong command usage; 3 internal error.
    `budget check` exits with a verdict instead: 0 on track, 1 at risk, 2 over,
    3 no verdict.
    """
    ctx.obj = Ctx(db, init)


add_db_option(main)  # `carbon demo --db URL` as well as `carbon --db URL demo`

if __name__ == "__main__":
    main()
