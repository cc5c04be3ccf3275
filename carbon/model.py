"""Plain immutable records several features share (each feature keeps its own in its
`records.py`: carbon/budgets/records.py, …; docs/architecture.md "Records").

Bulk paths (imports of millions of rows) carry the same fields column-wise in
a pandas DataFrame; `LEDGER_COLUMNS` names them. Every record that came from a
file remembers where (`origin` = "file:line").
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from carbon.core import limits

# The gas parts a factor row may state (columns `gas_co2`, ...): the GHG Protocol's reporting gases
# carbon's tables carry; `gas_other` is a gas outside the Kyoto basket (an HFO such as R-1234yf).
GASES = ("gas_co2", "gas_ch4", "gas_n2o", "gas_hfcs", "gas_other")


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
    # The parts of a lifecycle (scope 2) factor, in its unit, summing to `value` (factors/README.md):
    # generation is booked as scope 2, upstream + T&D as scope 3 category 3. None: not stated.
    part_generation: float | None = None
    part_upstream: float | None = None
    part_td: float | None = None
    scope3_category: int | None = (
        None  # stated by the row (1..15); None: derived (carbon/factors/scope3.py)
    )
    # The parts of `value` per greenhouse gas, in the row's unit (kg CO2e of CO2 per unit, ...), as the
    # source publishes them (factors/README.md "gas parts"); summing to `value`. All None: not split.
    gas_co2: float | None = None
    gas_ch4: float | None = None
    gas_n2o: float | None = None
    gas_hfcs: float | None = None
    gas_other: float | None = None

    @property
    def gas_split(self) -> bool:
        """True when the row states its parts per gas."""
        return any(getattr(self, g) is not None for g in GASES)

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
    region_fallback: (
        bool  # the activity's region had no row; an ancestor's or the any-region row was used
    )
    vintage_warning: str | None  # set when every vintage is later than the activity
    region_used: str = ""  # the region whose rows were used ("" = any region); see docs/regions.md


@dataclass(frozen=True)
class Team:
    name: str
    created_at: datetime | None = None
    retired_from: str | None = None  # "YYYY-MM": the first month without the team; None: active
    former_names: tuple[str, ...] = ()  # oldest first


def renamed_team(name: str, now: str) -> str:
    """The message for a team called by a former name: every input says it the same way."""
    return f"team {name!r} was renamed {now!r}: use the new name"


def retired_by(retired: Mapping[str, str], team: str, month: str) -> bool:
    """True when `team` no longer exists in `month` ("YYYY-MM"): `retired` maps the retired
    teams to their first month without them (`teams retire --from`)."""
    since = retired.get(team)
    return since is not None and since <= month


def valid_team_name(name: str) -> bool:
    """1 to limits.TEAM_NAME printable characters, no surrounding spaces (imports and `teams add`)."""
    return 0 < len(name) <= limits.TEAM_NAME and name.isprintable() and name == name.strip()


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
    repeated: RepeatedRows | None = None  # rows already in another import (a warning)
    restatement: Restatement | None = None  # recorded when the import wrote into closed months
    unchecked_surveys: tuple[str, ...] = ()  # earlier surveys whose employees were never recorded


@dataclass(frozen=True)
class Removal:
    """An import removed, and the restatement recorded when it held entries of closed months."""

    batch: Batch
    restatement: Restatement | None = None


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
    # Scope 3 by GHG Protocol category ("3.1", "3.3", ...; "" where not classified), kg CO2e
    by_scope3_category: dict[str, float] = field(default_factory=dict)
    # Scope 2 both ways per team (carbon/scope2/rules.py): location- and market-based, never added together
    scope2: tuple[
        Any, ...
    ] = ()  # carbon.scope2.rules.Scope2 records (a feature's, not imported here)
    # The month is not over yet (the running month): its figures are partial, said in `warnings`.
    partial: bool = False
    warnings: tuple[str, ...] = ()

    @property
    def total(self) -> float:
        return sum(t.total for t in self.teams)


@dataclass(frozen=True)
class RepeatedLine:
    """A line of the new file whose row is already in another import."""

    line: int
    team: str
    activity: str
    quantity: float  # the row's quantity (its months' shares summed)
    unit: str
    first_month: str
    last_month: str
    imports: tuple[tuple[int, str], ...]  # (import id, source name) holding the same row

    def describe(self) -> str:
        months = (
            self.first_month
            if self.first_month == self.last_month
            else f"{self.first_month}..{self.last_month}"
        )
        where = ", ".join(f"import {i} ({s})" for i, s in self.imports)
        return f"{months} {self.team} {self.activity} {self.quantity:g} {self.unit}, as in {where}"


@dataclass(frozen=True)
class RepeatedRows:
    """Rows of an import that repeat rows of other imports: how many, and the first ones."""

    count: int
    total: int  # data rows of the new import
    first: tuple[RepeatedLine, ...]
    imports: tuple[tuple[int, str], ...]  # every other import holding one of them

    def headline(self, name: str) -> str:
        where = ", ".join(f"import {i} ({s})" for i, s in self.imports)
        return (
            f"{name}: {self.count:,} of {self.total:,} rows repeat rows already in the ledger "
            f"(same date, team, activity, quantity, unit and region) from {where}; if they are "
            "the same activity, it is counted twice"
        )


@dataclass(frozen=True)
class EmployeeClash:
    """An employee of the new survey who already commutes in another survey import."""

    employee: str
    line: int
    batch_id: int
    source: str
    months: tuple[str, ...]  # the overlapping months

    def describe(self) -> str:
        span = self.months[0] if len(self.months) == 1 else f"{self.months[0]}..{self.months[-1]}"
        return (
            f"employee {self.employee!r} already commutes in import {self.batch_id} ({self.source}) "
            f"for {span}: one person commutes once"
        )


@dataclass(frozen=True)
class TeamChange:
    """One team's kg CO2e in one locked month, before and after a restatement."""

    month: str
    team: str
    before_kg: float
    after_kg: float

    @property
    def difference_kg(self) -> float:
        return self.after_kg - self.before_kg


@dataclass(frozen=True)
class FigureChange:
    """A figure other than a team's kg CO2e changed in a locked month: a metric's value or the
    intensity it gives (`figure` "metric NAME" or "kg CO2e per NAME"; `team` "" for the company).
    None: no figure on that side (the value did not exist, or could not be computed)."""

    month: str
    team: str
    figure: str
    before: float | None
    after: float | None


@dataclass(frozen=True)
class Restatement:
    """A recorded write into closed periods."""

    id: int
    at: datetime
    by: str
    reason: str
    action: str  # "import" | "replace" | "remove"
    batch_id: int | None
    removed: tuple[int, ...]
    periods: tuple[str, ...]  # the locked months written into
    changes: tuple[TeamChange, ...] = ()
    figures: tuple[FigureChange, ...] = ()  # metrics and intensities changed, before and after

    def by_team(self) -> list[tuple[str, float]]:
        """(team, kg difference summed over the locked months), by team name."""
        out: dict[str, float] = {}
        for c in self.changes:
            out[c.team] = out.get(c.team, 0.0) + c.difference_kg
        return sorted(out.items())


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
