"""carbon import cloud-billing (a cloud provider's billing export, allocated to teams by rules)."""

from __future__ import annotations

import click
from rich.markup import escape

from carbon.commands.common import FEED, handle_errors, out, pass_ctx
from carbon.commands.imports import (
    _summary,
    check_rejects,
    restate_of,
    restate_options,
)
from carbon.core.lazy import lazy

cloud_importer = lazy("carbon.cloud.importer")

CLASS_NAMES = {
    "compute": "compute (vCPU, GPU, memory)",
    "storage_ssd": "storage SSD",
    "storage_hdd": "storage HDD",
    "network": "networking between regions",
    "memory": "memory",
    "unknown": "unknown usage (estimated from cost or usage)",
    "skip": "no usage (tax, credit, refund, fee, double-counted)",
    "outside": "data transfer outside CCF's networking boundary",
    "ccf_estimate": "estimates computed by Cloud Carbon Footprint",
}


def print_cloud_summary(s: cloud_importer.CloudSummary) -> None:
    """The bill's lines by class, and the CO2e by allocation rule (with the unallocated share)."""
    for kind, n, cost in s.by_class:
        out.print(f"  {n:>10,} lines  {cost:>14,.2f} cost  {CLASS_NAMES.get(kind, kind)}")
    if s.unknown_lines:
        out.print(
            f"  note: {s.unknown_lines:,} usage lines of unknown kind were estimated from the classified "
            "lines of the same service (kWh per currency unit for AWS, per unit of usage for GCP "
            "and Azure; "
            "each entry says which)"
        )
    if s.unknown_region_lines:
        out.print(
            f"  note: {s.unknown_region_lines:,} lines without a region used CCF's unknown-region "
            "average grid factor"
        )
    total = s.total_kg or 1.0
    for what, kg in s.by_rule:
        out.print(f"  {kg / total:>6.1%}  {kg:>12,.1f} kg CO2e  {escape(what)}")
    if s.unallocated_kg:
        out.print(
            f"  {s.unallocated_kg / total:>6.1%}  {s.unallocated_kg:>12,.1f} kg CO2e  unallocated "
            "(no rule matched)"
        )


@click.command("cloud-billing")  # carbon import cloud-billing
@click.argument("file", type=click.Path(dir_okay=False))
@click.option(
    "--provider",
    required=True,
    type=click.Choice(["aws", "gcp", "azure"]),
    help="Whose export FILE is.",
)
@click.option(
    "--rules",
    "rules",
    required=True,
    type=click.Path(dir_okay=False),
    help="Allocation rules (TOML): which team each bill line belongs to (account, "
    "project, subscription, service, region, tags).",
)
@click.option(
    "--strict",
    is_flag=True,
    help="Refuse the bill when a line matches no rule (instead of "
    "giving it to the rules' 'unallocated' team).",
)
@click.option(
    "--replace", is_flag=True, help="Swap the earlier import of the same source, atomically."
)
@click.option("--source", help="Source name (default: the file name); --replace swaps by it.")
@click.option(
    "--rejects",
    type=click.Path(dir_okay=False),
    help="On refusal, write every problem to this CSV (file, line, column, value, problem).",
)
@click.option(
    "--allow-overlap",
    is_flag=True,
    help="Import even when usage lines are already in the ledger from another import (counted twice).",
)
@click.option(
    "--allocation",
    type=click.Path(dir_okay=False),
    metavar="ALLOC.toml",
    help="Rules may name a pool; its lines are split per team by the pool's key (docs/allocation.md).",
)
@restate_options
@FEED
@pass_ctx
@handle_errors(rejects_param="rejects")
def cloud_billing(
    ctx,
    file,
    provider,
    rules,
    strict,
    replace,
    source,
    rejects,
    allow_overlap,
    allocation,
    restate,
    reason,
    by,
    feed=None,
) -> None:
    """Import a cloud billing export: AWS Cost and Usage Report (CSV, CSV.gz or
    Parquet, legacy or CUR 2.0), GCP standard billing export (CSV or newline
    JSON) or Azure cost details (CSV).

    Each usage line is classified and estimated as Cloud Carbon Footprint does
    (compute, memory, storage SSD/HDD with replication, networking between
    regions, embodied emissions as their own scope-3 entries); unknown usage
    is estimated from its cost. Lines go to teams by the first matching rule
    of RULES; lines no rule matches go to its 'unallocated' team. A bill whose
    usage lines (account × usage period × usage type × resource) are already
    in the ledger from another import is refused, unless --replace of that
    import or --allow-overlap. See docs/cloud-billing.md.

    \b
    Example:
      carbon import cloud-billing cur-2026-03.csv.gz --provider aws --rules cloud-rules.toml
      carbon import cloud-billing gcp-2026-03.json --provider gcp --rules cloud-rules.toml
      carbon import cloud-billing azure-2026-03.csv --provider azure --rules cloud-rules.toml
    """
    check_rejects(rejects)
    result = ctx.carbon.import_cloud_billing(
        file,
        provider,
        rules,
        source=source,
        replace=replace,
        strict=strict,
        restate=restate_of(restate, reason, by),
        allow_overlap=allow_overlap,
        allocation_path=allocation,
        feed=feed,
    )
    _summary(file, result.outcome)
    if result.summary is not None:
        print_cloud_summary(result.summary)


@click.command("ccf-estimates")  # carbon import ccf-estimates
@click.argument("file", type=click.Path(dir_okay=False))
@click.option(
    "--rules",
    "rules",
    required=True,
    type=click.Path(dir_okay=False),
    help="Allocation rules (TOML), as for cloud-billing: account, service, region, tags.",
)
@click.option("--strict", is_flag=True, help="Refuse the file when an estimate matches no rule.")
@click.option(
    "--replace", is_flag=True, help="Swap the earlier import of the same source, atomically."
)
@click.option("--source", help="Source name (default: the file name); --replace swaps by it.")
@click.option(
    "--rejects",
    type=click.Path(dir_okay=False),
    help="On refusal, write every problem to this CSV (file, line, column, value, problem).",
)
@click.option(
    "--allow-overlap",
    is_flag=True,
    help="Import even when usage lines are already in the ledger from another import (counted twice).",
)
@restate_options
@FEED
@pass_ctx
@handle_errors(rejects_param="rejects")
def ccf_estimates(
    ctx,
    file,
    rules,
    strict,
    replace,
    source,
    rejects,
    allow_overlap,
    restate,
    reason,
    by,
    feed=None,
) -> None:
    """Import Cloud Carbon Footprint's own estimates (its API JSON, or CSV).

    CSV columns: timestamp, cloudProvider, accountName, serviceName, region,
    kilowattHours, co2e (metric tons, as CCF gives it). Each estimate keeps
    CCF's kWh and CO2e and goes to a team by the first matching rule. A file
    whose estimates are already in the ledger from another import is refused,
    as a bill is (--replace, --allow-overlap).

    \b
    Example:
      carbon import ccf-estimates ccf-footprint-2026-03.json --rules cloud-rules.toml
    """
    check_rejects(rejects)
    result = ctx.carbon.import_ccf_estimates(
        file,
        rules,
        source=source,
        replace=replace,
        strict=strict,
        restate=restate_of(restate, reason, by),
        allow_overlap=allow_overlap,
        feed=feed,
    )
    _summary(file, result.outcome)
    if result.summary is not None:
        print_cloud_summary(result.summary)
