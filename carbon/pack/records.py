"""The monthly pack's records, shared by the code that builds it (carbon.pack.service) and the
renderer of its report.html (carbon.report.html); pure, no I/O.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from carbon import __version__
from carbon.budgets.rules import StatusReport
from carbon.core.figures import kept
from carbon.metrics.intensity import IntensityView
from carbon.model import MonthlyReport


@dataclass(frozen=True)
class PackData:
    """Everything a pack shows, gathered from the store (kg CO2e throughout).

    `trend`: the 13 months ending with `month`, (month, kg or None when the
    month holds no entry at all); `team_trend`: {team: kg or None per trend
    month}; `top_sources`: {team: ((activity, kg), ...)} for the month, largest first;
    `factors`/`inputs`: see carbon.pack.store.factors_used / batches_used.
    """

    month: str
    report: MonthlyReport
    trend: tuple[tuple[str, float | None], ...]
    team_trend: dict[str, tuple[float | None, ...]]
    top_sources: dict[str, tuple[tuple[str, float], ...]]
    factors: tuple[dict[str, Any], ...]
    inputs: tuple[dict[str, Any], ...]
    data_fingerprint: str
    generated_at: datetime
    budget: StatusReport | None = None
    budget_plan: dict[str, Any] | None = None  # {"year", "source", "content_hash"} of the plan used
    revision: int | None = None  # None: an on-demand pack, not recorded
    reissue_reason: str = ""
    donation_html: str | None = None  # the December pack's donation summary
    donation_line: str = ""  # one line of it, or why it is absent
    tool_version: str = __version__
    backend: str = ""
    notes: tuple[str, ...] = field(default_factory=tuple)
    closed: bool = False  # the month is closed (carbon close, donation close)
    period_status: str = ""  # open or closed, and the restatements since (carbon.closing.rules)
    intensity: IntensityView | None = None  # kg CO2e per unit of each business metric
    levers: tuple[Any, ...] | None = (
        None  # scenario_run.PackScenario per [pack] scenario; None: none configured
    )
    # The previous month's latest produced pack: {"month", "revision", "sha256"} of its manifest
    # (None: none recorded). Chaining the manifests makes a rewritten history detectable.
    previous_manifest: dict[str, Any] | None = None
    completeness: object | None = (
        None  # carbon.feeds.rules.Completeness of the month (docs/feeds.md)
    )


@dataclass(frozen=True)
class BuiltPack:
    """A pack written to `path`; `manifest_sha256` identifies its exact content."""

    month: str
    path: Path
    revision: int | None
    manifest_sha256: str
    data_fingerprint: str


def factor_sources(factors: Iterable[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """Distinct sources of the factors used, with their vintages and kg CO2e share (pure)."""
    by_source: dict[str, dict[str, Any]] = {}
    for f in factors:
        s = by_source.setdefault(
            f["source"],
            {
                "source": f["source"],
                "vintages": set(),
                "factors": 0,
                "co2e_kg": 0.0,
                "boundaries": set(),
            },
        )
        s["vintages"].add(f["year"])
        s["factors"] += 1
        s["co2e_kg"] += f["co2e_kg"]
        if f["boundary"]:
            s["boundaries"].add(f["boundary"])
    return [
        {
            "source": s["source"],
            "vintages": sorted(s["vintages"]),
            "factors": s["factors"],
            "co2e_kg": kept(s["co2e_kg"], 3),
            "boundaries": sorted(s["boundaries"]),
        }
        for s in sorted(by_source.values(), key=lambda s: -s["co2e_kg"])
    ]
