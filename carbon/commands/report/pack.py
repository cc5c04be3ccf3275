"""carbon report pack"""

from __future__ import annotations

import click
from rich.markup import escape

from carbon.commands.common import handle_errors, out, pass_ctx
from carbon.core.lazy import lazy

pack = lazy("carbon.pack.service")
config_file = lazy("carbon.config")


@click.command("pack")
@click.option("--month", required=True, help="The month, YYYY-MM.")
@click.option(
    "--out",
    "out_dir",
    default="reports/on-demand",
    show_default=True,
    type=click.Path(file_okay=False),
    help="Directory under which the pack's YYYY-MM directory is written (apart from the "
    "scheduled packs in reports/, so the two never collide).",
)
@click.option(
    "--config",
    "config_path",
    type=click.Path(dir_okay=False),
    metavar="PATH",
    help="TOML config file (default: ./carbon.toml when present): its [pack] scenarios "
    'add the "levers" section.',
)
@pass_ctx
@handle_errors()
def pack_cmd(ctx, month: str, out_dir: str, config_path: str | None) -> None:
    """Build a month's report pack now: report.html (charts), report.json, report.csv, manifest.json
    (and donation.html for December).

    Writes OUT/YYYY-MM/ atomically and never over an existing directory. This
    on-demand pack is not recorded as the month's scheduled pack (see
    'carbon schedule run-once'). A month with no data is an error, not a zero.
    Scenario files named in the config ([pack] scenarios) add a "levers" section:
    per team the year end with and without the levers, the new status and the
    donation's change.

    \b
    Example:
      carbon report pack --month 2026-10 --out /tmp/packs
    """
    cfg = config_file.load(config_path)
    built = ctx.carbon.build_pack(month, out_dir, scenarios=cfg.scenarios)
    files = sorted(p.name for p in built.path.iterdir())
    out.print(f"wrote {escape(str(built.path))}/ ({', '.join(files)})")
