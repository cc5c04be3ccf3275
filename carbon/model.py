"""Plain immutable records: the data model every module speaks.

Bulk paths (imports of millions of rows) carry the same fields column-wise in
a pandas DataFrame; `LEDGER_COLUMNS` names them. Every record that came from a
file remembers where (`origin` = "file:line").
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

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
    scope2: tuple = ()  # (carbon.scope2.rules.Scope2, ...)
    # The month is not over yet (the running month): its figures are partial, said in `warnings`.
    partial: bool = False
    warnings: tuple[str, ...] = ()

    @property
    def total(self) -> float:
        return sum(t.total for t in self.teams)


# ---- repeated rows and employees (rules: carbon.ledger.duplicates) --------------------------------------


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


# ---- closed periods and restatements (rules: carbon.closing.rules) ----------------------------------------

MONTH, YEAR = "month", "year"


@dataclass(frozen=True)
class PeriodLock:
    """A closed month ("YYYY-MM") or year ("YYYY"), and its reopening if any."""

    id: int
    period: str
    origin: str  # ORIGIN_CLOSE | ORIGIN_DONATION
    locked_at: datetime
    locked_by: str
    reason: str
    reopened_at: datetime | None = None
    reopened_by: str | None = None
    reopen_reason: str | None = None

    @property
    def active(self) -> bool:
        return self.reopened_at is None

    @property
    def kind(self) -> str:
        return YEAR if len(self.period) == 4 else MONTH

    def covers(self, month: str) -> bool:
        """True when this lock (in force or not) covers `month` ("YYYY-MM")."""
        return month == self.period or (self.kind == YEAR and month[:4] == self.period)

    def describe(self) -> str:
        """ "2025 (donation close, 2026-01-05 by alice: minutes 12)"."""
        why = f": {self.reason}" if self.reason else ""
        return f"{self.period} ({self.origin}, {self.locked_at:%Y-%m-%d} by {self.locked_by}{why})"


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


# ---- business metrics (rules: carbon.metrics.rules) ------------------------------------------------------


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


# ---- budgets (rules: carbon.budgets.rules) ------------------------------------------------------

MONTHS = 12
FLAT: tuple[float, ...] = (1.0,) * MONTHS


@dataclass(frozen=True)
class TeamBudget:
    """One team's annual budget (kg CO2e) and its 12 monthly weights (January first)."""

    team: str
    budget_kg: float
    weights: tuple[float, ...] = FLAT
    flat: bool = True  # the file said profile = "flat"
    origin: str = ""  # "file:line" of the team's table


@dataclass(frozen=True)
class BudgetPlan:
    """A year's budgets, as read from one budget file.

    `unit` is the file's CO2e unit (figures are shown in it); `kg_per_unit`
    converts it to kg. `company_budget_kg` is the optional company-level cap.
    """

    year: int
    unit: str
    kg_per_unit: float
    teams: tuple[TeamBudget, ...]
    company_budget_kg: float | None = None
    source: str = ""

    @property
    def team_total_kg(self) -> float:
        return sum(t.budget_kg for t in self.teams)

    def team(self, name: str) -> TeamBudget | None:
        return next((t for t in self.teams if t.team == name), None)


@dataclass(frozen=True)
class StoredPlan:
    """A loaded budget plan and when/from what it was loaded."""

    plan: BudgetPlan
    content_hash: str
    loaded_at: datetime


@dataclass(frozen=True)
class LoadOutcome:
    """What loading a budget file did (carbon.budgets.service.load_file)."""

    plan: BudgetPlan
    already_loaded: bool = False  # the identical file was loaded before: nothing changed
    replaced: StoredPlan | None = None  # the earlier plan of the year, swapped out
    warnings: tuple[str, ...] = ()
    teams_without_budget: tuple[str, ...] = ()
    restatement: Restatement | None = (
        None  # recorded when the reload changed a closed month's allocation
    )


# ---- prices and donation sign-offs (rules: carbon.prices.rules, carbon.donation.rules) --------------------

PER_TONNE = "t CO2e"
COMPLETE = "complete"  # a donation of a year over, every month with data (carbon.donation.rules)


@dataclass(frozen=True)
class Price:
    """A carbon price: `value` in `currency` per tonne CO2e (converted from `unit`).

    `unit` is as written in its table; `origin` is "file:line", or "command
    line" for a `--price` given by hand.
    """

    key: str
    year: int
    value: Decimal  # currency per t CO2e
    currency: str
    basis: str
    source: str
    unit: str = ""
    region: str = ""
    source_ref: str = ""
    notes: str = ""
    origin: str = ""

    @property
    def per_tonne_unit(self) -> str:
        return f"{self.currency} / {PER_TONNE}"

    @property
    def ident(self) -> tuple[str, int]:
        return (self.key, self.year)


@dataclass(frozen=True)
class ClosedDonation:
    """A signed-off donation: the decided figures, the price snapshot, the ledger hash."""

    id: int
    year: int
    closed_at: datetime
    price: Price
    emissions_g: int
    amount_cents: int
    teams: tuple[tuple[str, int, int], ...]  # (team, grams, cents)
    ledger_hash: str
    scopes: tuple[int, ...] = ()
    categories: tuple[str, ...] = ()
    status: str = COMPLETE
    note: str = ""
    scope2: str = "location"  # the scope-2 basis of the sign-off


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


@dataclass(frozen=True)
class Instrument:
    """Electricity of a team, month and country covered by a contractual instrument
    (carbon/scope2/file.py reads them; carbon/scope2/rules.py counts them)."""

    month: str
    team: str
    country: str
    mwh: float
    instrument: str
    factor_kg_per_kwh: float
    line: int = 0
    note: str = ""

    @property
    def kg(self) -> float:
        """Its market-based emissions: MWh × 1000 kWh/MWh × kg per kWh."""
        return self.mwh * 1000.0 * self.factor_kg_per_kwh


FEED_KINDS = ("activities", "cloud-billing", "video", "survey", "metrics", "energy-attributes")
FEED_CADENCES = ("monthly",)
# A feed kind -> the import kinds (batches.kind) it takes.
FEED_BATCH_KINDS = {
    "activities": ("activities",),
    "cloud-billing": ("cloud-billing", "ccf-estimates"),
    "video": ("video",),
    "survey": ("commuting-survey",),
    "metrics": ("metrics",),
    "energy-attributes": ("energy-attributes",),
}


@dataclass(frozen=True)
class Feed:
    """A data feed a complete month needs (carbon feeds add, docs/feeds.md): its imports are
    those attributed to it (`--feed NAME`) or, failing that, those of its kind whose provider and
    source name match; `teams` and `categories` (empty: any) narrow what it covers and are each
    expected every month. It is expected from `first_month` (None: its first month with data, or
    the month it was declared when it has none)."""

    name: str
    kind: str
    provider: str | None = None
    teams: tuple[str, ...] = ()
    categories: tuple[str, ...] = ()
    source: str | None = (
        None  # an fnmatch pattern on the import's source name (--source, else file name)
    )
    cadence: str = "monthly"
    first_month: str | None = None
    declared_month: str | None = None  # the month it was declared (YYYY-MM)


@dataclass(frozen=True)
class FeedBatch:
    """An import as the completeness rules see it: its kind, source, provider and the feed it was
    attributed to (None: by kind, provider and source pattern)."""

    id: int
    kind: str
    source: str
    provider: str | None = None
    feed: str | None = None


@dataclass(frozen=True)
class FeedCell:
    """What an import holds in a month: a team and category (a metric name, an instrument)."""

    batch_id: int
    month: str
    team: str
    category: str
