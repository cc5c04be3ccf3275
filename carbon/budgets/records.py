"""Records of team budgets: a year's plan, each team's budget, a stored plan and a load's outcome."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from carbon.model import Restatement

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
