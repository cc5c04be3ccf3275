"""Records of business metrics: a metric's definition and its monthly values."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class MetricDef:
    """A declared metric: its name, how it adds up over a year, a label ("active users")."""

    name: str
    year_rule: str  # "sum" | "mean"
    label: str


@dataclass(frozen=True)
class MetricValue:
    """One value of a metric for a month; `team` "" means the whole company."""

    month: str
    metric: str
    team: str
    value: float
    line: int
