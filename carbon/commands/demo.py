"""carbon demo"""

from __future__ import annotations

import click
from rich.markup import escape

from carbon.commands.common import handle_errors, out, pass_ctx
from carbon.core.lazy import lazy
from carbon.core.resources import demo_dir

loader = lazy("carbon.demo.loader")
monthly = lazy("carbon.report.monthly")


@click.command()
@pass_ctx
@handle_errors()
def demo(ctx) -> None:
    """Load a sample organisation and print its latest month.

    "Learnly", an online education company: 8 teams, Jan 2025 to Oct 2026 of
    cloud, colocation and office electricity, course streaming, sales travel
    and a commuting survey (about 1,000 t CO2e a year), website traffic,
    monthly business metrics (active users, paid students) and a what-if
    scenario file for 'carbon scenario run'. Running it again
    changes nothing. Uses --db URL / CARBON_DB like every command (default
    ./carbon.db); refuses a database that holds other data.
    """
    for name, outcome in ctx.carbon.load_demo():
        b = outcome.batch
        state = "already loaded" if outcome.already_imported else "loaded"
        what = (
            f"{b.row_count:,} metric values"
            if b.kind == "metrics"
            else f"{b.entry_count:,} entries, {b.co2e_kg / 1000:,.1f} t CO2e"
        )
        out.print(f"{escape(name)}: {state} (import {b.id}, {what})")
    latest = ctx.carbon.months()[-1]
    out.print()
    out.print(monthly.to_table(ctx.carbon.monthly_report(latest)))
    out.print(
        f"\nNext: carbon budget status --month {latest} · "
        f"carbon report sources --month {latest} --team Video · carbon imports list"
    )
    out.print(f"What if: carbon scenario run {escape(str(demo_dir() / loader.SCENARIO))}")
