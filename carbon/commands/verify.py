"""carbon verify"""

from __future__ import annotations

import json
import sys
from dataclasses import asdict

import click
from rich.markup import escape
from rich.table import Table

from carbon.commands.common import handle_errors, out, pass_ctx

EXIT_DIFFERENCES = 2


@click.command("verify")
@click.argument("folder", type=click.Path(file_okay=False))
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["table", "json"]),
    default="table",
    show_default=True,
    help="table for people; json for scripts.",
)
@pass_ctx
@handle_errors()
def verify_cmd(ctx, folder: str, fmt: str) -> None:
    """Replay a report pack against the database: "reproduced", or each difference.

    \b
    Checks the files against the manifest's hashes, the manifest against the
    hash recorded when the pack was produced, the chain to the previous
    month's manifest, the imports and factor rows behind the month, and every
    figure of report.json recomputed now. A difference inside a month restated
    after the pack is shown as that restatement (who, when, why).

    \b
    Exit codes: 0 reproduced; 2 differences found; 1 could not verify.

    \b
    Example:
      carbon verify reports/2026-10
    """
    v = ctx.carbon.verify_pack(folder)
    if fmt == "json":
        click.echo(
            json.dumps(
                {
                    "month": v.month,
                    "revision": v.revision,
                    "path": v.path,
                    "reproduced": v.reproduced,
                    "checked": list(v.checked),
                    "differences": [asdict(d) for d in v.differences],
                    "notes": list(v.notes),
                },
                indent=2,
                ensure_ascii=False,
            )
        )
    else:
        if v.reproduced:
            out.print(
                f"{escape(v.path)}: reproduced ({v.month}"
                + (f" r{v.revision}" if v.revision else "")
                + "): "
                + ", ".join(v.checked)
            )
        else:
            t = Table(
                title=f"{escape(v.path)}: {len(v.differences)} difference(s)", title_justify="left"
            )
            for col in ("kind", "what", "in the pack", "now"):
                t.add_column(col, overflow="fold")
            for d in v.differences:
                t.add_row(d.kind, escape(d.what), escape(d.pack), escape(d.now))
            out.print(t)
        for n in v.notes:
            out.print(f"note: {escape(n)}")
    if not v.reproduced:
        sys.exit(EXIT_DIFFERENCES)
