"""Tables and queries of team budgets: one budget plan per year, one row per budgeted team.

Budgets are stored in kg CO2e with the file's unit beside them (figures are
shown back in that unit). Loading a file (validation, replace rules) is
carbon.budgets.service; the status is carbon.budgets.status.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime

from sqlalchemy import (
    Boolean,
    Column,
    DateTime,
    Float,
    ForeignKey,
    Integer,
    PrimaryKeyConstraint,
    String,
    Table,
    Text,
    delete,
    insert,
    select,
)
from sqlalchemy.engine import Connection

from carbon.budgets.records import BudgetPlan, StoredPlan, TeamBudget
from carbon.core import limits
from carbon.errors import NotFound
from carbon.store.schema import metadata, teams

budget_plans = Table(
    "budget_plans",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("year", Integer, nullable=False, unique=True),
    Column(
        "unit", String(limits.BUDGET_UNIT), nullable=False
    ),  # as written in the file, e.g. "t CO2e"
    Column("kg_per_unit", Float, nullable=False),
    Column("company_budget_kg", Float),
    Column("source_name", String(limits.SOURCE_NAME), nullable=False),
    Column("content_hash", String(64), nullable=False),
    Column("loaded_at", DateTime(timezone=True), nullable=False),
)

budget_teams = Table(
    "budget_teams",
    metadata,
    Column("plan_id", Integer, ForeignKey("budget_plans.id", ondelete="CASCADE"), nullable=False),
    Column("team_id", Integer, ForeignKey("teams.id"), nullable=False),
    Column("budget_kg", Float, nullable=False),
    Column("flat", Boolean, nullable=False),
    Column("weights", Text, nullable=False),  # JSON list of the 12 monthly weights
    Column("origin", String(limits.ORIGIN), nullable=False),
    PrimaryKeyConstraint("plan_id", "team_id"),
)


def loaded_years(conn: Connection) -> list[int]:
    """Years with a loaded budget plan, ascending."""
    return [y for (y,) in conn.execute(select(budget_plans.c.year).order_by(budget_plans.c.year))]


def get_plan(conn: Connection, year: int) -> StoredPlan | None:
    """The budget plan of `year`, or None."""
    row = conn.execute(select(budget_plans).where(budget_plans.c.year == year)).mappings().first()
    if row is None:
        return None
    rows = conn.execute(
        select(
            teams.c.name,
            budget_teams.c.budget_kg,
            budget_teams.c.flat,
            budget_teams.c.weights,
            budget_teams.c.origin,
        )
        .select_from(budget_teams.join(teams, budget_teams.c.team_id == teams.c.id))
        .where(budget_teams.c.plan_id == row["id"])
        .order_by(teams.c.name)
    )
    team_budgets = tuple(
        TeamBudget(n, kg, tuple(json.loads(w)), bool(f), o) for n, kg, f, w, o in rows
    )
    plan = BudgetPlan(
        row["year"],
        row["unit"],
        row["kg_per_unit"],
        team_budgets,
        row["company_budget_kg"],
        row["source_name"],
    )
    at = row["loaded_at"]
    if at is not None and at.tzinfo is None:
        at = at.replace(tzinfo=UTC)  # SQLite drops the zone; we store UTC
    return StoredPlan(plan, row["content_hash"], at)


def require_plan(conn: Connection, year: int) -> StoredPlan:
    """The plan of `year`; NotFound naming the loaded years otherwise."""
    found = get_plan(conn, year)
    if found is None:
        years = loaded_years(conn)
        have = (
            f"budgets are loaded for {', '.join(map(str, years))}"
            if years
            else "no budgets are loaded"
        )
        raise NotFound(
            f"no budgets loaded for {year} ({have}); load a budget file with "
            "'carbon budget load FILE'"
        )
    return found


def replace_plan(
    conn: Connection,
    plan: BudgetPlan,
    source_name: str,
    content_hash: str,
    team_ids: dict[str, int],
) -> None:
    """Store `plan` as its year's plan (the earlier plan of the year, if any, is deleted)."""
    found = conn.execute(select(budget_plans.c.id).where(budget_plans.c.year == plan.year)).scalar()
    if found is not None:
        conn.execute(delete(budget_teams).where(budget_teams.c.plan_id == found))
        conn.execute(delete(budget_plans).where(budget_plans.c.id == found))
    plan_id = conn.execute(
        insert(budget_plans)
        .values(
            year=plan.year,
            unit=plan.unit,
            kg_per_unit=plan.kg_per_unit,
            company_budget_kg=plan.company_budget_kg,
            source_name=source_name,
            content_hash=content_hash,
            loaded_at=datetime.now(UTC),
        )
        .returning(budget_plans.c.id)
    ).scalar_one()
    conn.execute(
        insert(budget_teams),
        [
            dict(
                plan_id=plan_id,
                team_id=team_ids[t.team],
                budget_kg=t.budget_kg,
                flat=t.flat,
                weights=json.dumps(list(t.weights), allow_nan=False),
                origin=t.origin,
            )
            for t in plan.teams
        ],
    )
