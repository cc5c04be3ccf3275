"""Plain immutable records: the data model every module speaks.

Bulk paths (imports of millions of rows) carry the same fields column-wise in
a pandas DataFrame; `LEDGER_COLUMNS` names them. Every record that came from a
file remembers where (`origin` = "file:line").
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from carbon.duplicates import RepeatedRows
    from carbon.scope2 import Scope2
    from carbon.locks import Restatement


@dataclass(frozen=True)
class Factor:
    """An emission factor: `value` CO2e per activity unit, as `unit` says.

    `region` is "" for "any region"; `year` is the vintage.
    """

    activity: str
    region: str
    year: int
    value: float
    unit: str
    category: str
    scope: int
    source: str
    uncertainty_pct: float | None = None
    source_ref: str = ""
    boundary: str = ""
    origin: str = ""

    @property
    def ident(self) -> tuple[str, str, int]:
        return (self.activity, self.region, self.year)


@dataclass(frozen=True)
class Coefficient:
    """A published parameter of a derived factor (watts per vCPU, PUE, GB per hour)."""

    name: str
    value: float
    unit: str
    year: int
    source: str
    source_ref: str = ""
    origin: str = ""


@dataclass(frozen=True)
class Resolution:
    """The factor chosen for one (activity, region, year), and why."""

    factor: Factor
    region_fallback: bool  # the activity's region had no row; an ancestor's or the any-region row was used
    vintage_warning: str | None  # set when every vintage is later than the activity
    region_used: str = ""  # the region whose rows were used ("" = any region); see docs/regions.md


@dataclass(frozen=True)
class Team:
    name: str
    created_at: datetime | None = None
    retired_from: str | None = None  # "YYYY-MM": the first month without the team; None: active
    former_names: tuple[str, ...] = ()  # oldest first


@dataclass(frozen=True)
class Batch:
    """One import: a file (or survey expansion) stored as a unit, removable as a unit."""

    id: int
    kind: str  # "activities" | "commuting-survey" | "factors"
    source_name: str
    content_hash: str
    imported_at: datetime
    row_count: int
    entry_count: int
    co2e_kg: float


@dataclass(frozen=True)
class RegionFallback:
    """Rows of an import whose region had no factor of its own for a key, and the region used."""

    activity: str
    region: str  # as written in the file (or given by --region)
    region_used: str  # an ancestor in the region hierarchy, or "" (the any-region rows)
    rows: int  # rows of the file (survey: employees) concerned


@dataclass(frozen=True)
class ImportOutcome:
    """What an import did: the batch written (or the earlier identical one), and notes."""

    batch: Batch
    already_imported: bool = False
    replaced: tuple[int, ...] = ()
    warnings: tuple[str, ...] = ()
    region_fallbacks: int = 0  # ledger entries whose factor came from another region
    created_teams: tuple[str, ...] = ()
    fallbacks: tuple[RegionFallback, ...] = ()  # each (key, region, region used), for the summary
    repeated: "RepeatedRows | None" = None  # rows already in another import (a warning)
    restatement: "Restatement | None" = None  # recorded when the import wrote into closed months
    unchecked_surveys: tuple[str, ...] = ()  # earlier surveys whose employees were never recorded


@dataclass(frozen=True)
class Removal:
    """An import removed, and the restatement recorded when it held entries of closed months."""

    batch: Batch
    restatement: "Restatement | None" = None


@dataclass(frozen=True)
class TeamMonth:
    """One team's emissions for one month, in kg CO2e."""

    team: str
    total: float
    by_category: dict[str, float] = field(default_factory=dict)
    by_scope: dict[str, float] = field(default_factory=dict)
    entries: int = 0
    # {(category, scope): kg}: the cells of the tidy CSV, which sum to `total` with nothing counted twice
    by_category_scope: dict[tuple[str, str], float] = field(default_factory=dict)


@dataclass(frozen=True)
class MonthlyReport:
    """Every team's emissions for a month (kg CO2e) and the company total."""

    month: str
    teams: tuple[TeamMonth, ...]
    unit: str = "kg CO2e"
    team: str | None = None  # the one team asked for (`--team`), else None: the whole company
    # Scope 2 both ways per team (carbon/scope2.py): location- and market-based, never added together
    scope2: "tuple[Scope2, ...]" = ()

    @property
    def total(self) -> float:
        return sum(t.total for t in self.teams)


# Columns of the ledger in bulk form (one row per activity line and month).
LEDGER_COLUMNS = (
    "line",  # line of the source file (survey: line of the employee)
    "team",
    "month",  # "YYYY-MM"
    "activity",
    "category",
    "scope",
    "quantity",  # in the unit of the file, this month's share
    "unit",
    "co2e_kg",
    "factor_id",  # the stored snapshot of the factor used
)
